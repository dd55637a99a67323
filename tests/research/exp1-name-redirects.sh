#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 1: which directive makes the redirector hand out DNS names instead of pod IPs?
# Runs the cluster twice (without and with `xrd.network rpipa` on the manager) and records the redirect
# target seen by xrdcp -d 3, xrdfs locate and curl -v, from an in-cluster client pod.
# Usage: sudo tests/research/exp1-name-redirects.sh [outdir]
set -u
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp1}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null

RDR=${RDR:-base-xrootd-xrootd-redirector}
WK=${WK:-base-xrootd-xrootd-worker}
T=${T:-20}   # client time-out in seconds (XrdCl retries an unusable redirect target for minutes)
MGR="$RDR-0.$RDR.$KNS.svc:3121"

run() { # run <label> <extra manager lines>
    local label=$1 extra=$2 cfg="$LAB/$1.cf"
    lab_up
    pod_add r0 10.244.0.10 "$RDR-0" "$RDR"
    pod_add w0 10.244.0.20 "$WK-0" "$WK"
    pod_add w1 10.244.0.21 "$WK-1" "$WK"
    pod_add c 10.244.0.50 client client
    base_config "$cfg" "$MGR"
    printf 'if named manager\n%s\nfi\n' "$extra" >>"$cfg"
    pod_start r0 manager "$cfg"
    pod_start w0 worker "$cfg"
    pod_start w1 worker "$cfg"
    wait_servers c 10.244.0.10:1094 2 || lab_log "servers did not subscribe"
    head -c 100000 /dev/urandom >"$LAB/f.bin"
    {
        echo "### $label: manager extra: ${extra:-none}"
        in_pod c xrdmapc --list all 10.244.0.10:1094
        in_pod c timeout "$T" xrdcp -f -d 3 "$LAB/f.bin" "root://$RDR-0.$RDR:1094//data/$label.bin" >"$OUT/$label-xrdcp-w.log" 2>&1
        echo "xrdcp write rc=$?"
        grep -E 'Redirected' "$OUT/$label-xrdcp-w.log"
        in_pod c timeout "$T" xrdcp -f -d 3 "root://$RDR-0.$RDR:1094//data/$label.bin" /dev/null >"$OUT/$label-xrdcp-r.log" 2>&1
        echo "xrdcp read rc=$?"
        grep -E 'Redirected' "$OUT/$label-xrdcp-r.log"
        echo "--- xrdfs locate / locate -m"
        in_pod c timeout "$T" xrdfs "$RDR-0.$RDR:1094" locate "/data/$label.bin"
        in_pod c timeout "$T" xrdfs "$RDR-0.$RDR:1094" locate -m "/data/$label.bin"
        echo "--- curl GET"
        in_pod c curl --max-time "$T" -sv -o /dev/null "http://$RDR-0.$RDR:1094/data/$label.bin" 2>&1 | grep -iE '^< (HTTP|Location)'
        in_pod c curl --max-time "$T" -sS -L -o /dev/null -w 'GET follow: code=%{http_code} url=%{url_effective}\n' \
            "http://$RDR-0.$RDR:1094/data/$label.bin"
        echo "--- curl PUT"
        echo hello >"$LAB/put.txt"
        in_pod c curl --max-time "$T" -sS -L -T "$LAB/put.txt" -o /dev/null -w 'PUT follow: code=%{http_code} url=%{url_effective}\n' \
            "http://$RDR-0.$RDR:1094/data/$label-put.txt"
        echo "--- manager cmsd: node routes"
        grep -E 'Route|Routing|logged in' "$LAB/r0/cmsd.log" | head -12
    } >"$OUT/$label.txt" 2>&1
    cp "$LAB/r0/cmsd.log" "$OUT/$label-manager-cmsd.log"
    cp "$LAB/r0/xrootd.log" "$OUT/$label-manager-xrootd.log"
    lab_down
}

run "${TAG:-}default" ""
run "${TAG:-}rpipa" "xrd.network rpipa"
cat "$OUT/${TAG:-}default.txt" "$OUT/${TAG:-}rpipa.txt"
