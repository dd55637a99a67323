#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Experiment 4a: how xrootd and cmsd 5.5.3 react to SIGTERM when they are process 1 of a PID namespace
# (what a container runtime does on pod deletion), and what a tiny init or a shell wrapper changes.
# Each case starts one daemon in `unshare --pid --fork` inside a private network namespace, sends
# SIGTERM from the parent namespace (as kubelet/containerd do) and waits up to 5 s for the exit.
# Usage: sudo tests/research/exp4-sigterm.sh [outdir]
set -u
. "$(dirname "$0")/outside-lab.sh"
OUT=${1:-$LAB-out/exp4}
mkdir -p "$OUT"
trap lab_down EXIT
lab_down 2>/dev/null
mkdir -p "$LAB/pids" "$LAB/s/admin" "$LAB/s/data"
chown -R xrootd:xrootd "$LAB/s"
chmod 755 "$LAB"
netns_add r14-s
ip -n r14-s link set lo up
cfg=$LAB/s.cf
cat >"$cfg" <<EOF
all.export /data
all.adminpath $LAB/s/admin
all.pidpath $LAB/s/admin
oss.localroot $LAB/s/data
all.role manager
all.manager 127.0.0.1:3121
xrd.port 1094 if exec xrootd
xrd.port 3121 if exec cmsd
EOF
chmod 644 "$cfg"

# The start.sh pattern with a signal-forwarding shell as process 1 (POSIX sh, no extra binary).
cat >"$LAB/fwd.sh" <<'EOF'
#!/bin/sh
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
rc=$?
# wait returns early (>128) when the trap ran: wait again for the daemon's real exit status
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
exit "$rc"
EOF
chmod 755 "$LAB/fwd.sh"

RUNAS="setpriv --reuid=xrootd --regid=xrootd --init-groups"

case_run() { # case_run <label> <daemon> <which process gets SIGTERM: init|child> <wrapper words...>
    local label=$1 d=$2 target=$3 p t0 n pid1 victim rc
    shift 3
    # shellcheck disable=SC2086 # RUNAS is a word list
    ip netns exec r14-s unshare --pid --fork --kill-child "$@" $RUNAS "/usr/bin/$d" -c "$cfg" -n "$label" \
        >"$OUT/$label.log" 2>&1 &
    p=$!
    sleep 2
    pid1=$(pgrep -P "$p" | head -1)
    victim=$pid1
    [ "$target" = child ] && victim=$(pgrep -P "$pid1" | head -1)
    printf '%-14s %-6s pid1=%s(%s) ' "$label" "$d" "$pid1" "$(ps -o comm= -p "$pid1")"
    t0=$(date +%s.%N)
    kill -TERM "$victim"
    n=0
    while kill -0 "$pid1" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    if kill -0 "$pid1" 2>/dev/null; then
        echo "SIGTERM to $target: still running after 5 s -> SIGKILL"
        kill -KILL "$pid1"
        wait "$p" 2>/dev/null
    else
        wait "$p"
        rc=$?
        echo "SIGTERM to $target: exited after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}') s, status $rc"
    fi
}

{
    case_run bare-xrootd xrootd init
    case_run bare-cmsd cmsd init
    case_run tini-xrootd xrootd init tini --
    case_run tini-cmsd cmsd init tini --
    case_run dinit-xrootd xrootd init dumb-init --
    case_run dinit-cmsd cmsd init dumb-init --
    case_run fwdsh-xrootd xrootd init "$LAB/fwd.sh"
    case_run fwdsh-cmsd cmsd init "$LAB/fwd.sh"
    # shareProcessNamespace: the pause process is 1, the daemon is not, and gets the SIGTERM itself
    case_run shared-xrootd xrootd child "$LAB/fwd.sh"
} | tee "$OUT/sigterm.txt"
