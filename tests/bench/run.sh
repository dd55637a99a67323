#!/usr/bin/env bash
# Benchmarks of the hook (issue #7): JMH sync vs Jackson floor, HTTP load with wrk over loopback, start to
# first 200, resident memory under -Xmx128m; and of the monitor (issue #16): JMH parse + ingest of one
# report, the jar under -Xmx64m fed by 1000 workers' daemons reporting every 10 s. Prints one Markdown
# table; raw output stays in target/bench/.
#
# And (issue #19) the hook side by side with two peers written as Metacontroller's examples are, a Node.js
# and a Python hook (tests/bench/peers), same requests, same wrk, server CPU per sync from /proc.
#
#   tests/bench/run.sh           the full run (about 25 minutes on 2 cores)
#   tests/bench/run.sh --peers   only the side-by-side comparison with the peers (about 10 minutes)
#   tests/bench/run.sh --smoke   every step at tiny sizes (well under a minute), for CI: checks that each
#                                step produced numbers, not how fast they are
set -euo pipefail
cd "$(dirname "$0")/../.."

SMOKE=0
ONLY_PEERS=0
case "${1:-}" in
  --smoke) SMOKE=1 ;;
  --peers) ONLY_PEERS=1 ;;
  "") ;;
  *) echo "usage: $0 [--smoke | --peers]" >&2; exit 2 ;;
esac

if [ "$SMOKE" = 1 ]; then
  JMH_OPTS=(-f 0 -wi 1 -w 100ms -i 1 -r 200ms)   # no fork: the runner's JVM measures
  LOAD_SECONDS=1; WARM_SECONDS=1; WARM_AGAIN=1; STARTS=1
  MONITOR_WARM=3; MONITOR_SECONDS=4
  PEER_WARM=1; PEER_SECONDS=1
else
  JMH_OPTS=()   # the annotations' own: 1 fork, 10 x 1 s warm-up, 5 x 2 s measured
  # A minute of warm-up: under 64 connections on 2 cores the JIT compiler competes with the request threads
  # and is still compiling after 20 s; a hook serves for days, so the steady state is the figure that counts.
  # WARM_AGAIN: before another input on a server that is already warm.
  LOAD_SECONDS=30; WARM_SECONDS=60; WARM_AGAIN=10; STARTS=3
  # The monitor: 30 s of reports before measuring (the JIT, and every daemon's first report: an interval
  # is 10 s), then 2 minutes measured.
  MONITOR_WARM=30; MONITOR_SECONDS=120
  # The peers: each server gets PEER_WARM seconds of load on every input before its measured rows (Node's
  # and the JVM's JITs), then PEER_SECONDS per input.
  PEER_WARM=${PEER_WARM:-20}; PEER_SECONDS=${PEER_SECONDS:-30}
fi
HEAP=-Xmx128m
OUT=target/bench

log() { echo "bench [${SECONDS}s]: $*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---------------------------------------------------------------- tools
need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The peers: Node.js and Python from Debian.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
[ -x /usr/bin/python3 ] || command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null \
    || log "apt-get could not install ${need_apt[*]}: what is missing is skipped below"
fi
for tool in mvn javac wrk curl; do command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed" >&2; exit 1; }; done

# ---------------------------------------------------------------- build
# The jar and the test classes as the normal build makes them (after mvn verify, Maven finds them up to
# date), the benchmark profile's classpath (JMH), and the benchmarks compiled on their own: compiling them
# with Maven (mvn -Pbench test-compile) would recompile every test as well.
log "building the jar, then the benchmarks"
mvn -q -B -ntp -DskipTests package
mkdir -p "$OUT"
mvn -q -B -ntp -Pbench dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test
JAR=target/xrootd-hook.jar
DEPS="$(cat "$OUT/classpath.txt")"
rm -rf "$OUT/classes" && mkdir -p "$OUT/classes"
find src/jmh/java -name '*.java' >"$OUT/sources.txt"
javac -nowarn -encoding UTF-8 --release 17 -d "$OUT/classes" -cp "target/test-classes:target/classes:$DEPS" \
  -processorpath "$DEPS" @"$OUT/sources.txt"
CP="$OUT/classes:target/test-classes:target/classes:$DEPS"
rm -rf "$OUT/inputs" "$OUT/responses" "$OUT"/jmh* "$OUT"/wrk-* "$OUT"/server-* "$OUT/nmt.txt" "$OUT/results.properties" \
  "$OUT"/monitor-*
mkdir -p "$OUT"
PROPS="$OUT/results.properties"
prop() { printf '%s=%s\n' "$1" "$2" >>"$PROPS"; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
jv=$(java -version 2>&1 | head -1)
prop machine "$(nproc) cores ($cpu), $mem RAM, $(uname -sr), $jv, wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
prop run "$(date -u +%Y-%m-%dT%H:%MZ), $([ "$SMOKE" = 1 ] && echo 'SMOKE (tiny sizes: the figures mean nothing)' || echo full), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo '+changes')"

log "deriving the inputs"
java -cp "$CP" org.xrootd.hook.bench.BenchTool inputs "$OUT/inputs"
mkdir -p "$OUT/responses"; cp "$OUT"/inputs/*.json "$OUT/responses/"
java -cp "$CP" org.xrootd.hook.bench.BenchTool respond "$OUT/responses" sample workers-100 workers-500 workers-1000 related

# ---------------------------------------------------------------- JMH
if [ "$ONLY_PEERS" = 0 ]; then
log "JMH"
prop jmh.load "$(load1)"
java -cp "$CP" -Dbench.inputs="$OUT/inputs" org.openjdk.jmh.Main 'org.xrootd.hook.bench.SyncBench' \
  "${JMH_OPTS[@]}" -p input=sample,workers-100,workers-500 -prof gc -rf json -rff "$OUT/jmh.json" >"$OUT/jmh.log" 2>&1 \
  || { tail -30 "$OUT/jmh.log" >&2; exit 1; }
log "JMH monitor"
prop jmh.monitor.load "$(load1)"
java -cp "$CP" org.openjdk.jmh.Main 'org.xrootd.hook.bench.MonitorBench' \
  "${JMH_OPTS[@]}" -prof gc -rf json -rff "$OUT/jmh-monitor.json" >"$OUT/jmh-monitor.log" 2>&1 \
  || { tail -30 "$OUT/jmh-monitor.log" >&2; exit 1; }
fi

# ---------------------------------------------------------------- HTTP
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port found" >&2; return 1
}

# start NAME OPTS...: starts the jar on a free loopback port; sets SERVER_PID and PORT.
start() {
  local name=$1; shift
  PORT=$(free_port)
  java "$HEAP" "$@" -jar "$JAR" --host 127.0.0.1 --port "$PORT" >"$OUT/server-$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

# wait_200 PATH: polls until PATH answers 200; prints the milliseconds since START_NS.
wait_200() {
  local deadline=$((SECONDS + 60))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1" || true)" = 200 ]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server died: $(tail -5 "$OUT/server-$name.log")" >&2; return 1; }
    [ $SECONDS -lt $deadline ] || { echo "no 200 on $1 within 60 s" >&2; return 1; }
    sleep 0.005
  done
  echo $(( ($(date +%s%N) - START_NS) / 1000000 ))
}

stop() {
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
}

if [ "$ONLY_PEERS" = 0 ]; then
# /readyz when the service has it, else /healthz: a first start, not measured, finds out (and warms the disk cache).
name=probe; START_NS=$(date +%s%N); start probe
wait_200 /healthz >/dev/null
ENDPOINT=/healthz
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && ENDPOINT=/readyz
stop
prop startup.endpoint "$ENDPOINT"
prop startup.load "$(load1)"
starts=()
for i in $(seq "$STARTS"); do
  name=start-$i; START_NS=$(date +%s%N); start "$name"
  starts+=("$(wait_200 "$ENDPOINT")")
  [ "$i" = "$STARTS" ] || stop
done
prop startup.ms "$(IFS=,; echo "${starts[*]}")"
log "start to first 200 on $ENDPOINT: ${starts[*]} ms"

fi

# check INPUT: the server answers the bytes the in-process hook gives.
check() {
  curl -s -f -o "$OUT/responses/$1.http.json" -H 'Content-Type: application/json' \
    --data-binary "@$OUT/inputs/$1.json" "http://127.0.0.1:$PORT/sync"
  cmp -s "$OUT/responses/$1.http.json" "$OUT/responses/$1.response.json" \
    || { echo "POST /sync of $1 differs from the in-process response" >&2; exit 1; }
}

HTTP_N=0
# load SERVER INPUT CONNECTIONS SECONDS
load() {
  local file="wrk-$1-$2-c$3.txt"
  HTTP_N=$((HTTP_N + 1))
  prop "http.$HTTP_N.server" "$1"; prop "http.$HTTP_N.input" "$2"
  prop "http.$HTTP_N.connections" "$3"; prop "http.$HTTP_N.seconds" "$4"
  prop "http.$HTTP_N.file" "$file"; prop "http.$HTTP_N.load" "$(load1)"
  log "wrk $1 $2 c$3 ${4}s"
  local before after
  before=$(cpu_ticks)
  BENCH_BODY="$OUT/inputs/$2.json" wrk -t2 -c"$3" -d"$4s" --timeout 5s --latency -s tests/bench/post.lua \
    "http://127.0.0.1:$PORT/sync" >"$OUT/$file"
  after=$(cpu_ticks)
  prop "http.$HTTP_N.cpu.ticks" "$((after - before))"
}
# The server's CPU time so far (user + system, all threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
prop clock.ticks.per.second "$(getconf CLK_TCK)"
# warm SERVER INPUT [SECONDS]: load without measuring, so that the JIT has compiled the sync path.
warm() {
  BENCH_BODY="$OUT/inputs/$2.json" wrk -t2 -c16 -d"${3:-$WARM_SECONDS}s" -s tests/bench/post.lua \
    "http://127.0.0.1:$PORT/sync" >/dev/null
}
rss() {
  prop "rss.$1.kib" "$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")"
  prop "rss.$1.hwm.kib" "$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")"
  prop "rss.$1.inputs" "$2"
  prop "rss.$1.load" "$(load1)"
}

if [ "$ONLY_PEERS" = 0 ]; then
# The last measured start serves every input, with this machine's default GC (G1).
for input in sample workers-100 workers-500; do check "$input"; done
warm default sample
load default sample 16 "$LOAD_SECONDS"
load default sample 64 "$LOAD_SECONDS"
warm default workers-100 "$WARM_AGAIN"
load default workers-100 16 "$LOAD_SECONDS"
load default workers-100 64 "$LOAD_SECONDS"
warm default workers-500 "$WARM_AGAIN"
load default workers-500 64 "$LOAD_SECONDS"
rss default "after the three inputs"
stop

# The garbage collector a JVM picks in a 256 MiB container (Serial: it is not a "server-class machine"
# there), where this machine's JVM picks G1: the footprint as deployed.
name=serial; START_NS=$(date +%s%N); start serial -XX:+UseSerialGC
wait_200 /healthz >/dev/null
warm serial workers-100
load serial workers-100 64 "$LOAD_SECONDS"
rss serial "after 100 workers"
stop

# Where the resident memory goes: native memory tracking on the Serial server after the same load.
name=nmt; START_NS=$(date +%s%N); start nmt -XX:+UseSerialGC -XX:NativeMemoryTracking=summary
wait_200 /healthz >/dev/null
warm nmt workers-100
BENCH_BODY="$OUT/inputs/workers-100.json" wrk -t2 -c64 -d"${LOAD_SECONDS}s" --timeout 5s -s tests/bench/post.lua \
  "http://127.0.0.1:$PORT/sync" >"$OUT/wrk-nmt.txt"
jcmd "$SERVER_PID" VM.native_memory summary >"$OUT/nmt.txt"
prop nmt.threads "$(awk '/Threads/ {print $2}' "/proc/$SERVER_PID/status")"
rss nmt "after 100 workers"
stop

fi

# ---------------------------------------------------------------- the peers (issue #19)
# The hook, a Node.js hook and a Python hook (tests/bench/peers: as Metacontroller's examples are written,
# one process each with its runtime's defaults), one after the other in this run, with the same inputs and
# the same wrk at 16 connections. Each must first answer every input with exactly the hook's bytes.
PEER_INPUTS=(sample workers-100 workers-500 workers-1000 related)
# The smoke checks every input's bytes on every server but loads only the sample.
PEER_LOADS=("${PEER_INPUTS[@]}")
[ "$SMOKE" = 1 ] && PEER_LOADS=(sample)
PYTHON=python3; [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
# peer_start SERVER: starts it on a free port (SERVER_PID, PORT) and waits until it answers a sync.
peer_start() {
  name=peer-$1; START_NS=$(date +%s%N)
  case "$1" in
    hook) start "peer-hook" -XX:+UseSerialGC ;;   # as deployed: Serial, as a 256 MiB container picks
    node)
      PORT=$(free_port)
      node tests/bench/peers/hook.js "$PORT" "$OUT/responses" >"$OUT/server-peer-node.log" 2>&1 &
      SERVER_PID=$!; PIDS+=("$SERVER_PID") ;;
    python)
      PORT=$(free_port)
      # A log line per request on stderr, as http.server does by default.
      "$PYTHON" "$PWD/tests/bench/peers/hook.py" "$PORT" "$OUT/responses" >"$OUT/server-peer-python.log" 2>&1 &
      SERVER_PID=$!; PIDS+=("$SERVER_PID") ;;
  esac
  local deadline=$((SECONDS + 60))
  until curl -s -f -o /dev/null -H 'Content-Type: application/json' --data-binary "@$OUT/inputs/sample.json" \
      "http://127.0.0.1:$PORT/sync"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "peer $1 died: $(tail -5 "$OUT/server-peer-$1.log")" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "peer $1 does not answer" >&2; exit 1; }
    sleep 0.05
  done
}
PEER_N=0
for server in hook node python; do
  if [ "$server" = node ] && ! command -v node >/dev/null 2>&1; then
    log "no node (apt-get could not install nodejs): the Node.js peer is skipped"; prop "peer.skipped.node" "no node"; continue
  fi
  if [ "$server" = python ] && ! command -v "$PYTHON" >/dev/null 2>&1; then
    log "no python3: the Python peer is skipped"; prop "peer.skipped.python" "no python3"; continue
  fi
  log "peer $server"
  peer_start "$server"
  for input in "${PEER_INPUTS[@]}"; do check "$input"; done
  for input in "${PEER_LOADS[@]}"; do warm "$server" "$input" "$PEER_WARM"; done
  for input in "${PEER_LOADS[@]}"; do
    PEER_N=$((PEER_N + 1))
    prop "peer.$PEER_N.server" "$server"; prop "peer.$PEER_N.input" "$input"
    prop "peer.$PEER_N.seconds" "$PEER_SECONDS"; prop "peer.$PEER_N.file" "wrk-peer-$server-$input.txt"
    prop "peer.$PEER_N.load" "$(load1)"
    before=$(cpu_ticks)
    BENCH_BODY="$OUT/inputs/$input.json" wrk -t2 -c16 -d"${PEER_SECONDS}s" --timeout 5s --latency -s tests/bench/post.lua \
      "http://127.0.0.1:$PORT/sync" >"$OUT/wrk-peer-$server-$input.txt"
    prop "peer.$PEER_N.cpu.ticks" "$(( $(cpu_ticks) - before ))"
  done
  prop "peer.rss.$server.kib" "$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")"
  stop
done
for input in "${PEER_INPUTS[@]}"; do prop "peer.bytes.$input" "$(stat -c %s "$OUT/inputs/$input.json") $(stat -c %s "$OUT/responses/$input.response.json")"; done

if [ "$ONLY_PEERS" = 0 ]; then
# ---------------------------------------------------------------- the monitor at 1000 workers
# The collector as deployed (the Deployment's JAVA_TOOL_OPTIONS: Serial, 1 processor, C1 only, no perf data,
# 512 KiB stacks), its heap capped at 64 MiB, without Kubernetes credentials (no insight writer; MonitorLoad
# reads /insight once a second instead, which computes what the writer's tick does). MonitorLoad sends every daemon's report
# (1000 workers, their 16 supervisors, 2 redirectors: a cmsd and an xrootd each) once per 10 s, spread
# over the interval, and scrapes /metrics every 15 s.
# thread_ticks: "TID TICKS NAME" for each of the server's threads (user + system), to say where the CPU goes.
# One awk over every thread's stat file, so that the snapshot is as quick as the process's own reading.
thread_ticks() {
  # The name (field 2, in parentheses) may hold spaces: the fields after ") " start at field 3 (the state).
  awk '{
    open = index($0, "("); match($0, /\) [A-Za-z] /)
    n = split(substr($0, RSTART + 2), f, " ")
    if (n >= 13) print $1, f[12] + f[13], substr($0, open + 1, RSTART - open - 1)
  }' /proc/"$SERVER_PID"/task/*/stat 2>/dev/null || true
}
log "monitor: 1000 workers for ${MONITOR_WARM}+${MONITOR_SECONDS}s"
name=monitor
PORT=$(free_port); REPORT_PORT=$(free_port)
START_NS=$(date +%s%N)
java -Xmx64m -XX:+UseSerialGC -XX:ActiveProcessorCount=1 -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError \
  -Xss512k -jar "$JAR" monitor \
  --cluster bench --report-host 127.0.0.1 --report-port "$REPORT_PORT" --host 127.0.0.1 --port "$PORT" \
  --interval 10s --insight off >"$OUT/server-monitor.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
wait_200 /healthz >/dev/null
java -cp "$CP" org.xrootd.hook.bench.MonitorLoad 127.0.0.1 "$REPORT_PORT" "$PORT" $((MONITOR_WARM + MONITOR_SECONDS + 1)) \
  1000 2 10 >"$OUT/monitor-load.properties" 2>"$OUT/monitor-load.log" &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
sleep "$MONITOR_WARM"
prop monitor.cpu.load "$(load1)"
thread_ticks >"$OUT/monitor-threads-before.txt"
before=$(cpu_ticks); t0=$(date +%s%N)
sleep "$MONITOR_SECONDS"
after=$(cpu_ticks); t1=$(date +%s%N)
thread_ticks >"$OUT/monitor-threads-after.txt"
prop monitor.cpu.ticks "$((after - before))"
prop monitor.cpu.window.ms "$(( (t1 - t0) / 1000000 ))"
wait "$LOAD_PID" || { cat "$OUT/monitor-load.log" >&2; exit 1; }
cat "$OUT/monitor-load.properties" >>"$PROPS"
# A scrape after the load, as Prometheus makes it; the collector's own counters say what it received.
prop monitor.scrape.load "$(load1)"
curl -s -f -o "$OUT/monitor-metrics.txt" -w '%{time_total} %{size_download}' "http://127.0.0.1:$PORT/metrics" >"$OUT/monitor-scrape.txt"
prop monitor.scrape.seconds "$(cut -d' ' -f1 "$OUT/monitor-scrape.txt")"
prop monitor.scrape.bytes "$(cut -d' ' -f2 "$OUT/monitor-scrape.txt")"
prop monitor.scrape.series "$(grep -c '^xrootd_' "$OUT/monitor-metrics.txt" || true)"
counter() { awk -v k="$1" 'index($0, k) == 1 {printf "%.0f", $2}' "$OUT/monitor-metrics.txt"; }
prop monitor.received "$(counter 'xrootd_monitor_datagrams_total{cluster="bench",result="report"}')"
prop monitor.rejected "$(counter 'xrootd_monitor_datagrams_total{cluster="bench",result="error"}')"
prop monitor.sources "$(counter 'xrootd_monitor_sources{cluster="bench"}')"
# The heap in use right after a full collection, and the process's resident memory.
prop monitor.heap.load "$(load1)"
jcmd "$SERVER_PID" GC.run >/dev/null
jcmd "$SERVER_PID" GC.heap_info >"$OUT/monitor-heap.txt"
rss monitor "after the load"
prop monitor.threads "$(awk '/Threads/ {print $2}' "/proc/$SERVER_PID/status")"
stop

fi

REPORT_OPTS=()
[ "$SMOKE" = 1 ] && REPORT_OPTS=(--smoke)
[ "$ONLY_PEERS" = 1 ] && REPORT_OPTS=(--peers)
java -cp "$CP" org.xrootd.hook.bench.BenchTool report "$OUT" "${REPORT_OPTS[@]}" | tee "$OUT/table.md"
