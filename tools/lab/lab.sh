#!/usr/bin/env bash
# Bulwark lab: three network namespaces wired with veth pairs.
#
#   $LAB-client [c0 198.18.0.1, 2001:2::1] <-> [out0] $LAB-appl [in0] <-> [s0 198.18.0.2, 2001:2::2] $LAB-server
#
# The appliance (bulwark-dataplane) runs in $LAB-appl and forwards between out0
# and in0; the server namespace runs tools/lab/origin.py on port 80. bulwark-control
# (start-control) runs in $LAB-appl too, its metrics on the management address
# 198.18.1.1 (interface mgmt0 there); both talk over unix sockets in the state
# directory.
# Env: LAB (prefix, default bw), LAB_RUN (state root, default /run/bulwark-lab),
#      BULWARK_DATAPLANE, BULWARK_CONTROL (binaries), LAB_PMD (auto: af_xdp, else af_packet | af_packet | af_xdp),
#      LAB_INSIDE_DEV (another device string for the inside leg, e.g. net_pcap),
#      LAB_DEVARGS (appended to both legs' device strings, e.g. ",framesz=10240").
set -euo pipefail

LAB=${LAB:-bw}
STATE=${LAB_RUN:-/run/bulwark-lab}/$LAB
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLIENT=$LAB-client SERVER=$LAB-server APPL=$LAB-appl
C4=198.18.0.1 S4=198.18.0.2 C6=2001:2::1 S6=2001:2::2 M4=198.18.1.1
# Debian's interpreter, not whatever shim is first on PATH.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

usage() {
    cat >&2 <<EOF
usage: $0 up | down | start-dataplane [ARGS...] | stop-dataplane
       $0 start-control [ARGS...] | stop-control | kill-control
       $0 client|server|appl CMD... | mac client|server
EOF
    exit 2
}

[[ $LAB =~ ^[A-Za-z0-9_]{1,16}$ ]] || { echo "lab: bad LAB prefix '$LAB'" >&2; exit 2; }

ns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$1"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
mac_of() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# ours PIDFILE PATTERN: print the pid if it is alive and its command line contains PATTERN.
ours() {
    local pid
    [[ -f $1 ]] && pid=$(<"$1") && [[ $pid =~ ^[0-9]+$ ]] || return 1
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
    echo "$pid"
}

# stop_pid PIDFILE PATTERN SECONDS: SIGTERM, wait, then SIGKILL.
stop_pid() {
    local pid i
    pid=$(ours "$1" "$2") || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < $3 * 10; i++)); do
        ours "$1" "$2" >/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do ours "$1" "$2" >/dev/null || return 0; sleep 0.1; done
}

setup_dev() { # ns dev: checksum/segmentation offloads off, up
    in_ns "$1" ethtool -K "$2" tx off >/dev/null
    local f
    for f in tso gso gro; do in_ns "$1" ethtool -K "$2" "$f" off >/dev/null 2>&1 || true; done
    ip -n "$1" link set "$2" up
}

host_ns() { # ns dev addr4 addr6
    local k
    for k in accept_ra autoconf; do
        in_ns "$1" sysctl -qw "net.ipv6.conf.all.$k=0" "net.ipv6.conf.default.$k=0" "net.ipv6.conf.$2.$k=0"
    done
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" addr add "$4/64" dev "$2" nodad
    setup_dev "$1" "$2"
}

cmd_up() {
    cmd_down
    mkdir -p "$STATE"
    local ns
    for ns in "$CLIENT" "$SERVER" "$APPL"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    in_ns "$APPL" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip link add c0 netns "$CLIENT" numtxqueues 2 numrxqueues 2 type veth \
        peer name out0 netns "$APPL" numtxqueues 2 numrxqueues 2
    ip link add s0 netns "$SERVER" numtxqueues 2 numrxqueues 2 type veth \
        peer name in0 netns "$APPL" numtxqueues 2 numrxqueues 2
    for ns in out0 in0; do
        in_ns "$APPL" sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1"
        setup_dev "$APPL" "$ns"
        ip -n "$APPL" link set "$ns" promisc on
    done
    host_ns "$CLIENT" c0 "$C4" "$C6"
    host_ns "$SERVER" s0 "$S4" "$S6"
    # The appliance's management address (metrics), reachable inside $APPL only.
    # (a veth pair with both ends in $APPL: the dummy module may be missing)
    ip link add mgmt0 netns "$APPL" type veth peer name mgmt1 netns "$APPL"
    ip -n "$APPL" addr add "$M4/32" dev mgmt0
    ip -n "$APPL" link set mgmt1 up
    ip -n "$APPL" link set mgmt0 up

    local cmac smac
    cmac=$(mac_of "$CLIENT" c0) smac=$(mac_of "$SERVER" s0)
    ip -n "$CLIENT" neigh replace "$S4" lladdr "$smac" dev c0 nud permanent
    ip -n "$CLIENT" neigh replace "$S6" lladdr "$smac" dev c0 nud permanent
    ip -n "$SERVER" neigh replace "$C4" lladdr "$cmac" dev s0 nud permanent
    ip -n "$SERVER" neigh replace "$C6" lladdr "$cmac" dev s0 nud permanent

    # $! is the origin itself: ip netns exec execs python (no setsid, which may fork).
    ip netns exec "$SERVER" "$PYTHON" "$ROOT/tools/lab/origin.py" --port 80 \
        --log "$STATE/origin.log" </dev/null >"$STATE/origin.out" 2>&1 &
    echo $! >"$STATE/origin.pid"
    local i
    for ((i = 0; ; i++)); do
        in_ns "$SERVER" timeout 1 bash -c ": </dev/tcp/$S4/80" 2>/dev/null && break
        # Alive is enough here: $! is our own child (its command line may still be
        # bash's for a moment, before it execs ip and then python).
        if ((i >= 100)) || ! kill -0 "$(<"$STATE/origin.pid")" 2>/dev/null; then
            echo "lab: origin (pid $(<"$STATE/origin.pid")) did not start after $i tries:" >&2
            tail -n 20 "$STATE/origin.out" >&2 || true
            ps -o pid,stat,args -p "$(<"$STATE/origin.pid")" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
    echo "lab '$LAB' up: $CLIENT c0 $cmac $C4 $C6 <-> $APPL out0|in0 <-> $SERVER s0 $smac $S4 $S6"
    echo "origin pid $(<"$STATE/origin.pid") on port 80; state in $STATE"
}

cmd_down() {
    if [[ -d $STATE ]]; then
        stop_pid "$STATE/control.pid" "$STATE/control.sock" 10
        # (and waits for the subshell that writes dataplane.rc when it exits: removing
        # $STATE beside that write fails with "Directory not empty")
        cmd_stop_dataplane || true
        stop_pid "$STATE/origin.pid" origin.py 5
    fi
    local ns
    for ns in "$CLIENT" "$SERVER" "$APPL"; do
        if ns_exists "$ns"; then ip netns del "$ns"; fi
    done
    rm -rf "$STATE"
    rm -f "/dev/shm/$LAB-stats"  # left by --keep-stats runs
}

cmd_start_dataplane() {
    if [[ ! -d $STATE ]] || ! ns_exists "$APPL"; then
        echo "lab: '$LAB' is not up" >&2
        exit 1
    fi
    if ours "$STATE/dataplane.pid" "/$LAB-stats" >/dev/null; then
        echo "lab: dataplane already running" >&2
        exit 1
    fi
    local pmd
    case ${LAB_PMD:-auto} in
        auto)
            # AF_XDP where the kernel offers it, AF_PACKET otherwise.
            if launch_dataplane net_af_xdp "$@"; then return 0; fi
            echo "lab: net_af_xdp did not start (log above); falling back to net_af_packet" >&2
            launch_dataplane net_af_packet "$@" || exit 1 ;;
        af_packet) launch_dataplane net_af_packet "$@" || exit 1 ;;
        af_xdp) launch_dataplane net_af_xdp "$@" || exit 1 ;;
        *) echo "lab: LAB_PMD must be auto, af_packet or af_xdp" >&2; exit 2 ;;
    esac
}

# launch_dataplane PMD ARGS...: starts the dataplane on out0/in0 with that PMD; returns 1
# (after printing its log) if it exits or does not forward within 30 s.
launch_dataplane() {
    local pmd=$1 dp=${BULWARK_DATAPLANE:-$ROOT/build/dataplane/bulwark-dataplane}
    shift
    if [[ $pmd == net_af_xdp ]]; then
        # AF_XDP binds one queue per worker: give the appliance's legs exactly that many
        # receive queues, or frames on the others would never reach the dataplane. veth
        # takes XDP only if a leg has at least as many receive queues as its peer has
        # transmit queues, so the client and server legs shrink too.
        local workers=1 prev= a item
        for a in "$@"; do
            if [[ $prev == --workers ]]; then  # a CPU list: 1 or 1-3 or 1,1
                workers=0
                for item in ${a//,/ }; do
                    if [[ $item == *-* ]]; then
                        workers=$((workers + ${item#*-} - ${item%-*} + 1))
                    else
                        workers=$((workers + 1))
                    fi
                done
            fi
            prev=$a
        done
        in_ns "$CLIENT" ethtool -L c0 rx "$workers" tx "$workers" >/dev/null 2>&1 || true
        in_ns "$SERVER" ethtool -L s0 rx "$workers" tx "$workers" >/dev/null 2>&1 || true
        in_ns "$APPL" ethtool -L out0 rx "$workers" tx "$workers" >/dev/null 2>&1 || true
        in_ns "$APPL" ethtool -L in0 rx "$workers" tx "$workers" >/dev/null 2>&1 || true
    fi
    rm -f "$STATE/dataplane.pid" "$STATE/dataplane.rc"
    : >"$STATE/dataplane.log"
    # LAB_IDLE_SLEEP_US: idle workers sleep that long instead of spinning (default 0: busy
    # polling, as on the appliance). Not the default here: on CPUs shared with the lab's
    # clients each wake-up waits for the scheduler, and a request crossing the box four
    # times took 40 ms instead of 20 beside a test run (lab-syn-flood's keep-alive client).
    # The subshell waits for the dataplane so its exit code lands in dataplane.rc;
    # stdbuf keeps stdio line-buffered so the log shows progress immediately.
    (
        stdbuf -oL -eL ip netns exec "$APPL" "$dp" --outside "${pmd}0,iface=out0${LAB_DEVARGS:-}" \
            --inside "${LAB_INSIDE_DEV:-${pmd}1,iface=in0${LAB_DEVARGS:-}}" --stats-shm "/$LAB-stats" \
            --control-socket "$STATE/dataplane.sock" --idle-sleep-us "${LAB_IDLE_SLEEP_US:-0}" "$@" \
            </dev/null >>"$STATE/dataplane.log" 2>&1 &
        echo $! >"$STATE/dataplane.pid.tmp"
        mv "$STATE/dataplane.pid.tmp" "$STATE/dataplane.pid"
        rc=0
        wait $! || rc=$?
        echo "$rc" >"$STATE/dataplane.rc"
    ) </dev/null >/dev/null 2>&1 &
    local i
    for ((i = 0; i < 300; i++)); do
        grep -qF 'bulwark-dataplane: forwarding' "$STATE/dataplane.log" && {
            echo "dataplane pid $(<"$STATE/dataplane.pid") forwarding on $pmd (log $STATE/dataplane.log)"
            return 0
        }
        [[ -f $STATE/dataplane.rc ]] && break
        sleep 0.1
    done
    if [[ -f $STATE/dataplane.rc ]]; then
        echo "lab: dataplane on $pmd exited with code $(<"$STATE/dataplane.rc"):" >&2
    else
        echo "lab: dataplane on $pmd not forwarding after 30 s, stopping it:" >&2
        stop_pid "$STATE/dataplane.pid" "/$LAB-stats" 10
    fi
    grep -v '^libbpf: elf: skipping\|^libxdp:' "$STATE/dataplane.log" | tail -n 30 >&2
    return 1
}

cmd_stop_dataplane() {
    [[ -f $STATE/dataplane.pid ]] || return 0
    stop_pid "$STATE/dataplane.pid" "/$LAB-stats" 10
    local i rc=0
    for ((i = 0; i < 20; i++)); do
        [[ -s $STATE/dataplane.rc ]] && { rc=$(<"$STATE/dataplane.rc"); break; }
        sleep 0.1
    done
    rm -f "$STATE/dataplane.pid" "$STATE/dataplane.rc"
    return "$rc"
}

# bulwark-control for this lab: state in $STATE/control, management socket
# $STATE/control.sock, version 1 from $STATE/control.yaml (metrics on $M4:9108, events in
# $STATE/events.jsonl). ARGS go to bulwark-control (e.g. --initial-rules FILE).
cmd_start_control() {
    local bin=${BULWARK_CONTROL:-$ROOT/build/control/bulwark-control}
    [[ -d $STATE ]] && ns_exists "$APPL" || { echo "lab: '$LAB' is not up" >&2; exit 1; }
    if ours "$STATE/control.pid" "$STATE/control.sock" >/dev/null; then
        echo "lab: bulwark-control already running" >&2
        exit 1
    fi
    [[ -f $STATE/control.yaml ]] || cat >"$STATE/control.yaml" <<EOF
dataplane:
  socket: $STATE/dataplane.sock
  stats_shm: /$LAB-stats
metrics:
  listen: $M4:9108
events:
  file: $STATE/events.jsonl
  rotate_bytes: 1048576
  keep: 3
EOF
    rm -f "$STATE/control.sock"
    stdbuf -oL -eL ip netns exec "$APPL" "$bin" --state-dir "$STATE/control" \
        --socket "$STATE/control.sock" --initial-config "$STATE/control.yaml" "$@" \
        </dev/null >>"$STATE/control.log" 2>&1 &
    echo $! >"$STATE/control.pid"
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -S $STATE/control.sock ]] && {
            echo "bulwark-control pid $(<"$STATE/control.pid"), socket $STATE/control.sock"
            return 0
        }
        # (kill -0, not ours: while stdbuf and ip exec into bulwark-control its command
        # line can read empty for a moment)
        kill -0 "$(<"$STATE/control.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "lab: bulwark-control did not start:" >&2
    tail -n 20 "$STATE/control.log" >&2
    stop_pid "$STATE/control.pid" "$STATE/control.sock" 5
    exit 1
}

(($# >= 1)) || usage
cmd=$1
shift
case $cmd in
    up) (($# == 0)) || usage; cmd_up ;;
    down) (($# == 0)) || usage; cmd_down ;;
    start-dataplane) cmd_start_dataplane "$@" ;;
    stop-dataplane) (($# == 0)) || usage; cmd_stop_dataplane ;;
    start-control) cmd_start_control "$@" ;;
    stop-control) (($# == 0)) || usage; [[ -d $STATE ]] && stop_pid "$STATE/control.pid" "$STATE/control.sock" 10 ;;
    kill-control)  # SIGKILL, as a crash would
        (($# == 0)) || usage
        if pid=$(ours "$STATE/control.pid" "$STATE/control.sock"); then
            kill -KILL "$pid"
            while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        fi ;;
    client | server | appl)
        (($# >= 1)) || usage
        ns=$LAB-$cmd
        exec ip netns exec "$ns" "$@"
        ;;
    mac)
        (($# == 1)) || usage
        case $1 in
            client) mac_of "$CLIENT" c0 ;;
            server) mac_of "$SERVER" s0 ;;
            *) usage ;;
        esac
        ;;
    *) usage ;;
esac
