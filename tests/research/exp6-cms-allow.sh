#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 6: `cms.allow` on the manager: exact names vs a wildcard matched against the reverse lookup
# (PTR) that kube DNS gives StatefulSet pods, a rogue cmsd from another namespace, and a worker that comes
# back with a new IP. The wildcard suffix comes from the environment through `set` (as a pod template
# would pass the namespace and the cluster domain).
# Usage: sudo tests/research/exp6-cms-allow.sh [outdir]
set -u
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp6}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null

RDR=${RDR:-base-xrootd-xrootd-redirector}
WK=${WK:-base-xrootd-xrootd-worker}
MGR="$RDR-0.$RDR.$KNS.svc:3121"

run() { # run <label> <manager allow lines>
    local label=$1 allow=$2 cfg="$LAB/$1.cf"
    lab_up
    pod_add r0 10.244.0.10 "$RDR-0" "$RDR"
    pod_add w0 10.244.0.20 "$WK-0" "$WK"
    pod_add c 10.244.0.50 client client
    # a rogue StatefulSet pod with the same pod name in namespace "evil" (its own headless Service "evil")
    KNS=evil pod_add e0 10.244.0.66 "$WK-0" evil
    base_config "$cfg" "$MGR"
    printf 'if named manager\n%s\nfi\n' "$allow" >>"$cfg"
    pod_start r0 manager "$cfg" XRD_ALLOW_SUFFIX="$WK.$KNS.svc.$KDOMAIN" XRD_RDR_SUFFIX="$RDR.$KNS.svc.$KDOMAIN"
    pod_start w0 worker "$cfg"
    pod_start e0 worker "$cfg"
    {
        echo "### $label"
        echo "$allow"
        sleep 4
        echo "--- subscribed servers"
        in_pod c timeout 10 xrdmapc --list s 10.244.0.10:1094
        echo "--- manager cmsd"
        grep -E 'authorized|permission denied|logged in|rejected|Unable to accept|service enabled' "$LAB/r0/cmsd.log" | head -8
        echo "--- rogue cmsd"
        grep -E 'rejected|Logged into|Unable|refused|failed' "$LAB/e0/cmsd.log" | head -4
        echo "--- worker-0 comes back with a new IP 10.244.0.30 (cmsd restarted)"
        pod_stop w0 KILL
        pod_readdress w0 10.244.0.30
        pod_start w0 worker "$cfg"
        sleep 4
        in_pod c timeout 10 xrdmapc --list s 10.244.0.10:1094
        grep -E 'permission denied|logged in|rejected' "$LAB/r0/cmsd.log" | tail -3
        grep -E 'rejected|Logged into' "$LAB/w0/cmsd.log" | tail -2
    } >"$OUT/$label.txt" 2>&1
    cp "$LAB/r0/cmsd.log" "$OUT/$label-manager-cmsd.log"
    lab_down
}

# shellcheck disable=SC2016 # literal config text
run wildcard 'set wsfx = $XRD_ALLOW_SUFFIX
set rsfx = $XRD_RDR_SUFFIX
cms.allow host *.$(rsfx)
cms.allow host *.$(wsfx)'
run exact "cms.allow host $RDR-0.$RDR.$KNS.svc.$KDOMAIN
cms.allow host $WK-0.$WK.$KNS.svc.$KDOMAIN"
cat "$OUT/wildcard.txt" "$OUT/exact.txt"
