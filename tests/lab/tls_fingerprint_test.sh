#!/usr/bin/env bash
# Lab: TLS client fingerprints on live connections. A TLS server (openssl s_server) in
# the server namespace; curl (HTTP/2 and HTTP/1.1, TLS 1.3 and 1.2), openssl s_client
# and Python's ssl module connect through the appliance, also with the server
# advertising a 200-byte MSS so that every ClientHello arrives split over several
# segments. The dataplane writes a tls_client_hello event per connection; its JA3 must
# equal what tshark (an independent implementation) computes from a capture of the same
# connections on the client's side, its JA4 must be well-formed and the same for the
# same client, the SNI must be the one sent, and the counters must add up.
# Then a rule bundle blocks curl by its JA4 (at the ClientHello) and logs openssl by its
# JA3; Python's client passes.
# Usage: tls_fingerprint_test.sh DATAPLANE STATSDUMP RULES_TOOL (root).
DATAPLANE=$1 STATSDUMP=$2 RULES_TOOL=$3
source "$(dirname "$0")/lib.sh"
command -v tshark >/dev/null || fail "tshark is missing (tools/setup.sh installs it)"

"$LABSH" up >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
  -days 1 -subj "/CN=lab.example" >/dev/null 2>&1
# Started with ip netns exec directly so that $! is the server itself (ip execs it):
# through the lab.sh wrapper, $! would be a subshell and the server would outlive the test.
ip netns exec "$LAB-server" openssl s_server -accept 443 -cert "$TMP/cert.pem" -key "$TMP/key.pem" \
  -www -quiet </dev/null >"$TMP/s_server.log" 2>&1 &
BG_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
  server timeout 1 bash -c ': </dev/tcp/198.18.0.2/443' 2>/dev/null && break
  sleep 0.1
done
EVENTS=$TMP/events.jsonl
"$LABSH" start-dataplane --tls-events --events "$EVENTS" >/dev/null
ip netns exec "$LAB-client" tcpdump -i c0 -w "$TMP/client.pcap" -U 'tcp port 443' 2>/dev/null &
BG_PIDS+=("$!")
sleep 1

connections=0
clients() {  # one round of every client; each one is a connection
  client curl -sk -m 5 -o /dev/null https://198.18.0.2/ || fail "curl (h2) failed"
  client curl -sk -m 5 -o /dev/null --http1.1 --tls-max 1.2 --resolve api.lab.example:443:198.18.0.2 \
    https://api.lab.example/ || fail "curl (TLS 1.2) failed"
  client openssl s_client -connect 198.18.0.2:443 -servername s-client.lab.example \
    </dev/null >/dev/null 2>&1 || fail "openssl s_client failed"
  client python3 -c '
import socket, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["http/1.1"])
with socket.create_connection(("198.18.0.2", 443), timeout=5) as s:
    with ctx.wrap_socket(s, server_hostname="python.lab.example") as t:
        t.sendall(b"GET / HTTP/1.0\r\n\r\n"); t.recv(100)' || fail "python ssl failed"
  connections=$((connections + 4))
}
clients
clients
# Small segments: the server advertises MSS 200, so each ClientHello (over 500 bytes)
# reaches the appliance in three or more segments.
server ip route replace 198.18.0.0/24 dev s0 advmss 200
clients
server ip route replace 198.18.0.0/24 dev s0
sleep 1
kill "${BG_PIDS[-1]}" 2>/dev/null || true  # tcpdump: flush and stop
sleep 0.5
counters=$(stats)
"$LABSH" stop-dataplane >/dev/null || fail "dataplane exit code"

tshark -r "$TMP/client.pcap" -Y 'tls.handshake.type == 1' -T fields -e tcp.srcport \
  -e tls.handshake.ja3 -e tls.handshake.ja3_full -e tls.handshake.extensions_server_name \
  >"$TMP/tshark.txt" 2>/dev/null || fail "tshark could not read the capture"
small=$(tshark -r "$TMP/client.pcap" -Y 'tcp.dstport == 443 && tcp.len > 0 && tcp.len <= 200' \
  -T fields -e tcp.srcport 2>/dev/null | sort -u | wc -l)
((small >= 4)) || fail "only $small connections sent small segments: the split case was not exercised"
python3 - "$EVENTS" "$TMP/tshark.txt" "$connections" "$counters" <<'PY' || fail "fingerprints"
import collections, json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
hellos = {e["flow"]["client_port"]: e for e in events if e["type"] == "tls_client_hello"}
want = int(sys.argv[3])
stats = json.loads(sys.argv[4])["total"]["tls"]
ok = True
def check(what, cond, detail=""):
    global ok
    print(("ok: " if cond else "FAIL: ") + what + ("" if cond else f" ({detail})"))
    ok &= bool(cond)
check(f"{want} ClientHello events", len(hellos) == want, len(hellos))
check("counters: fingerprinted", stats["hellos"] == want, stats)
check("counters: nothing malformed, incomplete or unbuffered",
      stats["malformed"] == stats["not_tls"] == stats["no_buffer"] == stats["too_large"] == 0, stats)
seen = 0
for line in open(sys.argv[2]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 3 or not parts[0]:
        continue
    port, ja3, ja3_full = int(parts[0]), parts[1], parts[2]
    sni = parts[3] if len(parts) > 3 else ""
    e = hellos.get(port)
    seen += 1
    check(f"port {port}: JA3 {ja3} as tshark computes it", e and e["ja3"] == ja3,
          e and e["ja3"] + " vs tshark " + ja3 + " " + ja3_full)
    check(f"port {port}: SNI '{sni}'", e and e["sni"] == sni, e and e["sni"])
    check(f"port {port}: JA4 {e and e['ja4']} well-formed",
          e and re.fullmatch(r"t1[0-3][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}", e["ja4"]),
          e and e["ja4"])
check(f"tshark saw the {want} ClientHellos", seen == want, seen)
# The same client gives the same JA4 every round; the four clients give different ones.
by_sni = collections.defaultdict(set)
for e in hellos.values():
    by_sni[e["sni"]].add(e["ja4"])
check("each client's JA4 is stable across rounds (also split)", all(len(v) == 1 for v in by_sni.values()), dict(by_sni))
check("different clients, different JA4", len({next(iter(v)) for v in by_sni.values()}) >= 3, dict(by_sni))
sys.exit(0 if ok else 1)
PY
pass "JA3 equals tshark's for every connection; JA4 stable per client, also when split"

# Fingerprint rules: curl's JA4 is blocked at its ClientHello (the server never gets it
# whole; curl sees the connection reset), openssl's JA3 is only logged, Python passes.
fp() {  # fp SNI FIELD: the fingerprint a client with this SNI had in the first part
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "tls_client_hello" and e["sni"] == sys.argv[2]:
        print(e[sys.argv[3]]); break' "$EVENTS" "$1" "$2"
}
curl_ja4=$(fp "" ja4) openssl_ja3=$(fp s-client.lab.example ja3)
[[ -n $curl_ja4 && -n $openssl_ja3 ]] || fail "no fingerprints from the first part"
cat >"$TMP/fp.yaml" <<YAML
rules:
  - id: 7101
    name: block curl by JA4
    action: block
    match: {field: ja4, equals: "$curl_ja4"}
  - id: 7102
    name: log openssl from the lab by JA3
    action: log
    match:
      all:
        - {field: ja3, equals: "$openssl_ja3"}
        - {field: client_ip, in: [198.18.0.0/24]}
  - id: 7103
    name: an HTTP rule (BadBot)
    action: respond
    respond: {status: 403}
    match: {field: user_agent, prefix: BadBot}
YAML
"$RULES_TOOL" compile "$TMP/fp.yaml" -o "$TMP/fp.bwb" --version 5 2>/dev/null || fail "fingerprint rules do not compile"
EVENTS=$TMP/events2.jsonl
"$LABSH" start-dataplane --rules "$TMP/fp.bwb" --events "$EVENTS" >/dev/null
rc=0
client curl -sk -m 5 -o /dev/null https://198.18.0.2/ 2>/dev/null || rc=$?
((rc != 0)) || fail "curl got through although its JA4 is blocked"
pass "curl blocked by its JA4 (curl exit $rc)"
client openssl s_client -connect 198.18.0.2:443 -servername s-client.lab.example \
  </dev/null >/dev/null 2>&1 || fail "openssl s_client was blocked (its rule only logs)"
client python3 -c '
import socket, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("198.18.0.2", 443), timeout=5) as s:
    with ctx.wrap_socket(s, server_hostname="python.lab.example") as t: pass' ||
  fail "python was blocked"
pass "openssl and python got through"
# A client on source port 443 talking HTTP to port 80 is inspected as HTTP: the
# server's port decides, so picking a TLS port as source port does not evade rules.
expect_eq "HTTP from source port 443 still inspected" \
  "$(client curl -s -m 5 -o /dev/null -w '%{http_code}' --local-port 443 -A BadBot/1 http://198.18.0.2/)" 403
# A ClientHello announced larger than 16 KiB cannot be fingerprinted, so no JA4 rule
# could judge it: cut (tls_unread), not passed to the server unjudged.
expect_eq "oversized ClientHello" "$(client python3 -c '
import socket
s = socket.create_connection(("198.18.0.2", 443), timeout=3)
hello = b"\x01" + (20480).to_bytes(3, "big") + b"\x03\x03" + bytes(32) + b"\x00"
s.sendall(b"\x16\x03\x01" + len(hello).to_bytes(2, "big") + hello)
try:
    print("answered" if s.recv(100) else "closed")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("waited")')" reset
sleep 0.5
counters=$(stats)
"$LABSH" stop-dataplane >/dev/null || fail "dataplane exit code"
expect_eq "TLS connections blocked" "$(stat_of "$counters" 'j["total"]["tls"]["blocked"]')" 1
expect_eq "unreadable ClientHellos cut" \
  "$(stat_of "$counters" 'j["total"]["integrity"]["cut"]["tls_unread"]')" 1
python3 - "$EVENTS" "$curl_ja4" "$openssl_ja3" <<'PY' || fail "fingerprint rule events"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
rules = [e for e in events if e["type"] == "rule"]
block = [e for e in rules if e["rule"]["id"] == 7101]
log = [e for e in rules if e["rule"]["id"] == 7102]
assert len(block) == 1 and block[0]["enforced"] and block[0]["ja4"] == sys.argv[2] and block[0]["action"] == "block", block
assert len(log) == 1 and log[0]["ja3"] == sys.argv[3] and log[0]["sni"] == "s-client.lab.example" and log[0]["action"] == "log", log
assert len([e for e in rules if e["rule"]["id"] != 7103]) == 2, rules
print("ok: events: rule 7101 block (enforced) with curl's JA4, rule 7102 log with openssl's JA3 and SNI")
PY
