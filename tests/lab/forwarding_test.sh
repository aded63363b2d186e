#!/usr/bin/env bash
# Lab: curl (IPv4, IPv6, logins) and wrk reach the origin through bulwark-dataplane on
# net_af_packet, and the stats segment counts exactly the frames a client sent.
# Usage: forwarding_test.sh DATAPLANE STATSDUMP (root).
DATAPLANE=$1 STATSDUMP=$2
source "$(dirname "$0")/lib.sh"

"$LABSH" up >/dev/null
"$LABSH" start-dataplane --main-core 0 --workers 1 >/dev/null

expect_eq "IPv4 GET /health" "$(client curl -sS -m 5 http://198.18.0.2/health)" ok
expect_eq "IPv6 GET /health" "$(client curl -sS -m 5 'http://[2001:2::2]/health')" ok
expect_eq "customer record over IPv6" \
  "$(client curl -sS -m 5 'http://[2001:2::2]/api/v1/customers/7' | python3 -c 'import json,sys; print(json.load(sys.stdin)["email"])')" \
  user7@example.com
login() { client curl -sS -m 5 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$1" http://198.18.0.2/login; }
expect_eq "bad login" "$(login '{"username":"alice","password":"x"}')" 401
expect_eq "good login" "$(login '{"username":"alice","password":"wonderland"}')" 200
# A large download crosses the bridge intact (checksummed end to end).
size=$(client curl -sS -m 20 -o "$TMP/dl" -w '%{size_download}' 'http://198.18.0.2/download?size=5000000')
expect_eq "5 MB download size" "$size" 5000000

# wrk over IPv4 and IPv6: no socket errors, only 200s.
for url in http://198.18.0.2/api/v1/customers/1 'http://[2001:2::2]/api/v1/products/3'; do
  client wrk -t1 -c8 -d3s "$url" >"$TMP/wrk" 2>&1 || fail "wrk failed: $(cat "$TMP/wrk")"
  grep -q "Socket errors" "$TMP/wrk" && fail "wrk socket errors on $url: $(grep 'Socket errors' "$TMP/wrk")"
  grep -q "Non-2xx" "$TMP/wrk" && fail "wrk non-2xx on $url"
  reqs=$(awk '/requests in/ {print $1}' "$TMP/wrk")
  ((reqs > 1000)) || fail "wrk made only $reqs requests through $url"
  pass "wrk $url: $reqs requests, no errors"
done

# Exact counting: N UDP datagrams of known size, in a quiet lab.
server python3 "$LAB_ROOT/tests/lab/udp_count.py" recv 9000 2 >"$TMP/recv" &
BG_PIDS+=($!)
for ((i = 0; i < 50; i++)); do grep -q ready "$TMP/recv" 2>/dev/null && break; sleep 0.1; done
wait_quiet
before=$(stats)
N=1000 PAYLOAD=100
client python3 "$LAB_ROOT/tests/lab/udp_count.py" send 198.18.0.2 9000 $N $PAYLOAD
wait "${BG_PIDS[-1]}"
wait_quiet
after=$(stats)
frame=$((14 + 20 + 8 + PAYLOAD))
d() { echo $(($(stat_of "$after" "$1") - $(stat_of "$before" "$1"))); }
expect_eq "origin received" "$(tail -n1 "$TMP/recv")" $N
expect_eq "outside rx packets" "$(d 'j["total"]["queues"][0]["rx_packets"]')" $N
expect_eq "outside rx bytes" "$(d 'j["total"]["queues"][0]["rx_bytes"]')" $((N * frame))
expect_eq "inside tx packets" "$(d 'j["total"]["queues"][1]["tx_packets"]')" $N
expect_eq "inside tx bytes" "$(d 'j["total"]["queues"][1]["tx_bytes"]')" $((N * frame))
expect_eq "udp packets" "$(d 'j["total"]["packets"]["udp"]')" $N
expect_eq "device rx packets (outside)" "$(d 'j["ports"][0]["rx_packets"]')" $N
expect_eq "udp flows created" "$(d 'j["total"]["flows"]["created"]')" 1
expect_eq "drops" "$(stat_of "$after" 'j["total"]["queues"][0]["tx_drops"] + j["total"]["queues"][1]["tx_drops"] + j["ports"][0]["rx_missed"] + j["ports"][1]["rx_missed"]')" 0

"$LABSH" stop-dataplane || fail "dataplane exit code $? after SIGTERM (want 0)"
pass "clean shutdown"
