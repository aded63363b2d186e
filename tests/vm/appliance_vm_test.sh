#!/usr/bin/env bash
# The appliance in a VM: builds the disk image (appliance-image/build-image.sh) from the
# package tools/test.sh made of this build, with a signed bundle and a throwaway update
# key, boots it under qemu (TCG: software emulation; BULWARK_VM_ACCEL=kvm to try KVM)
# with two virtio data NICs bridged to a lab client and server namespace and a
# management NIC, logs in on the serial console as admin, and shows: the services come
# up by themselves; the dataplane drives the virtio NICs with DPDK (vfio-pci behind an
# emulated IOMMU); curl from the client reaches the origin through the VM; the fresh box
# only reports an attack (monitor), and blocks it once an enforcing configuration is
# committed; /metrics answers from the VM; bulwark-tuning-check passes on the tuned box;
# a killed dataplane is restarted by systemd.
#   appliance_vm_test.sh DEBDIR BULWARK_UPDATE
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: the VM test needs root"
  exit 77
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/appliance-image

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

if [[ -z ${VM_SERIAL:-} ]]; then
  # Outside the VM: the image, then run-vm.sh runs this script again with the VM up.
  DEBDIR=${1:?usage: appliance_vm_test.sh DEBDIR BULWARK_UPDATE}
  UPDATE=${2:?usage: appliance_vm_test.sh DEBDIR BULWARK_UPDATE}
  deb=$(ls "$DEBDIR"/bulwark_*_amd64.deb 2>/dev/null | head -1)
  [[ -n $deb ]] || fail "no bulwark_*_amd64.deb in $DEBDIR (appliance-image/build-packages.sh)"
  WORK=$(mktemp -d /var/tmp/bulwark-vmtest.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  openssl rand -hex 12 >"$WORK/admin.pw"
  openssl genpkey -algorithm ed25519 -out "$WORK/vendor.key" 2>/dev/null
  openssl pkey -in "$WORK/vendor.key" -pubout -out "$WORK/vendor.pem"
  "$UPDATE" sign --key "$WORK/vendor.key" -o "$WORK/bundle.tar" "$deb" >/dev/null
  t0=$(date +%s)
  bash "$HERE/build-image.sh" --out "$WORK/appliance.img" --bundle "$WORK/bundle.tar" \
    --update-key "$WORK/vendor.pem" --admin-password-file "$WORK/admin.pw" >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log"; fail "image build"; }
  pass "image built in $(($(date +%s) - t0)) s: $(grep -o 'wrote .*' "$WORK/build.log")"
  export VMT_PWFILE=$WORK/admin.pw VMT_WORK=$WORK
  set +e
  bash "$HERE/run-vm.sh" --image "$WORK/appliance.img" --lab "v$$" --accel "${BULWARK_VM_ACCEL:-tcg}" \
    --mgmt-port 19108 --timeout 1500 --workdir "$WORK/vm" -- bash "$0"
  rc=$?
  set -e
  if ((rc != 0)); then
    echo "--- console (last 60 lines)"
    tail -n 60 "$WORK/vm/console.log" 2>/dev/null | tr -d '\r'
  fi
  exit "$rc"
fi

# Inside run-vm.sh: the VM is starting; namespaces $LAB-c, $LAB-s, $LAB-vm exist.
origin_pid=
trap '[[ -n $origin_pid ]] && kill "$origin_pid" 2>/dev/null; true' EXIT
con() { python3 "$HERE/vm_console.py" --password-file "$VMT_PWFILE" --log "$VMT_WORK/driver.log" "$@"; }
sudo_run() { con --sudo --timeout "${T:-120}" -- "$*"; }
client() { ip netns exec "$LAB-c" "$@"; }
# Waits (at most a minute) for an ordinary request through the VM to get 200.
wait_http_200() {
  local i
  for ((i = 0; i < 30; i++)); do
    code=$(client curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://198.18.0.2/api/v1/products/7) || code=000
    [[ $code == 200 ]] && return 0
    sleep 2
  done
  fail "$1: HTTP $code"
}

ip netns exec "$LAB-s" python3 "$ROOT/tools/lab/origin.py" --port 80 >"$VMT_WORK/origin.log" 2>&1 &
origin_pid=$!
t0=$(date +%s)
con --wait-login 600 >/dev/null || fail "no login prompt on the console within 600 s"
pass "login prompt after $(($(date +%s) - t0)) s (qemu ${BULWARK_VM_ACCEL:-tcg})"

# 1. The services come up by themselves (Type=notify: active = ready).
up=
for ((i = 0; i < 60; i++)); do
  # is-active exits 0 when any one is active: every line must say so.
  out=$(T=60 sudo_run systemctl is-active bulwark-firstboot bulwark-control bulwark-dataplane) || true
  if [[ $(tr -d '\r' <<<"$out" | tr '\n' ' ') == "active active active " ]]; then
    up=1
    break
  fi
  sleep 5
done
[[ -n $up ]] || { T=60 sudo_run systemctl status --no-pager bulwark-dataplane bulwark-control || true; fail "services not active: $out"; }
pass "bulwark-firstboot, bulwark-control and bulwark-dataplane active $(($(date +%s) - t0)) s after boot began"
# Made on this box at this boot (the image build refuses to carry them).
fb=$(sudo_run journalctl -u bulwark-firstboot -b --no-pager -o cat)
grep -q "made the challenge key /etc/bulwark/challenge.key" <<<"$fb" && grep -q "wrote /etc/bulwark/dataplane.yaml" <<<"$fb" ||
  { echo "$fb"; fail "first boot did not make the key and dataplane.yaml"; }
pass "first boot made the challenge key and dataplane.yaml on the box"
upd=$(sudo_run bulwark-update status)
grep -q "^current: version [^ ]*, signed by /etc/bulwark/update-keys/vendor.pem" <<<"$upd" ||
  { echo "$upd"; fail "the image did not record its signed set"; }
pass "the image's signed set is the recorded current set (bulwark-update status)"

# 2. The dataplane drives the virtio NICs with DPDK.
devbind=$(sudo_run dpdk-devbind.py --status-dev net)
for p in 0000:00:04.0 0000:00:05.0; do
  grep -q "^$p .*drv=vfio-pci" <<<"$devbind" || { echo "$devbind"; fail "$p not bound to vfio-pci"; }
done
log=$(sudo_run journalctl -u bulwark-dataplane -b --no-pager -o cat)
for role in outside inside; do
  grep -q "$role port .*driver net_virtio" <<<"$log" || { echo "$log" | tail -20; fail "no $role port on net_virtio in the dataplane log"; }
done
grep -q "forwarding with 1 worker" <<<"$log" || fail "the dataplane log has no 'forwarding'"
pass "data NICs on vfio-pci; the dataplane's outside and inside ports are DPDK net_virtio, forwarding"

# 3. curl from the client namespace reaches the origin through the VM.
wait_http_200 "curl through the VM"
pass "curl from the client namespace through the VM's data ports: HTTP 200"

# 4. A fresh box reports an attack but lets it through (monitor mode) ...
attack=http://198.18.0.2/api/v1/products/9?q=1%20UNION%20SELECT%20password%20FROM%20users
origin_count() {  # requests for the attacked path that reached the origin
  client curl -sS -m 10 http://198.18.0.2/__origin/stats |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("GET /api/v1/products/9", 0))'
}
code=$(client curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$attack") || code=000
[[ $code == 200 ]] || fail "the fresh box did not pass the attack (HTTP $code): it must be in monitor mode"
[[ $(origin_count) == 1 ]] || fail "the attack in monitor mode did not reach the origin"
grep -q "mode: monitor" <<<"$(con -- bulwarkctl config show)" || fail "the initial configuration is not monitor mode"
ev=$(con -- bulwarkctl events -n 50)
grep -q "rule 300001 .*(monitor)" <<<"$ev" || { echo "$ev" | tail -5; fail "no monitor event for rule 300001"; }
pass "fresh box in monitor mode: the attack passed (200, at the origin) and was reported (rule 300001, monitor)"

# ... and blocks it (block: both sides reset) once an operator commits an enforcing
# configuration with bulwarkctl.
T=180 con --timeout 180 -- 'bulwarkctl config show | sed "s/mode: monitor/mode: as-written/" >/tmp/enforce.yaml && bulwarkctl config edit --file /tmp/enforce.yaml && bulwarkctl config commit --comment "enforce"' >/dev/null ||
  fail "committing the enforcing configuration"
rc=0
client curl -s -o /dev/null --max-time 10 "$attack" || rc=$?
[[ $rc == 52 || $rc == 56 ]] || fail "after the enforcing commit the attack was not reset (curl exit $rc)"
[[ $(origin_count) == 1 ]] || fail "the blocked attack reached the origin"
code=$(client curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://198.18.0.2/api/v1/products/7)
[[ $code == 200 ]] || fail "an ordinary request after the commit: HTTP $code"
ev=$(con -- bulwarkctl events -n 20)
last=$(grep 'rule 300001' <<<"$ev" | tail -1)
[[ $last == *block* && $last != *monitor* ]] || { echo "$ev" | tail -5; fail "no enforced block event for rule 300001"; }
pass "enforcing configuration committed: the attack is reset (curl exit $rc) and never reaches the origin; ordinary requests pass"

# 5. /metrics answers from the VM (management NIC).
metrics=$(ip netns exec "$LAB-vm" curl -s --max-time 20 http://127.0.0.1:19108/metrics) || fail "/metrics did not answer"
grep -q '^bulwark_dataplane_up 1' <<<"$metrics" || fail "/metrics: bulwark_dataplane_up is not 1"
blocked=$(awk -F' ' '/^bulwark_http_request_verdicts_total\{verdict="block"\}/ {print $2}' <<<"$metrics")
[[ ${blocked%.*} -ge 1 ]] 2>/dev/null || fail "/metrics: no blocked request counted ($blocked)"
pass "/metrics from the VM: dataplane up, $blocked request(s) blocked"

# 6. The tuning checker passes on the tuned box.
tuning=$(T=60 sudo_run bulwark-tuning-check) || { echo "$tuning"; fail "bulwark-tuning-check FAILs on the tuned VM"; }
for c in hugepages hugetlbfs isolated-cores nohz_full rcu_nocbs iommu nic-binding default-irq-affinity sysctl; do
  grep -Eq "^ok +$c:" <<<"$tuning" || { echo "$tuning"; fail "tuning check $c is not ok on the tuned VM"; }
done
# The VM's disk has a queue per vCPU: its managed IRQ on the worker CPU is reported as a
# warning (it fires only for I/O from that CPU), never as a failure.
grep -Eq "^(ok|warn) +irq-affinity:" <<<"$tuning" || { echo "$tuning"; fail "irq-affinity on the tuned VM"; }
pass "bulwark-tuning-check on the tuned VM: no FAIL ($(grep -c '^ok' <<<"$tuning") ok, $(grep -c '^warn' <<<"$tuning") warn)"

# 7. A dataplane that dies is restarted by systemd, and traffic flows again.
dp_state() { sudo_run systemctl show -p NRestarts -p MainPID -p ActiveState bulwark-dataplane | tr -d '\r'; }
before=$(dp_state)
pid0=$(sed -n 's/^MainPID=//p' <<<"$before") n0=$(sed -n 's/^NRestarts=//p' <<<"$before")
[[ $pid0 =~ ^[1-9][0-9]*$ && $n0 =~ ^[0-9]+$ ]] || fail "dataplane state: $before"
sudo_run kill -9 "$pid0" >/dev/null
restarted=
for ((i = 0; i < 60; i++)); do
  sleep 3
  st=$(dp_state)
  pid=$(sed -n 's/^MainPID=//p' <<<"$st") n=$(sed -n 's/^NRestarts=//p' <<<"$st")
  if [[ $n == $((n0 + 1)) && $pid != "$pid0" && $pid != 0 && $st == *ActiveState=active* ]]; then
    restarted=1
    break
  fi
done
[[ -n $restarted ]] || fail "the killed dataplane was not restarted: $st"
wait_http_200 "after the restart"
pass "a killed dataplane (PID $pid0) is restarted by systemd (NRestarts $n0 -> $n, PID $pid) and traffic flows again"
echo "VM test: all checks passed"
