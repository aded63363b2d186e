#!/usr/bin/env bash
# bulwarkctl against a real bulwark-control and an offline dataplane (net_pcap replaying
# HTTP requests): every subcommand's human and --json output and its exit code, before
# the dataplane exists (exit 5 where its counters are needed) and with it running.
# Usage: bulwarkctl_test.sh CONTROL BULWARKCTL DATAPLANE RULES_TOOL. Root (DPDK);
# no hugepages, no network.
set -euo pipefail
CONTROL=$1 CTL=$2 DP=$3 RULES=$4
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
SHM=/bw-cli-$$
source "$HERE/offline_appliance.sh"
cleanup() {
  [[ -n $dpid ]] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
  [[ -n $cpid ]] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null
  rm -rf "$WORK" "/dev/shm/${SHM#/}"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ctl() { "$CTL" --socket "$WORK/ctl.sock" "$@"; }
# check RC TEXT CMD...: exit code RC and TEXT (a grep -E pattern; '' for none) in output.
check() {
  local want=$1 text=$2 rc=0
  shift 2
  ctl "$@" >"$WORK/out" 2>&1 || rc=$?
  if ((rc != want)); then
    fail "bulwarkctl $* exited $rc, not $want: $(head -c 600 "$WORK/out")"
  elif [[ -n $text ]] && ! grep -qE -- "$text" "$WORK/out"; then
    fail "bulwarkctl $*: no '$text' in: $(head -c 600 "$WORK/out")"
  fi
}
# json_check PYTHON-EXPR CMD...: --json output parses and the expression (over j) holds.
json_check() {
  local expr=$1
  shift
  if ! ctl --json "$@" >"$WORK/out.json" 2>"$WORK/err"; then
    fail "bulwarkctl --json $* failed: $(cat "$WORK/err")"
    return
  fi
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$WORK/out.json" "$expr" || fail "bulwarkctl --json $*: not ($expr): $(head -c 600 "$WORK/out.json")"
}

# json_refusal CODE EXIT CMD...: refused with that exit code, --json printing the error.
json_refusal() {
  local code=$1 want=$2 rc=0
  shift 2
  ctl --json "$@" >"$WORK/out.json" 2>/dev/null || rc=$?
  ((rc == want)) || fail "bulwarkctl --json $* exited $rc, not $want"
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["ok"] is False and j["error"]["code"] == sys.argv[2] else 1)' \
    "$WORK/out.json" "$code" || fail "bulwarkctl --json $*: no '$code' error: $(head -c 600 "$WORK/out.json")"
}

write_appliance_files

# Usage errors and an absent bulwark-control.
check 2 "require|Subcommand" # no subcommand
check 2 "not a|could not be converted|Could not convert" rules show notanumber
check 2 "" config commit --confirm -3
check 3 "cannot connect to .*ctl.sock" status
check 0 "complete -F _bulwarkctl bulwarkctl" completion bash
check 0 "Exit codes:" --help

start_control || { echo "FAIL: bulwark-control did not start"; exit 1; }

# No dataplane yet.
check 0 "dataplane +not running" status
json_check 'j["dataplane"]["connected"] is False and j["config"]["active_version"] == 1' status
for c in ports workers flows; do check 5 "cannot open stats segment" "$c"; done
check 0 "bulwark_dataplane_up 0" stats
check 0 "configuration version 1" version
json_check 'j["config_version"] == 1 and j["dataplane_connected"] is False' version

# The dataplane replays HTTP requests (some matching lab.yaml's rules) from a capture.
start_offline_dataplane || fail "the dataplane did not connect to bulwark-control"
# Port counters are published every 100 ms: wait until they hold the whole capture.
for ((i = 0; i < 100; i++)); do
  ctl --json ports 2>/dev/null | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[0]["rx_packets"] == int(sys.argv[1]) else 1)' "$frames" && break
  sleep 0.1
done
json_check 'j["dataplane"]["connected"] and j["dataplane"]["state"] == "running" and j["rules"]["in_sync"] and j["rules"]["version"] == 1' status
check 0 "dataplane +running .*connected" status
check 0 "^outside +net_pcap0" ports
check 0 "queue 0" ports
json_check "len(j) == 2 and j[0]['role'] == 'outside' and j[0]['rx_packets'] == $frames and len(j[0]['queues']) == 1" ports
check 0 "^WORKER +LCORE +BUSY" workers
json_check "len(j) == 1 and j[0]['rx_packets'] == $frames and j[0]['http_requests'] > 0" workers
check 0 "^total" flows
json_check 'j["total"]["created"] > 0 and j["bytes_per_flow"] > 0 and len(j["workers"]) == 1' flows
# Top talkers: published after a full sweep of the flow table (~0.26 s). The first sweep
# may have passed some flows' slots before they were made: wait for one that saw them all.
for ((i = 0; i < 50; i++)); do
  ctl --json flows | python3 -c 'import json,sys; sys.exit(0 if len(json.load(sys.stdin)["top_talkers"]) >= 3 else 1)' && break
  sleep 0.1
done
json_check 'len(j["top_talkers"]) == 3 and all(t["server_port"] == 80 and t["client"].startswith("198.18.") and t["bytes_from_client"] > 0 for t in j["top_talkers"])' flows --top 3
check 0 "^CLIENT +SERVER" flows
check 0 '^bulwark_http_requests_total\{method="GET"\} [1-9]' stats
json_check 'any(f["name"] == "bulwark_rule_hits_total" and f["metrics"] for f in j)' stats
check 0 "dataplane connected \(pid" version

# Rules.
check 0 "^9001 +lab bad bot +- +respond +enforce +[1-9]" rules list
json_check 'j["version"] == 1 and len(j["rules"]) == 5 and [r["id"] for r in j["rules"]][0] == 9001' rules list
check 0 "rule 9005: lab login body" rules show 9005
json_check 'j["id"] == 9002 and j["origin"] == "lab.yaml:8" and "blocked path" in j["source"]' rules show 9002
check 4 "no rule 4242" rules show 4242
printf 'GET / HTTP/1.1\nHost: x\nUser-Agent: BadBot/2\n\n' >"$WORK/req.txt"
check 0 "verdict: respond by rule 9001" rules test --request "$WORK/req.txt" --crlf
json_check 'j["requests"][0]["verdict"]["rule"] == 9001' rules test --request "$WORK/req.txt" --crlf
printf 'GET / HTTP/1.1\r\nHost: x\r\n' >"$WORK/partial.txt"  # head never ends
check 1 "no complete request head" rules test --request "$WORK/partial.txt"
cat >"$WORK/bad.yaml" <<'YAML'
rules:
  - id: 1
    name: fine
    action: block
    match: {field: path, prefix: /a}
  - id: 2
    name: typo
    action: blokc
    match: {field: path, prefix: /b}
YAML
check 1 "^bulwarkctl: bad.yaml:8: 'action' must be block, respond, log, challenge or decoy" rules load "$WORK/bad.yaml"
check 0 "^1\* +.* initial" config versions  # the refused load made no version
cat >"$WORK/b.yaml" <<'YAML'
rules:
  - id: 7001
    name: block admin
    action: block
    match: {field: path, prefix: /admin}
YAML
check 0 "version 2 active \(was 1\)" rules load "$WORK/b.yaml" --comment "set b"
grep -q "dataplane: loaded version 2" "$WORK/out" || fail "rules load did not report the dataplane's load: $(cat "$WORK/out")"
json_check 'j["version"] == 3 and j["dataplane"]["version"] == 3 and j["bundle"]["rules"] == 6' rules load "$WORK/lab.yaml" --add
json_check 'j["unchanged"] is True' rules load "$WORK/lab.yaml" --add
check 0 "rules +version 3, 6 rules" status

# Configuration.
check 0 "^dataplane:" config show
json_check 'j["version"] == 1 and "lab.yaml" in j["rule_files"]' config show --version 1
check 4 "no candidate" config show --candidate
check 0 "no differences" config diff
check 1 "nothing to commit" config commit
sed 's/^events:/rules:\n  mode: monitor\nevents:/' "$WORK/config.yaml" >"$WORK/monitor.yaml"
printf 'rules:\n  mode: never\n' >"$WORK/broken.yaml"
check 1 "^bulwarkctl: config.yaml:2: 'rules.mode' must be" config edit --file "$WORK/broken.yaml"
check 0 "candidate staged" config edit --file "$WORK/monitor.yaml"
check 0 "^\+  mode: monitor" config diff
json_check '"+  mode: monitor" in j["diff"]' config diff
check 0 "version 4 active \(was 3\)" config commit --comment "monitor first"
check 0 "verdict: pass" rules test --request "$WORK/req.txt" --crlf
check 0 "^\+  mode: monitor" config diff --from 3 --to 4
check 0 "version 5 active \(was 4\), same content as version 3" config rollback
check 0 "verdict: respond by rule 9001" rules test --request "$WORK/req.txt" --crlf
check 1 "already active" config rollback 5
check 4 "no version 99" config rollback 99
EDITOR="sed -i s/keep:/keep:/" check 0 "candidate staged" config edit  # $EDITOR path, no change
check 0 "candidate discarded" config discard
check 4 "no candidate" config discard
json_check 'j["staged"] is True and "+  mode: monitor" in j["diff"]' config edit --file "$WORK/monitor.yaml"
json_check 'j["discarded"] is True' config discard
check 0 "candidate staged" config edit --file "$WORK/monitor.yaml"
check 0 "confirm by .* or it is rolled back" config commit --confirm 10
check 0 "awaits confirmation" status
check 1 "awaits confirmation" rules load "$WORK/b.yaml"
json_check 'j["config"]["pending_confirm"]["version"] == 6 and j["config"]["pending_confirm"]["previous"] == 5' status
json_check 'j["confirmed"] == 6' config confirm
check 4 "no commit awaits" config confirm
json_refusal not_found 4 config confirm
json_refusal invalid 1 rules load "$WORK/bad.yaml"
json_check 'j["version"] == 7 and j["rolled_back_to"] == 5 and j["previous"] == 6 and j["bundle"]["rules"] == 6' config rollback --comment "json rollback"
json_check '[v["version"] for v in j] == [1, 2, 3, 4, 5, 6, 7] and j[6]["active"] and j[4]["kind"] == "rollback" and j[1]["comment"] == "set b" and j[6]["comment"] == "json rollback"' config versions
check 0 "^7\* " config versions

# Events: recent ones, and a follower that sees a new one as it happens.
check 0 "config_applied version=7" events -n 50
json_check 'any(e["type"] == "rule" and e["rule"]["id"] == 9001 for e in j)' events -n 200
timeout 5 "$CTL" --socket "$WORK/ctl.sock" --json events --follow >"$WORK/follow.out" 2>/dev/null &
fpid=$!
for ((i = 0; i < 50; i++)); do  # until bulwark-control has the follower
  ctl --json status | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["control"]["event_followers"] == 1 else 1)' && break
  sleep 0.1
done
ctl config rollback >/dev/null
for ((i = 0; i < 40; i++)); do grep -q '"type":"config_applied"' "$WORK/follow.out" && break; sleep 0.1; done
kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null || true
grep -q '"version":8' "$WORK/follow.out" || fail "events --follow did not stream the rollback: $(cat "$WORK/follow.out")"

# Rate limits: listed with their key, rate and burst; shown as limits.
check 0 "version 9 active" rules load "$HERE/../lab/rulesets/ratelimit.yaml" --add
check 0 "^7201 +customers API per API key +20/s burst 10 per api_key +respond +enforce +0" rules list
check 0 "^7202 +health per client address \(monitor\) +2/s burst 2 per client_ip +respond +monitor" rules list
check 0 "^limit 7201: customers API per API key" rules show 7201
json_check 'j["kind"] == "limit" and j["limit"] == {"key": ["api_key"], "rate": "20/s", "burst": 10, "scope": "global"}' rules show 7201

# Block list: bad input and exit codes (the lab test covers enforcement).
check 2 "" block add
check 2 "" block add --ip 198.18.0.9 --prefix 10.0.0.0/8
check 2 "not a duration" block add --ip 198.18.0.9 --ttl soon
check 1 "'198.18.0.300' is not an IPv4 or IPv6 address" block add --ip 198.18.0.300
check 0 "entry 1: respond prefix 203.0.113.0/24, expires .*in 3600s.*dataplane: applied" block add --prefix 203.0.113.7/24 --ttl 1h --action respond
check 1 "already blocked as entry 1" block add --prefix 203.0.113.0/24
check 0 "^1 +prefix +203.0.113.0/24 +respond" block list
json_check 'j["in_sync"] and j["entries"][0]["value"] == "203.0.113.0/24"' block list
check 4 "no block list entry 9" block remove 9
check 0 "entry 1 removed; dataplane: applied" block remove 1
check 0 "no entries" block list

kill -TERM "$dpid"; wait "$dpid" || fail "dataplane exit code $?"; dpid=
kill -TERM "$cpid"; wait "$cpid" || fail "bulwark-control exit code $?"; cpid=
((failures == 0)) || { echo "$failures failure(s)"; tail -n 20 "$WORK/control.log"; exit 1; }
echo "bulwarkctl: all subcommands checked"
