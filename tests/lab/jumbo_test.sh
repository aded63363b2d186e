#!/usr/bin/env bash
# Lab: jumbo frames. All four legs at MTU 9000 (as between a load balancer and its
# servers), the dataplane with ports.mtu 9000 on net_af_packet with 12 KiB ring frames:
# a POST whose 7000-byte body arrives in one frame is inspected whole. The clean one
# reaches the origin byte for byte, the one with the SQL injection at its end is
# stopped, frames over 4000 bytes did cross the box, and nothing was malformed or split.
# Usage: jumbo_test.sh DATAPLANE STATSDUMP RULES_TOOL (root).
DATAPLANE=$1 STATSDUMP=$2 RULES_TOOL=$3
source "$(dirname "$0")/lib.sh"
# Ring frames of 12 KiB, one per block (the driver maps frames back to back): a 9018-byte
# frame plus the ring's header, within the 12 KiB mbufs of ports.mtu 9000 (the driver
# refuses a ring frame they cannot hold).
export LAB_PMD=af_packet LAB_DEVARGS=",framesz=12288,blocksz=12288,framecnt=256"

"$RULES_TOOL" compile "$LAB_ROOT/tests/lab/rulesets/lab.yaml" -o "$TMP/lab.bwb" --version 11 2>/dev/null ||
  fail "the lab rules do not compile"
"$LABSH" up >/dev/null
ip -n "$LAB-client" link set c0 mtu 9000
ip -n "$LAB-server" link set s0 mtu 9000
ip -n "$LAB-appl" link set out0 mtu 9000
ip -n "$LAB-appl" link set in0 mtu 9000
printf 'ports:\n  mtu: 9000\n' >"$TMP/dp.yaml"
"$LABSH" start-dataplane --config "$TMP/dp.yaml" --rules "$TMP/lab.bwb" --http-ports 80,8083 \
  >/dev/null
# ip netns exec execs the command: $! is the origin itself (stopped by PID on exit).
ip netns exec "$LAB-server" python3 "$LAB_ROOT/tests/lab/differential/python_origin.py" 8083 \
  "$TMP/origin.jsonl" 2>/dev/null &
BG_PIDS+=($!)
ip netns exec "$LAB-server" timeout 20 tcpdump -i s0 -nn -c 1 -w "$TMP/big.pcap" \
  'tcp dst port 8083 and greater 4000' 2>/dev/null &
dump=$!
BG_PIDS+=($dump)
for ((i = 0; i < 50; i++)); do
  server bash -c 'exec 3<>/dev/tcp/127.0.0.1/8083' 2>/dev/null && break
  sleep 0.1
done
((i < 50)) || fail "origin on 8083 did not start"

# post ID BODY_TAIL: a 7000-byte form body ending in BODY_TAIL, in one send; prints the
# status code, or "reset" if the connection was cut.
post() {
  client python3 - "$1" "$2" <<'PY'
import socket, sys
rid, tail = sys.argv[1], sys.argv[2].encode()
body = b"pad=" + b"x" * (7000 - 5 - len(tail)) + b"&" + tail
req = (b"POST /login HTTP/1.1\r\nHost: a\r\nX-Diff-Id: %s\r\nConnection: close\r\n"
       b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
       % (rid.encode(), len(body))) + body
s = socket.create_connection(("198.18.0.2", 8083), timeout=5)
try:
    s.sendall(req)
    data = s.recv(100)
    print(data.split(b" ")[1].decode() if data else "reset")
except OSError:
    print("reset")
PY
}
clean=$(post 1 "user=alice&pass=secret")
bad=$(post 2 "user=a' or 1=1 --")
expect_eq "clean 7000-byte POST" "$clean" 200
[[ $bad != 200 ]] || fail "the SQL injection in a jumbo frame reached the origin"
pass "SQL injection at the end of a jumbo frame stopped ($bad)"
python3 - "$TMP/origin.jsonl" <<'PY' || fail "the origin's view"
import json, sys
seen = {e["id"]: e for e in map(json.loads, open(sys.argv[1]))}
assert "2" not in seen, "the origin got the injection"
assert len(seen["1"]["body"]) == 7000 and seen["1"]["body"].endswith("&user=alice&pass=secret"), \
    "the clean body arrived changed"
print("ok: the origin got the clean body whole (7000 bytes) and never the injection")
PY
wait "$dump" || fail "no frame over 4000 bytes reached the server: the test did not use jumbo frames"
pass "frames over 4000 bytes crossed the box"
s=$(stats)
expect_eq "malformed frames" "$(stat_of "$s" 'sum(j["total"]["malformed"].values())')" 0
expect_eq "split frames dropped" "$(stat_of "$s" 'j["total"]["packets"]["multi_segment_dropped"]')" 0
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
