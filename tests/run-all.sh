#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what the tests need, then Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
# Real-daemon tests (src/test/java/org/xrootd/hook/daemons): the daemons run in the operand image
# (images/xrootd, built below); the host brings the test's clients (xrdcp, xrdfs, xrdmapc; curl) and
# xrdsssadmin for a keytab, network namespaces (ip), mount/UTS namespaces, chroot and identities
# (unshare, nsenter, setpriv, chroot), the image unpacker (umoci) and a shell parser that reads the
# generated scripts (shfmt).
command -v xrdsssadmin >/dev/null 2>&1 || need_apt+=(xrootd-server)
for tool in xrdcp xrdfs xrdmapc; do command -v "$tool" >/dev/null 2>&1 || need_apt+=(xrootd-client); done
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
for tool in unshare nsenter setpriv; do command -v "$tool" >/dev/null 2>&1 || need_apt+=(util-linux); done
command -v chroot >/dev/null 2>&1 || need_apt+=(coreutils)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
for tool in umoci shfmt mmdebstrap; do command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool"); done
# The harness's cluster network (PodNetwork): dnsmasq plays the cluster DNS and the site's DNS
# (getent from libc-bin checks its answers), nft the nodes' DNAT for hostPorts and Services; the
# outside-access test's WebDAV client is CERN's davix.
command -v dnsmasq >/dev/null 2>&1 || need_apt+=(dnsmasq-base)
command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
for tool in davix-get davix-put davix-cp; do command -v "$tool" >/dev/null 2>&1 || need_apt+=(davix); done
# StartScriptTest: the generated start.sh passes shellcheck.
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
# Day-2 real-daemon tests: a self-signed certificate for spec.tls.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# TokensRealDaemonTest: the token issuer it serves over HTTPS is python3's http.server.
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# Monitor alert rules (AlertRulesTest): promtool check/test rules; Debian's prometheus package has promtool.
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
# The benchmark smoke run below loads the service with wrk.
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
# ... and compares it with a Node.js and a Python peer hook (tests/bench/peers).
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_apt[@]}" | sort -u)
fi

# The end-to-end tier (src/test/java/org/xrootd/hook/e2e) runs against a real kube-apiserver and
# kube-controller-manager v1.20.2, built once from Debian's source package and cached outside the
# repository (~6 min cold on 2 cores, under a second warm). Its last stdout line is the bin dir.
XROOTD_K8S_BIN="$(bash tests/e2e/provision-k8s.sh </dev/null | tail -n1)"
export XROOTD_K8S_BIN

# The operand image the real-daemon tests run every pod in (images/xrootd): built offline with
# mmdebstrap and umoci, cached outside the repository by a hash of its inputs (about 3 min cold on
# 2 cores, under a second warm). Its last stdout line is the OCI archive.
XROOTD_IMAGE="$(bash images/xrootd/build.sh </dev/null | tail -n1)"
export XROOTD_IMAGE

# mvn verify: the unit, fixture and robustness tiers (surefire), then the daemons, e2e and cgroup tiers
# (failsafe, JUnit tags in src/test/java/org/xrootd/hook/testkit/Tiers.java). Any failure fails the run.
mvn -B -ntp verify "$@"

# The benchmark command at tiny sizes (BENCHMARKS.md): checks that every step still produces a number,
# not how fast; 35-65 s on 2 cores depending on the load. XROOTD_BENCH_SMOKE=0 skips it.
if [ "${XROOTD_BENCH_SMOKE:-1}" != 0 ]; then
  tests/bench/run.sh --smoke
fi

# A short load soak over loopback: 0 5xx, 0 dropped connections, flat heap (the full one: tests/soak.sh 60 64).
tests/soak.sh "${SOAK_SECONDS:-10}" "${SOAK_CONCURRENCY:-64}"

# Coverage-guided fuzzing of the sync handler from the committed corpus. A finding fails the run; Jazzer
# saves the input under src/test/resources/org/xrootd/hook/robust/SyncFuzzTestInputs/sync/ to commit.
mvn -B -ntp -Pfuzz test -Dfuzz.duration="${FUZZ_DURATION:-60s}"
