# Sourced by the offline inspection tests (after `set -euo pipefail` and DP, DUMP, RULES,
# HERE set): a work directory and stats segment removed on exit (also after a failure),
# `fail`, the lab rule set compiled into $WORK/rules.bwb, and `replay`.
WORK=$(mktemp -d)
SHM=/bw-offline-$(basename "$0" .sh)-$$
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$WORK" "/dev/shm/${SHM#/}"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $WORK/dataplane.log ]] && tail -n 20 "$WORK/dataplane.log"; exit 1; }
"$RULES" compile "$HERE/../lab/rulesets/lab.yaml" -o "$WORK/rules.bwb" --version 3 2>/dev/null

# Replays a capture through bulwark-dataplane on net_pcap ports (the capture arrives on
# the outside port; what leaves is written to $WORK/to-servers.pcap and
# $WORK/to-clients.pcap), waits until every frame was received, then stops it.
# Usage: replay IN.pcap FRAMES RULES.bwb [more dataplane options, e.g. -c FILE]
replay() {
  local in=$1 frames=$2 rules=$3 rx i
  shift 3
  python3 -c "import sys,struct; open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))" "$WORK/empty.pcap"
  "$DP" --no-huge --keep-stats --capture-replay --stats-shm "$SHM" --main-core 0 --workers 1 \
    --rules "$rules" --events "$WORK/events.jsonl" \
    --outside "net_pcap0,rx_pcap=$in,tx_pcap=$WORK/to-clients.pcap" \
    --inside "net_pcap1,rx_pcap=$WORK/empty.pcap,tx_pcap=$WORK/to-servers.pcap" "$@" \
    >"$WORK/dataplane.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 300; i++)); do
    rx=$("$DUMP" --shm "$SHM" --compact 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["queues"][0]["rx_packets"])' 2>/dev/null) || rx=0
    ((rx == frames)) && break
    kill -0 "$pid" 2>/dev/null || fail "dataplane exited early"
    sleep 0.1
  done
  ((rx == frames)) || fail "only $rx of $frames frames received"
  sleep 0.3
  kill -TERM "$pid"
  wait "$pid" || fail "dataplane exit code $?"
  pid=
}
