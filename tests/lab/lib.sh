# Shared by the lab tests: a private lab per test (its own namespaces, removed on exit
# even after a failure), stats helpers and assertions. Source it after setting
# DATAPLANE and STATSDUMP. Skips (exit 77) when not root.
set -euo pipefail
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: lab tests need root (network namespaces)"
  exit 77
fi
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export LAB=${LAB:-t$$}
export BULWARK_DATAPLANE=$DATAPLANE
LABSH="$LAB_ROOT/tools/lab/lab.sh"
TMP=$(mktemp -d)
# Each test's own background helpers, stopped by PID on exit.
BG_PIDS=()
lab_cleanup() {
  local rc=$?
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if ((rc != 0)) && [[ -f ${LAB_RUN:-/run/bulwark-lab}/$LAB/dataplane.log ]]; then
    echo "--- dataplane log"; tail -n 30 "${LAB_RUN:-/run/bulwark-lab}/$LAB/dataplane.log"
  fi
  "$LABSH" down >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit "$rc"
}
trap lab_cleanup EXIT

client() { "$LABSH" client "$@"; }
server() { "$LABSH" server "$@"; }
stats() { "$STATSDUMP" --shm "/$LAB-stats" --compact; }
# jq-like field access on the stats JSON: stat_of JSON 'expr using j'
stat_of() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
expect_eq() { [[ $2 == "$3" ]] || fail "$1: got '$2', want '$3'"; pass "$1 = $3"; }

# Waits until the dataplane's counters stop moving (quiet lab), at most 10 s.
wait_quiet() {
  local prev= cur i
  for ((i = 0; i < 50; i++)); do
    cur=$(stat_of "$(stats)" 'j["total"]["queues"]')
    [[ $cur == "$prev" ]] && return 0
    prev=$cur
    sleep 0.3
  done
  fail "counters never settled"
}

# Tests that run bulwark-control (CONTROL and BULWARKCTL set before sourcing this).
if [[ -n ${CONTROL:-} ]]; then
  export BULWARK_CONTROL=$CONTROL
  STATE=${LAB_RUN:-/run/bulwark-lab}/$LAB
  ctl() { "$BULWARKCTL" --socket "$STATE/control.sock" "$@"; }
fi
# The lab with bulwark-control started on rules file $1 and a dataplane of two workers
# sharing CPU 1 (see two_workers_test.sh for the inside leg) writing events to $EVENTS;
# returns once the rules are pushed.
start_two_worker_lab() {
  "$LABSH" up >/dev/null
  "$LABSH" start-control --initial-rules "$1" >/dev/null
  LAB_INSIDE_DEV="net_pcap1,rx_iface_in=in0,tx_iface=in0,tx_iface=in0" \
    "$LABSH" start-dataplane --main-core 0 --workers 1,1 --events "$EVENTS" >/dev/null
  wait_rules_in_sync
}
# Waits until bulwark-control has pushed its active rules to the dataplane (10 s).
wait_rules_in_sync() {
  local i
  for ((i = 0; i < 100; i++)); do
    ctl --json status | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("rules",{}).get("in_sync") else 1)' && return 0
    sleep 0.1
  done
  fail "bulwark-control did not push its rules to the dataplane"
}
