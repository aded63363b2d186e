#!/usr/bin/env bash
# Lab: the login guard. Six legitimate users log in for 11 s (two 5 s windows: the
# baseline, and their browsers' fingerprints become known); then an attack tool tries
# stolen credentials from 2000 forwarded addresses with one fingerprint. With per-key
# decisions off, the window's failure ratio over the baseline raises login_attack, which
# opens the guard: from then on logins from fingerprints never seen logging in are
# challenged (machine-readable 403) and never reach the origin, while the legitimate
# users' known fingerprints go on (>99% success). Two workers.
# Usage: login_guard_challenge_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
EVENTS=$TMP/events.jsonl

start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/login_guard_challenge.yaml"

client python3 "$LAB_ROOT/tests/lab/login_guard_client.py" --seconds 17 --attack-delay 11 \
  --attack-sources 2000 --attack-rate 250 --legit 6 >"$TMP/clients.json" || fail "clients failed"
get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/clients.json" "$1"; }
echo "attack: $(get 'j["attack"]')"
echo "legit:  $(get 'j["legit"]')"
sent=$(get 'j["attack"]["sent"]') reached=$(get 'j["attack"]["reached_origin"]')
((sent >= 1000)) || fail "the attack sent only $sent attempts"
((reached <= 150)) || fail "$reached of $sent attack attempts reached the origin (want <= 150)"
first=$(get 'round(j["attack"]["first_stopped_at"] - 11, 2)')
python3 -c "import sys; sys.exit(0 if $first <= 5 else 1)" || fail "first attempt stopped ${first}s into the attack"
pass "attack: $sent attempts, $reached reached the origin, stopped from ${first}s in"
ok=$(get 'j["legit"]["ok"]') failed=$(get 'j["legit"]["failed"]')
python3 -c "import sys; sys.exit(0 if $ok / ($ok + $failed) > 0.99 else 1)" ||
  fail "legitimate logins: $ok succeeded, $failed failed"
pass "legitimate logins (known fingerprints): $ok of $((ok + failed)) succeeded"

probe() {
  client curl -sS -m 5 -o "$TMP/probe.json" -w '%{http_code}' -X POST http://198.18.0.2/login \
    -H 'Content-Type: application/json' -H "X-Forwarded-For: $1" -H "X-JA4: $2" -A "$3" \
    -d '{"username":"alice","password":"wonderland"}'
}
code=$(probe 203.0.113.77 t13d1313h2_000000000000_000000000000 "lab-probe/1.0")
expect_eq "login from an unknown fingerprint during the guard" \
  "$code $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["error"], j["reason"])' "$TMP/probe.json")" \
  "403 challenge_required login_guard"
code=$(probe 203.0.113.78 t13d1516h2_8daaf6152771_02713d6af862 "lab-probe/1.0")
expect_eq "login from a known browser fingerprint during the guard" "$code" 200

sleep 0.3
python3 - "$EVENTS" <<'PY' || fail "events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
att = [x for x in ev if x["type"] == "login_attack"]
assert att, "no login_attack event"
a = att[0]
assert a["challenge_unknown"] and a["enforced"] and a["known_fingerprints"] >= 1, a
g = [x for x in ev if x["type"] == "challenge" and x["cause"] == "login_guard"]
assert g and all(x["answer"] == "api" and x["status"] == 403 for x in g), g[:2]
assert len(g) <= 2 * 10, "%d guard events: at most one a second per worker" % len(g)
assert not [x for x in ev if x["type"] == "decision"], "per-key decisions are off"
print("ok: login_attack opened the guard with %d known fingerprints; %d challenge events "
      "(login_guard) standing for %d challenged logins" % (a["known_fingerprints"], len(g),
                                                         sum(x["challenged"] for x in g)))
PY
"$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics >"$TMP/metrics" || fail "no /metrics"
api=$(awk '$1 == "bulwark_challenges_total{answer=\"api\"}" {print $2}' "$TMP/metrics")
((api >= sent / 2)) || fail "bulwark_challenges_total{answer=api} = $api for $sent attempts"
pass "bulwark_challenges_total{answer=api} = $api (of $sent attempts)"
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" stop-control || true
