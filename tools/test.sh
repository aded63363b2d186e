#!/usr/bin/env bash
# The README's test command: sets the machine up (tools/setup.sh), builds two trees and
# runs every test:
#   build      release (the packaged binaries): unit, rules, style, offline, cli, lab,
#              package (a clean Debian root) and vm (the appliance image under qemu)
#   build-san  clang, ASan+UBSan, its libraries also carrying libFuzzer's coverage
#              instrumentation: the unit, offline, rules and cli suites under the
#              sanitizers, and each libFuzzer target FUZZ_SECONDS (30) on its seed corpus
# Ends with one line "N passed, N failed" (every meson test of both trees, plus each build
# step that failed); exits non-zero if anything failed.
#
# Schedule, for a 2-core machine (each phase prints its duration as it ends; the table
# before the last line has them all; phase logs are in build-logs/):
#   1. setup, release build, packages (everything after needs them)
#   2. three lanes at once:
#      A  release suites, then the lab suite, at normal priority: the lab's dataplanes
#         busy-poll pinned CPUs and its checks count packets and rates;
#      B  the package test, then the VM test, at nice 10: mostly waiting on downloads,
#         dpkg and qemu's boot;
#      C  the sanitizer build at nice 19: it gets the CPU that A and B leave idle.
#   3. when A and C are done: the sanitizer suites (their dataplanes pin CPUs 0 and 1,
#      so never beside the lab), then the fuzz targets, two at a time.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
LOGS=$ROOT/build-logs
T0=$(date +%s)

rm -rf "$LOGS"
mkdir -p "$LOGS"
# Written by every lane (one short line per append), read at the end.
PHASES=$LOGS/phases.tsv  # name, start and duration in seconds, exit code, kind
TESTLOGS=$LOGS/testlogs  # the meson JSON log of each test phase that ran
: >"$PHASES"
: >"$TESTLOGS"

mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
# phase build|test NAME CMD...: runs CMD with its output in build-logs/NAME.log, prints
# its duration (and the log's end if it failed), records it for the table.
phase() {
  local kind=$1 name=$2 rc=0 start end
  shift 2
  local log=$LOGS/$(tr -c 'A-Za-z0-9\n' - <<<"$name").log
  start=$(date +%s)
  echo "=== $name: started at $(mmss $((start - T0)))"
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  end=$(date +%s)
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" $((start - T0)) $((end - start)) "$rc" "$kind" >>"$PHASES"
  if ((rc == 0)); then
    echo "=== $name: ok in $(mmss $((end - start)))"
  else
    echo "*** $name: FAILED (exit $rc) in $(mmss $((end - start))); the end of $log:"
    tail -n 80 "$log" | sed 's/^/    /'
  fi
  return "$rc"
}
# meson_tests NAME BUILD LOGBASE [meson test args]: one test phase with its own log
# (lanes test one tree side by side, so each run names its log).
meson_tests() {
  local name=$1 build=$2 base=$3
  shift 3
  echo "$build/meson-logs/$base.json" >>"$TESTLOGS"
  phase test "$name" meson test -C "$build" --no-rebuild --print-errorlogs --logbase "$base" "$@"
}

# 1. Setup, release build and its packages (the package and VM tests install them).
phase build "setup" bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
release_ok=0
if phase build "build (release)" ninja -C build &&
  phase build "packages" bash appliance-image/build-packages.sh --prebuilt build --out build/deb; then
  release_ok=1
fi

# 2. Lanes.
lane_a() {
  # Every suite but lab, package and vm (unit, rules, style, offline, cli).
  meson_tests "release: unit rules style offline cli" build release-fast --num-processes 2 \
    --no-suite lab --no-suite package --no-suite vm
  meson_tests "release: lab" build release-lab --num-processes 1 --suite lab
}
lane_b() {
  renice -n 10 -p "$BASHPID" >/dev/null
  meson_tests "release: package" build release-package --suite package
  meson_tests "release: vm" build release-vm --suite vm
}
lane_c() {
  renice -n 19 -p "$BASHPID" >/dev/null
  # clang for libFuzzer; the release build's installed paths; -O1 and line tables, the
  # usual sanitizer setting (quick to build and run, symbolised stack traces).
  if [[ ! -f build-san/build.ninja ]]; then
    phase build "configure (sanitizers)" env CC=clang CXX=clang++ meson setup build-san \
      -Dprefix=/usr -Dsysconfdir=/etc -Dlocalstatedir=/var -Dbuildtype=debugoptimized \
      -Doptimization=1 -Db_lundef=false -Db_sanitize=address,undefined -Dfuzz=true \
      "-Dcpp_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all -gline-tables-only" ||
      return 1
  fi
  phase build "build (sanitizers)" ninja -C build-san
}
pid_a= pid_b=
if ((release_ok)); then
  lane_a &
  pid_a=$!
  lane_b &
  pid_b=$!
fi
lane_c &
pid_c=$!
san_ok=1
wait "$pid_c" || san_ok=0
[[ -n $pid_a ]] && wait "$pid_a"

# 3. Under the sanitizers, once no lab runs beside them; then the fuzz targets (each one
# process on one core: two at a time).
if ((san_ok)); then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson_tests "sanitizers: unit offline rules cli" build-san san --num-processes 2 \
    --suite unit --suite offline --suite rules --suite cli
  meson_tests "fuzz: ${FUZZ_SECONDS} s per target" build-san fuzz --num-processes 2 --suite fuzz
fi
[[ -n $pid_b ]] && wait "$pid_b"

# Table of the phases, then the summary line.
failed_steps=$(awk -F'\t' '$5 == "build" && $4 != 0' "$PHASES" | wc -l)
echo
printf '%-40s %7s %9s  %s\n' phase start duration result
sort -t$'\t' -k2,2n "$PHASES" | while IFS=$'\t' read -r name start dur rc kind; do
  printf '%-40s %7s %9s  %s\n' "$name" "$(mmss "$start")" "$(mmss "$dur")" \
    "$( ((rc == 0)) && echo ok || echo "FAILED (exit $rc)")"
done
printf '%-40s %7s %9s\n' "total" "" "$(mmss $(($(date +%s) - T0)))"
mapfile -t logs <"$TESTLOGS"
python3 tools/test_summary.py --failed-steps "$failed_steps" "${logs[@]}"
