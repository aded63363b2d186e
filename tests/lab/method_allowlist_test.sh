#!/usr/bin/env bash
# Lab: the per-endpoint method allow-list (rule files' method_allowlist section, pushed
# by bulwark-control). A request whose method the endpoint does not serve is answered
# 405 with Allow and never reaches the origin, however the path or the method is
# dressed up (absolute-form with any scheme, trailing slash, //, %-escapes, encoded
# separators, case, ;params and Tomcat's "..;", lowercase method, method override
# headers hidden past the header limit, encoded _method; a more specific endpoint listed
# later); methods it serves, a CORS preflight for one, and endpoints not listed, reach
# the origin. Counted (stats, /metrics), evented (method_not_allowed), shown by bulwarkctl
# methods; in monitor mode the same requests are reported and go on.
# Usage: method_allowlist_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
EVENTS=$TMP/events.jsonl

start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/method_allowlist.yaml"
client curl -sS -m 5 -o /dev/null http://198.18.0.2/health || fail "warm-up request"
send() { client python3 "$LAB_ROOT/tests/lab/method_allowlist_client.py" 198.18.0.2 "$@"; }
origin_count() {  # origin_count METHOD PATH: requests the origin saw
  client curl -sS -m 5 http://198.18.0.2/__origin/stats |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get(sys.argv[1], 0))' "$1"
}

# Refused: not served by the endpoint, however it is written.
refused=(
  "DELETE /api/v1/customers/42"
  "DELETE /api/v1/customers/42/"
  "DELETE /api/v1//customers/%34%32"
  "DELETE /API/v1/Customers/42"
  "DELETE /api/v1/customers/42;jsessionid=1"
  "DELETE /api/v1/./customers/7/../42"
  "PATCH /api/v1/customers/42?x=1"
  "delete /api/v1/orders"
  "POST /api/v1/orders | X-HTTP-Method-Override: DELETE"
  "POST /api/v1/orders | X-Method-Override: put"
  "POST /api/v1/orders?_method=DEL%45TE"
  "POST /api/v1/orders?%5Fmethod=PUT"
  "DELETE HTTP://198.18.0.2/api/v1/customers/42"
  "DELETE /api/v1/orders/..;/customers/5"
  "DELETE /api/v1/customers/5%2Fx"
  "PUT /api/v1/customers/me"
  "OPTIONS /api/v1/customers/42"
  "OPTIONS /api/v1/customers/42 | Origin: http://a.example | Access-Control-Request-Method: DELETE"
  "POST /api/v1/orders$(for i in $(seq 70); do printf ' | X-Filler-%d: x' "$i"; done) | X-HTTP-Method-Override: DELETE"
)
send "${refused[@]}" >"$TMP/refused.jsonl" || fail "client failed"
python3 - "$TMP/refused.jsonl" <<'PY' || fail "refused requests"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    req = r["request"]
    want = ("GET, HEAD" if "/me" in req else "GET, HEAD, PUT" if "ustomers" in req and "orders/.." not in req
            else "GET, HEAD, PUT" if "..;" in req else "GET, HEAD, POST")
    assert r["status"] == 405, r
    assert r["allow"] == want, r
    body = json.loads(r["body"])
    assert body == {"error": "method_not_allowed", "allow": want.split(", ")}, r
print("ok: %s: 405, Allow and a JSON body" % ", ".join(json.loads(l)["request"][:90] for l in open(sys.argv[1])))
PY
for key in "DELETE /api/v1/customers/42" "DELETE /api/v1/customers/42/" "PATCH /api/v1/customers/42" \
  "POST /api/v1/orders"; do
  expect_eq "origin saw '$key'" "$(origin_count "$key")" 0
done

# Served: the methods listed (HEAD with GET), and endpoints not listed.
send "GET /api/v1/customers/42" "HEAD /api/v1/customers/42" "PUT /api/v1/customers/42" \
  "GET /api/v1/orders" "DELETE /api/v1/orders/5" "DELETE /api/v1/customers/42/notes" \
  "POST /api/v1/orders | X-HTTP-Method-Override: GET" \
  "OPTIONS /api/v1/customers/42 | Origin: http://a.example | Access-Control-Request-Method: PUT" \
  "GET /api/v1/customers/me" >"$TMP/served.jsonl" || fail "client failed"
python3 - "$TMP/served.jsonl" <<'PY' || fail "served requests"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["status"] is not None and r["status"] != 405 and r["allow"] is None, r
print("ok: served methods and unlisted endpoints reach the origin: " +
      ", ".join("%s -> %d" % (json.loads(l)["request"], json.loads(l)["status"]) for l in open(sys.argv[1])))
PY
expect_eq "origin saw 'PUT /api/v1/customers/42'" "$(origin_count "PUT /api/v1/customers/42")" 1
expect_eq "origin saw 'DELETE /api/v1/orders/5'" "$(origin_count "DELETE /api/v1/orders/5")" 1

n=${#refused[@]}
s=$(stats)
expect_eq "method_allowlist.refused (stats)" "$(stat_of "$s" 'j["total"]["method_allowlist"]["refused"]')" "$n"
expect_eq "method_allowlist.monitored (stats)" "$(stat_of "$s" 'j["total"]["method_allowlist"]["monitored"]')" 0
"$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics >"$TMP/metrics" || fail "no /metrics"
expect_eq "bulwark_method_allowlist_requests_total{result=refused}" \
  "$(awk '$1 == "bulwark_method_allowlist_requests_total{result=\"refused\"}" {print $2}' "$TMP/metrics")" "$n"
ctl methods >"$TMP/methods.txt" || fail "bulwarkctl methods: $(cat "$TMP/methods.txt")"
cat "$TMP/methods.txt"
grep -q "/api/v1/customers/{id} *GET, HEAD, PUT *.*method_allowlist.yaml:" "$TMP/methods.txt" &&
  grep -q "$n refused (405), 0 monitored" "$TMP/methods.txt" || fail "bulwarkctl methods output"
pass "bulwarkctl methods lists the endpoints and the $n refused"

sleep 0.3  # the main lcore writes events every 5 ms
python3 - "$EVENTS" "$n" <<'PY' || fail "method_not_allowed events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
m = [e for e in ev if e["type"] == "method_not_allowed"]
assert m, "no method_not_allowed event"
# At most one event per endpoint and worker a second; since_last counts the requests
# each event stands for: together, every refused request.
assert sum(e["since_last"] for e in m) <= int(sys.argv[2]), m
first = m[0]
assert first["endpoint"] == "/api/v1/customers/{id}" and first["allowed"] == "GET, HEAD, PUT", first
assert first["refused"] == "DELETE" and first["method"] == "DELETE" and first["status"] == 405, first
assert first["path"].startswith("/api/v1/customers/42"), first
eps = {e["endpoint"] for e in m}
assert eps == {"/api/v1/customers/{id}", "/api/v1/orders", "/api/v1/customers/me"}, eps
print("ok: %d method_not_allowed events, e.g. %s" % (len(m), json.dumps(first, sort_keys=True)))
PY

# Monitor mode: the same request is reported and reaches the origin.
sed 's/mode: enforce/mode: monitor/' "$LAB_ROOT/tests/lab/rulesets/method_allowlist.yaml" >"$TMP/monitor.yaml"
ctl rules load "$TMP/monitor.yaml" >"$TMP/load.out" 2>&1 || fail "rules load: $(cat "$TMP/load.out")"
wait_rules_in_sync
send "DELETE /api/v1/customers/43" >"$TMP/monitor.jsonl" || fail "client failed"
status=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["status"])' "$TMP/monitor.jsonl")
[[ $status != 405 ]] || fail "monitor mode answered 405"
expect_eq "monitor mode: origin saw 'DELETE /api/v1/customers/43'" "$(origin_count "DELETE /api/v1/customers/43")" 1
expect_eq "method_allowlist.monitored (stats)" "$(stat_of "$(stats)" 'j["total"]["method_allowlist"]["monitored"]')" 1
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
"$LABSH" stop-control || true
