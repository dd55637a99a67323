#!/usr/bin/env bash
# Runs the image in target/jib-image.tar without a container runtime, to check it where there is no
# Docker: unpacks its layers into a directory and starts its entrypoint there with chroot, as the
# image's user, then asks /readyz and /metrics and stops it with SIGTERM. Needs root (for chroot).
#
#   tools/try-image.sh [target/jib-image.tar] [port]
set -euo pipefail
image=$(readlink -f "${1:-target/jib-image.tar}")
port=${2:-18080}
work=$(mktemp -d)
root=$work/rootfs
cleanup() {
  [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null || true
  mountpoint -q "$root/proc" && umount "$root/proc" || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$root" "$work/image"
tar -xf "$image" -C "$work/image"
config=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' "$work/image/manifest.json")
for layer in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$work/image/manifest.json"); do
  tar --warning=no-unknown-keyword -xf "$work/image/$layer" -C "$root"
done
read -r user entry env_path <<<"$(python3 - "$work/image/$config" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
env = dict(e.split("=", 1) for e in c.get("Env", []))
print(c.get("User", "0"), "\x1f".join(c["Entrypoint"] + c.get("Cmd", [])).replace(" ", "\x1e"), env.get("PATH", "/usr/bin:/bin"))
PY
)"
IFS=$'\x1f' read -r -a argv <<<"$entry"
argv=("${argv[@]//$'\x1e'/ }")
mkdir -p "$root/proc"
mount -t proc proc "$root/proc" 2>/dev/null || echo "note: /proc not mounted in the image root; the JVM then cannot see cgroup limits"
echo "image user $user, entrypoint ${argv[*]}"
env -i PATH="$env_path" LOG_FORMAT=json /usr/sbin/chroot --userspec="$user" "$root" "${argv[@]}" --port "$port" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$code" = 200 ] && break
  sleep 0.2
done
echo "readyz: $code"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^(xrootd_hook_build_info\{|xrootd_hook_max_request_bytes )' || true
echo "process: $(ps -o user=,pid=,args= -p "$pid" | cut -c1-120)"
kill -TERM "$pid"
wait "$pid" || status=$?
echo "exit status after SIGTERM: ${status:-0}"
echo "log:"; cat "$work/log"
pid=
[ "$code" = 200 ]
