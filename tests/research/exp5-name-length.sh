#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 5: XRootD 5.5.3's host:port limit (78 characters; XrdNetUtils::GetHostPort copies into a
# char[MAXHOSTNAMELEN+15] = 79-byte buffer with strlcpy, i.e. silent truncation) with a 63-character
# namespace and a 34-character Xrootd name.
# Run A: today's names (<name>-xrootd-redirector-0.<name>-xrootd-redirector.<ns>.svc:3121 in all.manager).
# Run B: proposed names: redirector pods <name>-r-<n> behind a headless Service r<hash>, workers
#        <name>-w-<n> behind w<hash>; all.manager <pod>.<svc>:3121 RELATIVE (no namespace, no domain),
#        resolved through the pod's resolv.conf search list.
# Usage: sudo tests/research/exp5-name-length.sh [outdir]
set -u
KNS=${KNS:-ns-0123456789-0123456789-0123456789-0123456789-0123456789-01234}   # 63 characters
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp5}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null
NAME=${NAME:-xrootd-0123456789-0123456789-abcde}   # 34 characters
HASH=$(printf '%s/%s' "$KNS" "$NAME" | sha256sum | cut -c1-8)

len() { printf '%s' "$1" | wc -c; }

run() { # run <label> <rdr sts> <rdr svc> <wk sts> <wk svc> <all.manager host>
    local label=$1 rs=$2 rsvc=$3 ws=$4 wsvc=$5 mh=$6 cfg="$LAB/$1.cf" u
    lab_up
    pod_add r0 10.244.0.10 "$rs-0" "$rsvc"
    pod_add w0 10.244.0.20 "$ws-0" "$wsvc"
    pod_add c 10.244.0.50 client client
    base_config "$cfg" "$mh:3121"
    pod_start r0 manager "$cfg"
    pod_start w0 worker "$cfg"
    {
        echo "### $label (namespace ${#KNS} chars, name ${#NAME} chars)"
        echo "all.manager $mh:3121   ($(len "$mh:3121") chars)"
        if wait_servers c 10.244.0.10:1094 1; then echo "worker subscribed"; else echo "worker NOT subscribed after 20 s"; fi
        grep -E 'manager service enabled|Unable|invalid|too long|not found|error' "$LAB/r0/cmsd.log" | head -5
        grep -E 'Unable|invalid|too long|not found|Logged into|error' "$LAB/w0/cmsd.log" | head -5
        head -c 1000 /dev/urandom >"$LAB/f.bin"
        for u in "$rs-0.$rsvc" "$rs-0.$rsvc.$KNS.svc" "$rs-0.$rsvc.$KNS.svc.$KDOMAIN" 10.244.0.10; do
            echo "--- client URL host '$u:1094' ($(len "$u:1094") chars)"
            in_pod c timeout 10 xrdfs "$u:1094" query config role 2>&1 | head -2
            echo "xrdfs rc=${PIPESTATUS[0]}"
            in_pod c timeout 10 xrdcp -f "$LAB/f.bin" "root://$u:1094//data/$label.bin" 2>&1 | tail -1
            echo "xrdcp rc=${PIPESTATUS[0]}"
        done
        echo "--- xrdmapc (it expands the name to the canonical FQDN)"
        in_pod c timeout 10 xrdmapc --list all "$rs-0.$rsvc:1094" 2>&1 | head -3
    } >"$OUT/$label.txt" 2>&1
    cp "$LAB/w0/cmsd.log" "$OUT/$label-w0-cmsd.log"
    cp "$LAB/r0/cmsd.log" "$OUT/$label-r0-cmsd.log"
    lab_down
}

run today "$NAME-xrootd-redirector" "$NAME-xrootd-redirector" "$NAME-xrootd-worker" "$NAME-xrootd-worker" \
    "$NAME-xrootd-redirector-0.$NAME-xrootd-redirector.$KNS.svc"
run proposed "$NAME-r" "r$HASH" "$NAME-w" "w$HASH" "$NAME-r-0.r$HASH"
cat "$OUT/today.txt" "$OUT/proposed.txt"
