#!/usr/bin/env bash
# The README's first command: sets the machine up, builds, brings up the lab (client,
# appliance, origin in network namespaces), starts bulwark-dataplane between them and
# shows traffic going through it: curl over IPv4 and IPv6, a login that fails and one
# that works, a short wrk run, then the appliance's own counters. Tears the lab down at
# the end unless --keep is given (then: LAB=demo tools/lab/lab.sh down).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KEEP=0
[[ ${1:-} == --keep ]] && KEEP=1
export LAB=demo
LABSH="$ROOT/tools/lab/lab.sh"

bash tools/setup.sh
ninja -C build >/dev/null
((KEEP)) || trap '"$LABSH" down' EXIT
"$LABSH" up
"$LABSH" start-dataplane --main-core 0 --workers 1

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
say "the appliance's counters (bulwark-statsdump --shm /demo-stats)"
build/tools/bulwark-statsdump --shm /demo-stats | python3 tools/lab/stats_summary.py
if ((KEEP)); then
  echo; echo "lab left up: LAB=demo tools/lab/lab.sh client curl http://198.18.0.2/ ; LAB=demo tools/lab/lab.sh down"
fi
