#!/usr/bin/env bash
# Lab: enumeration of an object endpoint (GET /api/v1/customers/{id}), counted per API
# key across two workers (a new connection per request). Four clients, 150 reads each:
# one token walking ids 1, 2, 3, ... is stopped after the configured 20 in sequence;
# one reading random ids (no sequence) is stopped after 50 distinct ids; one reading
# the same few customers again and again is never stopped; one reading the same order
# (/api/v1/orders/{id}, counted by response volume) is answered by a decoy (a plausible
# order, 200; the origin no longer sees it) once 3000 response bytes were served to it.
# Decisions are events naming the key by its digest.
# Usage: enumeration_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
EVENTS=$TMP/events.jsonl

start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/enumeration.yaml"

client python3 "$LAB_ROOT/tests/lab/enumeration_client.py" --count 150 --rate 40 --tag $$ >"$TMP/clients.json" ||
  fail "clients failed"
get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/clients.json" "$1"; }
echo "walk: $(get 'j["walk"]')  random: $(get 'j["random"]')  repeat: $(get 'j["repeat"]')"
for m in walk random repeat; do expect_eq "$m: answers other than 200/403/reset" "$(get "j['$m']['other']")" 0; done
walk_ok=$(get 'j["walk"]["ok_before_stop"]')
[[ $walk_ok != None ]] && ((walk_ok >= 20 && walk_ok <= 24)) ||
  fail "sequential walk: $walk_ok reads answered before the first stop (want 20..24: stopped at the 20th in sequence)"
expect_eq "sequential walk: nothing answered after the stop" "$(get 'j["walk"]["ok"]')" "$walk_ok"
pass "sequential walk stopped after $walk_ok ids in sequence, then $(get 'j["walk"]["stopped"]') stopped"
rand_ok=$(get 'j["random"]["ok_before_stop"]')
[[ $rand_ok != None ]] && ((rand_ok >= 45 && rand_ok <= 56)) ||
  fail "random reads: $rand_ok answered before the first stop (want about 50 distinct ids)"
pass "random-id scraper stopped after $rand_ok distinct ids (limit 50)"
expect_eq "repeat reader: every read answered" "$(get 'j["repeat"]["ok"]')" 150
# Response volume: the same order (about 150 bytes) again and again against 3000 bytes;
# the decision follows the response that crosses it (a few more may pass meanwhile).
bulk_ok=$(get 'j["bulk"]["ok_before_stop"]')
bulk_bytes=$(get 'j["bulk"]["bytes_before_stop"]')
bulk_size=$(get 'j["bulk"]["size"]')
[[ $bulk_ok != None ]] && ((bulk_bytes >= 3000 && bulk_bytes <= 3000 + 12 * bulk_size)) ||
  fail "bulk reader: $bulk_ok reads ($bulk_bytes bytes of $bulk_size each) before the first stop (want 3000 bytes and at most 12 reads more)"
pass "bulk reader of one order stopped after $bulk_ok reads, $bulk_bytes response bytes (limit 3000)"
expect_eq "bulk reader: nothing answered after the stop" "$(get 'j["bulk"]["ok"]')" "$bulk_ok"
expect_eq "bulk reader: every later read answered by the decoy (200), but for lost ones" \
  "$(get 'j["bulk"]["decoyed"] + j["bulk"].get("lost", 0)')" "$((150 - bulk_ok))"
expect_eq "bulk reader: reads that reached the origin" \
  "$(client curl -sS -m 5 http://198.18.0.2/__origin/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("GET /api/v1/orders/7", 0))')" "$bulk_ok"
s=$(stats)
w0=$(stat_of "$s" 'j["worker"][0]["objects"]["reads"]')
w1=$(stat_of "$s" 'j["worker"][1]["objects"]["reads"]')
((w0 > 0 && w1 > 0)) || fail "reads counted on one worker only: w0=$w0 w1=$w1"
pass "reads reported by both workers: w0=$w0 w1=$w1"

sleep 0.3
python3 - "$EVENTS" "lab-$$-walk" "lab-$$-random" "lab-$$-repeat" "lab-$$-bulk" <<'PY' || fail "decision events"
import hashlib, json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
d = {e["key"]: e for e in ev if e["type"] == "decision" and e["policy"] == "enumeration"}
key = lambda k: "api_key=sha256:" + hashlib.sha256(k.encode()).hexdigest()[:16]
w, r, rep, bulk = (key(k) for k in sys.argv[2:6])
assert w in d and d[w]["check"] == "sequential_ids" and d[w]["sequential_run"] == 20, d
assert r in d and d[r]["check"] == "distinct_ids", d
assert rep not in d, "the repeat reader was decided against"
assert bulk in d and d[bulk]["check"] == "response_bytes" and d[bulk]["response_bytes"] >= 3000, d
assert d[bulk]["endpoint"] == "orders volume" and d[bulk]["action"] == "decoy", d[bulk]
dec = [e for e in ev if e["type"] == "blocked" and e["action"] == "decoy"]
assert dec and all(e["status"] == 200 and e["block"]["id"] == d[bulk]["decision_id"] for e in dec), dec
raw = open(sys.argv[1]).read()
assert all(k not in raw for k in sys.argv[2:6]), "an API key in clear in the events"
print("ok: decisions: %s sequential_ids (run %d), %s distinct_ids (%d), %s response_bytes (%d); "
      "none for the repeat reader"
      % (w, d[w]["sequential_run"], r, d[r]["distinct_ids"], bulk, d[bulk]["response_bytes"]))
PY
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" stop-control || true
