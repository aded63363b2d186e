#!/usr/bin/env bash
# Lab: the manual block list, the operator's way (bulwarkctl -> bulwark-control ->
# dataplane), with real curl clients:
# - an address blocked with `block add --ip` gets its connections reset, others pass;
# - an API key blocked (given in clear, kept only as its digest) gets a 403 with a JSON
#   body, the same client with another key passes; an IPv6 prefix the same;
# - an entry with a TTL stops matching by itself when it expires;
# - the list survives a restart of bulwark-control (from its state directory) and of
#   the dataplane (control pushes it again); events and /metrics show the blocks.
# Usage: blocklist_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"
# code [curl args...]: the HTTP status (000: no answer, e.g. reset).
code() { client curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true; }
in_sync() {  # until the dataplane holds the block list bulwark-control has
  for ((i = 0; i < 50; i++)); do
    ctl --json block list | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["in_sync"] else 1)' && return 0
    sleep 0.1
  done
  fail "the dataplane never got the block list"
}

"$LABSH" up >/dev/null
"$LABSH" start-control --initial-rules "$LAB_ROOT/tests/lab/rulesets/lab.yaml" >/dev/null
"$LABSH" start-dataplane --main-core 0 --workers 1 >/dev/null
wait_rules_in_sync
expect_eq "before: client passes" "$(code http://198.18.0.2/health)" 200

out=$(ctl block add --ip 198.18.0.1 --comment "lab test") || fail "block add --ip: $out"
[[ $out == *"entry 1: block ip 198.18.0.1"*"dataplane: applied"* ]] || fail "block add said: $out"
pass "block add --ip: $out"
expect_eq "blocked address: connection reset (no HTTP answer)" "$(code http://198.18.0.2/health)" 000
expect_eq "IPv6 address of the same client still passes" "$(code 'http://[2001:2::2]/health')" 200
ctl block remove 1 >/dev/null || fail "block remove"
expect_eq "after remove: passes" "$(code http://198.18.0.2/health)" 200

ctl block add --api-key lab-stolen-key-$$ --action respond >/dev/null || fail "block add --api-key"
ctl block add --prefix 2001:2::/64 --action respond --ttl 1h >/dev/null || fail "block add --prefix"
expect_eq "blocked API key: 403" "$(code -H "X-Api-Key: lab-stolen-key-$$" http://198.18.0.2/health)" 403
body=$(client curl -s -m 5 -H "Authorization: Bearer lab-stolen-key-$$" http://198.18.0.2/health || true)
[[ $body == '{"error":"blocked","entry":2}' ]] || fail "bearer token of the blocked key: '$body'"
pass "the same key as a bearer token: $body"
expect_eq "another key passes" "$(code -H 'X-Api-Key: lab-good-key' http://198.18.0.2/health)" 200
expect_eq "blocked IPv6 prefix: 403" "$(code 'http://[2001:2::2]/health')" 403
ctl block list | grep -q "^2 \+api_key \+[0-9a-f]\{64\} \+respond \+never" || fail "block list: $(ctl block list)"
ctl block list | grep -q "lab-stolen-key" && fail "the API key is shown in clear"
pass "block list shows the key only as its SHA-256"

# Expiry by itself (the dataplane's deadline; control also drops it from the list).
ctl block add --ip 198.18.0.1 --ttl 3s >/dev/null || fail "block add --ttl"
expect_eq "with a 3 s TTL: blocked" "$(code http://198.18.0.2/health)" 000
sleep 3.5
expect_eq "3.5 s later: passes again" "$(code http://198.18.0.2/health)" 200
ctl --json block list | python3 -c 'import json,sys; e=json.load(sys.stdin)["entries"]; sys.exit(0 if [x["id"] for x in e] == [2, 3] else 1)' ||
  fail "expired entry still listed: $(ctl block list)"
pass "the expired entry left the list"

# Restarts: bulwark-control (the list is in its state directory), then the dataplane.
"$LABSH" stop-control || fail "stop-control"
"$LABSH" start-control >/dev/null
in_sync
expect_eq "after a restart of bulwark-control: key still blocked" \
  "$(code -H "X-Api-Key: lab-stolen-key-$$" http://198.18.0.2/health)" 403
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" start-dataplane --main-core 0 --workers 1 >/dev/null
in_sync
expect_eq "after a restart of the dataplane: key still blocked" \
  "$(code -H "X-Api-Key: lab-stolen-key-$$" http://198.18.0.2/health)" 403
expect_eq "and the IPv6 prefix" "$(code 'http://[2001:2::2]/health')" 403

# Events and metrics.
ctl --json events -n 200 >"$TMP/events.json" || fail "events"
python3 - "$TMP/events.json" <<'PY' || fail "blocked events"
import json, sys
ev = json.load(open(sys.argv[1]))
b = [e for e in ev if e.get("type") == "blocked"]
assert any(e["block"]["matched"] == "api_key" and e["status"] == 403 for e in b), b[:3]
assert any(e["block"]["matched"] == "address" and e["action"] == "block" for e in b), b[:3]
assert any(e.get("type") == "block_added" for e in ev)
print("ok: %d blocked events (address, api_key), block_added events from control" % len(b))
PY
"$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics >"$TMP/metrics" || fail "no /metrics"
hits=$(awk '$1 == "bulwark_blocklist_hits_total{matched=\"api_key\"}" {print $2}' "$TMP/metrics")
[[ -n $hits && $hits != 0 ]] || fail "bulwark_blocklist_hits_total{matched=api_key}: '$hits'"
pass "bulwark_blocklist_hits_total{matched=\"api_key\"} $hits (this dataplane's run)"
expect_eq "bulwark_blocklist_entries" "$(awk '$1 == "bulwark_blocklist_entries" {print $2}' "$TMP/metrics")" 2
"$LABSH" stop-dataplane || fail "dataplane exit code $?"
"$LABSH" stop-control || true
