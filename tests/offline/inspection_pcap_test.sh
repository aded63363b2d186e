#!/usr/bin/env bash
# Offline inspection test: requests split into one-byte segments, shuffled (across a
# sequence-number wrap), and overlapped with conflicting bytes are replayed through
# bulwark-dataplane (net_pcap) with a rule bundle; each malicious request must match its
# rule exactly once, the clean one never, and the conflicting overlap must be reported.
# Usage: inspection_pcap_test.sh DATAPLANE STATSDUMP RULES_TOOL. No root or hugepages needed.
set -euo pipefail
DP=$1 DUMP=$2 RULES=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/replay.sh"
frames=$(python3 "$HERE/make_split_requests_pcap.py" "$WORK/in.pcap")
replay "$WORK/in.pcap" "$frames" "$WORK/rules.bwb"

python3 - "$WORK/events.jsonl" "$("$DUMP" --shm "$SHM" --compact)" <<'PY' || fail "events or counters wrong"
import collections, json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
stats = json.loads(sys.argv[2])
rule = collections.Counter(e["flow"]["client_port"] for e in events
                           if e["type"] == "rule" and e["rule"]["id"] == 9001)
conflicts = collections.Counter(e["flow"]["client_port"] for e in events if e["type"] == "overlap_conflict")
ok = True
def check(what, got, want):
    global ok
    print(("ok: " if got == want else "FAIL: ") + f"{what}: {got}" + ("" if got == want else f" (want {want})"))
    ok &= got == want
check("rule 9001 matches per connection", dict(sorted(rule.items())), {40002: 1, 40003: 1, 40004: 1, 40005: 1})
check("overlap conflicts per connection", dict(conflicts), {40004: 1})
check("other events", sorted({e["type"] for e in events} - {"rule", "overlap_conflict"}), [])
h = stats["total"]["http"]
check("requests parsed", h["requests"], 5)
check("responses sent (403)", h["responses_sent"], 4)
check("verdicts", (h["verdicts"]["pass"], h["verdicts"]["respond"]), (1, 4))
check("reassembly conflicts counted", stats["total"]["reassembly"]["overlap_conflicts"], 1)
sys.exit(0 if ok else 1)
PY
# What left towards the servers: the clean request whole; of each BadBot request never
# more than a server could assemble short of its end (the segment completing it is
# replaced by a RST); towards the clients: the rule's 403.
python3 - "$WORK/to-servers.pcap" "$WORK/to-clients.pcap" <<'PY' || fail "wrong output"
import collections, struct, sys

def streams(path):
    """Per client port: the client->server bytes a receiver could assemble in order
    (first copy wins), and the count of RSTs sent towards the server."""
    d, o = open(path, 'rb').read(), 24
    isn, segs, rsts = {}, collections.defaultdict(list), collections.Counter()
    while o < len(d):
        n = struct.unpack('<I', d[o + 8:o + 12])[0]
        f = d[o + 16:o + 16 + n]
        o += 16 + n
        tcp = 14 + (f[14] & 15) * 4
        sport, dport, seq = struct.unpack('!HHI', f[tcp:tcp + 8])
        flags = f[tcp + 13]
        client, c2s = (sport, True) if dport == 80 else (dport, False)
        data = f[tcp + (f[tcp + 12] >> 4) * 4:14 + struct.unpack('!H', f[16:18])[0]]
        if flags & 0x04 and c2s:
            rsts[client] += 1
        if flags & 0x02 and c2s:
            isn[client] = seq
        elif data and (c2s or path.endswith("to-clients.pcap")):
            segs[client].append((seq, data))
    out = {}
    for client, parts in segs.items():
        base = (isn.get(client, parts[0][0] - 1) + 1) & 0xffffffff
        have = {}
        for seq, data in parts:
            for i, b in enumerate(data):
                have.setdefault((seq + i - base) & 0xffffffff, b)
        buf, i = bytearray(), 0
        while i in have:
            buf.append(have[i])
            i += 1
        out[client] = bytes(buf)
    return out, rsts

to_servers, rsts = streams(sys.argv[1])
to_clients, _ = streams(sys.argv[2])
assert to_servers[40001].endswith(b"Firefox/12\r\nAccept: */*\r\n\r\n"), to_servers[40001]
for port in (40002, 40003, 40004, 40005):
    assert b"\r\n\r\n" not in to_servers.get(port, b""), (port, to_servers.get(port))
    assert rsts[port] == 1, f"{port}: {rsts[port]} RSTs towards the server"
    assert to_clients[port].startswith(b"HTTP/1.1 403 Forbidden"), (port, to_clients[port][:40])
print("ok: clean request forwarded whole; each BadBot request cut short with a RST to the "
      "server and the rule's 403 to the client")
PY
echo "inspection pcap test passed"
