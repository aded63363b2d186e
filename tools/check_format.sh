#!/usr/bin/env bash
# Fails if any tracked or new C++ file differs from what clang-format makes of it.
set -euo pipefail
cd "$1"
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' 2>/dev/null || find dataplane control tests tools -name '*.cc' -o -name '*.h')
clang-format --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
