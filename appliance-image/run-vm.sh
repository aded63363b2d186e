#!/bin/bash
# Boot an appliance image in qemu, wired into lab network namespaces:
#   ${LAB}-c  client, c0 198.18.0.1/24 --veth-- brout + tapout (VM data NIC 0000:00:04.0)
#   ${LAB}-s  server, s0 198.18.0.2/24 --veth-- brin  + tapin  (VM data NIC 0000:00:05.0)
#   ${LAB}-vm holds the bridges and taps; qemu runs there. Management NIC
#             0000:00:03.0 is qemu user networking (restrict=on, 198.19.255.0/24),
#             guest port 9108 forwarded to 127.0.0.1:MGMT_PORT inside ${LAB}-vm.
# Nothing in the root namespace is touched. Everything (qemu by PID, namespaces,
# temp files) is removed on exit. The image is never modified (-snapshot) unless
# --persist. With "-- CMD ...", CMD runs once the VM has started (environment:
# LAB, VM_SERIAL, VM_MONITOR, VM_CONSOLE_LOG, VM_MGMT_PORT, VM_START_EPOCH,
# VM_QEMU_PID, VM_WORKDIR) and the
# VM is torn down when CMD ends; CMD's exit status is returned. Run as root.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: $0 --image FILE [options] [-- CMD ARGS...]
  --image FILE        raw disk image (required)
  --lab NAME          namespace prefix (default bw)
  --accel tcg|kvm|auto  default tcg (auto: kvm when a probe VM starts)
  --cpu MODEL         qemu CPU model (default max; under KVM max,-arch-capabilities:
                      nested KVM refuses MSR 0x10a). DPDK needs SSE4.2
  --no-iommu          no emulated intel-iommu (guest vfio then needs noiommu mode)
  --mgmt-port PORT    host side of the guest's :9108 in ${LAB:-bw}-vm (default 19108)
  --timeout SECONDS   kill the VM after this long (default 1800)
  --persist           write to the image (default: -snapshot, changes discarded)
  --workdir DIR       keep serial socket/console log here (default: temp dir, removed)
USAGE
}
die() { echo "run-vm: error: $*" >&2; exit 1; }

image= cpu= lab=bw accel=tcg iommu=1 mgmt_port=19108 timeout=1800 persist=0 workdir=
while [[ $# -gt 0 ]]; do
  case $1 in
    --image) image=${2:?}; shift 2 ;;
    --lab) lab=${2:?}; shift 2 ;;
    --cpu) cpu=${2:?}; shift 2 ;;
    --accel) accel=${2:?}; shift 2 ;;
    --no-iommu) iommu=0; shift ;;
    --mgmt-port) mgmt_port=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    --persist) persist=1; shift ;;
    --workdir) workdir=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n $image ]] || { usage >&2; die "--image is required"; }
[[ -r $image ]] || die "cannot read $image"
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ $lab =~ ^[a-z0-9]{1,8}$ ]] || die "--lab must be 1-8 lowercase letters/digits"
ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[[ -r $ovmf_code && -r $ovmf_vars ]] || die "OVMF not found (apt-get install ovmf)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

if [[ $accel == auto ]]; then
  accel=tcg
  # Probe: boot the CPU model briefly (no disk) and quit from the monitor.
  if [[ -w /dev/kvm ]] && echo quit | timeout 20 qemu-system-x86_64 -accel kvm -machine q35 \
      -cpu "${cpu:-max,-arch-capabilities}" -display none -nodefaults -monitor stdio -serial none \
      >/dev/null 2>&1; then
    accel=kvm
  fi
fi
case $accel in kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg" ;; esac
if [[ -z $cpu ]]; then
  if [[ $accel == kvm ]]; then cpu=max,-arch-capabilities; else cpu=max; fi
fi

ns_c=$lab-c ns_s=$lab-s ns_vm=$lab-vm
keep_workdir=1
if [[ -z $workdir ]]; then workdir=$(mktemp -d /tmp/bulwark-vm.XXXXXX); keep_workdir=0; fi
mkdir -p "$workdir"
qemu_pid=
created_ns=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill "$qemu_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  [[ -n ${watchdog_pid:-} ]] && kill "$watchdog_pid" 2>/dev/null || true
  # Only the namespaces this run made: a clash with another lab must not remove its.
  for ns in "${created_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -f "$workdir/OVMF_VARS.fd" "$workdir/serial.sock" "$workdir/monitor.sock" "$workdir/qemu.pid"
  (( keep_workdir )) || rm -rf "$workdir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

existing=$(ip netns list | cut -d' ' -f1)
for ns in "$ns_c" "$ns_s" "$ns_vm"; do
  ! grep -qx "$ns" <<<"$existing" || die "namespace $ns already exists (another lab running? ip netns del $ns)"
done
for ns in "$ns_c" "$ns_s" "$ns_vm"; do
  ip netns add "$ns"
  created_ns+=("$ns")
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
vm() { ip -n "$ns_vm" "$@"; }
vm link add c0 type veth peer name c0-br
vm link set c0 netns "$ns_c"
vm link add s0 type veth peer name s0-br
vm link set s0 netns "$ns_s"
vm tuntap add dev tapout mode tap
vm tuntap add dev tapin mode tap
for br in brout brin; do
  vm link add "$br" type bridge stp_state 0 forward_delay 0
done
vm link set c0-br master brout; vm link set tapout master brout
vm link set s0-br master brin;  vm link set tapin master brin
for l in c0-br s0-br tapout tapin brout brin; do vm link set "$l" up; done
ip -n "$ns_c" addr add 198.18.0.1/24 dev c0; ip -n "$ns_c" link set c0 up
ip -n "$ns_s" addr add 198.18.0.2/24 dev s0; ip -n "$ns_s" link set s0 up

cp "$ovmf_vars" "$workdir/OVMF_VARS.fd"
machine=q35
data_opts=
if (( iommu )); then
  # Emulated VT-d so the guest's vfio-pci works with a real IOMMU; virtio NICs
  # must then honour it (modern-only, iommu_platform). KVM needs the split irqchip
  # for interrupt remapping.
  [[ $accel == kvm ]] && machine+=,kernel-irqchip=split
  iommu_dev=(-device intel-iommu,intremap=on)
  data_opts=,disable-legacy=on,iommu_platform=on
else
  iommu_dev=()
fi
snap=(); (( persist )) || snap=(-snapshot)
qemu=(qemu-system-x86_64 -name bulwark -machine "$machine" -accel "$accel"
  -cpu "$cpu" -smp 2 -m 2048 -nodefaults -display none -vga none
  "${iommu_dev[@]}"
  -drive if=pflash,format=raw,unit=0,readonly=on,file="$ovmf_code"
  -drive if=pflash,format=raw,unit=1,file="$workdir/OVMF_VARS.fd"
  -drive if=none,id=disk0,format=raw,file="$image" "${snap[@]}"
  -device virtio-blk-pci,drive=disk0,bus=pcie.0,addr=0x6
  -netdev "user,id=mgmt,restrict=on,net=198.19.255.0/24,hostfwd=tcp:127.0.0.1:$mgmt_port-:9108"
  -device virtio-net-pci,netdev=mgmt,mac=52:54:00:b1:00:03,bus=pcie.0,addr=0x3
  -netdev tap,id=dout,ifname=tapout,script=no,downscript=no
  -device "virtio-net-pci,netdev=dout,mac=52:54:00:b1:00:04,bus=pcie.0,addr=0x4$data_opts"
  -netdev tap,id=din,ifname=tapin,script=no,downscript=no
  -device "virtio-net-pci,netdev=din,mac=52:54:00:b1:00:05,bus=pcie.0,addr=0x5$data_opts"
  -chardev "socket,id=ser0,path=$workdir/serial.sock,server=on,wait=off,logfile=$workdir/console.log"
  -serial chardev:ser0
  -monitor "unix:$workdir/monitor.sock,server=on,wait=off"
  -pidfile "$workdir/qemu.pid")
printf '%q ' ip netns exec "$ns_vm" "${qemu[@]}" > "$workdir/qemu.cmdline"; echo >> "$workdir/qemu.cmdline"
echo "run-vm: accel=$accel iommu=$iommu lab=$lab workdir=$workdir"
echo "run-vm: serial socket $workdir/serial.sock, console log $workdir/console.log"
start_epoch=$(date +%s.%N)
# ip netns exec execs qemu in place, so $! is qemu's PID.
ip netns exec "$ns_vm" "${qemu[@]}" > "$workdir/qemu.log" 2>&1 &
qemu_pid=$!
(
  sleep "$timeout" & s=$!
  trap 'kill $s; exit 0' TERM
  wait $s
  echo "run-vm: timeout ${timeout}s, stopping VM" >&2
  kill "$qemu_pid"
) </dev/null >/dev/null 2>>"$workdir/qemu.log" &
watchdog_pid=$!
for _ in $(seq 100); do [[ -S $workdir/serial.sock ]] && break; kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.1; done
if ! kill -0 "$qemu_pid" 2>/dev/null; then cat "$workdir/qemu.log" >&2; die "qemu exited at start"; fi

if [[ $# -gt 0 ]]; then
  set +e
  LAB=$lab VM_SERIAL=$workdir/serial.sock VM_MONITOR=$workdir/monitor.sock \
    VM_CONSOLE_LOG=$workdir/console.log VM_MGMT_PORT=$mgmt_port VM_START_EPOCH=$start_epoch \
    VM_WORKDIR=$workdir VM_QEMU_PID=$qemu_pid "$@"
  rc=$?
  set -e
  echo "run-vm: command exited $rc; stopping VM"
  exit "$rc"
fi
echo "run-vm: qemu PID $qemu_pid; Ctrl-C stops it (connect: socat -,raw,echo=0 UNIX:$workdir/serial.sock)"
wait "$qemu_pid" || true
qemu_pid=  # reaped: its PID may be reused
