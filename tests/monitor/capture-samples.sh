#!/usr/bin/env bash
# Captures xrd.report summary datagrams from real XRootD daemons of every role, on loopback, as golden
# inputs for the monitor's parser (src/test/resources/org/xrootd/hook/monitor/samples/).
#
#   tests/monitor/capture-samples.sh [OUTPUT_DIR]
#
# A tiny cluster: a manager (cmsd + xrootd), a supervisor subscribed to it (cmsd + xrootd), two data
# servers subscribed to the manager, one data server subscribed to the supervisor, and an XCache
# (pss + pfc) data server subscribed to the manager whose origin is the first data server. Every daemon
# sends `xrd.report 127.0.0.1:<port> every 2s all` to a python3 UDP listener. The listener keeps the
# newest datagram of each source (pgm, instance) per phase:
#   steady      everything up and subscribed;
#   suspended   the first data server's xrootd killed (its cmsd tells the managers "suspend");
#   offline     its cmsd killed too (the managers keep it as offline until cms.delay drop).
# Runs as root (the daemons switch to the 'xrootd' account with -R) or as any user. Needs xrootd, cmsd
# (Debian xrootd-server 5.5.3), xrootd-server-plugins for the cache, python3. Every process it starts is
# stopped by its PID on exit.
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")/../.." && pwd)/src/test/resources/org/xrootd/hook/monitor/samples}"
interval=2
mkdir -p "$out"
out="$(cd "$out" && pwd)"

work="$(mktemp -d /tmp/xrootd-capture.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${CAPTURE_KEEP:-0}" = 1 ]; then echo "capture: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Free loopback ports, one per listener, chosen by the kernel.
read -r report_port man_cms man_xrd sup_cms sup_xrd ds1_xrd ds2_xrd ds3_xrd cache_xrd < <(python3 - <<'EOF'
import socket
socks = []
for kind in [socket.SOCK_DGRAM] + [socket.SOCK_STREAM] * 8:
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)

run_as=()
if [ "$(id -u)" = 0 ]; then
  run_as=(-R xrootd)
  chown xrootd: "$work"
fi

cat > "$work/xrootd.cf" <<EOF
all.export /data
all.adminpath $work/admin
all.pidpath $work/admin
all.sitename capture
xrd.report 127.0.0.1:$report_port every ${interval}s all
if named manager
   all.role manager
   xrd.port $man_cms if exec cmsd
   xrd.port $man_xrd if exec xrootd
   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 600
fi
if named supervisor
   all.role supervisor
   cms.superport $sup_cms
   xrd.port $sup_xrd if exec xrootd
   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 600
fi
if named ds1 ds2 ds3 cache
   all.role server
   cms.space min 1m 2m
fi
if named ds3
   all.manager 127.0.0.1:$sup_cms
else
   all.manager 127.0.0.1:$man_cms
fi
if named ds1
   oss.localroot $work/ds1
   xrd.port $ds1_xrd if exec xrootd
fi
if named ds2
   oss.localroot $work/ds2
   xrd.port $ds2_xrd if exec xrootd
fi
if named ds3
   oss.localroot $work/ds3
   xrd.port $ds3_xrd if exec xrootd
fi
if named cache
   oss.localroot $work/cache
   xrd.port $cache_xrd if exec xrootd
fi
if exec xrootd
   cms.conwait 1
fi
EOF

# The cache's xrootd: the same file plus the proxy and its cache (an 'if' cannot nest in another).
cat "$work/xrootd.cf" - > "$work/cache.cf" <<EOF
if exec xrootd
   ofs.osslib libXrdPss.so
   pss.cachelib libXrdPfc.so
   pss.origin 127.0.0.1:$ds1_xrd
   pfc.ram 1g
   pfc.diskusage 0.5 0.7
fi
EOF

# The listener: one file per (phase, pgm, instance), the newest datagram wins; phase from $work/phase.
echo steady > "$work/phase"
python3 - "$report_port" "$work" > "$work/listener.log" 2>&1 <<'EOF' &
import os, re, socket, sys
port, work = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
os.makedirs(os.path.join(work, "got"), exist_ok=True)
while True:
    data, _ = s.recvfrom(65536)
    head = data[:400].decode("latin-1")
    pgm = re.search(r'pgm="([^"]*)"', head)
    ins = re.search(r'ins="([^"]*)"', head)
    with open(os.path.join(work, "phase")) as f:
        phase = f.read().strip()
    name = "%s-%s-%s.xml" % (phase, ins.group(1) if ins else "unknown", pgm.group(1) if pgm else "unknown")
    tmp = os.path.join(work, "got", name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, os.path.join(work, "got", name))
EOF
pids+=("$!")

declare -A daemon_pid
start() { # instance program
  local cf=$work/xrootd.cf
  if [ "$1-$2" = cache-xrootd ]; then cf=$work/cache.cf; fi
  mkdir -p "$work/$1/data"
  if [ "$(id -u)" = 0 ]; then chown -R xrootd: "$work/$1"; fi
  (cd "$work/$1" && exec "$2" "${run_as[@]}" -n "$1" -c "$cf" -l "=$work/$1-$2.log") > /dev/null 2>&1 &
  pids+=("$!")
  daemon_pid["$1-$2"]=$!
}
mkdir -p "$work/admin"
if [ "$(id -u)" = 0 ]; then chown xrootd: "$work/admin"; fi
for instance in manager supervisor ds1 ds2 ds3 cache; do
  start "$instance" cmsd
  start "$instance" xrootd
done

# Waits until every wanted sample of a phase exists and was written after the phase began.
wait_phase() { # phase seconds file...
  local phase=$1 limit=$2 deadline f ok
  shift 2
  deadline=$((SECONDS + limit))
  while [ $SECONDS -lt $deadline ]; do
    ok=1
    for f in "$@"; do
      [ -s "$work/got/$phase-$f.xml" ] || ok=0
    done
    [ $ok = 1 ] && return 0
    sleep 1
  done
  echo "capture: phase $phase incomplete after ${limit}s; have: $(ls "$work/got")" >&2
  for f in "$work"/*.log; do echo "== $f"; tail -n 20 "$f"; done >&2
  return 1
}

# Steady: every node subscribed. Wait until the manager's report lists three nodes in state active
# (ds1, ds2, cache, supervisor) and the supervisor's lists ds3, then take a fresh round.
deadline=$((SECONDS + 60))
until [ -s "$work/got/steady-manager-cmsd.xml" ] && [ "$(grep -o '<run>a' "$work/got/steady-manager-cmsd.xml" | wc -l)" -ge 4 ] \
  && [ -s "$work/got/steady-supervisor-cmsd.xml" ] && grep -q '<run>a' "$work/got/steady-supervisor-cmsd.xml"; do
  if [ $SECONDS -ge $deadline ]; then
    echo "capture: cluster did not form in 60s" >&2
    for f in "$work"/*.log; do echo "== $f"; tail -n 20 "$f"; done >&2
    exit 1
  fi
  sleep 1
done
# A little traffic, so that link and xrootd counters are not all zero: a write and a read through the
# manager, and a read through the cache.
head -c 200000 /dev/urandom > "$work/payload"
chmod 644 "$work/payload"
if command -v xrdcp >/dev/null; then
  xrdcp -s -f "$work/payload" "root://127.0.0.1:$man_xrd//data/sample.bin" || echo "capture: write failed (counters stay low)" >&2
  xrdcp -s -f "root://127.0.0.1:$man_xrd//data/sample.bin" /dev/null || true
  xrdcp -s -f "root://127.0.0.1:$cache_xrd//data/sample.bin" /dev/null || true
fi
rm -f "$work/got/"steady-*
sleep $((interval + 1))
all=(manager-cmsd manager-xrootd supervisor-cmsd supervisor-xrootd ds1-cmsd ds1-xrootd ds2-cmsd ds2-xrootd ds3-cmsd ds3-xrootd cache-cmsd cache-xrootd)
wait_phase steady 20 "${all[@]}"

# Suspended: ds1's xrootd gone, its cmsd still subscribed.
echo between > "$work/phase"
kill "${daemon_pid[ds1-xrootd]}"
sleep 1
echo suspended > "$work/phase"
until grep -q '<run>s' "$work/got/suspended-manager-cmsd.xml" 2>/dev/null; do
  [ $SECONDS -lt $((deadline + 60)) ] || { echo "capture: ds1 never seen suspended" >&2; exit 1; }
  sleep 1
done

# Offline: ds1's cmsd gone as well; the manager keeps the node as offline until the drop delay.
echo between > "$work/phase"
kill "${daemon_pid[ds1-cmsd]}"
sleep 1
echo offline > "$work/phase"
until grep -q '<run>o' "$work/got/offline-manager-cmsd.xml" 2>/dev/null; do
  [ $SECONDS -lt $((deadline + 90)) ] || { echo "capture: ds1 never seen offline" >&2; exit 1; }
  sleep 1
done

cp "$work/got/"steady-*.xml "$out/"
cp "$work/got/suspended-manager-cmsd.xml" "$work/got/offline-manager-cmsd.xml" "$out/"
if [ -s "$work/got/offline-supervisor-cmsd.xml" ]; then cp "$work/got/offline-supervisor-cmsd.xml" "$out/"; fi
# The capture host's name and the kernel-chosen ports are the only variable parts; record them.
{
  echo "captured=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host=$(hostname)"
  echo "xrootd=$(xrootd -v 2>&1 | head -n1)"
  echo "interval=${interval}s"
  echo "ports: manager cmsd $man_cms xrootd $man_xrd; supervisor cmsd $sup_cms xrootd $sup_xrd;" \
    "ds1 $ds1_xrd ds2 $ds2_xrd ds3 $ds3_xrd cache $cache_xrd; report $report_port"
} > "$out/capture.properties"
ls -l "$out"
