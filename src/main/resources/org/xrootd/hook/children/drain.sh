#!/bin/sh
# Drains one worker before its StatefulSet shrinks (docs/operations.md, "Scaling down"). Run by the drain
# Job the hook builds, with the cluster's own image (xrdfs, xrdcp). Every file the draining worker holds
# under the exports is copied straight to one of the remaining workers (round robin in the listing's
# order), under a temporary name that is renamed into place only once checked against the source: xrdcp
# compares the checksum both servers compute (with spec.checksums; a mismatch deletes the copy) and the
# copy's size is compared with the source's. Then the sources of the checked copies are removed and each
# file is looked up as clients see it, through the redirectors' Service (its size). Files that arrive on
# the draining worker meanwhile are picked up by the next pass; the script succeeds once a pass finds
# none. Any failure stops it with a non-zero status and leaves every source whose copy was not checked.
# A file already on a target with the source's size and checksum (a run that stopped between the rename
# and the removal) is not copied again; one with other content stops the drain.
#
# The client calls per file: one xrdcp, a stat and a rename on the target, a stat through the redirectors;
# one listing of the source and of each target per pass and one removal call per batch. DRAIN_PARALLEL
# files (default 4) are copied at a time, in batches of DRAIN_BATCH (default 8 times that): each batch is
# copied, then removed from the source, then reported.
#
# Environment (set by the Job): DRAIN_SOURCE, the draining worker (host:port); DRAIN_TARGETS, the
# remaining workers (host:port, space separated); DRAIN_REDIRECTOR, the client Service (host:port);
# DRAIN_EXPORTS, the exported paths (space separated); DRAIN_CHECKSUM, the checksum algorithm to compare
# (empty: sizes only); DRAIN_MAX_PASSES, how many listings before giving up on files that keep arriving;
# DRAIN_SSS_SOURCE, the mounted sss keytab when spec.sss is set; DRAIN_TERMINATION_LOG, where the last
# word goes (default: the pod's termination message); DRAIN_MONITOR, the monitor's report address
# (host:port, spec.monitor) that receives a progress line for every file moved (after its batch), with DRAIN_CLUSTER and
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
parallel="${DRAIN_PARALLEL:-4}"
batch="${DRAIN_BATCH:-$((parallel * 8))}"
case "$parallel$batch" in
*[!0-9]*) echo "drain: DRAIN_PARALLEL and DRAIN_BATCH are numbers" >&2; exit 2 ;;
esac
if [ "$parallel" -lt 1 ] || [ "$batch" -lt 1 ]; then
    echo "drain: DRAIN_PARALLEL and DRAIN_BATCH are at least 1" >&2
    exit 2
fi
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

# Every regular file under the exports on server $1, "size path" per line, into $2 (parts left out). An
# export with nothing under it yet is empty; a server that does not answer stops the drain.
list_files() {
    : >"$2"
    for export in $DRAIN_EXPORTS; do
        status=0
        xrdfs "$1" stat "$export" >/dev/null 2>&1 || status=$?
        # 54: no such file (an export with nothing written under it yet).
        [ "$status" = 54 ] && continue
        [ "$status" = 0 ] || fail "cannot stat $export on $1 (xrdfs status $status)"
        xrdfs "$1" ls -R -l "$export" >"$work/ls" || fail "cannot list $export on $1"
        while read -r mode _owner _group size _day _time path; do
            case "$mode" in
            -*) case "$path" in
                *"$part_suffix") ;;
                *) printf '%s %s\n' "$size" "$path" >>"$2" ;;
                esac ;;
            esac
        done <"$work/ls"
    done
}

# Every regular file under the exports on the draining worker, "size path" per line, in $work/list.
list_source() {
    # An unreachable worker must never look empty: that would shrink it with its files.
    xrdfs "$DRAIN_SOURCE" query config version >/dev/null || fail "$DRAIN_SOURCE does not answer"
    list_files "$DRAIN_SOURCE" "$work/list"
}

# The pass's plan, "size target state path" per line in $work/plan, in the listing's order. A file already
# on a target (a run stopped after its rename, before the removal) stays with that target, "present" (its
# checksum is compared before the source goes); any other file goes to the next target, round robin from
# where the last pass stopped, "new". A file on a target with another size is another file under the same
# name: the drain stops before it copies anything. One listing of each target per pass.
plan() {
    : >"$work/present"
    for target in $DRAIN_TARGETS; do
        list_files "$target" "$work/on-target"
        awk -v target="$target" '{ print target, $0 }' "$work/on-target" >>"$work/present"
    done
    awk -v targets="$DRAIN_TARGETS" -v next_target="$next" -v plan="$work/plan" -v state="$work/next" '
        BEGIN { n = split(targets, t, " "); printf "" >plan }
        FILENAME == ARGV[1] { host = $1; size = $2; sub(/^[^ ]+ [^ ]+ /, ""); if (!($0 in at)) { at[$0] = host; sized[$0] = size }; next }
        {
            size = $1; sub(/^[^ ]+ /, "")
            if ($0 in at) {
                if (sized[$0] != size) {
                    print $0 " is on " at[$0] " already with " sized[$0] " bytes, the source has " size ": another file under the same name"
                    exit 1
                }
                print size, at[$0], "present", $0 >plan
            } else {
                print size, t[next_target % n + 1], "new", $0 >plan
                next_target++
            }
        }
        END { print next_target >state }' "$work/present" "$work/list" >"$work/conflict" || fail "$(cat "$work/conflict")"
    next="$(cat "$work/next")"
}

# Copies one file to its target and checks it there, without touching the source: xrdcp compares the
# checksum both servers compute (end to end; a mismatch removes the copy), the copy's size is compared with
# the source's, and only then is it renamed into place. A file already there must have the source's
# checksum. Prints why it failed and returns non-zero.
copy_one() {
    size="$1"
    target="$2"
    state="$3"
    path="$4"
    if [ "$state" = present ]; then
        if [ -n "$checksum" ]; then
            source_sum="$(checksum_at "$DRAIN_SOURCE" "$path")"
            [ -n "$source_sum" ] || { echo "no $checksum checksum for $path on $DRAIN_SOURCE"; return 1; }
            there_sum="$(checksum_at "$target" "$path")"
            [ "$there_sum" = "$source_sum" ] || {
                echo "$path is on $target already with $checksum '$there_sum', the source has $source_sum: another file under the same name"
                return 1
            }
        fi
        log "already on $target (an earlier run): $path" >&2
        return 0
    fi
    if [ -n "$checksum" ]; then
        set -- --cksum "$checksum" --rm-bad-cksum
    else
        set --
    fi
    if ! xrdcp --nopbar --force --silent "$@" "root://$DRAIN_SOURCE/$path" "root://$target/$path$part_suffix" >"$work/cp.$runner" 2>&1; then
        echo "copy of $path from $DRAIN_SOURCE to $target: $(grep -v '^ *$' "$work/cp.$runner" | tail -n 1)"
        return 1
    fi
    copied="$(size_at "$target" "$path$part_suffix")"
    [ "$copied" = "$size" ] || { echo "size of $path on $target: $copied bytes, the source has $size"; return 1; }
    xrdfs "$target" mv "$path$part_suffix" "$path" >/dev/null 2>&1 || { echo "rename of $path into place on $target"; return 1; }
}

# The file as clients see it once its source is gone: through the redirectors, with the source's size (the
# content was compared on the target). Prints why it failed and returns non-zero.
seen_one() {
    seen="$(size_at "$DRAIN_REDIRECTOR" "$4")"
    [ "$seen" = "$1" ] || { echo "through $DRAIN_REDIRECTOR $4 has '$seen' bytes, the source had $1 (the copy is on $2)"; return 1; }
}

# Runs $1 (copy_one or seen_one) on every line of $work/batch, at most $parallel at once: line n goes to
# runner n mod $parallel, which takes its lines in order and stops at the first failure (its own or
# another runner's). Fails with the failure of the earliest line, so the message does not depend on timing.
run_parallel() {
    rm -f "$work/stop" "$work"/failed.*
    runner=0
    while [ "$runner" -lt "$parallel" ]; do
        awk -v n="$parallel" -v k="$runner" '(NR - 1) % n == k { print NR, $0 }' "$work/batch" >"$work/slice.$runner"
        if [ -s "$work/slice.$runner" ]; then
            (
                while read -r line size target state path; do
                    [ -e "$work/stop" ] && exit 0
                    if ! why="$("$1" "$size" "$target" "$state" "$path" </dev/null)"; then
                        printf '%s %s\n' "$line" "${why:-$1 $path}" >"$work/failed.$runner"
                        : >"$work/stop"
                        exit 1
                    fi
                done <"$work/slice.$runner"
            ) &
        fi
        runner=$((runner + 1))
    done
    wait
    if [ -e "$work/stop" ]; then
        first="$(cat "$work"/failed.* | sort -n | head -n 1)"
        fail "${first#* }"
    fi
}

# Moves the files of $work/batch: copies and checks them in parallel, removes every source whose copy is
# in place in one call, checks each through the redirectors; then one progress line per file, in order.
move_batch() {
    run_parallel copy_one
    set --
    while read -r _size _target _state path; do
        set -- "$@" "$path"
    done <"$work/batch"
    # One "rm <path> : [SUCCESS]" line per path; the status is non-zero when any removal failed.
    xrdfs "$DRAIN_SOURCE" rm "$@" >"$work/rm" 2>&1 </dev/null \
        || fail "removal from $DRAIN_SOURCE: $(grep -v ': \[SUCCESS\]' "$work/rm" | head -n 1)"
    run_parallel seen_one
    while read -r size target _state path; do
        files_done=$((files_done + 1))
        bytes_done=$((bytes_done + size))
        files_left=$((files_left - 1))
        bytes_left=$((bytes_left - size))
        progress "running"
        log "moved $path ($size bytes) to $target [$files_done files, $bytes_done bytes done]"
    done <"$work/batch"
}

next=0
pass=1
started="$(date +%s)"
while :; do
    list_source
    left="$(wc -l <"$work/list" | tr -d ' ')"
    left_bytes="$(awk '{ sum += $1 } END { print sum + 0 }' "$work/list")"
    log "pass $pass: $left files ($left_bytes bytes) left on $DRAIN_SOURCE"
    files_left="$left"
    bytes_left="$left_bytes"
    if [ "$left" = 0 ]; then
        log "$files_done files in $(($(date +%s) - started)) s, $parallel at a time"
        report "done:"
        progress "done"
        exit 0
    fi
    progress "running"
    [ "$pass" -lt "$max_passes" ] || fail "files still arrive on $DRAIN_SOURCE after $max_passes passes"
    plan
    first=1
    while [ "$first" -le "$left" ]; do
        awk -v from="$first" -v to="$((first + batch - 1))" 'NR >= from && NR <= to' "$work/plan" >"$work/batch"
        move_batch
        first=$((first + batch))
    done
    pass=$((pass + 1))
done
