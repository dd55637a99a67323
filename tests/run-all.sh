#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what the tests need, then Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# The end-to-end tier (src/test/java/org/xrootd/hook/e2e) runs against a real kube-apiserver and
# kube-controller-manager v1.20.2, built once from Debian's source package and cached outside the
# repository (~6 min cold on 2 cores, under a second warm). Its last stdout line is the bin dir.
XROOTD_K8S_BIN="$(bash tests/e2e/provision-k8s.sh </dev/null | tail -n1)"
export XROOTD_K8S_BIN

mvn -B -ntp verify "$@"
