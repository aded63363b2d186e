#!/usr/bin/env bash
# The README's test command: sets the machine up (tools/setup.sh), builds, and runs
# every test: unit, offline pcap and lab tests (release build), the same unit and
# offline tests under ASan+UBSan, and each libFuzzer target briefly on its seed corpus.
# Ends with one line "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

failed_steps=0
step() {  # step NAME CMD...: runs a build step, counts it as failed if it fails
  local name=$1
  shift
  echo "=== $name"
  if ! "$@"; then
    echo "*** step failed: $name"
    failed_steps=$((failed_steps + 1))
    return 1
  fi
}

# Release build: every suite. Its binaries are packaged first (build/deb): the package
# test installs that .deb in a clean root, and the appliance image is built with it.
if step "build (release)" ninja -C build; then
  step "packages" bash appliance-image/build-packages.sh --prebuilt build --out build/deb
  step "tests (release)" meson test -C build --print-errorlogs --num-processes 2
fi

# ASan + UBSan build: unit, offline, rules and cli suites (lab tests run the release build).
if [[ ! -f build-asan/build.ninja ]]; then
  meson setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize-recover=all >/dev/null
fi
if step "build (asan+ubsan)" ninja -C build-asan; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    step "tests (asan+ubsan)" meson test -C build-asan --print-errorlogs --num-processes 2 \
    --suite unit --suite offline --suite rules --suite cli
fi

# libFuzzer targets (clang), each run FUZZ_SECONDS on its seed corpus.
if [[ ! -f build-fuzz/build.ninja ]]; then
  # Libraries get coverage instrumentation and sanitizers; fuzz targets add libFuzzer.
  CC=clang CXX=clang++ meson setup build-fuzz -Dbuildtype=debugoptimized -Dfuzz=true \
    -Dtests=false -Db_lundef=false \
    -Dcpp_args=-fsanitize=fuzzer-no-link,address,undefined \
    -Dcpp_link_args=-fsanitize=address,undefined >/dev/null
fi
if step "build (fuzz)" ninja -C build-fuzz; then
  # Two at a time: each target is one process on one core.
  FUZZ_SECONDS=$FUZZ_SECONDS step "fuzz" meson test -C build-fuzz --print-errorlogs \
    --num-processes 2 --suite fuzz
fi

python3 tools/test_summary.py build build-asan build-fuzz --failed-steps "$failed_steps"
