#!/usr/bin/env bash
# Lab: rate limits across two workers, measured from the client side. Scripted API
# clients open a new connection per request (so their connections spread over both
# workers) and send with their API key:
# - key K1 at 100 requests/s for 6 s against a limit of 20/s with a burst of 10 on the
#   customers API: about 10 + 20 x 6 = 130 get through, the rest get 429 with a
#   Retry-After of at least one second; each worker alone would let ~130 through, so
#   the figure shows the workers' counts are merged;
# - key K2 at 5/s at the same time: never limited;
# - a monitor-mode limit on /health reports what it would have done and blocks nothing.
# The limits are loaded the operator's way (bulwark-control pushes them); events name
# the key only by a digest (the key itself is never written); the figures appear in
# bulwark-control's /metrics.
# Usage: ratelimit_test.sh DATAPLANE STATSDUMP CONTROL BULWARKCTL (root).
DATAPLANE=$1 STATSDUMP=$2 CONTROL=$3 BULWARKCTL=$4
source "$(dirname "$0")/lib.sh"

EVENTS=$TMP/events.jsonl
start_two_worker_lab "$LAB_ROOT/tests/lab/rulesets/ratelimit.yaml"
client curl -sS -m 5 -o /dev/null http://198.18.0.2/health || fail "warm-up request"

SECONDS_RUN=6
K1=lab-key-one-$$ K2=lab-key-two-$$
client python3 "$LAB_ROOT/tests/lab/ratelimit_client.py" --url http://198.18.0.2/api/v1/customers/1 \
  --seconds $SECONDS_RUN --threads 4 --client "$K1:100" --client "$K2:5" >"$TMP/clients.json" ||
  fail "rate client failed"
get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/clients.json" "$1"; }
k1_ok=$(get "j['$K1']['ok']") k1_limited=$(get "j['$K1']['limited']") k1_sent=$(get "j['$K1']['sent']")
echo "K1: sent $k1_sent, 2xx $k1_ok, 429 $k1_limited; K2: sent $(get "j['$K2']['sent']"), 2xx $(get "j['$K2']['ok']")"
expect_eq "K1 errors and other statuses" "$(get "j['$K1']['errors'] + j['$K1']['other']")" 0
expect_eq "K2 requests all answered 2xx" "$(get "j['$K2']['ok']")" "$(get "j['$K2']['sent']")"
expected=$((10 + 20 * SECONDS_RUN))
python3 - "$k1_ok" "$expected" <<'PY' || fail "K1 got $k1_ok answers, want $expected +-15% (burst 10 + 20/s x ${SECONDS_RUN} s)"
import sys
ok, want = int(sys.argv[1]), int(sys.argv[2])
sys.exit(0 if abs(ok - want) <= 0.15 * want else 1)
PY
pass "K1 allowed $k1_ok of $k1_sent (limit: burst 10 + 20/s x ${SECONDS_RUN} s = $expected)"
# The rate in the steady part (after the burst): 2xx answers between t=2 s and t=6 s.
steady=$(get "len([t for t in j['$K1']['ok_times'] if 2 <= t < 6]) / 4")
python3 -c "import sys; sys.exit(0 if 17 <= $steady <= 23 else 1)" ||
  fail "K1 steady rate $steady/s, want 20/s +-15%"
pass "K1 steady rate measured by the client: $steady/s (limit 20/s)"
[[ $(get "all(r is not None and r.isdigit() and int(r) >= 1 for r in j['$K1']['retry_after'])") == True ]] || fail "429 without a Retry-After of at least 1: $(get "j['$K1']['retry_after'][:5]")"
pass "every 429 carries Retry-After >= 1 s (e.g. $(get "j['$K1']['retry_after'][0]"))"
body=$(get "j['$K1']['body']")
[[ $body == *'"error":"rate_limited","limit":7201,"retry_after":'* ]] || fail "429 body: $body"
pass "429 body is machine-readable: ${body%$'\n'}"

# Both workers counted K1's requests (so the limit held across workers).
s=$(stats)
w0=$(stat_of "$s" 'j["worker"][0]["limits"]["allowed"][0] + j["worker"][0]["limits"]["exceeded"][0]')
w1=$(stat_of "$s" 'j["worker"][1]["limits"]["allowed"][0] + j["worker"][1]["limits"]["exceeded"][0]')
((w0 > 0 && w1 > 0)) || fail "limit 7201 counted on one worker only: w0=$w0 w1=$w1"
pass "limit 7201 counted on both workers: w0=$w0 w1=$w1"
applied=$(stat_of "$s" 'j["total"]["limits"]["reports_applied"]')
((applied > 0)) || fail "no rate-limit reports were exchanged between the workers"
pass "reports exchanged between workers: $applied applied, merged $(stat_of "$s" 'j["limits"]["merged"]')"
expect_eq "reports lost" "$(stat_of "$s" 'j["total"]["limits"]["reports_dropped"] + j["limits"]["merge_dropped"]')" 0
expect_eq "limit 7201 exceeded (dataplane) = 429s (client)" \
  "$(stat_of "$s" 'j["limits"]["by_id"]["7201"]["exceeded"]')" "$k1_limited"

# Monitor mode: /health at 10/s from one address against 2/s: nothing blocked, counted.
client python3 "$LAB_ROOT/tests/lab/ratelimit_client.py" --url http://198.18.0.2/health --seconds 2 \
  --threads 1 --client "monitor:10" >"$TMP/monitor.json" || fail "monitor client failed"
m_sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor"]["sent"])' "$TMP/monitor.json")
m_ok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["monitor"]["ok"])' "$TMP/monitor.json")
expect_eq "monitor-mode limit: all /health requests answered" "$m_ok" "$m_sent"
s=$(stats)
m_ex=$(stat_of "$s" 'j["limits"]["by_id"]["7202"]["exceeded"]')
((m_ex > 0)) || fail "monitor-mode limit counted nothing over the limit"
pass "monitor-mode limit 7202: $m_ex requests over the limit, none stopped"

sleep 0.3  # the main lcore writes events every 5 ms
python3 - "$EVENTS" "$K1" <<'PY' || fail "rate_limit events"
import hashlib, json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
key = sys.argv[2]
digest = hashlib.sha256(key.encode()).hexdigest()[:16]
rl = [e for e in events if e["type"] == "rate_limit"]
k1 = [e for e in rl if e["limit"]["id"] == 7201]
assert k1, "no rate_limit event for limit 7201"
e = k1[0]
assert e["key"] == "api_key_sha256=" + digest, e["key"]
assert e["enforced"] is True and e["status"] == 429 and e["retry_after"] >= 1, e
assert e["path"] == "/api/v1/customers/1", e
mon = [e for e in rl if e["limit"]["id"] == 7202]
assert mon and all(m["enforced"] is False and m["mode"] == "monitor" for m in mon), mon[:1]
raw = open(sys.argv[1]).read()
assert key not in raw, "an API key was written in clear"
print("ok: rate_limit events: %d for 7201 (key api_key_sha256=%s), %d for 7202 (monitor); "
      "the key itself appears nowhere" % (len(k1), digest, len(mon)))
PY

# Prometheus exposition from bulwark-control.
"$LABSH" appl curl -sS -m 5 http://198.18.1.1:9108/metrics >"$TMP/metrics" || fail "no /metrics"
metric() { awk -v m="$1" '$1 == m {print $2}' "$TMP/metrics"; }
expect_eq "bulwark_rate_limit_requests_total{limit=7201,result=exceeded}" \
  "$(metric 'bulwark_rate_limit_requests_total{limit="7201",result="exceeded"}')" "$k1_limited"
expect_eq "bulwark_rate_limit_requests_total{limit=7201,result=allowed} = 2xx of K1 and K2" \
  "$(metric 'bulwark_rate_limit_requests_total{limit="7201",result="allowed"}')" \
  "$((k1_ok + $(get "j['$K2']['ok']")))"
[[ -n $(metric 'bulwark_rate_limit_keys') ]] || fail "no bulwark_rate_limit_keys"
pass "rate-limit cells in use: $(metric 'bulwark_rate_limit_keys')"
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
"$LABSH" stop-control || true
