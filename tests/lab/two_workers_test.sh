#!/usr/bin/env bash
# Lab: two workers. The outside leg is net_af_packet with two queue pairs (the kernel's
# fanout spreads flows over both); the inside leg is net_pcap on the interface with one
# RX queue, so every server->client packet arrives at worker 0 whoever owns its flow.
# Every connection must still be tracked by exactly one worker: if the two directions
# of a connection were handled by different workers, each would create an entry and
# flows_created would exceed the connections. (With af_packet on both legs the
# kernel's symmetric fanout hash would hide a broken hand-off.)
# Usage: two_workers_test.sh DATAPLANE STATSDUMP (root).
DATAPLANE=$1 STATSDUMP=$2
source "$(dirname "$0")/lib.sh"

"$LABSH" up >/dev/null
# Both workers share CPU 1 on a 2-CPU machine: this checks ownership, not speed.
# rx_iface_in: capture only frames arriving on in0, never our own transmissions.
LAB_INSIDE_DEV="net_pcap1,rx_iface_in=in0,tx_iface=in0,tx_iface=in0" \
  "$LABSH" start-dataplane --main-core 0 --workers 1,1 >/dev/null
client curl -sS -m 5 -o /dev/null http://198.18.0.2/health || fail "warm-up request"
wait_quiet
before=$(stats)
N=40
for ((i = 0; i < N; i++)); do
  if ((i % 2)); then url='http://[2001:2::2]/health'; else url=http://198.18.0.2/health; fi
  out=$(client curl -sS -m 5 "$url") || fail "request $i failed"
  [[ $out == ok ]] || fail "request $i: '$out'"
done
pass "$N separate connections (IPv4 and IPv6) through 2 workers"
wait_quiet
after=$(stats)
d() { echo $(($(stat_of "$after" "$1") - $(stat_of "$before" "$1"))); }
expect_eq "flows created (one per connection)" "$(d 'j["total"]["flows"]["created"]')" $N
w0=$(d 'j["worker"][0]["flows"]["created"]')
w1=$(d 'j["worker"][1]["flows"]["created"]')
((w0 > 0 && w1 > 0)) || fail "flows not spread over both workers: w0=$w0 w1=$w1"
pass "flows per worker: w0=$w0 w1=$w1"
expect_eq "hand-off drops" "$(stat_of "$after" 'j["total"]["handoff_drops"]')" 0
((d_h = $(d 'j["total"]["handoff_out"]'))) || true
pass "hand-offs during the run: $d_h"

client wrk -t1 -c8 -d3s http://198.18.0.2/api/v1/customers/2 >"$TMP/wrk" 2>&1 || fail "wrk failed"
grep -q "Socket errors" "$TMP/wrk" && fail "wrk socket errors: $(grep 'Socket errors' "$TMP/wrk")"
pass "wrk through 2 workers: $(awk '/requests in/ {print $1}' "$TMP/wrk") requests, no errors"
"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM"
