#!/usr/bin/env bash
# Lab: API discovery through bulwark-control with two workers. A client exercises the
# origin's API (tools/lab/api_client.py: a dozen endpoints, ids of every kind, personal
# data in some responses, one gzip body, near-miss values); `bulwarkctl api list` must
# show exactly those endpoints templated, with the calls counted and the sensitive
# classes and record counts the client itself found in what it received. The OpenAPI
# export validates (swagger-parser); the diff against tools/lab/api_spec.yaml (two
# endpoints left out, one dead one in) reports exactly those three and the one
# undocumented query parameter. The inventory survives a restart of bulwark-control.
# Extraction: a client paging through customers (50 records a page) is stopped once over
# 300 records; one reading its own few records is not. Then a flood of 100,000 random
# paths leaves the inventory bounded and the dataplane forwarding.
# Usage: discovery_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
EVENTS=$TMP/events.jsonl
HOST=shop.example

start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/discovery.yaml"
# The organisation's spec goes into the configuration (one that does not read is refused).
ctl config show >"$TMP/config.yaml"
cp "$TMP/config.yaml" "$TMP/bad.yaml"
printf 'inventory:\n  spec: %s\n' "$TMP/missing.yaml" >>"$TMP/bad.yaml"
ctl config edit --file "$TMP/bad.yaml" >/dev/null
set +e
out=$(ctl config commit 2>&1)
rc=$?
set -e
[[ $rc == 1 && $out == *"inventory.spec $TMP/missing.yaml: cannot read the file"* ]] ||
  fail "a missing spec was not refused: exit $rc: $out"
ctl config discard >/dev/null
pass "a configuration whose spec does not read is refused: $out"
printf 'inventory:\n  spec: %s\n' "$LAB_ROOT/tools/lab/api_spec.yaml" >>"$TMP/config.yaml"
ctl config edit --file "$TMP/config.yaml" >/dev/null
ctl config commit --comment "the organisation's OpenAPI spec" >/dev/null || fail "config commit"

client python3 "$LAB_ROOT/tools/lab/api_client.py" --host 198.18.0.2 --port 80 \
  --host-header "$HOST" --rounds 4 >"$TMP/client.json" || fail "api client: $(cat "$TMP/client.json")"
# The main lcore sends a batch a second: wait until every call is in the inventory.
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests_sent"])' "$TMP/client.json")
for ((i = 0; i < 50; i++)); do
  have=$(ctl --json api list --host "$HOST" | python3 -c 'import json,sys; print(sum(e["count"] for e in json.load(sys.stdin)["endpoints"]))')
  ((have >= want)) && break
  sleep 0.2
done
expect_eq "calls in the inventory" "$have" "$want"
ctl --json api list --host "$HOST" >"$TMP/list.json"
python3 - "$TMP/client.json" "$TMP/list.json" <<'PY' || fail "inventory differs from what the client did"
import json, sys
c = json.load(open(sys.argv[1]))
inv = json.load(open(sys.argv[2]))["endpoints"]
got = {f'{e["method"]} {e["path"]}': e for e in inv}
want = c["endpoints"]
assert set(got) == set(want), ("endpoints", sorted(set(got) ^ set(want)))
rename = {"aws_key": "cloud_key"}
for k, w in want.items():
    e = got[k]
    assert e["count"] == w["sent"], (k, e["count"], w["sent"])
    for cls in ("2xx", "4xx", "5xx"):
        assert e["status"].get(cls, 0) == w["status"][cls], (k, cls, e["status"], w["status"])
    ws = {rename.get(n, n): v for n, v in w["sensitive"].items() if v}
    assert e["sensitive"] == ws, (k, e["sensitive"], ws)
    assert e["auth"]["authorization"] == w["auth"]["bearer"], (k, e["auth"], w["auth"])
print("ok: %d endpoints, each with its calls, status classes, credentials and sensitive records"
      % len(got))
for k in sorted(got):
    print("   %-45s %4d  %s" % (k, got[k]["count"], got[k]["sensitive"] or ""))
PY
# Against the configured spec: the two endpoints it lacks are shadow endpoints, each
# announced once; endpoints serving a sensitive class for the first time are announced.
ctl --json events -n 2000 >"$TMP/control_events.json"
python3 - "$TMP/list.json" "$TMP/control_events.json" <<'PY' || fail "shadow endpoints and events"
import json, sys
inv = json.load(open(sys.argv[1]))["endpoints"]
raw = json.load(open(sys.argv[2]))
ev = [json.loads(l) if isinstance(l, str) else l for l in (raw["events"] if isinstance(raw, dict) else raw)]
shadow = sorted(f'{e["method"]} {e["path"]}' for e in inv if e.get("shadow"))
want = ["GET /api/v1/reports/{id}", "PUT /api/v1/customers/{id}"]
assert shadow == want, shadow
announced = sorted(f'{e["method"]} {e["path"]}' for e in ev if e.get("type") == "api_shadow_endpoint")
assert announced == want, announced
sens = {(e["method"], e["path"], e["class"]) for e in ev if e.get("type") == "api_endpoint_sensitive"}
have = {(e["method"], e["path"], c) for e in inv for c in e["sensitive"]}
assert sens == have, sorted(sens ^ have)
print("ok: shadow endpoints", shadow, "announced once each;", len(sens), "sensitive-class events")
PY

# The gzip export is counted as unscanned, the near misses as nothing.
ctl --json api show GET /api/v1/customers/77/export --host "$HOST" >"$TMP/export.json"
expect_eq "gzip responses counted unscanned" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["unscanned"])' "$TMP/export.json")" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["unscanned"]["responses"])' "$TMP/client.json")"

# OpenAPI export, validated by a real validator.
ctl api export --host "$HOST" -o "$TMP/openapi.json" || fail "api export"
node "$LAB_ROOT/tools/lab/validate_openapi.mjs" "$TMP/openapi.json" || fail "the export is not valid OpenAPI"
pass "api export validates as OpenAPI 3 (swagger-parser)"

# Drift against the organisation's spec: 2 shadow, 1 zombie, 1 undocumented parameter.
# A zombie is unused for --zombie-after while the inventory has watched that long: the
# clients come again 3 s after they started, and the diff looks back 3 s.
sleep 3
client python3 "$LAB_ROOT/tools/lab/api_client.py" --host 198.18.0.2 --port 80 \
  --host-header "$HOST" --rounds 1 >/dev/null || fail "api client (second run)"
sleep 1.2  # the batch
set +e
ctl --json api diff "$LAB_ROOT/tools/lab/api_spec.yaml" --zombie-after 3s >"$TMP/diff.json"
rc=$?
set -e
expect_eq "api diff exit code (drift found)" "$rc" 6
python3 - "$TMP/diff.json" <<'PY' || fail "api diff"
import json, sys
d = json.load(open(sys.argv[1]))
shadow = sorted(f'{e["method"]} {e["path"]}' for e in d["shadow"])
zombie = sorted(f'{e["method"]} {e["path"]}' for e in d["zombie"])
params = sorted(f'{e["method"]} {e["path"]} {e["name"]}' for e in d["undocumented_parameters"])
assert shadow == ["GET /api/v1/reports/{id}", "PUT /api/v1/customers/{id}"], shadow
assert zombie == ["GET /api/v1/legacy/export"], zombie
assert params == ["GET /api/v1/search sort"], params
print("ok: shadow", shadow, "zombie", zombie, "undocumented", params)
PY

# Sensitive-data metrics.
m=$("$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics) || fail "no /metrics"
grep -q '^bulwark_api_endpoints ' <<<"$m" || fail "no bulwark_api_endpoints metric"
grep -q 'bulwark_sensitive_records_total{class="card"}' <<<"$m" || fail "no card records metric"
grep -q 'bulwark_api_sensitive_endpoints{class="email"}' <<<"$m" || fail "no endpoints-by-class metric"
expect_eq "bulwark_api_shadow_endpoints" "$(awk '$1 == "bulwark_api_shadow_endpoints" {print $2}' <<<"$m")" 2
pass "metrics: $(grep '^bulwark_api_endpoints ' <<<"$m"), $(grep 'bulwark_sensitive_records_total{class="card"}' <<<"$m")"

# The inventory survives a restart of bulwark-control.
before=$(ctl --json api list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["endpoints"]))')
"$LABSH" stop-control >/dev/null
"$LABSH" start-control --initial-rules "$LAB_ROOT/tests/lab/rulesets/discovery.yaml" >/dev/null
wait_rules_in_sync
expect_eq "endpoints after a restart of bulwark-control" \
  "$(ctl --json api list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["endpoints"]))')" "$before"

# Extraction: a scraper pages through customers (50 records a page) from one address; a
# customer reads its own record again and again from another (X-Forwarded-For through
# the trusted proxy).
client python3 - <<'PY' >"$TMP/extract.json" || fail "extraction clients"
import http.client, json
def run(addr, path, n):
    ok = stopped = 0
    first_stop = None
    for i in range(n):
        c = http.client.HTTPConnection("198.18.0.2", 80, timeout=5)
        try:
            c.request("GET", path(i), headers={"Host": "shop.example", "X-Forwarded-For": addr})
            r = c.getresponse(); r.read()
            if r.status == 200:
                ok += 1
            else:
                stopped += 1
                first_stop = i if first_stop is None else first_stop
        except OSError:
            stopped += 1
            first_stop = i if first_stop is None else first_stop
        finally:
            c.close()
    return {"ok": ok, "stopped": stopped, "first_stop": first_stop}
print(json.dumps({
  "scraper": run("203.0.113.7", lambda i: f"/api/v1/customers?page={i + 1}&limit=50", 20),
  "owner": run("203.0.113.8", lambda i: "/api/v1/customers/42", 40)}))
PY
get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/extract.json" "$1"; }
echo "scraper: $(get 'j["scraper"]')  owner: $(get 'j["owner"]')"
fs=$(get 'j["scraper"]["first_stop"]')
# 50 records a page: the 7th page takes it over 300; the decision reaches the workers
# within ~100 ms, so a page or two more may pass.
[[ $fs != None ]] && ((fs >= 6 && fs <= 9)) || fail "scraper first stopped at page $fs (want 7..10)"
expect_eq "scraper: nothing answered after the stop" "$(get 'j["scraper"]["ok"]')" "$fs"
expect_eq "owner reading its own record: every read answered" "$(get 'j["owner"]["ok"]')" 40
python3 - "$EVENTS" <<'PY' || fail "extraction events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
x = [e for e in ev if e["type"] == "extraction"]
assert len(x) == 1 and x[0]["key"] == "client_ip=203.0.113.7", x
assert x[0]["check"] == "sensitive_records" and x[0]["records"] > 300 and x[0]["enforced"], x[0]
print("ok: one extraction decision, for the scraper:", x[0]["records"], "records,", x[0]["path"])
PY

# A flood of 100,000 random paths at the same host (reconnaissance, fuzzing), pipelined
# 64 at a time: the inventory keeps the real endpoints as they were (calls answered 404
# or not followed make none), every call is accounted for, forwarding goes on. (Random
# paths the origin does answer collapse by learned positions: the inventory unit tests.)
sleep 1.5  # the extraction clients' last calls reach the inventory first (a batch a second)
ctl --json api list >"$TMP/before_flood.json"
lost_before=$(stat_of "$(stats)" 'sum(w["api"]["calls_lost"] for w in j["worker"])')
queue_lost_before=$(stat_of "$(stats)" 'j["control"]["events_dropped"]')
client python3 "$LAB_ROOT/tests/lab/path_flood.py" --host 198.18.0.2 --host-header "$HOST" \
  --count 100000 --threads 4 --time-limit 150 >"$TMP/flood.json" || fail "flood: $(cat "$TMP/flood.json")"
pass "flood: $(cat "$TMP/flood.json")"
sleep 1.5
ctl --json api list >"$TMP/flood_list.json"
s=$(stats)
lost=$(($(stat_of "$s" 'sum(w["api"]["calls_lost"] for w in j["worker"])') - lost_before))
queue_lost=$(($(stat_of "$s" 'j["control"]["events_dropped"]') - queue_lost_before))
python3 - "$TMP/before_flood.json" "$TMP/flood_list.json" "$HOST" "$lost" "$queue_lost" <<'PY' || fail "inventory after the flood"
import json, sys
b, l, host = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
lost, queue_lost = int(sys.argv[4]), int(sys.argv[5])
key = lambda e: (e["host"], e["method"], e["path"])
before = {key(e): e["count"] for e in b["endpoints"]}
after = {key(e): e["count"] for e in l["endpoints"]}
assert set(after) == set(before), sorted(set(after) ^ set(before))
# Every call is counted somewhere: an endpoint, unconfirmed (404 or no answer followed),
# past the bounds, or past the dataplane's batches (at most 8 of 4096 lines a second).
moved = (sum(after.values()) - sum(before.values())
         + sum(l[k] - b[k] for k in ("unconfirmed_requests", "overflow_requests", "dropped")))
# Calls a worker's ring had no room for are counted there; a batch line lost on the way
# to bulwark-control (its queue full) cannot be told in calls: then only bounds hold.
if queue_lost == 0:
    assert moved + lost == 100000, (moved, lost, {k: l[k] - b[k] for k in ("unconfirmed_requests", "overflow_requests", "dropped")})
else:
    print("note: %d lines lost on the way to bulwark-control; calls not checked exactly" % queue_lost)
print("ok: after 100000 random paths the inventory has the same %d endpoints of %s; "
      "%d calls unconfirmed (404 or no answer followed), %d past the bounds, %d not batched, "
      "%d lost in the rings"
      % (len(after), host, l["unconfirmed_requests"] - b["unconfirmed_requests"],
         l["overflow_requests"] - b["overflow_requests"], l["dropped"] - b["dropped"], lost))
PY
code=$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' -H "Host: $HOST" http://198.18.0.2/api/v1/products/3)
expect_eq "a request after the flood" "$code" 200
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" stop-control || true
