#!/usr/bin/env bash
# Offline evasion matrix: one connection per evasion trick (make_evasion_pcap.py), each
# carrying a request the lab rule set blocks, replayed through bulwark-dataplane
# (net_pcap) with the shipped integrity policy. What left towards the server is then fed
# to a model of the server's TCP receiver (checksums, TTL, RFC 5961 RST acceptance,
# urgent byte removal, in-order assembly): for every trick the server must never have
# received the complete malicious request, and the connection must show the decision
# (a rule, smuggling or integrity event); the clean connection passes byte for byte.
# Usage: evasion_matrix_test.sh DATAPLANE STATSDUMP RULES_TOOL. No root or hugepages.
set -euo pipefail
DP=$1 DUMP=$2 RULES=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/replay.sh"
python3 "$HERE/make_evasion_pcap.py" "$WORK/in.pcap" >"$WORK/manifest.json"
frames=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frames"])' "$WORK/manifest.json")
replay "$WORK/in.pcap" "$frames" "$WORK/rules.bwb"
"$DUMP" --shm "$SHM" --compact >"$WORK/stats.json"

python3 - "$WORK/manifest.json" "$WORK/in.pcap" "$WORK/to-servers.pcap" "$WORK/events.jsonl" \
  "$WORK/stats.json" <<'PY' || fail "evasion matrix"
import collections, json, re, struct, sys

manifest = json.load(open(sys.argv[1]))
cases = {int(p): c for p, c in manifest["cases"].items()}

def frames(path):
    d, o = open(path, 'rb').read(), 24
    while o < len(d):
        n = struct.unpack('<I', d[o + 8:o + 12])[0]
        yield d[o + 16:o + 16 + n]
        o += 16 + n

def csum_ok(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff

def server_view(path):
    """Per client port: the bytes a Linux server would have assembled from what reached
    it. IPv4 fragments are reassembled (first copy wins), bad checksums and TTL <= 1
    (expired one hop on) are dropped, so are segments without ACK, SYNs inside the
    connection (with their payload: no TFO), SYN|FIN, and ACKs of bytes the server never
    sent (a SYN after the client's FIN starts the next connection on the tuple); a
    RST ends the connection only at the next expected byte, the urgent byte (also one a
    bare ACK pointed at) is removed, held out-of-order bytes are replaced by a later
    copy, data is taken in order."""
    frags, segs = collections.defaultdict(dict), []
    for f in frames(path):
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack('!H', ip[2:4])[0]
        if not csum_ok(ip[:ihl]) or ip[8] <= 1:
            continue
        fo = struct.unpack('!H', ip[6:8])[0]
        body = ip[ihl:total]
        if fo & 0x3fff:  # a fragment: collect until complete
            key = struct.unpack('!H', ip[4:6])[0]
            frags[key].setdefault((fo & 0x1fff) * 8, (body, bool(fo & 0x2000)))
            parts = frags[key]
            buf, at, last = b'', 0, False
            while at in parts:
                chunk, more = parts[at]
                buf += chunk
                at += len(chunk)
                last = not more
            if not last:
                continue
            body = buf
            del frags[key]
        segs.append((ip[12:16], ip[16:20], body))
    def before(a, b):
        return ((a - b) & 0xffffffff) >= 1 << 31

    def tsval(seg):  # the timestamps option's TSval, or None
        opts, i = seg[20:(seg[12] >> 4) * 4], 0
        while i < len(opts) and opts[i] != 0:
            if opts[i] == 1:
                i += 1
                continue
            if i + 1 >= len(opts) or opts[i + 1] < 2:
                break
            if opts[i] == 8 and opts[i + 1] == 10:
                return struct.unpack('!I', opts[i + 2:i + 6])[0]
            i += opts[i + 1]
        return None

    state, server_end, edge, syn_ts, siss = {}, {}, {}, {}, {}
    out = collections.defaultdict(bytearray)
    for src, dst, seg in segs:
        if not csum_ok(src + dst + struct.pack('!xBH', 6, len(seg)) + seg):
            continue
        sport, dport, seq, ack = struct.unpack('!HHII', seg[:12])
        flags, urg = seg[13], struct.unpack('!H', seg[18:20])[0]
        window = struct.unpack('!H', seg[14:16])[0]
        data = seg[(seg[12] >> 4) * 4:]
        if sport == 80:  # what the server sent: how far a client may acknowledge
            end = (seq + len(data) + (1 if flags & 0x03 else 0)) & 0xffffffff
            if dport not in server_end or ((end - server_end[dport]) & 0xffffffff) < 1 << 31:
                server_end[dport] = end
            if flags & 0x10:  # the right edge of the window it advertised (never shrinks)
                e = (ack + window) & 0xffffffff
                if dport not in edge or before(edge[dport], e):
                    edge[dport] = e
            if flags & 0x02:
                syn_ts[dport] = syn_ts.get(dport, False) and tsval(seg) is not None
                siss[dport] = seq
            continue
        st = state.setdefault(sport, {"nxt": None, "held": {}, "dead": False, "urg": None})
        if st["dead"]:
            continue
        if flags & 0x02:
            if flags & 0x01:  # SYN|FIN: discarded
                continue
            if st["nxt"] is None or st.get("fin"):  # (after a FIN: a new connection)
                st.update(nxt=(seq + 1) & 0xffffffff, held={}, urg=None, fin=False, acked=None,
                          maxwin=window, ts=None)
                syn_ts[sport] = tsval(seg) is not None
                edge.pop(sport, None)
            continue
        if st["nxt"] is None:
            continue
        if flags & 0x04:
            if seq == st["nxt"]:
                st["dead"] = True
            continue
        if not flags & 0x10:
            continue
        if (data or flags & 0x01) and not flags & 0x04:
            # PAWS, the window the server advertised, an ACK older than SND.UNA -
            # min(MAX.SND.WND, bytes acked) (never before the server's ISS + 1).
            tv = tsval(seg)
            if syn_ts.get(sport) and tv is not None and st.get("ts") is not None and before(tv, st["ts"]):
                continue
            if sport in edge and before(edge[sport], seq):
                continue
            lowest = (siss[sport] + 1) & 0xffffffff if sport in siss else None
            if st.get("acked") is not None:
                floor = (st["acked"] - st["maxwin"]) & 0xffffffff
                if lowest is None or before(lowest, floor):
                    lowest = floor
            if lowest is not None and before(ack, lowest):
                continue
            if syn_ts.get(sport) and tv is not None and not before(st["nxt"], seq):
                st["ts"] = tv
        if st.get("acked") is None or before(st["acked"], ack):
            st["acked"] = ack
        st["maxwin"] = max(st.get("maxwin", 0), window)
        if flags & 0x01:
            st["fin"] = True
        if sport in server_end and 0 < ((ack - server_end[sport]) & 0xffffffff) < 1 << 31:
            continue
        if flags & 0x20 and urg:
            st["urg"] = (seq + urg - 1) & 0xffffffff
        for i, b in enumerate(data):
            at = (seq + i) & 0xffffffff
            if at == st["urg"]:
                continue
            if ((at - st["nxt"]) & 0xffffffff) < 1 << 31:
                st["held"][at] = b
        while st["nxt"] in st["held"]:
            out[sport].append(st["held"].pop(st["nxt"]))
            st["nxt"] = (st["nxt"] + 1) & 0xffffffff
    return out

def client_frames(path):
    per = collections.defaultdict(list)
    for f in frames(path):
        ip = f[14:]
        if ip[9] != 6 or struct.unpack('!H', ip[6:8])[0] & 0x3fff:
            continue
        ihl = (ip[0] & 15) * 4
        sport, dport = struct.unpack('!HH', ip[ihl:ihl + 4])
        if dport == 80:
            per[sport].append(f)
    return per

view = server_view(sys.argv[3])
sent, got = client_frames(sys.argv[2]), client_frames(sys.argv[3])
decided = collections.defaultdict(set)
for line in open(sys.argv[4]):
    e = json.loads(line)
    kind = e["type"] if e["type"] != "integrity" else f"integrity:{e['cause']}:{e['action']}"
    if e["type"] == "rule":
        kind = f"rule:{e['rule']['id']}"
    decided[e["flow"]["client_port"]].add(kind)
complete_bad = re.compile(rb"BadBot/1\.0\r?\n(?:[^\r\n]*\r?\n)*?\r?\n")
ok = True
for port, c in sorted(cases.items()):
    stream = bytes(view.get(port, b""))
    if c["expect"] == "clean":
        good = sent[port] == got[port] and not decided[port]
        what = f"{len(got[port])} of {len(sent[port])} frames forwarded unchanged"
    else:
        marker = re.compile(c["marker"].encode('latin-1')) if "marker" in c else complete_bad
        reached = bool(marker.search(stream))
        shown = any(k == "rule:9001" or k == "smuggling" or k.endswith(":cut") for k in decided[port])
        good = not reached and shown
        what = ("the server assembled the malicious request" if reached else
                "never reached the server") + f"; decisions {sorted(decided[port])}"
    print(("ok:   " if good else "FAIL: ") + f"{port} {c['name']}: {what}")
    ok &= good
total = json.load(open(sys.argv[5]))["total"]
stats = total["integrity"]
print("integrity counters:", json.dumps({k: {c: n for c, n in v.items() if n} for k, v in stats.items()}))
# Fragments were reassembled (rte_ip_frag), and the duplicate/overlapping ones dropped.
reasm = total["packets"]["reassembly"]
print("fragment reassembly:", json.dumps(reasm))
if reasm["datagrams"] < 2 or reasm["fragments_dropped"] < 2 or reasm["too_large"] < 1:
    print("FAIL: fragments were not reassembled and dropped as expected")
    ok = False
sys.exit(0 if ok else 1)
PY
echo "evasion matrix passed"
