#!/usr/bin/env bash
# Lab: pool fairness under attack. One source (198.18.0.3) holds connections open with
# heads and bodies trickled a byte at a time (never idle) and floods SYNs, against a
# worker with a small session pool (64). With no per-client limit (client_share 100)
# the attack takes every session and the legitimate client's connections are passed
# uninspected (sessions_full): its blocked request reaches the origin. With the default
# share (25%) the attacker is held to 16 sessions: the legitimate client's blocked
# request is still blocked and its clean request still passes, during the attack.
# Then many addresses leave partial heads idle: the idle holders give their head buffers
# up to new requests (idle_reclaimed).
# Usage: pool_fairness_test.sh DATAPLANE STATSDUMP RULES_TOOL (root).
DATAPLANE=$1 STATSDUMP=$2 RULES_TOOL=$3
source "$(dirname "$0")/lib.sh"

"$RULES_TOOL" compile "$LAB_ROOT/tests/lab/rulesets/lab.yaml" -o "$TMP/lab.bwb" --version 11 2>/dev/null ||
  fail "the lab rules do not compile"
"$LABSH" up >/dev/null
client ip addr add 198.18.0.3/24 dev c0
server_mac=$("$LABSH" mac server)

# attack_and_probe SHARE MODE: starts the dataplane with that share, attacks (MODE: see
# slow_holder.py), and while the attack holds its connections, sends the legitimate
# client's requests; writes "<bad bot status> <clean status>" to $TMP/probe-SHARE and the
# stats to $TMP/stats-SHARE.json.
attack_and_probe() {
  printf 'inspect:\n  sessions: 64\n  client_share: %s\n' "$1" >"$TMP/dp-$1.yaml"
  "$LABSH" start-dataplane --config "$TMP/dp-$1.yaml" --rules "$TMP/lab.bwb" >/dev/null
  client python3 "$LAB_ROOT/tests/lab/slow_holder.py" 198.18.0.3 198.18.0.2 80 14 "$2" \
    >"$TMP/holder-$1" 2>&1 &
  local holder=$!
  BG_PIDS+=($holder)
  sleep 1.5
  client python3 "$LAB_ROOT/tools/lab/synflood.py" --iface c0 --dst-mac "$server_mac" \
    --dst-ip 198.18.0.2 --dst-port 80 --src-net 198.18.0.3/32 --count 3000 --max-seconds 3 \
    >/dev/null
  sleep 0.5
  local bad clean
  bad=$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' -A 'BadBot/2.1' \
    http://198.18.0.2/api/v1/customers/7 2>/dev/null) || bad=reset
  clean=$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' -A 'Mozilla/5.0' \
    http://198.18.0.2/api/v1/customers/8 2>/dev/null) || clean=failed
  stats >"$TMP/stats-$1.json"
  wait "$holder" || fail "slow holder failed: $(cat "$TMP/holder-$1")"
  pass "attacker with share $1%: $(head -n 1 "$TMP/holder-$1")"
  "$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
  echo "$bad $clean" >"$TMP/probe-$1"
}
count_of() {  # count_of SHARE 'expression on j (the stats total)'
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["total"]; print(eval(sys.argv[2]))' \
    "$TMP/stats-$1.json" "$2"
}

# 1. No per-client limit: the attack blinds the box for everyone (this is what the share
#    prevents; if it did not happen, the test would prove nothing). Slow bodies only:
#    slow heads past the head buffers would be cut and give their sessions back.
attack_and_probe 100 bodies
out=$(cat "$TMP/probe-100")
uninspected=$(count_of 100 'j["integrity"]["uninspected"]["sessions_full"]')
((uninspected > 0)) || fail "without a share the pool never ran out (attack too weak): $out"
[[ $out == "200 200" ]] || fail "without a share the bad bot should have passed uninspected: $out"
pass "client_share 100: pool exhausted, $uninspected connections passed uninspected ($out)"

# 2. The default share: the attacker is held to its quarter (slow heads and bodies).
attack_and_probe 25 mixed
out=$(cat "$TMP/probe-25")
expect_eq "during the attack with share 25%: bad bot, clean" "$out" "403 200"
refused=$(count_of 25 'j["integrity"]["cut"]["client_share"]')
((refused > 0)) || fail "no connection was refused for its client's share"
pass "$refused attacker connections refused for their share"
expect_eq "connections passed uninspected" "$(count_of 25 'j["integrity"]["uninspected"]["sessions_full"]')" 0

# 3. Idle holders go first: eight addresses, each within its share, leave partial heads
#    on 24 connections and go silent: more than the worker's 16 head buffers. A head
#    arriving in two segments needs a buffer: while the holders are fresh there is none
#    (cut, request_parse); once they have been idle reclaim_idle_seconds, the one idle
#    longest gives its buffer up (idle_reclaimed) and the request is judged. (Body scans
#    and login buffers are reclaimed by the same code, not exercised here: the body-scan
#    pool is as large as the session pool below 4096 sessions.)
printf 'inspect:\n  sessions: 64\n  reclaim_idle_seconds: 2\n' >"$TMP/dp-idle.yaml"
"$LABSH" start-dataplane --config "$TMP/dp-idle.yaml" --rules "$TMP/lab.bwb" >/dev/null
holders=()
for i in $(seq 10 17); do
  client ip addr add "198.18.0.$i/24" dev c0
  client python3 "$LAB_ROOT/tests/lab/slow_holder.py" "198.18.0.$i" 198.18.0.2 3 7 idle \
    >"$TMP/idle-$i" 2>&1 &
  holders+=($!)
  BG_PIDS+=($!)
done
sleep 1.2
split_get() {
  client python3 "$LAB_ROOT/tests/lab/split_post.py" --get "$2" 198.18.0.2 "$1" 2>/dev/null || echo failed
}
fresh=$(split_get /api/v1/customers/7 BadBot/2.1)
sleep 2.5
bad=$(split_get /api/v1/customers/7 BadBot/2.1)
clean=$(split_get /api/v1/customers/8 Mozilla/5.0)
stats >"$TMP/stats-idle.json"
for h in "${holders[@]}"; do wait "$h" || fail "idle holder failed: $(cat "$TMP"/idle-*)"; done
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
expect_eq "a split head while 16 fresh holders keep every head buffer" "$fresh" reset
expect_eq "after they went idle: bad bot, clean (split heads)" "$bad $clean" "403 200"
reclaimed=$(count_of idle 'j["integrity"]["cut"]["idle_reclaimed"]')
# (a split head's buffer is free again when its head is complete: it serves the next)
((reclaimed >= 1)) || fail "no idle head-buffer holder was reclaimed"
pass "$reclaimed idle holder(s) gave their head buffer up"
