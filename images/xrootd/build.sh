#!/usr/bin/env bash
# build.sh - build the operand image (xrootd and cmsd on Debian bookworm) offline, as an OCI archive,
# and cache it outside the repository. No container daemon: mmdebstrap makes the root filesystem
# (rootfs.sh, the same script the Containerfile runs), umoci makes it an OCI image layout.
#
# Idempotent: when the archive for these inputs is cached it exits in well under a second. The cache
# key is a hash of the build's inputs (this script, rootfs.sh, packages), so a change to any of them
# builds a new image. Needs root (mmdebstrap's root mode, file ownership in the layer), apt access to
# a Debian mirror, and the packages mmdebstrap and umoci (installed when missing).
#
# Output: progress on stderr; the LAST line on stdout is the OCI archive, so
#   XROOTD_IMAGE="$(bash images/xrootd/build.sh | tail -n1)"
# works. Beside it: build-info.txt (digest, sizes, build time) and packages.txt (name, version).
#
# Env:
#   XROOTD_IMAGE_CACHE   cache dir (default $HOME/.cache/xrootd-hook/image); each input hash gets
#                        its own subdirectory
#   SOURCE_DATE_EPOCH    passed to rootfs.sh (its default makes the build reproducible)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
TAG="5.5.3-bookworm"
NAME="xrootd-hook/xrootd"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1747440000}"
CREATED="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
APT_PKGS=(mmdebstrap umoci)

say() { echo "[build-image] $*" >&2; }

key="$(cat "$here/build.sh" "$here/rootfs.sh" "$here/packages" | sha256sum | cut -c1-16)"
ROOT="${XROOTD_IMAGE_CACHE:-${HOME:-/root}/.cache/xrootd-hook/image}"
CACHE="$ROOT/$key"
ARCHIVE="$CACHE/xrootd-$TAG.oci.tar"
DONE="$CACHE/archive.sha256"

# The archive is complete when its checksum, written last, matches.
archive_ok() { [[ -s "$ARCHIVE" && -s "$DONE" ]] && (cd "$CACHE" && sha256sum -c --status "$DONE"); }

if archive_ok; then
  echo "$ARCHIVE"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if archive_ok; then   # another build finished while this one waited
  echo "$ARCHIVE"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  say "needs root (mmdebstrap root mode, layer ownership)"
  exit 1
fi
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends --dry-run "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q >&2
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

LOG="$CACHE/build.log"
WORK="$CACHE/work"
rm -rf "$WORK" "$ARCHIVE" "$DONE"
mkdir -p "$WORK"
: >"$LOG"
start=$SECONDS
say "building $NAME:$TAG into $CACHE (log: $LOG)"

run_logged() {
  local what="$1"; shift
  local t0=$SECONDS rc=0
  say "$what ..."
  { echo; echo "=== $(date -u +%FT%TZ) $what: $*"; } >>"$LOG"
  "$@" </dev/null >>"$LOG" 2>&1 || rc=$?
  if ((rc != 0)); then
    say "FAILED ($rc): $what. Last lines of $LOG:"
    tail -n 40 "$LOG" >&2
    exit "$rc"
  fi
  say "$what done ($((SECONDS - t0)) s)"
}

run_logged "root filesystem (mmdebstrap)" "$here/rootfs.sh" "$WORK/rootfs.tar"
rootfs_seconds=$((SECONDS - start))

layout="$WORK/oci"
ref="$layout:$TAG"
labels=(
  "org.opencontainers.image.title=xrootd"
  "org.opencontainers.image.description=xrootd and cmsd 5.5.3 (Debian bookworm) for xrootd-hook clusters"
  "org.opencontainers.image.version=$TAG"
  "org.opencontainers.image.created=$CREATED"
  "org.opencontainers.image.base.name=debian:bookworm (mmdebstrap --variant=essential)"
  "org.xrootd.hook.image.inputs=$key"
)
label_args=()
for l in "${labels[@]}"; do label_args+=(--config.label "$l"); done
pack() {
  umoci init --layout "$layout"
  umoci new --image "$ref"
  umoci raw add-layer --image "$ref" --history.created "$CREATED" \
    --history.created_by "images/xrootd/rootfs.sh (mmdebstrap --variant=essential bookworm)" "$WORK/rootfs.tar"
  # The daemons' account (rootfs.sh): numeric, so that the kubelet can check runAsNonRoot.
  umoci config --image "$ref" --no-history --created "$CREATED" --author "xrootd-hook images/xrootd" \
    --config.user 1000:1000 --config.workingdir / \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "${label_args[@]}"
  umoci gc --layout "$layout"
  # An OCI archive: the layout as one tarball, with fixed names, owners, modes and times.
  chmod -R u=rwX,go=rX "$layout"
  tar --sort=name --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$ARCHIVE.tmp" .
  mv -f "$ARCHIVE.tmp" "$ARCHIVE"
}
run_logged "OCI image layout and archive (umoci)" pack

# What went in: every package with its version, read from the image's own dpkg database.
tar -xOf "$WORK/rootfs.tar" ./var/lib/dpkg/status \
  | awk '/^Package:/{p=$2} /^Version:/{print p, $2}' | sort >"$CACHE/packages.txt"
manifest="$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$layout/index.json")"
{
  echo "image: $NAME:$TAG"
  echo "manifest: $manifest"
  echo "inputs: $key"
  echo "SOURCE_DATE_EPOCH: $SOURCE_DATE_EPOCH"
  echo "packages: $(wc -l <"$CACHE/packages.txt")"
  echo "root filesystem bytes: $(stat -c %s "$WORK/rootfs.tar")"
  echo "archive bytes: $(stat -c %s "$ARCHIVE")"
  echo "build seconds: $((SECONDS - start)) (root filesystem $rootfs_seconds)"
  echo "built: $(date -u +%FT%TZ) on $(nproc) cores"
} >"$CACHE/build-info.txt"
rm -rf "$WORK"
(cd "$CACHE" && sha256sum "$(basename "$ARCHIVE")" >"$DONE.tmp" && mv -f "$DONE.tmp" "$DONE")
sed 's/^/[build-image] /' "$CACHE/build-info.txt" >&2
echo "$ARCHIVE"
