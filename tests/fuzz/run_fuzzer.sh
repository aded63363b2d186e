#!/usr/bin/env bash
# Runs one libFuzzer target for FUZZ_SECONDS (default 30) on its seed corpus. New
# inputs go to a temporary directory so the committed corpus stays as it is; a crash
# input is kept beside the target (build-san/tests/fuzz/) and the test fails.
set -euo pipefail
fuzzer=$1 seeds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# libFuzzer's own exit codes for a crash (77) and a timeout (70) are not used: meson
# reads 77 as "skipped", which hid a crash once.
TMPDIR=$work "$fuzzer" -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -artifact_prefix="$(dirname "$fuzzer")/crash-$(basename "$fuzzer")-" -print_final_stats=1 \
  "$work" "$seeds"
