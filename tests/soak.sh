#!/usr/bin/env bash
# Load soak over loopback: starts the packaged hook, runs org.xrootd.hook.robust.Soak against it, stops it.
#   tests/soak.sh [SECONDS=60] [CONCURRENCY=64]
# The server runs with the production container's JVM shape (serial GC, bounded heap); the report goes to
# target/soak-report.json. Exits non-zero on any 5xx, dropped connection, unexpected status or heap growth.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
concurrency="${2:-64}"
heap="${SOAK_SERVER_HEAP:-256m}"

mvn -q -B -ntp -DskipTests package
mvn -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 18080)"
java -Xmx"$heap" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Dlogback.configurationFile=src/test/resources/logback-test.xml \
  -jar target/xrootd-hook.jar serve --host 127.0.0.1 --port "$port" > target/soak-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "the hook did not start:"; cat target/soak-server.log; exit 1; fi
  sleep 0.2
done

echo "soak: machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  org.xrootd.hook.robust.Soak "$port" "$seconds" "$concurrency" "$server" target/soak-report.json || status=$?
echo "soak: load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if ! kill -0 "$server" 2>/dev/null; then echo "soak: the hook died"; cat target/soak-server.log; exit 1; fi
exit "$status"
