#!/usr/bin/env bash
# Lab: credential stuffing. Through a trusted proxy (the client namespace's address;
# X-Forwarded-For gives each client, X-JA4 its TLS fingerprint) an attack tool tries
# stolen credentials from 2000 distinct addresses, one or two attempts each, all with
# one fingerprint, while six legitimate users log in (one attempt in 20 mistyped) and
# read the API. Two workers; the detector on the main lcore sees every worker's logins.
# Shown: the fingerprint is decided against within seconds and later attempts from it
# are stopped on both workers (403); the legitimate users' logins succeed (>99%); the
# window's failure ratio against the baseline learned from the first windows raises a
# login_attack event; decisions and stops are events and Prometheus metrics.
# Usage: login_guard_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
EVENTS=$TMP/events.jsonl

start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/login_guard.yaml"

# 11 s of legitimate traffic alone (two 5 s windows: the baseline), then the attack.
client python3 "$LAB_ROOT/tests/lab/login_guard_client.py" --seconds 24 --attack-delay 11 \
  --attack-sources 2000 --attack-rate 250 --legit 6 >"$TMP/clients.json" || fail "clients failed"
get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/clients.json" "$1"; }
echo "attack: $(get 'j["attack"]')"
echo "legit:  $(get 'j["legit"]')"
sent=$(get 'j["attack"]["sent"]') reached=$(get 'j["attack"]["reached_origin"]') stopped=$(get 'j["attack"]["stopped"]')
((sent >= 2600)) || fail "the attack sent only $sent attempts"
expect_eq "attack answers other than 401/403/reset" "$(get 'j["attack"]["other"]')" 0
((reached <= 150)) || fail "$reached of $sent attack attempts reached the origin (want <= 150)"
pass "attack: $sent attempts from 2000 addresses, $reached reached the origin, $stopped stopped"
first=$(get 'round(j["attack"]["first_stopped_at"] - 11, 2)')
python3 -c "import sys; sys.exit(0 if $first <= 5 else 1)" || fail "first attempt stopped ${first}s into the attack"
pass "stopped from ${first}s into the attack (attempt $(get 'j["attack"]["stopped_after_sent"]'))"
ok=$(get 'j["legit"]["ok"]') failed=$(get 'j["legit"]["failed"]')
python3 -c "import sys; sys.exit(0 if $ok / ($ok + $failed) > 0.99 else 1)" ||
  fail "legitimate logins: $ok succeeded, $failed failed"
pass "legitimate logins: $ok of $((ok + failed)) succeeded; honest typos answered 401: $(get 'j["legit"]["typo_answered_401"]') of $(get 'j["legit"]["typos"]')"

s=$(stats)
w0=$(stat_of "$s" 'j["worker"][0]["blocklist_hits"]["fingerprint"]')
w1=$(stat_of "$s" 'j["worker"][1]["blocklist_hits"]["fingerprint"]')
((w0 > 0 && w1 > 0)) || fail "the decision was not enforced on both workers: w0=$w0 w1=$w1"
pass "attempts stopped by the fingerprint decision on both workers: w0=$w0 w1=$w1"

sleep 0.3
python3 - "$EVENTS" <<'PY' || fail "events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
d = [e for e in ev if e["type"] == "decision"]
fp = [e for e in d if e["check"] == "fingerprint"]
assert fp, "no fingerprint decision: %s" % d[:3]
e = fp[0]
assert e["key"] == "fingerprint=t13d1715h2_5b57614c22b0_3d5424432f57", e
assert e["enforced"] is True and e["action"] == "respond" and e["distinct_usernames"] >= 50, e
assert not [x for x in d if x["check"] == "client_ip"], "a legitimate or attack address decided against"
b = [x for x in ev if x["type"] == "blocked" and x["block"].get("source") == "decision"]
assert b and b[0]["status"] == 403, b[:1]
assert len(b) <= 10, "%d blocked events: one per entry and worker per 10 s expected" % len(b)
assert sum(x["stopped"] for x in b) >= 1, b
att = [x for x in ev if x["type"] == "login_attack"]
assert att, "no login_attack event"
a = att[0]
assert a["baseline_windows"] >= 1 and a["failure_ratio"] > 3 * max(a["baseline"], 0.01), a
print("ok: decision %s (%d distinct usernames in the window); %d blocked events from it "
      "(one per worker per 10 s, with counts); "
      "login_attack: failure ratio %.2f against a baseline of %.3f learned from %d window(s) of %d s"
      % (e["key"], e["distinct_usernames"], len(b), a["failure_ratio"], a["baseline"],
         a["baseline_windows"], a["baseline_window_s"]))
PY
"$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics >"$TMP/metrics" || fail "no /metrics"
metric() { awk -v m="$1" '$1 == m {print $2}' "$TMP/metrics"; }
python3 - "$(metric bulwark_decisions_total)" "$(metric 'bulwark_login_attempts_total{result="failure"}')" \
  "$(metric 'bulwark_blocklist_hits_total{matched="fingerprint"}')" "$(metric bulwark_login_attack_windows_total)" <<'PY' ||
import sys
d, f, h, a = (float(x or 0) for x in sys.argv[1:])
sys.exit(0 if d >= 1 and f >= 50 and h >= 1000 and a >= 1 else 1)
PY
  fail "metrics: decisions $(metric bulwark_decisions_total), failures $(metric 'bulwark_login_attempts_total{result="failure"}'), fingerprint stops $(metric 'bulwark_blocklist_hits_total{matched="fingerprint"}')"
pass "metrics: bulwark_decisions_total $(metric bulwark_decisions_total), login failures $(metric 'bulwark_login_attempts_total{result="failure"}'), stopped by fingerprint $(metric 'bulwark_blocklist_hits_total{matched="fingerprint"}'), attack windows $(metric bulwark_login_attack_windows_total)"
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" stop-control || true
