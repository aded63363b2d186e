#!/bin/bash
# Boot an appliance image (without the product) and prove the platform: login on
# the serial console, hugepages, isolated CPUs, IOMMU groups, the data NICs bound
# to vfio-pci, and dpdk-testpmd (io forwarding, port 0 <-> 1) carrying an HTTP
# request from the lab client namespace to the lab server through the VM.
# Usage: smoke-test.sh --image FILE --admin-password-file FILE [run-vm.sh options]
# Run as root. Needs an image whose admin password is in the given file.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ -z ${VM_SERIAL:-} ]]; then
  image= pwfile= args=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --image) image=$2; shift 2 ;;
      --admin-password-file) pwfile=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  [[ -n $image && -r $pwfile ]] || { echo "usage: $0 --image FILE --admin-password-file FILE [run-vm options]" >&2; exit 2; }
  export SMOKE_PWFILE=$pwfile
  exec "$here/run-vm.sh" --image "$image" "${args[@]}" -- "$0"
fi

# Inside run-vm.sh: the VM is starting.
con() { python3 "$here/vm_console.py" --password-file "$SMOKE_PWFILE" --log "$VM_WORKDIR/driver.log" "$@"; }
step() { echo; echo "=== $*"; }
http_pid=
cleanup() { [[ -n $http_pid ]] && kill "$http_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

step "wait for login prompt"
con --wait-login 600
echo "qemu start to login prompt: $(awk -v s="$VM_START_EPOCH" -v n="$(date +%s.%N)" 'BEGIN{printf "%.1f s", n-s}')"

step "platform"
con --login-timeout 300 -- 'cat /proc/cmdline; grep Huge /proc/meminfo; echo isolated=$(cat /sys/devices/system/cpu/isolated);
  echo iommu_groups=$(ls /sys/kernel/iommu_groups | wc -l); lsmod | grep -E "^vfio"; hostnamectl hostname 2>/dev/null || hostname;
  /usr/sbin/sysctl kernel.panic kernel.panic_on_oops vm.swappiness kernel.numa_balancing; ip -br addr; id; systemctl is-system-running'
con --sudo --timeout 60 -- 'for d in 0000:00:03.0 0000:00:04.0 0000:00:05.0; do echo "$d group $(basename $(readlink /sys/bus/pci/devices/$d/iommu_group))"; done; dmesg | grep -i -E "DMAR|iommu" | head -5'

step "bind data NICs to vfio-pci"
con --sudo --timeout 120 -- 'dpdk-devbind.py -b vfio-pci 0000:00:04.0 0000:00:05.0 && dpdk-devbind.py -s | head -12'

step "start dpdk-testpmd (io forwarding)"
con --sudo --timeout 60 -- 'rm -f /tmp/testpmd.log; (timeout 600 dpdk-testpmd -l 0-1 -n 1 -a 0000:00:04.0 -a 0000:00:05.0 -- --forward-mode=io --auto-start --stats-period=10 --total-num-mbufs=8192 </dev/null >/tmp/testpmd.log 2>&1 &); sleep 1; echo started'
con --sudo --timeout 300 -- 'for i in $(seq 120); do grep -q "Port statistics" /tmp/testpmd.log && break; grep -q -i -E "EAL: Error|Cause:|panic" /tmp/testpmd.log && break; sleep 2; done; cat /tmp/testpmd.log | head -60'

step "HTTP through the VM: ${LAB}-c 198.18.0.1 -> ${LAB}-s 198.18.0.2:8080"
mkdir -p "$VM_WORKDIR/www"; echo "hello through bulwark" > "$VM_WORKDIR/www/index.html"
ip netns exec "$LAB-s" python3 -m http.server --bind 198.18.0.2 --directory "$VM_WORKDIR/www" 8080 \
  >"$VM_WORKDIR/http.log" 2>&1 &
http_pid=$!
for _ in $(seq 50); do ip netns exec "$LAB-s" ss -ltn | grep -q 198.18.0.2:8080 && break; sleep 0.1; done
ok=0
for i in $(seq 10); do
  t0=$(date +%s.%N)
  if body=$(ip netns exec "$LAB-c" curl -sS --max-time 15 http://198.18.0.2:8080/index.html); then
    echo "curl attempt $i: '$body' in $(awk -v s="$t0" -v n="$(date +%s.%N)" 'BEGIN{printf "%.2f s", n-s}')"
    [[ $body == "hello through bulwark" ]] && { ok=1; break; }
  fi
  sleep 3
done
ip netns exec "$LAB-c" ip neigh show dev c0

step "testpmd counters"
con --sudo --timeout 60 -- 'sleep 11; tail -n 30 /tmp/testpmd.log'

if (( ok )); then echo; echo "SMOKE TEST PASSED"; exit 0; fi
echo; echo "SMOKE TEST FAILED: no HTTP reply through the VM"; exit 1
