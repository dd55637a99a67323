#!/bin/bash
# Shared helpers for the "clients outside Kubernetes" experiments (docs/research/outside-access.md).
# Source it: `. tests/research/outside-lab.sh`. Needs root, iproute2, nftables, dnsmasq-base, setpriv,
# Debian's xrootd-server/-client 5.5.3 and the system user `xrootd`.
#
# Topology (all inside network namespaces created here; nothing touches the root namespace's network):
#   r14node   the "Kubernetes node": bridge br0 10.244.0.1/24 (pod network), dnsmasq on 10.244.0.1 and
#             203.0.113.1 (stands in for kube DNS, with PTR records), veth to the outside world
#             (203.0.113.1/24, plus extra node addresses for hostPort/LoadBalancer), ip_forward, nft DNAT.
#   r14-<p>   one namespace per pod: eth0 with the pod IP, default route via 10.244.0.1, its own
#             /etc/netns/r14-<p>/{hosts,resolv.conf} as kubelet writes them, hostname = pod name (UTS ns).
#   r14out    the outside client: 203.0.113.100/24 only; it can reach the node addresses, never 10.244/16.

LAB=${LAB:-/tmp/r14lab}
NODE_NS=r14node
OUT_NS=r14out
KDOMAIN=${KDOMAIN:-cluster.local}
KNS=${KNS:-xrd}

lab_log() { printf '%s %s\n' "$(date +%T.%N | cut -c1-12)" "$*"; }

# netns_add <name>: create a namespace and record it, so lab_down removes only this lab's namespaces
netns_add() { ip netns add "$1" && echo "$1" >>"$LAB/netns.list"; }

lab_up() {
    mkdir -p "$LAB/pids" "$LAB/dns"
    : >"$LAB/dns/hosts"
    chmod 755 "$LAB" "$LAB/dns"
    netns_add "$NODE_NS"
    ip -n "$NODE_NS" link set lo up
    ip -n "$NODE_NS" link add br0 type bridge
    ip -n "$NODE_NS" addr add 10.244.0.1/24 dev br0
    ip -n "$NODE_NS" link set br0 up
    ip netns exec "$NODE_NS" sysctl -qw net.ipv4.ip_forward=1
    netns_add "$OUT_NS"
    ip -n "$OUT_NS" link set lo up
    ip -n "$NODE_NS" link add vout type veth peer name eth0 netns "$OUT_NS"
    ip -n "$NODE_NS" addr add 203.0.113.1/24 dev vout
    ip -n "$NODE_NS" link set vout up
    ip -n "$OUT_NS" addr add 203.0.113.100/24 dev eth0
    ip -n "$OUT_NS" link set eth0 up
    mkdir -p "/etc/netns/$OUT_NS"
    printf 'nameserver 203.0.113.1\n' >"/etc/netns/$OUT_NS/resolv.conf"
    printf '127.0.0.1 localhost\n' >"/etc/netns/$OUT_NS/hosts"
    dns_start
}

# dns_start: (re)start dnsmasq; $LAB/dns/extra.conf may hold e.g. address=/name/ip (an A record, no PTR)
dns_start() {
    touch "$LAB/dns/extra.conf"
    if [ -s "$LAB/pids/dnsmasq.pid" ]; then
        kill "$(cat "$LAB/pids/dnsmasq.pid")" 2>/dev/null
        wait "$(cat "$LAB/pids/dnsmasq.pid")" 2>/dev/null
    fi
    ip netns exec "$NODE_NS" dnsmasq -k --conf-file="$LAB/dns/extra.conf" --no-resolv --no-hosts \
        --addn-hosts="$LAB/dns/hosts" --listen-address=10.244.0.1,203.0.113.1 --bind-interfaces \
        --local=/"$KDOMAIN"/ --local=/in-addr.arpa/ --local=/example/ --local-ttl=0 --localise-queries \
        --log-queries --log-facility="$LAB/dns/queries.log" --pid-file="$LAB/dns/dnsmasq.pid" \
        >"$LAB/dns/dnsmasq.out" 2>&1 &
    echo $! >"$LAB/pids/dnsmasq.pid"
    sleep 0.3
}
dns_a_only() { echo "address=/$1/$2" >>"$LAB/dns/extra.conf"; dns_start; }

# dns_add <ip> <name>...   adds A and PTR records (the first name is the PTR answer), reloads dnsmasq
dns_add() { echo "$*" >>"$LAB/dns/hosts"; dns_reload; }
dns_del_ip() { sed -i "/^$1 /d" "$LAB/dns/hosts"; dns_reload; }
dns_reload() { [ -s "$LAB/dns/dnsmasq.pid" ] && kill -HUP "$(cat "$LAB/dns/dnsmasq.pid")"; sleep 0.1; }

# pod_add <short> <ip> <pod name> <headless service>   (kubelet-like hosts/resolv.conf, DNS A+PTR)
pod_add() {
    local s=$1 ip=$2 pod=$3 svc=$4 fqdn
    fqdn="$pod.$svc.$KNS.svc.$KDOMAIN"
    netns_add "r14-$s"
    ip -n "r14-$s" link set lo up
    ip -n "$NODE_NS" link add "vp-$s" type veth peer name eth0 netns "r14-$s"
    ip -n "$NODE_NS" link set "vp-$s" master br0 up
    ip -n "r14-$s" addr add "$ip/24" dev eth0
    ip -n "r14-$s" link set eth0 up
    ip -n "r14-$s" route add default via 10.244.0.1
    mkdir -p "/etc/netns/r14-$s" "$LAB/$s/admin" "$LAB/$s/data/data"
    printf 'search %s.svc.%s svc.%s %s\nnameserver 10.244.0.1\noptions ndots:5\n' \
        "$KNS" "$KDOMAIN" "$KDOMAIN" "$KDOMAIN" >"/etc/netns/r14-$s/resolv.conf"
    printf '127.0.0.1 localhost\n%s %s %s\n' "$ip" "$fqdn" "$pod" >"/etc/netns/r14-$s/hosts"
    echo "$pod" >"$LAB/$s/podname"
    echo "$ip" >"$LAB/$s/ip"
    chown -R xrootd:xrootd "$LAB/$s"
    dns_add "$ip" "$fqdn"
}

# pod_readdress <short> <new ip>   the pod comes back with a new IP (DNS and hosts updated)
pod_readdress() {
    local s=$1 new=$2 old pod fqdn
    old=$(cat "$LAB/$s/ip"); pod=$(cat "$LAB/$s/podname")
    fqdn=$(awk -v p="$pod" '$3==p {print $2}' "/etc/netns/r14-$s/hosts")
    ip -n "r14-$s" addr del "$old/24" dev eth0
    ip -n "r14-$s" addr add "$new/24" dev eth0
    ip -n "r14-$s" route add default via 10.244.0.1 2>/dev/null || true
    printf '127.0.0.1 localhost\n%s %s %s\n' "$new" "$fqdn" "$pod" >"/etc/netns/r14-$s/hosts"
    echo "$new" >"$LAB/$s/ip"
    dns_del_ip "$old"
    dns_add "$new" "$fqdn"
}

# in_pod <short> <cmd...>   run a command in the pod's network (root, pod's hosts/resolv.conf)
in_pod() { local s=$1; shift; ip netns exec "r14-$s" "$@"; }
in_out() { ip netns exec "$OUT_NS" "$@"; }

# daemon_start <short> <instance manager|worker> <cmsd|xrootd> <config> [VAR=value...]
# Runs as user xrootd with hostname = pod name; stderr to $LAB/<short>/<daemon>.log.
daemon_start() {
    local s=$1 inst=$2 d=$3 cfg=$4 pod
    shift 4
    pod=$(cat "$LAB/$s/podname")
    # shellcheck disable=SC2016 # expanded by the inner sh
    ip netns exec "r14-$s" env XRD_ADMIN_DIR="$LAB/$s/admin" XRD_DATA_DIR="$LAB/$s/data" \
        POD_NAME="$pod" "$@" unshare --uts sh -c 'hostname "$0"; cd "$1"; shift; exec "$@"' \
        "$pod" "$LAB/$s" setpriv --reuid=xrootd --regid=xrootd --init-groups \
        "/usr/bin/$d" -c "$cfg" -n "$inst" >>"$LAB/$s/$d.log" 2>&1 &
    echo $! >"$LAB/pids/$s-$d.pid"
}

# daemon_wait_sock <short> <instance>: wait (max 5 s) for the cmsd admin socket, like start.sh does
daemon_wait_sock() {
    local i=0
    while [ ! -S "$LAB/$1/admin/$2/.olb/olbd.admin" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

# pod_start <short> <instance> <config> [VAR=value...]: cmsd, wait for its socket, xrootd
pod_start() {
    local s=$1 inst=$2 cfg=$3
    shift 3
    daemon_start "$s" "$inst" cmsd "$cfg" "$@"
    daemon_wait_sock "$s" "$inst"
    daemon_start "$s" "$inst" xrootd "$cfg" "$@"
}

daemon_stop() { # daemon_stop <short> <daemon> [signal]
    local f="$LAB/pids/$1-$2.pid"
    [ -s "$f" ] || return 0
    kill "-${3:-KILL}" "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
}
# pod_stop <short> [signal]: stop both daemons; the admin socket is removed as well, as a re-created pod
# gets a fresh emptyDir (a stale olbd.admin would let xrootd start before cmsd, then retry only every 10 s)
pod_stop() {
    daemon_stop "$1" xrootd "${2:-KILL}"
    daemon_stop "$1" cmsd "${2:-KILL}"
    sleep 0.2
    find "$LAB/$1/admin" -name olbd.admin -delete 2>/dev/null
}

# wait until the redirector map lists n servers (max 20 s)
wait_servers() { # wait_servers <client short> <redirector host:port> <n>: at most 20 s
    local end=$((SECONDS + 20))
    while [ $SECONDS -lt $end ]; do
        [ "$(in_pod "$1" timeout 5 xrdmapc --list s "$2" 2>/dev/null | grep -c Srv)" -ge "$3" ] && return 0
        sleep 0.2
    done
    return 1
}

lab_down() {
    local f
    for f in "$LAB"/pids/*.pid; do
        [ -s "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    wait 2>/dev/null
    [ -s "$LAB/dns/dnsmasq.pid" ] && kill "$(cat "$LAB/dns/dnsmasq.pid")" 2>/dev/null
    sleep 0.3
    if [ -s "$LAB/netns.list" ]; then
        while read -r f; do
            ip netns del "$f" 2>/dev/null
            rm -rf "/etc/netns/$f"
        done <"$LAB/netns.list"
    fi
    case $LAB in /tmp/r14*) rm -rf "$LAB" ;; esac
}

# base_config <file> <manager host:port>... : the project's generated xrootd.cf, adapted to the lab
# (admin and data paths from the environment; trace on). Append experiment lines afterwards.
base_config() {
    local f=$1 m
    shift
    {
        echo "set adm = \$XRD_ADMIN_DIR"
        echo "set lroot = \$XRD_DATA_DIR"
        echo "all.export /data"
        echo "all.adminpath \$(adm)"
        echo "all.pidpath \$(adm)"
        echo "xrd.network dyndns"
        for m in "$@"; do echo "all.manager $m"; done
        echo "xrd.port 1094 if exec xrootd"
        echo "if named manager"
        echo "   all.role manager"
        echo "   xrd.port 3121 if exec cmsd"
        echo "   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 60"
        echo "else"
        echo "   all.role server"
        echo "   oss.localroot \$(lroot)"
        echo "   cms.space min 51m 102m"
        echo "fi"
        echo "if exec xrootd"
        echo "   xrd.protocol XrdHttp:1094 libXrdHttp.so"
        echo "   cms.conwait 1"
        echo "   xrootd.trace emsg login stall redirect"
        echo "fi"
    } >"$f"
    chmod 644 "$f"
}
