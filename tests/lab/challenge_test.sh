#!/usr/bin/env bash
# Lab: challenges, consistency scores and decoys (rules: tests/lab/rulesets/challenge.yaml),
# through bulwark-control with two workers.
# - A script claiming Chrome (python-requests' header order, no Accept-Language) is
#   scored and challenged: the page when it asks for HTML, a machine-readable 403 when it
#   asks for JSON; the event carries the score and what contradicted the claim.
# - Headless Chromium (Debian's chromium) asks for /account (behind a challenge rule),
#   runs the proof of work, sets the clearance cookie, reloads and gets the origin's page;
#   the challenged request never reached the origin.
# - Its cookie, replayed: with its user agent it passes; forged (one MAC digit), from
#   another network (a trusted-proxy X-Forwarded-For) or with another user agent it is
#   challenged again, each seen as bad_mac.
# - An API client over a challenge limit gets 429 + Retry-After + challenge_required;
#   an ordinary API client is not scored at all; a decoy answers the admin API with 200
#   and the origin never sees it.
# - Events and /metrics show all of it.
# - A block-list entry with action challenge challenges its address (as an API client:
#   403 challenge_required; as a browser: the page) and nobody else.
# Usage: challenge_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
EVENTS=$TMP/events.jsonl
CHROMIUM=$(command -v chromium || true)
[[ -n $CHROMIUM ]] || fail "chromium is not installed (tools/setup.sh installs it)"
CC=$LAB_ROOT/tests/lab/challenge_client.py

start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/challenge.yaml"
origin_count() {
  client curl -sS -m 5 http://198.18.0.2/__origin/stats |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get(sys.argv[1], 0))' "$1"
}
j() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# A script claiming a browser.
client python3 "$CC" scripted >"$TMP/scripted.json" || fail "scripted client failed"
expect_eq "scripted browser claim asking for HTML: status" "$(j "$TMP/scripted.json" 'j["page"]["status"]')" 403
expect_eq "... gets the challenge page" "$(j "$TMP/scripted.json" 'j["page"]["page"]')" True
expect_eq "scripted browser claim asking for JSON: status" "$(j "$TMP/scripted.json" 'j["json"]["status"]')" 403
expect_eq "... gets a machine-readable answer" \
  "$(j "$TMP/scripted.json" 'j["json"]["json"]["error"] + "/" + j["json"]["json"]["reason"]')" \
  "challenge_required/consistency"
expect_eq "neither reached the origin" "$(origin_count 'GET /api/v1/products/1')" 0
client python3 "$CC" api >"$TMP/api.json" || fail "api client failed"
expect_eq "an ordinary API client (curl user agent) is not scored: status" \
  "$(j "$TMP/api.json" 'j["api"]["status"]')" 200

# Headless Chromium earns a clearance.
mkdir -p "$TMP/chromium"
client timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$TMP/chromium" --virtual-time-budget=20000 --dump-dom \
  http://198.18.0.2/account >"$TMP/dom.html" 2>"$TMP/chromium.log" ||
  fail "chromium failed: $(tail -n 5 "$TMP/chromium.log")"
grep -q "Your account" "$TMP/dom.html" || fail "chromium did not get through: $(head -c 600 "$TMP/dom.html")"
cookie=$(sed -n 's/.*bw_clear=\([0-9]*\.[0-9]*\.[0-9a-f]*-[0-9]*\).*/\1/p' "$TMP/dom.html")
ua=$(sed -n 's/.*<p id="ua">\([^<]*\)<.*/\1/p' "$TMP/dom.html")
[[ -n $cookie && -n $ua ]] || fail "no clearance cookie or user agent in the page: $(head -c 600 "$TMP/dom.html")"
pass "headless chromium solved the proof of work and reached the origin (bw_clear=$cookie)"
expect_eq "origin saw /account once (the challenged request never reached it)" \
  "$(origin_count 'GET /account')" 1

# Its cookie replayed.
client python3 "$CC" replay "$cookie" "$ua" >"$TMP/replay.json" || fail "replay client failed"
expect_eq "the clearance with the browser's user agent: status" "$(j "$TMP/replay.json" 'j["valid"]["status"]')" 200
for k in forged elsewhere other_ua none; do
  expect_eq "clearance $k: challenged (page)" \
    "$(j "$TMP/replay.json" "str(j['$k']['status']) + ' ' + str(j['$k']['page'])")" "403 True"
done
expect_eq "origin saw /account twice" "$(origin_count 'GET /account')" 2

# A challenge limit and a decoy.
client python3 "$CC" limit >"$TMP/limit.json" || fail "limit client failed"
# Burst 5; a request on one worker may not yet see the other's last few (merged every
# 5 ms), so 5..8 pass.
lim_ok=$(j "$TMP/limit.json" 'sum(a["status"] == 200 for a in j["answers"])')
((lim_ok >= 5 && lim_ok <= 8)) || fail "12 orders at once against 5/min burst 5: $lim_ok answered (want 5..8)"
pass "12 orders at once against 5/min burst 5: $lim_ok answered"
lim_ch=$((12 - lim_ok))
expect_eq "... the rest 429 challenge_required with Retry-After" \
  "$(j "$TMP/limit.json" 'sum(a["status"] == 429 and a["json"]["error"] == "challenge_required" and int(a["retry_after"]) >= 1 for a in j["answers"])')" $lim_ch
client python3 "$CC" decoy >"$TMP/decoy.json" || fail "decoy client failed"
expect_eq "decoy: a plausible success" "$(j "$TMP/decoy.json" 'str(j["decoy"]["status"]) + " " + str(j["decoy"]["json"])')" \
  "200 {'users': [], 'next': None}"
expect_eq "decoy: the origin never saw the admin API" \
  "$(origin_count 'POST /api/v1/admin/users')/$(origin_count 'GET /api/v1/admin/users')" "0/0"

sleep 0.3  # the main lcore writes events every 5 ms
python3 - "$EVENTS" <<'PY' || fail "events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ch = [e for e in ev if e["type"] == "challenge"]
cons = [e for e in ch if e["cause"] == "consistency"]
assert len(cons) == 2, cons
assert all(e["score"] == 80 and set(e["signals"]) == {"missing_accept_language", "header_order"}
           for e in cons), cons
assert sorted(e["answer"] for e in cons) == ["api", "page"], cons
rule = [e for e in ch if e["cause"] == "rule"]
clear = sorted(e["clearance"] for e in rule)
# chromium's first request, then forged / elsewhere / other user agent / none.
assert clear == ["bad_mac", "bad_mac", "bad_mac", "missing", "missing"], clear
assert all(e["rule"]["id"] == 7001 for e in rule), rule
lim = [e for e in ch if e["cause"] == "rate_limit"]
assert lim and all(e["rule"]["id"] == 7101 and e["status"] == 429 and e["answer"] == "api" for e in lim), lim
decoy = [e for e in ev if e["type"] == "rule" and e.get("rule", {}).get("id") == 7002]
assert len(decoy) == 2 and all(e["action"] == "decoy" and e["enforced"] for e in decoy), decoy
print("ok: events: %d consistency challenges (score 80: missing_accept_language, header_order), "
      "rule challenges with clearance %s, %d limit challenges, %d decoys"
      % (len(cons), clear, len(lim), len(decoy)))
PY

"$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics >"$TMP/metrics" || fail "no /metrics"
metric() { awk -v m="$1" '$1 == m {print $2}' "$TMP/metrics"; }
# Pages: scripted HTML, chromium's first visit, four replays. API answers: scripted
# JSON and those over the limit.
expect_eq "bulwark_challenges_total{answer=page}" "$(metric 'bulwark_challenges_total{answer="page"}')" 6
expect_eq "bulwark_challenges_total{answer=api}" "$(metric 'bulwark_challenges_total{answer="api"}')" $((1 + lim_ch))
expect_eq "bulwark_clearance_checks_total{result=bad_mac}" "$(metric 'bulwark_clearance_checks_total{result="bad_mac"}')" 3
v=$(metric 'bulwark_clearance_checks_total{result="valid"}')
((v >= 2)) || fail "valid clearances counted: $v (want chromium's reload and the replay)"
pass "valid clearances counted: $v"
expect_eq "bulwark_http_request_verdicts_total{verdict=decoy}" \
  "$(metric 'bulwark_http_request_verdicts_total{verdict="decoy"}')" 2
expect_eq "bulwark_http_request_verdicts_total{verdict=challenge}" \
  "$(metric 'bulwark_http_request_verdicts_total{verdict="challenge"}')" $((7 + lim_ch))
expect_eq "bulwark_consistency_signals_total{signal=header_order}" \
  "$(metric 'bulwark_consistency_signals_total{signal="header_order"}')" 2
# A block-list entry with action challenge (the operator's here; decisions work alike).
added=$(ctl --json block add --ip 198.19.5.5 --action challenge --comment lab) || fail "block add"
expect_eq "challenge entry pushed to the dataplane" \
  "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("dataplane"))' "$added")" applied
client python3 "$CC" listed >"$TMP/listed.json" || fail "listed client failed"
expect_eq "challenge entry, API client: machine-readable 403" \
  "$(j "$TMP/listed.json" 'str(j["api"]["status"]) + " " + j["api"]["json"]["reason"]')" "403 block_list"
expect_eq "challenge entry, browser: the page" \
  "$(j "$TMP/listed.json" 'str(j["browser"]["status"]) + " " + str(j["browser"]["page"])')" "403 True"
expect_eq "an address next to it: answered" "$(j "$TMP/listed.json" 'j["other"]["status"]')" 200
sleep 0.3
python3 - "$EVENTS" <<'PY' || fail "block-list challenge events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
bl = [e for e in ev if e["type"] == "challenge" and e["cause"] == "block_list"]
assert bl and all(e["block"]["matched"] == "address" and e["client_ip"] == "198.19.5.5" for e in bl), bl
print("ok: block-list challenge event: entry %d, client %s" % (bl[0]["block"]["id"], bl[0]["client_ip"]))
PY
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" stop-control || true
