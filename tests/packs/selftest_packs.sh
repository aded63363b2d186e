#!/usr/bin/env bash
# Every shipped rule pack compiles, every rule has a hit and a miss test request, and
# each behaves as its tests say (bulwark-rules selftest).
set -euo pipefail
tool=$1 packs=$2
out=$("$tool" selftest "$packs"/*.yaml)
echo "$out"
[[ $out == *" 0 failed, 0 rules without both hit and miss tests" ]]
