#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 7: TLS with a certificate that holds DNS names only (no IPs), through name-based redirects.
# Outside: the redirector is reached as rdr.xrd.example (LoadBalancer 203.0.113.5); workers advertise
#          w0.xrd.example / w1.xrd.example (XRDIFADDRS, hostPort on 203.0.113.10/.11).
# Inside:  the redirector has `xrd.network rpipa`; short names (namespace x, Services r and w) keep the
#          PTR names w-<n>.w.x.svc.cluster.local within 5.5.3's host:port limit.
# One certificate for every pod (as one Secret): *.xrd.example, *.w.x.svc.cluster.local,
# *.r.x.svc.cluster.local and the relative r-0.r, signed by a lab CA.
# Usage: sudo tests/research/exp7-tls-names.sh [outdir]
set -u
KNS=x
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp7}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null
T=15

make_certs() {
    local d=$LAB/tls
    mkdir -p "$d/cadir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=r14-lab-ca \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=xrootd-cluster -keyout "$d/tls.key" -out "$d/tls.csr" 2>/dev/null
    printf 'subjectAltName=DNS:*.xrd.example,DNS:*.w.x.svc.cluster.local,DNS:*.r.x.svc.cluster.local,DNS:r-0.r\nextendedKeyUsage=serverAuth,clientAuth\n' >"$d/ext.cnf"
    openssl x509 -req -in "$d/tls.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
        -extfile "$d/ext.cnf" -out "$d/tls.crt" 2>/dev/null
    cp "$d/ca.crt" "$d/cadir/"
    openssl rehash "$d/cadir"
    chown xrootd:xrootd "$d/tls.key" "$d/tls.crt"
    chmod 0400 "$d/tls.key"
    chmod 0444 "$d/tls.crt"
    chmod 755 "$d" "$d/cadir"
    openssl x509 -in "$d/tls.crt" -noout -ext subjectAltName
}

lab_up
make_certs >"$OUT/cert.txt" 2>&1
for a in 203.0.113.5 203.0.113.10 203.0.113.11; do ip -n "$NODE_NS" addr add "$a/32" dev vout; done
ip netns exec "$NODE_NS" nft -f - <<'EOF'
table ip r14nat {
  chain pre {
    type nat hook prerouting priority -100;
    ip daddr 203.0.113.5  tcp dport 1094 dnat to 10.244.0.10:1094
    ip daddr 203.0.113.10 tcp dport 1094 dnat to 10.244.0.20:1094
    ip daddr 203.0.113.11 tcp dport 1094 dnat to 10.244.0.21:1094
  }
}
EOF
pod_add r0 10.244.0.10 r-0 r
pod_add w0 10.244.0.20 w-0 w
pod_add w1 10.244.0.21 w-1 w
pod_add c 10.244.0.50 client client
echo "address=/rdr.xrd.example/203.0.113.5" >>"$LAB/dns/extra.conf"
echo "address=/w0.xrd.example/203.0.113.10" >>"$LAB/dns/extra.conf"
dns_a_only w1.xrd.example 203.0.113.11
cfg=$LAB/tls.cf
base_config "$cfg" "r-0.r.x.svc:3121"
cat >>"$cfg" <<EOF
if named manager
   xrd.network rpipa
fi
if exec xrootd
   xrd.tls $LAB/tls/tls.crt $LAB/tls/tls.key
   xrd.tlsca noverify
   http.desthttps yes
fi
EOF
pod_start r0 manager "$cfg"
pod_start w0 worker "$cfg" XRDIFADDRS=w0.xrd.example
pod_start w1 worker "$cfg" XRDIFADDRS=w1.xrd.example
wait_servers c 10.244.0.10:1094 2 || lab_log "servers did not subscribe"
head -c 100000 /dev/urandom >"$LAB/f.bin"
echo "tls put" >"$LAB/put.txt"
CA="X509_CERT_DIR=$LAB/tls/cadir"
{
    cat "$OUT/cert.txt"
    grep -E 'Route ' "$LAB/r0/cmsd.log"
    for i in 1 2; do
        echo "--- outside roots:// write+read t$i via rdr.xrd.example (CA dir, verification on)"
        in_out env "$CA" timeout "$T" xrdcp -f -d 2 "$LAB/f.bin" "roots://rdr.xrd.example:1094//data/t$i.bin" >"$OUT/out-w$i.log" 2>&1
        echo "write rc=$?"
        grep -oE 'Redirected from: .* to: [^ ]*' "$OUT/out-w$i.log" | sed 's/.* to: /redirect to: /' | head -1
        in_out env "$CA" timeout "$T" xrdcp -f "roots://rdr.xrd.example:1094//data/t$i.bin" "$LAB/back.bin" &&
            cmp -s "$LAB/f.bin" "$LAB/back.bin" && echo "read rc=0 identical"
        echo "--- outside HTTPS (curl --cacert, verification on)"
        in_out curl --max-time "$T" --cacert "$LAB/tls/ca.crt" -sS -L -o /dev/null \
            -w 'GET -L code=%{http_code} url=%{url_effective}\n' "https://rdr.xrd.example:1094/data/t$i.bin"
        in_out curl --max-time "$T" --cacert "$LAB/tls/ca.crt" -sS -L -T "$LAB/put.txt" -o /dev/null \
            -w 'PUT -L code=%{http_code} url=%{url_effective}\n' "https://rdr.xrd.example:1094/data/t$i.txt"
        echo "--- in-cluster roots:// and HTTPS via r-0.r (rpipa names)"
        in_pod c env "$CA" timeout "$T" xrdcp -f -d 2 "roots://r-0.r:1094//data/t$i.bin" "$LAB/back2.bin" >"$OUT/in-r$i.log" 2>&1
        echo "read rc=$?"
        grep -oE 'Redirected from: .* to: [^ ]*' "$OUT/in-r$i.log" | sed 's/.* to: /redirect to: /' | head -1
        in_pod c curl --max-time "$T" --cacert "$LAB/tls/ca.crt" -sS -L -o /dev/null \
            -w 'GET -L code=%{http_code} url=%{url_effective}\n' "https://r-0.r:1094/data/t$i.bin"
    done
    echo "--- control: outside roots:// straight to a worker by IP (not in the certificate)"
    in_out env "$CA" timeout "$T" xrdcp -f "roots://203.0.113.10:1094//data/t1.bin" /dev/null 2>&1 | tail -1
    grep -E 'TLS|tls' "$LAB/w0/xrootd.log" | head -3
} >"$OUT/tls.txt" 2>&1
cat "$OUT/tls.txt"
