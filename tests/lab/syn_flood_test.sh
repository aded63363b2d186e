#!/usr/bin/env bash
# Lab: a SYN flood from many spoofed sources (198.19.0.0/16) fills a small flow table.
# The flood's half-open entries are evicted, established connections are not, and an
# established keep-alive connection keeps getting answers all through the flood.
# Usage: syn_flood_test.sh DATAPLANE STATSDUMP (root).
DATAPLANE=$1 STATSDUMP=$2
source "$(dirname "$0")/lib.sh"

CAPACITY=1024
"$LABSH" up >/dev/null
"$LABSH" start-dataplane --main-core 0 --workers 1 --flows $CAPACITY >/dev/null

# The established connection: one request every 20 ms for 12 s on one TCP connection.
client python3 "$LAB_ROOT/tests/lab/keepalive_client.py" 198.18.0.2 12 0.02 >"$TMP/ka" 2>"$TMP/ka.err" &
ka=$!
BG_PIDS+=($ka)
sleep 1
server_mac=$("$LABSH" mac server)
client python3 "$LAB_ROOT/tools/lab/synflood.py" --iface c0 --dst-mac "$server_mac" \
  --dst-ip 198.18.0.2 --dst-port 80 --src-net 198.19.0.0/16 --count 300000 --max-seconds 8 >"$TMP/flood"
pass "flood: $(cat "$TMP/flood")"
during=$(stats)
wait "$ka" || fail "keep-alive client failed: $(cat "$TMP/ka.err")"
result=$(cat "$TMP/ka")
pass "keep-alive connection: $result"
[[ $result =~ errors=0\ reconnects=0 ]] || fail "the established connection was disturbed: $result $(cat "$TMP/ka.err")"
# Answers all through the flood: no long wait between two (how many fit in 12 s depends
# on what else the machine runs, so that is not the measure).
ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$result")
gap=$(sed -n 's/.*max_gap_ms=\([0-9]*\).*/\1/p' <<<"$result")
((ok >= 100)) || fail "only $ok answers on the established connection"
((gap < 3000)) || fail "the established connection waited $gap ms for an answer during the flood"

after=$(stats)
expect_eq "table full during the flood" "$(stat_of "$during" 'j["total"]["flows"]["active"]')" $CAPACITY
evicted=$(stat_of "$after" 'j["total"]["flows"]["evicted"]')
((evicted > 100000)) || fail "only $evicted evictions for a 300k SYN flood into $CAPACITY entries"
pass "evicted $evicted half-open flows"
expect_eq "established flows evicted" "$(stat_of "$after" 'j["total"]["flows"]["evicted_established"]')" 0
expect_eq "insert failures" "$(stat_of "$after" 'j["total"]["flows"]["insert_failed"]')" 0
expect_eq "new connection after the flood" "$(client curl -sS -m 5 http://198.18.0.2/health)" ok
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
