#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 3: a worker is re-created with a NEW pod IP (same pod name, same data). How long until
# new-file writes through the redirector work again, with and without `cms.vnid =<pod name>`?
# Ten new-file writes are timed one after another right after the worker's daemons are restarted.
# Usage: sudo tests/research/exp3-vnid.sh [outdir]
set -u
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp3}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null

RDR=${RDR:-base-xrootd-xrootd-redirector}
WK=${WK:-base-xrootd-xrootd-worker}
MGR="$RDR-0.$RDR.$KNS.svc:3121"

now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

run() { # run <label> <extra worker lines>
    local label=$1 extra=$2 cfg="$LAB/$1.cf" i t0 t1 rc ts
    lab_up
    pod_add r0 10.244.0.10 "$RDR-0" "$RDR"
    pod_add w0 10.244.0.20 "$WK-0" "$WK"
    pod_add w1 10.244.0.21 "$WK-1" "$WK"
    pod_add c 10.244.0.50 client client
    base_config "$cfg" "$MGR"
    printf 'if named worker\n%s\nfi\n' "$extra" >>"$cfg"
    pod_start r0 manager "$cfg"
    pod_start w0 worker "$cfg"
    pod_start w1 worker "$cfg"
    wait_servers c 10.244.0.10:1094 2 || lab_log "servers did not subscribe"
    head -c 10000 /dev/urandom >"$LAB/f.bin"
    {
        echo "### $label: worker extra: ${extra:-none}"
        in_pod c timeout 30 xrdcp -f "$LAB/f.bin" "root://10.244.0.10:1094//data/$label-warm.bin" && echo "warm-up write ok"
        ts=$(now)
        wc -l <"$LAB/r0/cmsd.log" >"$LAB/loginline"
        pod_stop w0 KILL
        pod_readdress w0 10.244.0.30
        sleep 1
        t0=$(now)
        echo "worker-0 killed, back with IP 10.244.0.30 after $(el "$ts" "$t0") s; restarting cmsd+xrootd"
        pod_start w0 worker "$cfg"
        for i in $(seq 1 100); do
            grep -q "Primary server.*worker-0.*logged in" <(tail -n +"$(cat "$LAB/loginline")" "$LAB/r0/cmsd.log") && break
            sleep 0.1
        done
        echo "worker-0 logged in again $(el "$t0" "$(now)") s after restart"
        for i in $(seq 1 10); do
            t1=$(now)
            in_pod c timeout 120 xrdcp -f "$LAB/f.bin" "root://10.244.0.10:1094//data/$label-$i.bin" 2>/dev/null
            rc=$?
            echo "write $i: rc=$rc took $(el "$t1" "$(now)") s (done $(el "$t0" "$(now)") s after restart)"
        done
        echo "--- where the files went"
        for i in 1 2 3 4 5 6 7 8 9 10; do
            in_pod c timeout 20 xrdfs 10.244.0.10:1094 locate "/data/$label-$i.bin" | tr '\n' ' '
        done
        echo
        echo "--- manager cmsd"
        grep -E 'logged in|logged out|Drop_Node|dropped|scheduled for removal|Route all4|vnid|replac' "$LAB/r0/cmsd.log"
        echo "--- warm-up file (was it on worker-0?) readable after the restart"
        in_pod c timeout 30 xrdcp -f "root://10.244.0.10:1094//data/$label-warm.bin" /dev/null && echo "read ok"
    } >"$OUT/$label.txt" 2>&1
    cp "$LAB/r0/cmsd.log" "$OUT/$label-manager-cmsd.log"
    cp "$LAB/w0/cmsd.log" "$OUT/$label-w0-cmsd.log"
    lab_down
}

run novnid ""
# shellcheck disable=SC2016 # literal config text
run vnid "$(printf 'set pn = $POD_NAME\ncms.vnid =$(pn)')"
cat "$OUT/novnid.txt" "$OUT/vnid.txt"
