#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 2: how a worker advertises an address other than its pod IP (hostPort on the node address,
# or a per-pod LoadBalancer address), and which form gives working root:// AND HTTP redirects.
# The outside client (203.0.113.100) reaches only node addresses: the redirector through a
# "LoadBalancer" 203.0.113.5:1094 and the workers through "hostPort" 203.0.113.10/.11:1094 (nft DNAT in
# the node namespace, no SNAT, as kube-proxy and the CNI portmap plugin do).
# Each run gives worker 0 and worker 1 a different XRDIFADDRS value (empty = none).
# Usage: sudo tests/research/exp2-advertise.sh [outdir]
set -u
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp2}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null

RDR=${RDR:-base-xrootd-xrootd-redirector}
WK=${WK:-base-xrootd-xrootd-worker}
MGR="$RDR-0.$RDR.$KNS.svc:3121"
T=${T:-15}

nat_up() {
    local a
    for a in 203.0.113.5 203.0.113.10 203.0.113.11 203.0.113.12; do ip -n "$NODE_NS" addr add "$a/32" dev vout; done
    ip netns exec "$NODE_NS" nft -f - <<'EOF'
table ip r14nat {
  chain pre {
    type nat hook prerouting priority -100;
    ip daddr 203.0.113.5  tcp dport 1094 dnat to 10.244.0.10:1094
    ip daddr 203.0.113.10 tcp dport 1094 dnat to 10.244.0.20:1094
    ip daddr 203.0.113.11 tcp dport 1094 dnat to 10.244.0.21:1094
    ip daddr 203.0.113.12 tcp dport 1094 dnat to 10.244.0.20:1094
  }
}
EOF
}

run() { # run <label> <XRDIFADDRS of worker 0> <of worker 1> [extra worker lines]
    local label=$1 a0=$2 a1=$3 extra=${4:-} cfg="$LAB/$1.cf" i
    lab_up
    nat_up
    pod_add r0 10.244.0.10 "$RDR-0" "$RDR"
    pod_add w0 10.244.0.20 "$WK-0" "$WK"
    pod_add w1 10.244.0.21 "$WK-1" "$WK"
    pod_add c 10.244.0.50 client client
    # DNS outside the cluster: node B (203.0.113.11) has A+PTR node-b.nodes.example; node address
    # 203.0.113.12 (also forwarded to worker 0) has no record at all; w0.xrd.example is an A record
    # (203.0.113.12) without PTR, as an external-DNS controller would publish for a per-pod address.
    dns_add 203.0.113.11 node-b.nodes.example
    dns_a_only w0.xrd.example 203.0.113.12
    base_config "$cfg" "$MGR"
    [ -n "$extra" ] && printf 'if named worker\n%s\nfi\n' "$extra" >>"$cfg"
    pod_start r0 manager "$cfg"
    if [ -n "$a0" ]; then pod_start w0 worker "$cfg" XRDIFADDRS="$a0"; else pod_start w0 worker "$cfg"; fi
    if [ -n "$a1" ]; then pod_start w1 worker "$cfg" XRDIFADDRS="$a1"; else pod_start w1 worker "$cfg"; fi
    wait_servers c 10.244.0.10:1094 2 || lab_log "servers did not subscribe"
    echo "hello from $label" >"$LAB/put.txt"
    head -c 100000 /dev/urandom >"$LAB/f.bin"
    {
        echo "### $label: worker-0 XRDIFADDRS='$a0' worker-1 XRDIFADDRS='$a1' extra='$extra'"
        grep -E 'Routing for|Route ' "$LAB/r0/cmsd.log"
        for i in 1 2; do
            echo "--- outside: xrdcp write $label-$i via LB 203.0.113.5"
            in_out timeout "$T" xrdcp -f -d 2 "$LAB/f.bin" "root://203.0.113.5:1094//data/$label-$i.bin" \
                >"$OUT/$label-$i-out-w.log" 2>&1
            echo "rc=$?"
            grep -oE 'Redirected from: .* to: [^ ]*' "$OUT/$label-$i-out-w.log" | sed 's/.* to: /redirect to: /' | head -1
            echo "--- outside: read back, curl GET Location, curl GET -L, curl PUT -L"
            in_out timeout "$T" xrdcp -f "root://203.0.113.5:1094//data/$label-$i.bin" "$LAB/back.bin" &&
                cmp -s "$LAB/f.bin" "$LAB/back.bin" && echo "xrdcp read rc=0 identical"
            in_out curl --max-time "$T" -sv -o /dev/null "http://203.0.113.5:1094/data/$label-$i.bin" 2>&1 |
                grep -iE '^< Location'
            in_out curl --max-time "$T" -sS -L -o /dev/null -w 'GET -L code=%{http_code} url=%{url_effective}\n' \
                "http://203.0.113.5:1094/data/$label-$i.bin"
            in_out curl --max-time "$T" -sS -L -T "$LAB/put.txt" -o /dev/null \
                -w 'PUT -L code=%{http_code} url=%{url_effective}\n' "http://203.0.113.5:1094/data/$label-$i.txt"
            echo "--- in-cluster client: redirect target for the same file"
            in_pod c timeout "$T" xrdcp -f -d 2 "root://10.244.0.10:1094//data/$label-$i.bin" /dev/null \
                >"$OUT/$label-$i-in-r.log" 2>&1
            echo "rc=$?"
            grep -oE 'Redirected from: .* to: [^ ]*' "$OUT/$label-$i-in-r.log" | sed 's/.* to: /redirect to: /' | head -1
            in_pod c curl --max-time "$T" -sv -o /dev/null "http://10.244.0.10:1094/data/$label-$i.bin" 2>&1 |
                grep -iE '^< Location'
        done
    } >"$OUT/$label.txt" 2>&1
    cp "$LAB/r0/cmsd.log" "$OUT/$label-manager-cmsd.log"
    cp "$LAB/w0/cmsd.log" "$OUT/$label-w0-cmsd.log"
    lab_down
}

run ip-noptr-vs-ip-ptr 203.0.113.12 203.0.113.11
run name-vs-private w0.xrd.example 192.168.77.10
cat "$OUT"/ip-noptr-vs-ip-ptr.txt "$OUT"/name-vs-private.txt
