#!/usr/bin/env bash
# Offline bridge test: a mixed capture (TCP, UDP, ICMP, IPv6 with extension headers,
# VLAN/QinQ, fragments, malformed frames) replayed through bulwark-dataplane on net_pcap
# with WORKERS workers (one TX pcap per worker and port). The independent oracle
# (check_bridge_output.py) checks byte-for-byte equality, per-flow order and that one
# worker handled both directions of each flow; the stats segment must agree.
# Usage: bridge_pcap_test.sh DATAPLANE STATSDUMP WORKERS. No root or hugepages needed.
set -euo pipefail
DP=$1 DUMP=$2 WORKERS=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
SHM=/bw-offline-$$
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$WORK" "/dev/shm/${SHM#/}"
}
trap cleanup EXIT

python3 "$HERE/make_mixed_pcap.py" "$WORK" --seed 7 >/dev/null
# Workers share CPU 1 when there are more of them than CPUs: correctness, not speed.
cores=1
for ((w = 1; w < WORKERS; w++)); do cores+=",1"; done
out_tx= in_tx= out_files= in_files=
for ((q = 0; q < WORKERS; q++)); do
  out_tx+=",tx_pcap=$WORK/outside-out-q$q.pcap"
  in_tx+=",tx_pcap=$WORK/inside-out-q$q.pcap"
  out_files+="${out_files:+,}$WORK/outside-out-q$q.pcap"
  in_files+="${in_files:+,}$WORK/inside-out-q$q.pcap"
done
# Hand-off rings larger than the capture: replay has no back-pressure, so a descheduled
# worker must not turn into ring drops (which the dataplane would count, correctly).
# No inspection: this test is about forwarding fidelity. The capture's ports 80 and 443
# carry random bytes and its two directions are replayed independently (a client may
# acknowledge data its server has not sent yet), which the integrity policy rightly cuts
# or drops; inspection is tested by offline-inspection and offline-evasion-matrix.
# Malformed frames are forwarded (not the default) so every frame is accounted for.
printf 'dpdk:\n  handoff_ring: 8192\n  mbufs: 32768\ninspect:\n  http_ports: []\n  tls_ports: []\nmalformed: forward\n' \
  >"$WORK/dataplane.yaml"

"$DP" -c "$WORK/dataplane.yaml" --no-huge --keep-stats --stats-shm "$SHM" --main-core 0 \
  --workers "$cores" \
  --outside "net_pcap0,rx_pcap=$WORK/outside-in.pcap$out_tx" \
  --inside "net_pcap1,rx_pcap=$WORK/inside-in.pcap$in_tx" >"$WORK/dataplane.log" 2>&1 &
pid=$!

frames() { python3 -c "import sys; d=open(sys.argv[1],'rb').read(); n=0; o=24
while o < len(d): n+=1; o += 16 + int.from_bytes(d[o+8:o+12], 'little')
print(n)" "$1"; }
want_out=$(frames "$WORK/outside-in.pcap")
want_in=$(frames "$WORK/inside-in.pcap")

# Wait until every frame has been received and transmitted (at most 60 s).
stats=
for ((i = 0; i < 600; i++)); do
  if stats=$("$DUMP" --shm "$SHM" --compact 2>/dev/null) &&
    python3 - "$stats" "$want_out" "$want_in" <<'PY'; then break; fi
import json, sys
t = json.loads(sys.argv[1])["total"]["queues"]
sys.exit(0 if t[0]["rx_packets"] == int(sys.argv[2]) and t[1]["rx_packets"] == int(sys.argv[3])
         and t[1]["tx_packets"] == int(sys.argv[2]) and t[0]["tx_packets"] == int(sys.argv[3]) else 1)
PY
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "dataplane exited early:"; cat "$WORK/dataplane.log"; exit 1
  fi
  sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if ((rc != 0)); then
  echo "dataplane exit code $rc (want 0 after SIGTERM):"; cat "$WORK/dataplane.log"; exit 1
fi
stats=$("$DUMP" --shm "$SHM" --compact)

python3 - "$stats" "$want_out" "$want_in" "$WORKERS" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); t = j["total"]
want_out, want_in, workers = map(int, sys.argv[2:5])
q = t["queues"]
problems = []
def expect(what, got, want):
    if got != want: problems.append(f"{what}: {got}, want {want}")
expect("state", j["state"], "stopped")
expect("outside rx", q[0]["rx_packets"], want_out)
expect("inside rx", q[1]["rx_packets"], want_in)
expect("inside tx", q[1]["tx_packets"], want_out)
expect("outside tx", q[0]["tx_packets"], want_in)
expect("bytes through", q[0]["rx_bytes"], q[1]["tx_bytes"])
expect("tx drops", q[0]["tx_drops"] + q[1]["tx_drops"], 0)
expect("hand-off drops", t["handoff_drops"], 0)
expect("hand-offs in == out", t["handoff_in"], t["handoff_out"])
p = t["packets"]
# Each frame is counted once: as IPv4, IPv6, non-IP, or under its malformation.
expect("every frame classified", p["ipv4"] + p["ipv6"] + p["non_ip"] + sum(t["malformed"].values()),
       want_out + want_in)
if p["ipv4_fragments"] == 0 or p["ipv6_fragments"] == 0: problems.append("no fragments counted")
if p["vlan_tagged"] == 0: problems.append("no VLAN frames counted")
if sum(t["malformed"].values()) == 0: problems.append("no malformed frames counted")
if t["flows"]["created"] < 100: problems.append(f"only {t['flows']['created']} flows tracked")
if workers > 1 and any(w["flows"]["created"] == 0 for w in j["worker"]):
    problems.append("a worker tracked no flows")
for pr in problems: print("stats:", pr)
print("stats segment:", "OK" if not problems else "FAIL", json.dumps(p))
sys.exit(1 if problems else 0)
PY

python3 "$HERE/check_bridge_output.py" --outside-in "$WORK/outside-in.pcap" \
  --inside-in "$WORK/inside-in.pcap" --outside-out "$out_files" --inside-out "$in_files" \
  --workers "$WORKERS"
