#!/usr/bin/env bash
# The monitor step of tests/bench/run.sh for several collectors at once: each LABEL JAR "JVM OPTIONS" is
# started on loopback and fed by its own MonitorLoad (1000 workers' daemons every 10 s, /insight every
# second, /metrics every 15 s), all at the same time, so that on a shared machine they compare under the
# same load. For each: the process's CPU (user + system, /proc/PID/stat) over SECONDS after WARM seconds,
# its busiest threads, datagrams sent and received, heap in use after a full GC, resident memory, and one
# scrape after the load.
#
#   tests/bench/monitor-side-by-side.sh WARM SECONDS LABEL JAR "JVM OPTIONS" [LABEL JAR "JVM OPTIONS" ...]
#   e.g. tests/bench/monitor-side-by-side.sh 30 120 \
#          before /tmp/old.jar "-Xmx64m -XX:+UseSerialGC -XX:ActiveProcessorCount=1" \
#          after target/xrootd-hook.jar "-Xmx64m -XX:+UseSerialGC -XX:ActiveProcessorCount=1 -XX:TieredStopAtLevel=1"
#
# Needs the benchmark classes tests/bench/run.sh compiles (target/bench/classes, target/bench/classpath.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 5 ] && [ $(( ($# - 2) % 3 )) = 0 ] || { sed -n '9,12p' "$0" >&2; exit 2; }
WARM=$1; SECS=$2; shift 2
[ -d target/bench/classes ] && [ -f target/bench/classpath.txt ] || { echo "run tests/bench/run.sh --smoke first" >&2; exit 1; }
CP="target/bench/classes:target/test-classes:target/classes:$(cat target/bench/classpath.txt)"
OUT=target/bench/side-by-side
rm -rf "$OUT" && mkdir -p "$OUT"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{ match($0, /\) [A-Za-z] /); split(substr($0, RSTART + 2), f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
thread_ticks() {
  awk '{ open = index($0, "("); match($0, /\) [A-Za-z] /); split(substr($0, RSTART + 2), f, " ")
         print $1, f[12] + f[13], substr($0, open + 1, RSTART - open - 1) }' /proc/"$1"/task/*/stat 2>/dev/null || true
}

one() {
  local label=$1 jar=$2 opts=$3 dir="$OUT/$1"
  mkdir -p "$dir"
  local port report
  port=$(free_port); report=$(free_port)
  # shellcheck disable=SC2086
  java $opts -jar "$jar" monitor --cluster bench --report-host 127.0.0.1 --report-port "$report" --host 127.0.0.1 \
    --port "$port" --interval 10s --insight off >"$dir/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  java -Xmx256m -cp "$CP" org.xrootd.hook.bench.MonitorLoad 127.0.0.1 "$report" "$port" $((WARM + SECS + 1)) 1000 2 10 \
    >"$dir/load.properties" 2>"$dir/load.log" &
  local load=$!
  sleep "$WARM"
  local l0 b t0 l1 a t1
  l0=$(cut -d' ' -f1 /proc/loadavg); b=$(ticks "$server"); thread_ticks "$server" >"$dir/threads-before.txt"; t0=$(date +%s%N)
  sleep "$SECS"
  a=$(ticks "$server"); thread_ticks "$server" >"$dir/threads-after.txt"; t1=$(date +%s%N); l1=$(cut -d' ' -f1 /proc/loadavg)
  wait "$load" || true
  local scrape
  scrape=$(curl -s -o "$dir/metrics.txt" -w '%{time_total} s, %{size_download} B' "http://127.0.0.1:$port/metrics")
  jcmd "$server" GC.run >/dev/null; jcmd "$server" GC.heap_info >"$dir/heap.txt"
  local rss hz ms
  rss=$(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true
  hz=$(getconf CLK_TCK); ms=$(( (t1 - t0) / 1000000 ))
  {
    printf '%s: %s of one core (%s ticks in %s ms), load %s -> %s\n' "$label" \
      "$(awk -v t=$((a - b)) -v ms="$ms" -v hz="$hz" 'BEGIN { printf "%.2f%%", t / hz / (ms / 1000) * 100 }')" $((a - b)) "$ms" "$l0" "$l1"
    printf '  sent %s, received %s; heap in use after a full GC %s; resident %s; a scrape %s\n' \
      "$(awk -F= '/^monitor.sent=/ {print $2}' "$dir/load.properties")" \
      "$(awk 'index($0, "xrootd_monitor_datagrams_total{cluster=\"bench\",result=\"report\"}") == 1 {printf "%.0f", $2}' "$dir/metrics.txt")" \
      "$(awk '/generation/ {gsub(/K,/, "", $6); s += $6} END {printf "%.1f MiB", s / 1024}' "$dir/heap.txt")" "$rss" "$scrape"
    awk -v ms="$ms" -v hz="$hz" 'NR == FNR {t[$1] = $2; next}
      { d = $2 - ($1 in t ? t[$1] : 0); n = $0; sub(/^[0-9]+ [0-9]+ /, "", n); if (d > 0) printf "    %6.2f%% %s\n", d / hz / (ms / 1000) * 100, n }' \
      "$dir/threads-before.txt" "$dir/threads-after.txt" | sort -rn | head -8
  } >"$dir/result.txt"
}

pids=()
while [ $# -gt 0 ]; do
  one "$1" "$2" "$3" &
  pids+=($!)
  shift 3
done
for p in "${pids[@]}"; do wait "$p"; done
cat "$OUT"/*/result.txt
