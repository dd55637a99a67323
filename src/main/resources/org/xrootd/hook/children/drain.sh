#!/bin/sh
# Drains one worker before its StatefulSet shrinks (docs/operations.md, "Scaling down"). Run by the drain
# Job the hook builds, with the cluster's own image (xrdfs, xrdcp). Every file the draining worker holds
# under the exports is copied straight to one of the remaining workers (round robin), under a temporary
# name that is renamed into place only once complete; the copy is checked against the source (size and,
# with spec.checksums, the checksum both servers compute), the source is removed, and the file is checked
# once more as clients see it, through the redirectors' Service (size and checksum). Files that arrive on
# the draining worker meanwhile are picked up by the next pass; the script succeeds once a pass finds
# none. Any failure stops it with a non-zero status and leaves the source file in place.
#
# Environment (set by the Job): DRAIN_SOURCE, the draining worker (host:port); DRAIN_TARGETS, the
# remaining workers (host:port, space separated); DRAIN_REDIRECTOR, the client Service (host:port);
# DRAIN_EXPORTS, the exported paths (space separated); DRAIN_CHECKSUM, the checksum algorithm to compare
# (empty: sizes only); DRAIN_MAX_PASSES, how many listings before giving up on files that keep arriving;
# DRAIN_SSS_SOURCE, the mounted sss keytab when spec.sss is set; DRAIN_TERMINATION_LOG, where the last
# word goes (default: the pod's termination message); DRAIN_MONITOR, the monitor's report address
# (host:port, spec.monitor) that receives a progress line after every file, with DRAIN_CLUSTER and
# DRAIN_WORKER naming the cluster and the draining pod in it, and DRAIN_JOB_UID (or, on Kubernetes before
# 1.27, DRAIN_JOB_UID_LEGACY) the Job's uid.
#
# Progress line (one UDP datagram, best effort: a lost one is superseded by the next):
#   xrootd-drain 1 cluster=C worker=W job=UID state=running|done|failed pass=N files_done=N bytes_done=N files_left=N bytes_left=N
# files_done/bytes_done count what this run of the script moved; files_left/bytes_left what the current
# pass's listing still holds (files that arrive meanwhile count from the next pass).
set -eu

: "${DRAIN_SOURCE:?}" "${DRAIN_TARGETS:?}" "${DRAIN_REDIRECTOR:?}" "${DRAIN_EXPORTS:?}"
checksum="${DRAIN_CHECKSUM:-}"
max_passes="${DRAIN_MAX_PASSES:-20}"
part_suffix=".xrdrain-part"
work="${TMPDIR:-/tmp}/drain.$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
if [ -n "${DRAIN_SSS_SOURCE:-}" ]; then
    # The Secret volume is group-readable and the sss client refuses a keytab others can read.
    cp "$DRAIN_SSS_SOURCE" "$work/sss.keytab"
    chmod 0400 "$work/sss.keytab"
    export XrdSecPROTOCOL=sss XrdSecSSSKT="$work/sss.keytab"
fi

files_done=0
bytes_done=0
files_left=0
bytes_left=0
pass=0

log() {
    printf '%s\n' "drain: $*"
}

# One progress datagram to the monitor, when there is one; never fatal (bash: /bin/sh has no /dev/udp).
progress() {
    [ -n "${DRAIN_MONITOR:-}" ] || return 0
    line="xrootd-drain 1 cluster=${DRAIN_CLUSTER:-} worker=${DRAIN_WORKER:-} job=${DRAIN_JOB_UID:-${DRAIN_JOB_UID_LEGACY:-}} state=$1 pass=$pass files_done=$files_done"
    line="$line bytes_done=$bytes_done files_left=$files_left bytes_left=$bytes_left"
    bash -c 'printf "%s\n" "$1" >"/dev/udp/$2/$3"' progress "$line" "${DRAIN_MONITOR%:*}" "${DRAIN_MONITOR##*:}" \
        2>/dev/null </dev/null || true
}

# The termination message the pod leaves (kubectl describe, and the Job's pod status).
report() {
    message="$1 files=$files_done bytes=$bytes_done source=$DRAIN_SOURCE"
    log "$message"
    { printf '%s\n' "$message" >"${DRAIN_TERMINATION_LOG:-/dev/termination-log}"; } 2>/dev/null || true
}

fail() {
    report "failed: $*"
    progress "failed"
    exit 1
}

# "adler32 084b021f" -> "084b021f"; empty when the server has no checksum for the file.
checksum_at() {
    xrdfs "$1" query checksum "$2" 2>/dev/null | awk -v algorithm="$checksum" '$1 == algorithm { print $2; exit }'
}

size_at() {
    xrdfs "$1" stat "$2" 2>/dev/null | awk '$1 == "Size:" { print $2; exit }'
}

# Every regular file under the exports on the draining worker, "size path" per line.
list_source() {
    : >"$work/list"
    # An unreachable worker must never look empty: that would shrink it with its files.
    xrdfs "$DRAIN_SOURCE" query config version >/dev/null || fail "$DRAIN_SOURCE does not answer"
    for export in $DRAIN_EXPORTS; do
        status=0
        xrdfs "$DRAIN_SOURCE" stat "$export" >/dev/null 2>&1 || status=$?
        # 54: no such file (an export with nothing written under it yet).
        [ "$status" = 54 ] && continue
        [ "$status" = 0 ] || fail "cannot stat $export on $DRAIN_SOURCE (xrdfs status $status)"
        xrdfs "$DRAIN_SOURCE" ls -R -l "$export" >"$work/ls" || fail "cannot list $export on $DRAIN_SOURCE"
        while read -r mode _owner _group size _day _time path; do
            case "$mode" in
            -*) case "$path" in
                *"$part_suffix") ;;
                *) printf '%s %s\n' "$size" "$path" >>"$work/list" ;;
                esac ;;
            esac
        done <"$work/ls"
    done
}

# Copies one file to a target and checks it there; removes the source; checks it through the redirectors.
move() {
    size="$1"
    path="$2"
    target="$3"
    source_sum=""
    if [ -n "$checksum" ]; then
        source_sum="$(checksum_at "$DRAIN_SOURCE" "$path")"
        [ -n "$source_sum" ] || fail "no $checksum checksum for $path on $DRAIN_SOURCE"
    fi
    if [ "$(size_at "$target" "$path")" = "$size" ] && [ "$(checksum_at "$target" "$path")" = "$source_sum" ]; then
        log "already on $target (an earlier pass): $path"
    else
        xrdcp --nopbar --force --silent "root://$DRAIN_SOURCE/$path" "root://$target/$path$part_suffix" \
            || fail "copy of $path from $DRAIN_SOURCE to $target"
        copied="$(size_at "$target" "$path$part_suffix")"
        [ "$copied" = "$size" ] || fail "size of $path on $target: $copied bytes, the source has $size"
        if [ -n "$checksum" ]; then
            copied_sum="$(checksum_at "$target" "$path$part_suffix")"
            [ "$copied_sum" = "$source_sum" ] || fail "$checksum of $path on $target: '$copied_sum', the source has $source_sum"
        fi
        xrdfs "$target" mv "$path$part_suffix" "$path" || fail "rename of $path into place on $target"
    fi
    xrdfs "$DRAIN_SOURCE" rm "$path" >/dev/null || fail "removal of $path from $DRAIN_SOURCE"
    seen="$(size_at "$DRAIN_REDIRECTOR" "$path")"
    [ "$seen" = "$size" ] || fail "through $DRAIN_REDIRECTOR $path has '$seen' bytes, the source had $size (the copy is on $target)"
    if [ -n "$checksum" ]; then
        seen_sum="$(checksum_at "$DRAIN_REDIRECTOR" "$path")"
        [ "$seen_sum" = "$source_sum" ] || fail "through $DRAIN_REDIRECTOR $path has $checksum '$seen_sum', the source had $source_sum (the copy is on $target)"
    fi
    files_done=$((files_done + 1))
    bytes_done=$((bytes_done + size))
    files_left=$((files_left - 1))
    bytes_left=$((bytes_left - size))
    progress "running"
    log "moved $path ($size bytes) to $target [$files_done files, $bytes_done bytes done]"
}

# shellcheck disable=SC2086 # one word per target
set -- $DRAIN_TARGETS
targets=$#
next=0
pass=1
while :; do
    list_source
    left="$(wc -l <"$work/list" | tr -d ' ')"
    left_bytes="$(awk '{ sum += $1 } END { print sum + 0 }' "$work/list")"
    log "pass $pass: $left files ($left_bytes bytes) left on $DRAIN_SOURCE"
    files_left="$left"
    bytes_left="$left_bytes"
    if [ "$left" = 0 ]; then
        report "done:"
        progress "done"
        exit 0
    fi
    progress "running"
    [ "$pass" -lt "$max_passes" ] || fail "files still arrive on $DRAIN_SOURCE after $max_passes passes"
    while read -r size path; do
        index=$((next % targets + 1))
        eval "target=\${$index}"
        next=$((next + 1))
        # shellcheck disable=SC2154 # set by the eval
        move "$size" "$path" "$target" </dev/null
    done <"$work/list"
    pass=$((pass + 1))
done
