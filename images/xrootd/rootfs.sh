#!/bin/sh
# rootfs.sh OUT.tar: the operand image's root filesystem as a tarball, from Debian bookworm with
# mmdebstrap. Used by both builds: build.sh (offline, OCI archive) and the Containerfile (registry).
#
# Variant "essential": only Debian's Essential:yes set (dash, coreutils, grep, ...; no apt), plus the
# packages listed in ./packages and their dependencies. The daemons' account xrootd is made before
# the xrootd packages are installed, with uid/gid 1000 = the hook's default
# spec.securityContext.runAsUser/runAsGroup/fsGroup (the package's postinst keeps an existing
# account). Documentation, man pages and translations are left out, setuid/setgid bits are removed
# (no_new_privs makes them useless in a pod anyway), and /dev is empty (the runtime provides it).
#
# Env: SOURCE_DATE_EPOCH (default below): with the same mirror content the tarball is byte for byte
# the same. MMDEBSTRAP_MODE (default auto), MMDEBSTRAP_SKIP (mmdebstrap --skip stages, e.g.
# chroot/mount in a build container), MMDEBSTRAP_MIRROR (default: this machine's apt sources when
# they are deb822 Debian sources, else mmdebstrap's default mirror).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: rootfs.sh OUT.tar}"
XROOTD_UID=1000
XROOTD_GID=1000
# 2025-05-17, the Debian 12.11 point release: the default time stamp of every file in the image.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1747440000}"

include="$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages" | tr -s '[:space:]' ',' | sed 's/,$//')"
set --
if [ -n "${MMDEBSTRAP_MIRROR:-}" ]; then
  set -- "$MMDEBSTRAP_MIRROR"
elif [ -f /etc/apt/sources.list.d/debian.sources ]; then
  set -- /etc/apt/sources.list.d/debian.sources
fi

account="echo 'xrootd:x:$XROOTD_UID:$XROOTD_GID:XRootD runtime user:/var/spool/xrootd:/usr/sbin/nologin' >> \"\$1/etc/passwd\"
echo 'xrootd:x:$XROOTD_GID:' >> \"\$1/etc/group\"
if [ -f \"\$1/etc/shadow\" ]; then echo 'xrootd:!:::::::' >> \"\$1/etc/shadow\"; fi
if [ -f \"\$1/etc/gshadow\" ]; then echo 'xrootd:!::' >> \"\$1/etc/gshadow\"; fi"

# shellcheck disable=SC2016 # the hooks are expanded by mmdebstrap's shell, with $1 the new root
mmdebstrap --mode="${MMDEBSTRAP_MODE:-auto}" ${MMDEBSTRAP_SKIP:+--skip="$MMDEBSTRAP_SKIP"} --variant=essential --format=tar \
  --include="$include" \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --essential-hook="$account" \
  --customize-hook='find "$1" -xdev -type f -perm /6000 -exec chmod ug-s {} +' \
  --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
  --customize-hook='rm -rf "$1/etc/apt/sources.list" "$1/etc/apt/sources.list.d"/*' \
  bookworm "$out.raw" "$@"
mmtarfilter --path-exclude='/dev/*' <"$out.raw" >"$out.tmp"
rm -f "$out.raw"
mv -f "$out.tmp" "$out"
