#!/usr/bin/env bash
# bulwark-tuning-check against this machine (an untuned build/CI box: no isolated CPUs,
# so exit 1 with a FAIL line for isolated cores), --print-cmdline, --json, and bad
# command lines or configurations (exit 2 with a message). No root needed, no network.
# Usage: tuning_check_test.sh BULWARK_TUNING_CHECK
set -euo pipefail
BIN=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# check RC PATTERN ARGS...: exit code RC and PATTERN (grep -E) in stdout+stderr.
check() {
  local want=$1 text=$2 rc=0
  shift 2
  "$BIN" "$@" >"$WORK/out" 2>&1 || rc=$?
  if ((rc != want)); then
    fail "bulwark-tuning-check $* exited $rc, not $want: $(head -c 800 "$WORK/out")"
  elif [[ -n $text ]] && ! grep -qE -- "$text" "$WORK/out"; then
    fail "bulwark-tuning-check $*: no '$text' in: $(head -c 800 "$WORK/out")"
  fi
}

cat >"$WORK/dp.yaml" <<'YAML'
ports:
  outside: net_af_packet0,iface=out0
  inside: net_af_packet1,iface=in0
cores: {main: 0, workers: [1]}
YAML

if [[ -n $(tr -d '[:space:]' </sys/devices/system/cpu/isolated 2>/dev/null) ]]; then
  echo "this machine has isolated CPUs; the untuned-machine checks are skipped"
else
  check 1 '^FAIL  isolated-cores: worker cores 1 not isolated' -c "$WORK/dp.yaml"
  check 1 '^  fix: add .isolcpus=managed_irq,domain,1' -c "$WORK/dp.yaml"
  check 1 '^ok    iommu: not needed \(virtual devices\)' -c "$WORK/dp.yaml"
  check 1 '[0-9]+ FAIL, [0-9]+ warn, [0-9]+ ok' -c "$WORK/dp.yaml"
  # --json: an array of {check, status, detail, fix}, isolated-cores failing.
  rc=0
  "$BIN" --json -c "$WORK/dp.yaml" >"$WORK/out.json" || rc=$?
  ((rc == 1)) || fail "--json exited $rc, not 1"
  python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
iso = [r for r in j if r["check"] == "isolated-cores"]
assert iso and iso[0]["status"] == "fail" and iso[0]["fix"], iso
assert all(set(r) == {"check", "status", "detail", "fix"} for r in j), j
' "$WORK/out.json" || fail "--json output: $(head -c 800 "$WORK/out.json")"
fi

# The kernel command line for workers [1], main 0: irqaffinity= is the present CPUs but 1.
check 0 '^default_hugepagesz=2M hugepagesz=2M hugepages=256 isolcpus=managed_irq,domain,1 nohz_full=1 rcu_nocbs=1 irqaffinity=0(,[0-9,-]+)? intel_iommu=on iommu=pt$' \
  -c "$WORK/dp.yaml" --print-cmdline
mkdir -p "$WORK/root/sys/devices/system/cpu"
echo 0-3 >"$WORK/root/sys/devices/system/cpu/present"
check 0 '^default_hugepagesz=2M hugepagesz=2M hugepages=512 isolcpus=managed_irq,domain,1 nohz_full=1 rcu_nocbs=1 irqaffinity=0,2-3 intel_iommu=on iommu=pt$' \
  -c "$WORK/dp.yaml" --root "$WORK/root" --min-hugepages-mb 1024 --print-cmdline

# Bad command lines and configurations: exit 2, the message names the file and reason.
check 2 'no-such-option' -c "$WORK/dp.yaml" --no-such-option
check 2 'min-hugepages-mb' -c "$WORK/dp.yaml" --min-hugepages-mb lots
check 2 'root' -c "$WORK/dp.yaml" --root "$WORK/missing-dir"
check 2 "cannot read $WORK/missing.yaml: No such file or directory" -c "$WORK/missing.yaml"
printf 'cores: {main: 0, workers: [1]\n' >"$WORK/broken.yaml"
check 2 "$WORK/broken.yaml:[0-9]+" -c "$WORK/broken.yaml"
printf 'cores: {main: 1, workers: [1]}\n' >"$WORK/same.yaml"
check 2 "$WORK/same.yaml: worker core 1 is also the main core" -c "$WORK/same.yaml"
mkdir "$WORK/dir.yaml"
check 2 "cannot read $WORK/dir.yaml" -c "$WORK/dir.yaml"
check 0 'Exit codes' --help

if ((failures)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "bulwark-tuning-check: all checks passed"
