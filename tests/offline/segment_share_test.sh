#!/usr/bin/env bash
# Offline: per-client shares of the reassembly segments. One client keeps four
# out-of-order gaps open on each of 20 connections (80 segments) against a worker with
# 64 segment buffers, then another client sends the lab's BadBot request and a clean
# one, each half out of order (make_segment_share_pcap.py). With no per-client limit
# (client_share 100) the holder takes every buffer and the other client's connections
# are cut for want of one (reassembly_limit): the attack denies service. With the
# default share (25%: 16 buffers) the holder's further connections are cut
# (client_share), the other client's BadBot request is stopped by its rule and its
# clean request reaches the server whole.
# Usage: segment_share_test.sh DATAPLANE STATSDUMP RULES_TOOL. No root or hugepages.
set -euo pipefail
DP=$1 DUMP=$2 RULES=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/replay.sh"

frames=$(python3 "$HERE/make_segment_share_pcap.py" "$WORK/in.pcap" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"])')
run() {  # run SHARE: replays with that share; events and stats in $WORK/*-SHARE
  printf 'inspect:\n  client_share: %s\n  reassembly: {segments: 64}\n' "$1" >"$WORK/dp-$1.yaml"
  rm -f "$WORK/events.jsonl"
  replay "$WORK/in.pcap" "$frames" "$WORK/rules.bwb" -c "$WORK/dp-$1.yaml"
  "$DUMP" --shm "$SHM" --compact >"$WORK/stats-$1.json"
  cp "$WORK/events.jsonl" "$WORK/events-$1.jsonl"
  cp "$WORK/to-servers.pcap" "$WORK/to-servers-$1.pcap"
  rm -f "/dev/shm/${SHM#/}"
}
run 100
run 25
python3 - "$WORK" <<'PY' || fail "segment shares"
import collections, json, sys
work = sys.argv[1]

def decisions(share):
    d = collections.defaultdict(set)
    for line in open(f"{work}/events-{share}.jsonl"):
        e = json.loads(line)
        kind = e["type"] if e["type"] != "integrity" else f"{e['cause']}:{e['action']}"
        if e["type"] == "rule":
            kind = f"rule:{e['rule']['id']}"
        d[e["flow"]["client_port"]].add(kind)
    return d

def clean_reached(share):
    """The clean request's bytes, as sent towards the server on port 43001."""
    data = open(f"{work}/to-servers-{share}.pcap", "rb").read()
    return b"Firefox/12" in data and b"GET /api/v1/customers/3" in data

ok = True
def check(what, cond):
    global ok
    print(("ok:   " if cond else "FAIL: ") + what)
    ok &= bool(cond)

d100, d25 = decisions(100), decisions(25)
s100 = json.load(open(f"{work}/stats-100.json"))["total"]["integrity"]["cut"]
s25 = json.load(open(f"{work}/stats-25.json"))["total"]["integrity"]["cut"]
# Without a share the holder starves the pool: the other client's connections are cut.
check(f"share 100: the other client's clean connection cut for want of a buffer {sorted(d100[43001])}",
      "reassembly_limit:cut" in d100[43001])
check(f"share 100: no client_share cuts ({s100['client_share']})", s100["client_share"] == 0)
# With the default share the holder is held to it and the other client is served.
holder_cut = [p for p in range(42000, 42020) if "client_share:cut" in d25[p]]
check(f"share 25: {len(holder_cut)} of the holder's 20 connections cut past its share", len(holder_cut) >= 10)
check(f"share 25: nothing cut for want of a buffer ({s25['reassembly_limit']})", s25["reassembly_limit"] == 0)
check(f"share 25: the BadBot request stopped by its rule {sorted(d25[43000])}", "rule:9001" in d25[43000])
check(f"share 25: the clean request passed undecided {sorted(d25[43001])}", not d25[43001])
check("share 25: the clean request reached the server", clean_reached(25))
sys.exit(0 if ok else 1)
PY
echo "segment shares passed"
