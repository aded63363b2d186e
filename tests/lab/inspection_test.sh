#!/usr/bin/env bash
# Lab: HTTP inspection with real clients. A rule bundle compiled by bulwark-rules is
# loaded by the dataplane; curl and a raw keep-alive client go through it:
# - a clean request succeeds, then on the same keep-alive connection a request with a
#   blocked User-Agent gets the rule's 403, and the origin never sees it (IPv4 and IPv6);
# - a `block` rule resets both sides (the client's curl sees a reset, the server side
#   sees a RST from the client's address);
# - a monitor-mode rule lets the request through and writes an event;
# - a percent-encoded path traversal is caught after normalisation;
# - a body rule catches SQL injection in a POST split over several segments;
# - SIGHUP reloads the bundle (new rule takes effect, generation and reload count move).
# Usage: inspection_test.sh DATAPLANE STATSDUMP RULES_TOOL (root).
DATAPLANE=$1 STATSDUMP=$2 RULES_TOOL=$3
source "$(dirname "$0")/lib.sh"

"$RULES_TOOL" compile "$LAB_ROOT/tests/lab/rulesets/lab.yaml" -o "$TMP/lab.bwb" --version 11 2>/dev/null ||
  fail "the lab rules do not compile"
EVENTS=$TMP/events.jsonl
"$LABSH" up >/dev/null
"$LABSH" start-dataplane --rules "$TMP/lab.bwb" --events "$EVENTS" >/dev/null
origin_count() {  # requests the origin received for "METHOD /path"
  client curl -sS -m 5 http://198.18.0.2/__origin/stats |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get(sys.argv[1], 0))' "$1"
}
events_with() {  # number of events whose JSON contains all the given substrings
  python3 - "$EVENTS" "$@" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    text = json.dumps(e, sort_keys=True)
    n += all(s in text for s in sys.argv[2:])
print(n)
PY
}
wait_events() {  # until at least $1 events are in the file (the main lcore writes every 20 ms)
  for ((i = 0; i < 50; i++)); do
    (($(wc -l <"$EVENTS" 2>/dev/null || echo 0) >= $1)) && return 0
    sleep 0.1
  done
}

# 1. Keep-alive: a clean request, then the bad bot on the same connection.
out=$(client curl -sS -m 5 -A 'Mozilla/5.0' -o /dev/null -w '%{http_code} %{num_connects}\n' \
  http://198.18.0.2/api/v1/customers/1 \
  --next -A 'BadBot/2.1' -D "$TMP/h2" -o "$TMP/b2" -w '%{http_code} %{num_connects}\n' \
  http://198.18.0.2/api/v1/customers/2) || true
expect_eq "clean request, then bad bot on the same connection" "$(tr '\n' ' ' <<<"$out")" "200 1 403 0 "
expect_eq "403 body from the rule" "$(cat "$TMP/b2")" "blocked by bulwark"
grep -qi '^X-Blocked-By: bulwark' "$TMP/h2" || fail "rule header missing: $(cat "$TMP/h2")"
expect_eq "origin saw the clean request" "$(origin_count 'GET /api/v1/customers/1')" 1
expect_eq "origin never saw the blocked request" "$(origin_count 'GET /api/v1/customers/2')" 0
grep -q 'customers/2' "${LAB_RUN:-/run/bulwark-lab}/$LAB/origin.log" && fail "blocked request in the origin's access log"
pass "blocked request absent from the origin's access log"

# 1b. The same over IPv6 (the injected response is built with an IPv6 header).
out=$(client curl -sS -m 5 -A 'BadBot/2.1' -o "$TMP/b6" -w '%{http_code}' 'http://[2001:2::2]/api/v1/customers/3') || true
expect_eq "bad bot over IPv6 gets the 403" "$out $(cat "$TMP/b6")" "403 blocked by bulwark"
expect_eq "origin never saw the IPv6 blocked request" "$(origin_count 'GET /api/v1/customers/3')" 0

# 2. Block resets both sides: curl sees a reset; the server side receives a RST.
in_ns() { ip netns exec "$@"; }
in_ns "$LAB-server" timeout 8 tcpdump -i s0 -n -c 1 -w "$TMP/rst.pcap" \
  'src host 198.18.0.1 and tcp[tcpflags] & tcp-rst != 0' >/dev/null 2>&1 &
dump=$!
BG_PIDS+=($dump)
sleep 1
set +e
client curl -sS -m 5 -o /dev/null http://198.18.0.2/api/v1/orders/666 2>"$TMP/curl_err"
rc=$?
set -e
((rc == 56 || rc == 52)) || fail "curl exit $rc for a blocked request (want 56: connection reset): $(cat "$TMP/curl_err")"
pass "client side reset (curl exit $rc)"
wait "$dump" || fail "no RST reached the server side"
pass "server side received a RST in place of the request"
expect_eq "origin never saw the reset request" "$(origin_count 'GET /api/v1/orders/666')" 0

# 3. Monitor mode: passes, and says what it would have done.
expect_eq "monitored request passes" \
  "$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://198.18.0.2/api/v1/products/7)" 200
expect_eq "origin saw the monitored request" "$(origin_count 'GET /api/v1/products/7')" 1

# 4. Percent-encoded traversal, caught on the normalised path.
set +e
client curl -sS -m 5 --path-as-is -o /dev/null 'http://198.18.0.2/static/%2e%2e/%2E%2e/etc/passwd' 2>/dev/null
rc=$?
set -e
((rc == 56 || rc == 52)) || fail "encoded traversal not blocked (curl exit $rc)"
pass "percent-encoded path traversal blocked"

# 5. A body rule across segments: the POST body is sent in three writes.
res=$(client python3 "$LAB_ROOT/tests/lab/split_post.py" 198.18.0.2 /login \
  '{"username":"admin' "' OR 1=1" ' --","password":"x"}')
expect_eq "SQL injection in a split login body" "$res" "reset"
res=$(client python3 "$LAB_ROOT/tests/lab/split_post.py" 198.18.0.2 /login '{"username":"alice",' '"password":' '"wonderland"}')
expect_eq "clean split login body" "$res" "200"

wait_events 6
expect_eq "respond events" "$(events_with '"id": 9001' '"action": "respond"' '"enforced": true' '"user_agent": "BadBot/2.1"' '"bundle_version": 11')" 2
expect_eq "IPv6 respond event" "$(events_with '"id": 9001' '"client_ip": "2001:2::1"')" 1
expect_eq "block event" "$(events_with '"id": 9002' '"action": "block"' '"path": "/api/v1/orders/666"')" 1
expect_eq "monitor event" "$(events_with '"id": 9003' '"mode": "monitor"' '"enforced": false')" 1
expect_eq "traversal event" "$(events_with '"id": 9004' '"client_ip": "198.18.0.1"')" 1
expect_eq "body rule event" "$(events_with '"id": 9005' '"method": "POST"' '"path": "/login"')" 1

s=$(stats)
expect_eq "verdict counters (respond, block, monitor)" \
  "$(stat_of "$s" 'j["total"]["http"]["verdicts"]["respond"], j["total"]["http"]["verdicts"]["block"], j["total"]["http"]["verdicts"]["monitor"]')" "(2, 3, 1)"
expect_eq "per-rule hits" "$(stat_of "$s" 'sorted(j["rules"]["hits"].items())')" \
  "[('9001', 2), ('9002', 1), ('9003', 1), ('9004', 1), ('9005', 1)]"

# 6. SIGHUP reload: a bundle with one more rule replaces the active one.
cp "$LAB_ROOT/tests/lab/rulesets/lab.yaml" "$TMP/more.yaml"
cat >>"$TMP/more.yaml" <<'YAML'
  - id: 9006
    name: lab added on reload
    action: block
    match: {field: path, prefix: /api/v1/customers/42}
YAML
"$RULES_TOOL" compile "$TMP/more.yaml" -o "$TMP/lab.bwb.new" --version 12 2>/dev/null
mv "$TMP/lab.bwb.new" "$TMP/lab.bwb"
expect_eq "before reload: passes" "$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' http://198.18.0.2/api/v1/customers/42)" 200
kill -HUP "$(<"${LAB_RUN:-/run/bulwark-lab}/$LAB/dataplane.pid")"
for ((i = 0; i < 50; i++)); do
  [[ $(stat_of "$(stats)" 'j["rules"]["version"]') == 12 ]] && break
  sleep 0.1
done
expect_eq "bundle version after SIGHUP" "$(stat_of "$(stats)" 'j["rules"]["version"], j["rules"]["reloads"]')" "(12, 1)"
set +e
client curl -sS -m 5 -o /dev/null http://198.18.0.2/api/v1/customers/42 2>/dev/null
rc=$?
set -e
((rc == 56 || rc == 52)) || fail "rule added by the reload not enforced (curl exit $rc)"
pass "rule added by the reload is enforced"

"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM (want 0)"
pass "clean shutdown"
