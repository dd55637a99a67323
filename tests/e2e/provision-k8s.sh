#!/usr/bin/env bash
# provision-k8s.sh - build and cache a real Kubernetes v1.20.2 control plane
# (kube-apiserver, kube-controller-manager) plus Debian's etcd 3.4, for the
# end-to-end test tier.
#
# Source: Debian bookworm's `kubernetes` SOURCE package (its orig tarball is the
# complete upstream tree incl. vendor/), fetched with apt through a PRIVATE
# deb-src list and private apt state (the system apt configuration is never
# changed), built offline with Debian's Go 1.19.
#
# Idempotent: when the binaries are already cached and answer --version, it
# exits in well under a second. Needs root (or sudo) only for apt-get install.
# Never writes into the current directory / the repository.
#
# Output: progress on stderr; the LAST line on stdout is the bin dir, so
#   BIN="$(bash provision-k8s.sh | tail -n1)"
# works.
#
# Env:
#   XROOTD_K8S_CACHE  cache dir (default $HOME/.cache/xrootd-hook/k8s/1.20.2);
#                     binaries go to $XROOTD_K8S_CACHE/bin, the build log to
#                     $XROOTD_K8S_CACHE/provision.log
#   XROOTD_K8S_KEEP_BUILD=1  keep the build tree ($XROOTD_K8S_CACHE/build) after success
set -euo pipefail

K8S_DEB_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
K8S_VERSION="v1.20.2"
ORIG_TARBALL="kubernetes_1.20.5+really1.20.2.orig.tar.gz"
ORIG_SHA256="b83c0780efb182d928dc63d46488a847f161f04e40a94b96bf5247dd671ecdfc" # as listed in the signed bookworm Sources index
APT_PKGS=(etcd-server golang-go golang-github-modern-go-reflect2-dev rsync make)
REFLECT2_SRC="/usr/share/gocode/src/github.com/modern-go/reflect2"

CACHE="${XROOTD_K8S_CACHE:-${HOME:-/root}/.cache/xrootd-hook/k8s/1.20.2}"
BIN="$CACHE/bin"
LOG="$CACHE/provision.log"

say() { echo "[provision-k8s] $*" >&2; }

# (output captured first: `cmd | grep -q` can SIGPIPE under pipefail)
kube_ok() {
  local v
  [[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" ]] || return 1
  v="$("$BIN/kube-apiserver" --version 2>/dev/null)" && [[ "$v" == "Kubernetes $K8S_VERSION" ]] || return 1
  v="$("$BIN/kube-controller-manager" --version 2>/dev/null)" && [[ "$v" == "Kubernetes $K8S_VERSION" ]] || return 1
}
etcd_ok() {
  local v
  [[ -x "$BIN/etcd" ]] || return 1
  v="$("$BIN/etcd" --version 2>/dev/null)" && [[ "$v" == "etcd Version: 3.4."* ]] || return 1
}
binaries_ok() { kube_ok && etcd_ok; }

# Fast path (no lock, no apt): everything is already there.
if binaries_ok; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$CACHE"
# Serialise concurrent provisioning (e.g. parallel test JVMs / CI steps).
exec 9>"$CACHE/.lock"
flock 9
if binaries_ok; then   # somebody else finished while we waited
  echo "$BIN"
  exit 0
fi

[[ -s "$LOG" ]] && mv -f "$LOG" "$LOG.prev"   # keep the previous run's log
: >"$LOG"
START=$SECONDS
say "provisioning into $CACHE (log: $LOG)"

# run_logged DESCRIPTION CMD...: run with all output to the log; on failure show its tail and exit.
run_logged() {
  local what="$1"; shift
  local t0=$SECONDS rc=0
  say "$what ..."
  { echo; echo "=== $(date -u +%FT%TZ) $what: $*"; } >>"$LOG"
  "$@" </dev/null >>"$LOG" 2>&1 || rc=$?
  if (( rc != 0 )); then
    say "FAILED ($rc): $what. Last lines of $LOG:"
    tail -n 60 "$LOG" >&2
    exit "$rc"
  fi
  say "$what done ($((SECONDS - t0)) s)"
}

# ---------------------------------------------------------------- 1. apt packages
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    say "not root and no sudo: cannot apt-get install"; fi
fi

missing=()
for p in "${APT_PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; }
  # Only run `apt-get update` when the install cannot work with the current lists.
  if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends --dry-run "${missing[@]}" </dev/null >>"$LOG" 2>&1; then
    run_logged "apt-get update" "${SUDO[@]}" apt-get update -q
  fi
  run_logged "apt-get install ${missing[*]}" apt_install
fi
[[ -d "$REFLECT2_SRC" ]] || { say "missing $REFLECT2_SRC (golang-github-modern-go-reflect2-dev)"; exit 1; }

if kube_ok; then   # only etcd missing/broken: no rebuild needed
  mkdir -p "$BIN"
  install -m 0755 /usr/bin/etcd "$BIN/etcd"
  binaries_ok || { say "etcd copy failed --version check"; exit 1; }
  say "done in $((SECONDS - START)) s (etcd only)"
  echo "$BIN"
  exit 0
fi

# ---------------------------------------------------------------- 2. source (private apt state)
SRC="$CACHE/src"
if [[ ! -s "$SRC/$ORIG_TARBALL" ]] || ! (cd "$SRC" && echo "$ORIG_SHA256  $ORIG_TARBALL" | sha256sum -c --status); then
  APTD="$CACHE/apt"
  rm -rf "$APTD" "$SRC"
  mkdir -p "$APTD/parts" "$APTD/lists/partial" "$APTD/cache/archives/partial" "$SRC"
  # deb-src list derived from the system's own (deb822) sources: names no host itself.
  SYS_SOURCES=/etc/apt/sources.list.d/debian.sources
  if [[ -f "$SYS_SOURCES" ]]; then
    sed 's/^Types: .*$/Types: deb-src/' "$SYS_SOURCES" >"$APTD/parts/src.sources"
  else
    # one-line format fallback
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | sed 's/^deb /deb-src /' >"$APTD/parts/src.list"
  fi
  APT_PRIV=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APTD/parts"
            -o "Dir::State::Lists=$APTD/lists" -o "Dir::Cache=$APTD/cache"
            -o "Debug::NoLocking=1")
  # As root apt would drop to the _apt user, who cannot write under $HOME (0700).
  [[ $(id -u) -eq 0 ]] && APT_PRIV+=(-o "APT::Sandbox::User=root")
  run_logged "apt-get update (private deb-src state)" apt-get "${APT_PRIV[@]}" update -q
  run_logged "apt-get source --download-only kubernetes=$K8S_DEB_VERSION" \
    bash -c 'cd "$1" && shift && exec apt-get "$@"' _ "$SRC" "${APT_PRIV[@]}" source -q --download-only "kubernetes=$K8S_DEB_VERSION"
  rm -rf "$APTD"
  (cd "$SRC" && sha256sum "$ORIG_TARBALL") >>"$LOG"
  if ! (cd "$SRC" && echo "$ORIG_SHA256  $ORIG_TARBALL" | sha256sum -c --status); then
    say "sha256 mismatch for $ORIG_TARBALL (expected $ORIG_SHA256):"
    (cd "$SRC" && sha256sum "$ORIG_TARBALL") >&2
    exit 1
  fi
fi

# ---------------------------------------------------------------- 3. build
BUILD="$CACHE/build"
rm -rf "$BUILD"
mkdir -p "$BUILD"
run_logged "extract $ORIG_TARBALL" tar -xzf "$SRC/$ORIG_TARBALL" -C "$BUILD"
TREE="$(find "$BUILD" -mindepth 1 -maxdepth 1 -type d | head -n1)"
[[ -f "$TREE/cmd/kube-apiserver/apiserver.go" ]] || { say "unexpected tarball layout under $BUILD"; exit 1; }

# reflect2 < 1.0.2 is broken on Go >= 1.18 (SIGSEGV on the first custom-resource write).
rm -rf "$TREE/vendor/github.com/modern-go/reflect2"
cp -r "$REFLECT2_SRC" "$TREE/vendor/github.com/modern-go/reflect2"

build_k8s() (
  cd "$TREE"
  export GOPATH="$TREE/.go" GOCACHE="$BUILD/gocache" CGO_ENABLED=0 GOPROXY=off GOFLAGS=
  mkdir -p .go/src/k8s.io
  ln -sfn ../../.. .go/src/k8s.io/kubernetes
  # No .git in the tarball: pin the version stamped into the binaries.
  export KUBE_GIT_VERSION="$K8S_VERSION" KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager"
)
run_logged "build kube-apiserver + kube-controller-manager (several minutes)" build_k8s

OUT="$TREE/_output/local/bin/linux/amd64"
[[ -x "$OUT/kube-apiserver" ]] || OUT="$TREE/_output/bin"
mkdir -p "$BIN"
install -m 0755 "$OUT/kube-apiserver" "$OUT/kube-controller-manager" "$BIN/"
install -m 0755 /usr/bin/etcd "$BIN/etcd"

if [[ "${XROOTD_K8S_KEEP_BUILD:-0}" != 1 ]]; then
  rm -rf "$BUILD"
fi

if ! binaries_ok; then
  say "binaries built but --version check failed:"
  "$BIN/kube-apiserver" --version >&2 || true
  "$BIN/kube-controller-manager" --version >&2 || true
  "$BIN/etcd" --version >&2 || true
  exit 1
fi
say "done in $((SECONDS - START)) s"
echo "$BIN"
