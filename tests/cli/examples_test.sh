#!/usr/bin/env bash
# Every documented example runs: the "Examples:" of each program's (and subcommand's)
# --help, bulwark-dataplane's "e.g." option values, and each command of README.md's
# ```sh blocks (tests/cli/extract_examples.py collects them). Each runs as written, with
# the programs under their installed names on PATH, in a directory that holds the
# repository's top-level entries (rules/packs/*.yaml resolves; files the examples write
# stay there), against a real bulwark-control (BULWARK_SOCKET) with an offline dataplane
# replaying HTTP requests, and must exit as it implies: 0, unless its comment says
# "exit N" or the help of what it calls documents other codes; a --follow example must
# keep running until Ctrl-C. Usage notation (FILE, [--option]) fails: the docs must
# show commands that run. tools/demo.sh runs from the repository (it tears its lab down
# itself) when this tree is the build it uses; tools/test.sh is this test's own caller
# and is not run.
#   examples_test.sh CONTROL BULWARKCTL DATAPLANE RULES STATSDUMP TUNING_CHECK UPDATE
# Root (DPDK; the demo's lab); no hugepages for the offline dataplane.
set -uo pipefail
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: the examples need root (DPDK, the demo's network namespaces)"
  exit 77
fi
CONTROL=$1 CTL=$2 DP=$3 RULES=$4 STATSDUMP=$5 TUNING=$6 UPDATE=$7
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d)
SHM=/bw-ex-$$
source "$HERE/offline_appliance.sh"
cleanup() {
  stop_appliance
  rm -rf "$WORK" "/dev/shm/${SHM#/}"
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }

# The programs under their installed names.
BIN=$WORK/bin
mkdir -p "$BIN"
for p in "bulwark-control=$CONTROL" "bulwarkctl=$CTL" "bulwark-dataplane=$DP" "bulwark-rules=$RULES" \
  "bulwark-statsdump=$STATSDUMP" "bulwark-tuning-check=$TUNING" "bulwark-update=$UPDATE"; do
  ln -s "$(realpath "${p#*=}")" "$BIN/${p%%=*}"
done
programs=()
for f in "$BIN"/*; do programs+=("$(basename "$f")=$f"); done

# Where the examples run: the repository's entries, linked, and the files examples name
# that a reader would have at hand.
CWD=$WORK/cwd
mkdir -p "$CWD"
for e in "$ROOT"/*; do ln -s "$e" "$CWD/"; done
# bulwarkctl rules test --request req.txt --crlf: a request typed with bare LFs.
printf 'GET /api/v1/customers/3 HTTP/1.1\nHost: 198.18.0.2\nUser-Agent: BadBot/1.0\n\n' >"$CWD/req.txt"
# bulwarkctl api diff openapi.yaml: the organisation's spec of the lab origin's API.
cat >"$CWD/openapi.yaml" <<'YAML'
openapi: 3.0.3
info: {title: lab origin, version: "1"}
paths:
  /api/v1/customers/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: a customer}}
YAML
# $EDITOR for `bulwarkctl config edit`: the operator switches rules to monitor mode.
cat >"$WORK/editor.sh" <<'SH'
#!/bin/sh
sed -i 's/^  mode: as-written$/  mode: monitor/' "$1"
SH
chmod +x "$WORK/editor.sh"

# bulwark-control and an offline dataplane replaying HTTP requests, so that status,
# rules, events and api have something to show.
write_appliance_files
start_control || die "bulwark-control did not start"
start_offline_dataplane || die "the dataplane did not connect to bulwark-control"

python3 "$HERE/extract_examples.py" --programs "${programs[@]}" --readme "$ROOT/README.md" \
  >"$WORK/examples" || die "collecting the examples"

failures=0 ran=0 notrun=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
short() { head -n1 <<<"$1" | cut -c1-110; }
in_examples_env() {
  (cd "$CWD" && env PATH="$BIN:$PATH" BULWARK_SOCKET="$WORK/ctl.sock" EDITOR="$WORK/editor.sh" "$@")
}
# run_example ORIGIN CODES CMD: runs it (2 minutes at most); its exit code must be in CODES.
run_example() {
  local origin=$1 codes=$2 cmd=$3 rc=0
  in_examples_env timeout 120 bash -c "$cmd" >"$WORK/out" 2>&1 </dev/null || rc=$?
  ran=$((ran + 1))
  if [[ ,$codes, == *,$rc,* ]]; then
    echo "ok: $origin: $(short "$cmd") (exit $rc)"
  else
    fail "$origin: $(short "$cmd"): exit $rc, want ${codes//,/ or }: $(tail -c 800 "$WORK/out")"
  fi
}
# stream_example ORIGIN CODES CMD: must still run after 2 s; then Ctrl-C (SIGINT) ends it.
stream_example() {
  local origin=$1 codes=$2 cmd=$3 rc=0 pid
  # exec all the way down: $! is the command itself, and setsid (no fork: a background
  # job is no group leader) makes it the leader of its own group, as a terminal would.
  (cd "$CWD" && exec env PATH="$BIN:$PATH" BULWARK_SOCKET="$WORK/ctl.sock" EDITOR="$WORK/editor.sh" \
    setsid bash -c "$cmd") >"$WORK/out" 2>&1 </dev/null &
  pid=$!
  sleep 2
  ran=$((ran + 1))
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || rc=$?
    fail "$origin: $(short "$cmd"): ended by itself (exit $rc) instead of running until Ctrl-C: $(tail -c 800 "$WORK/out")"
    return
  fi
  kill -INT -- "-$pid"  # Ctrl-C: SIGINT to the foreground group
  wait "$pid" || rc=$?
  if [[ ,$codes, == *,$rc,* ]]; then
    echo "ok: $origin: $(short "$cmd") (ran until Ctrl-C, exit $rc)"
  else
    fail "$origin: $(short "$cmd"): exit $rc after Ctrl-C, want ${codes//,/ or }: $(tail -c 800 "$WORK/out")"
  fi
}

# Examples against bulwark-control and the dataplane first; the demo, which brings up a
# lab of its own, after they stop.
later=()
while IFS= read -r -d '' origin && IFS= read -r -d '' kind && IFS= read -r -d '' codes &&
  IFS= read -r -d '' cmd; do
  case $kind in
    run) run_example "$origin" "$codes" "$cmd" ;;
    stream) stream_example "$origin" "$codes" "$cmd" ;;
    placeholder) fail "$origin: $(short "$cmd"): cannot run as written ($codes)" ;;
    ci)
      echo "not run: $origin: $(short "$cmd") (the CI command: it runs this test)"
      notrun=$((notrun + 1))
      ;;
    demo) later+=("$origin" "$codes" "$cmd") ;;
    *) fail "$origin: unknown kind $kind" ;;
  esac
done <"$WORK/examples"
stop_appliance || fail "bulwark-control or the dataplane did not exit 0 on SIGTERM"

for ((k = 0; k < ${#later[@]}; k += 3)); do
  origin=${later[k]} codes=${later[k + 1]} cmd=${later[k + 2]}
  # tools/demo.sh builds and runs $ROOT/build: run it where that is the tree under test.
  if [[ $(realpath "$CTL") != "$(realpath -m "$ROOT/build/control/bulwarkctl")" ]]; then
    echo "not run: $origin: $(short "$cmd") (it runs $ROOT/build, not this tree: that tree's run of this test runs it)"
    notrun=$((notrun + 1))
    continue
  fi
  rc=0
  (cd "$ROOT" && timeout 400 bash -c "$cmd") >"$WORK/out" 2>&1 </dev/null || rc=$?
  ran=$((ran + 1))
  if [[ ,$codes, == *,$rc,* ]]; then
    echo "ok: $origin: $(short "$cmd") (exit $rc)"
  else
    fail "$origin: $(short "$cmd"): exit $rc, want $codes: $(tail -c 1500 "$WORK/out")"
  fi
done

echo "examples: $ran run, $failures failed, $notrun not run"
((failures == 0))
