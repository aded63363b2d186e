#!/bin/bash
# Build a bootable Debian 12 (bookworm) raw disk image of the Bulwark appliance:
# GPT, UEFI systemd-boot on an ESP, ext4 root (PARTLABEL root). No loop devices
# or mounts on the host: mmdebstrap builds the tree, mke2fs -d and mtools fill
# the partitions, which are then written into the image. Run as root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
suite=bookworm
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security

usage() {
  cat <<USAGE
Usage: $0 --out FILE --admin-password-file FILE [options]
  --out FILE                  raw disk image to write (required)
  --admin-password-file FILE  first line = password of user admin (required)
  --bundle FILE               a signed update bundle (bulwark-update sign): its packages
                              are installed and it is recorded as the installed set, so
                              the first update on the box can be rolled back
  --update-key FILE           Ed25519 public key (PEM) the box trusts for updates; with
                              --bundle, the bundle must verify under it
  --debs DIR                  install every *.deb in DIR (apt resolves deps; no
                              recorded set)
  --profile NAME              hardware profile profiles/NAME.env (default qemu-virtio)
  --size SIZE                 disk size, e.g. 2G, 1536M (default 2G)
  --extra-packages "A B"      additional Debian packages (tests)
  --cache DIR                 keep downloaded .debs in DIR between builds
USAGE
}
die() { echo "build-image: error: $*" >&2; exit 1; }

out= debs= profile=qemu-virtio size=2G extra= cache= pwfile= bundle= update_key=
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=${2:?}; shift 2 ;;
    --debs) debs=${2:?}; shift 2 ;;
    --bundle) bundle=${2:?}; shift 2 ;;
    --update-key) update_key=${2:?}; shift 2 ;;
    --profile) profile=${2:?}; shift 2 ;;
    --admin-password-file) pwfile=${2:?}; shift 2 ;;
    --size) size=${2:?}; shift 2 ;;
    --extra-packages) extra=${2?}; shift 2 ;;
    --cache) cache=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n $out ]] || { usage >&2; die "--out is required"; }
[[ -n $pwfile ]] || { usage >&2; die "--admin-password-file is required"; }
[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -r $pwfile ]] || die "cannot read $pwfile"
profile_file=$here/profiles/$profile.env
[[ -r $profile_file ]] || die "no profile $profile_file"
for tool in mmdebstrap mke2fs mkfs.vfat mcopy mmd sfdisk openssl numfmt; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (apt-get install mmdebstrap e2fsprogs dosfstools mtools fdisk openssl coreutils)"
done

[[ -z $bundle || -n $update_key ]] || die "--bundle needs --update-key (the key it is signed with)"
[[ -z $bundle || -z $debs ]] || die "--bundle and --debs: give one"
[[ -z $bundle || -r $bundle ]] || die "cannot read $bundle"
[[ -z $update_key || -r $update_key ]] || die "cannot read $update_key"

# Product packages: an absent or empty directory means none.
debs_dir=
if [[ -n $debs && -d $debs ]] && compgen -G "$debs/*.deb" >/dev/null; then
  debs_dir=$(cd "$debs" && pwd)
fi

size_bytes=$(numfmt --from=iec "$size") || die "bad --size $size"
mib=$((1024 * 1024))
(( size_bytes % mib == 0 )) || die "--size must be a whole number of MiB"
esp_start=$((1 * mib)) esp_size=$((255 * mib))
root_start=$((256 * mib))
root_size=$((size_bytes - root_start - mib))   # 1 MiB for the backup GPT
(( root_size >= 1024 * mib )) || die "--size too small (need at least 1280M)"

# Profile -> kernel command line.
# shellcheck source=/dev/null
. "$profile_file"
: "${NR_CPUS:?profile lacks NR_CPUS}" "${WORKER_CORES:?}" "${HUGEPAGES_2M:?}" "${MGMT_PCI:?}" "${DATA_PORTS:?}"
expand_cpus() {  # "1-3,5" -> "1 2 3 5"
  local part
  for part in ${1//,/ }; do
    if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}
housekeeping=$(comm -23 <(seq 0 $((NR_CPUS - 1)) | sort) <(expand_cpus "$WORKER_CORES" | sort) |
  sort -n | paste -sd, -)
[[ -n $housekeeping ]] || die "profile leaves no CPU outside WORKER_CORES"
root_uuid=$(cat /proc/sys/kernel/random/uuid)
cmdline="root=UUID=$root_uuid rw console=ttyS0,115200"
cmdline+=" default_hugepagesz=2M hugepagesz=2M hugepages=$HUGEPAGES_2M"
cmdline+=" isolcpus=managed_irq,domain,$WORKER_CORES nohz_full=$WORKER_CORES rcu_nocbs=$WORKER_CORES"
cmdline+=" irqaffinity=$housekeeping intel_iommu=on iommu=pt"
[[ -n ${KERNEL_EXTRA_ARGS:-} ]] && cmdline+=" $KERNEL_EXTRA_ARGS"

start=$(date +%s)
work=$(mktemp -d /var/tmp/bulwark-image.XXXXXX)
chmod 700 "$work"
cleanup() {
  local rc=$?
  # mmdebstrap unmounts its own /proc,/sys,/dev binds; make sure none is left.
  local m
  for m in $(awk -v w="$work" '$2 ~ "^"w {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$work"
  if (( rc != 0 )); then
    rm -f "$out.partial"
    echo "build-image: FAILED (exit $rc)" >&2
  fi
}
trap cleanup EXIT

if [[ -n $bundle ]]; then
  # Verified here, with the host's OpenSSL, before any of its packages is unpacked: the
  # manifest's Ed25519 signature under --update-key, then each package's SHA-256. Then it
  # is installed, and bulwark-update in the root records it as the installed set.
  debs_dir=$work/bundle-debs
  mkdir -p "$work/manifest" "$debs_dir"
  tar --force-local -x -f "$bundle" -C "$work/manifest" manifest.json manifest.sig ||
    die "$bundle: no manifest.json / manifest.sig (not an update bundle)"
  openssl pkeyutl -verify -pubin -inkey "$update_key" -rawin -in "$work/manifest/manifest.json" \
    -sigfile "$work/manifest/manifest.sig" >/dev/null 2>&1 ||
    die "$bundle: the manifest's signature does not verify under $update_key"
  mapfile -t listed < <(python3 -c 'import json,sys; [print(p["sha256"] + "  " + p["file"]) for p in json.load(open(sys.argv[1]))["packages"]]' "$work/manifest/manifest.json")
  files=()
  for l in "${listed[@]}"; do
    f=${l#*  }
    [[ $f =~ ^[A-Za-z0-9][A-Za-z0-9._+~-]*\.deb$ ]] || die "$bundle: bad file name in the manifest: $f"
    files+=("$f")
  done
  tar --force-local -x -f "$bundle" -C "$debs_dir" "${files[@]}" || die "$bundle: packages missing"
  (cd "$debs_dir" && printf '%s\n' "${listed[@]}" | sha256sum --quiet -c -) ||
    die "$bundle: a package does not match the manifest's SHA-256"
  bundle=$(cd "$(dirname "$bundle")" && pwd)/$(basename "$bundle")
fi
[[ -z $update_key ]] || update_key=$(cd "$(dirname "$update_key")" && pwd)/$(basename "$update_key")
admin_hash=$(head -n1 "$pwfile" | tr -d '\n' | openssl passwd -6 -stdin)
vars=$work/vars
{
  printf 'DEBS_DIR=%q\n' "$debs_dir"
  printf 'BUNDLE=%q\n' "$bundle"
  printf 'UPDATE_KEY=%q\n' "$update_key"
  printf 'ADMIN_HASH=%q\n' "$admin_hash"
  printf 'HOSTNAME=bulwark\n'
} > "$vars"

packages=(
  linux-image-amd64 initramfs-tools zstd e2fsprogs systemd systemd-sysv udev kmod dbus
  systemd-resolved systemd-timesyncd iproute2 iputils-ping procps sudo less
  systemd-boot-efi
  dpdk librte-net-virtio23 librte-mempool-ring23
)
read -r -a extra_pkgs <<< "$extra"
packages+=("${extra_pkgs[@]}")

cache_args=()
if [[ -n $cache ]]; then
  mkdir -p "$cache"
  cache=$(cd "$cache" && pwd)
  cache_args=(
    --skip=essential/unlink
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
    --setup-hook="sync-in $cache /var/cache/apt/archives/"
  )
fi
cache_out=()
[[ -n $cache ]] && cache_out=(--customize-hook="sync-out /var/cache/apt/archives $cache")

rootdir=$work/root
echo "build-image: debootstrapping $suite (${#packages[@]} packages)"
mmdebstrap --mode=root --variant=minbase --format=directory \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --dpkgopt="$here/rootfs/etc/dpkg/dpkg.cfg.d/90-bulwark-excludes" \
  --aptopt="$here/rootfs/etc/apt/apt.conf.d/90-bulwark" \
  "${cache_args[@]}" \
  --setup-hook="tar -C '$here/rootfs' --exclude='*.in' --exclude=./etc/dpkg --exclude=./etc/apt -c . | tar -C \"\$1\" -x --no-same-owner --no-same-permissions --no-overwrite-dir" \
  --customize-hook="$here/customize.sh \"\$1\" $vars" \
  "${cache_out[@]}" \
  "$suite" "$rootdir" \
  "deb $mirror $suite main" \
  "deb $mirror $suite-updates main" \
  "deb $security $suite-security main"

# No box's own secret or configuration in the image: bulwark-firstboot makes them on
# each box at its first boot.
for f in etc/bulwark/challenge.key etc/bulwark/dataplane.yaml; do
  [[ ! -e $rootdir/$f ]] || die "/$f is in the image; it must be made at first boot"
done

# Post-processing of the tree (plain files, no chroot needed).
mv "$rootdir/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$rootdir/etc/dpkg/dpkg.cfg.d/90-bulwark-excludes"
mv "$rootdir/etc/apt/apt.conf.d/99mmdebstrap" "$rootdir/etc/apt/apt.conf.d/90-bulwark"
install -d -m 755 "$rootdir/etc/bulwark"
install -m 644 "$profile_file" "$rootdir/etc/bulwark/hardware.env"
data_paths=$(for p in $DATA_PORTS; do printf 'pci-%s ' "$p"; done)
sed "s/@MGMT_PCI@/$MGMT_PCI/" "$here/rootfs/etc/systemd/network/10-bulwark-mgmt.network.in" \
  > "$rootdir/etc/systemd/network/10-bulwark-mgmt.network"
sed "s/@DATA_PATHS@/${data_paths% }/" "$here/rootfs/etc/systemd/network/20-bulwark-data.network.in" \
  > "$rootdir/etc/systemd/network/20-bulwark-data.network"
ln -sf ../run/systemd/resolve/stub-resolv.conf "$rootdir/etc/resolv.conf"
: > "$rootdir/etc/machine-id"
rm -f "$rootdir/var/lib/dbus/machine-id"
cat > "$rootdir/etc/fstab" <<FSTAB
UUID=$root_uuid  /          ext4  defaults,errors=remount-ro  0 1
PARTLABEL=ESP    /boot/efi  vfat  noauto,umask=0077           0 2
FSTAB
install -d -m 700 "$rootdir/boot/efi"
rm -rf "$rootdir"/var/cache/apt/archives/*.deb "$rootdir"/var/lib/apt/lists/* "$rootdir"/tmp/* "$rootdir"/var/log/*.log

kernel=$(ls "$rootdir"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$rootdir/boot/initrd.img-${kernel##*/vmlinuz-}
[[ -f $kernel && -f $initrd ]] || die "kernel or initrd missing in /boot"
sdboot=$rootdir/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[[ -f $sdboot ]] || die "systemd-bootx64.efi missing"

# ESP: systemd-boot as the removable-media loader, kernel, initrd, one entry.
esp=$work/esp.img
truncate -s "$esp_size" "$esp"
mkfs.vfat -F 32 -n ESP "$esp" >/dev/null
cat > "$work/loader.conf" <<LOADER
default bulwark.conf
timeout 0
editor no
LOADER
cat > "$work/bulwark.conf" <<ENTRY
title   Bulwark appliance (${kernel##*/vmlinuz-})
linux   /bulwark/vmlinuz
initrd  /bulwark/initrd.img
options $cmdline
ENTRY
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/bulwark
mcopy -i "$esp" "$sdboot" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$work/loader.conf" ::/loader/loader.conf
mcopy -i "$esp" "$work/bulwark.conf" ::/loader/entries/bulwark.conf
mcopy -i "$esp" "$kernel" ::/bulwark/vmlinuz
mcopy -i "$esp" "$initrd" ::/bulwark/initrd.img

# Root file system from the tree.
rootimg=$work/root.img
truncate -s "$root_size" "$rootimg"
mke2fs -q -t ext4 -L root -U "$root_uuid" -d "$rootdir" "$rootimg"

# GPT and partitions.
truncate -s "$size_bytes" "$out.partial"
sfdisk -q "$out.partial" <<GPT
label: gpt
start=$((esp_start / 512)), size=$((esp_size / 512)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"
start=$((root_start / 512)), size=$((root_size / 512)), type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
GPT
dd if="$esp" of="$out.partial" bs=1M seek=$((esp_start / mib)) conv=notrunc,sparse status=none
dd if="$rootimg" of="$out.partial" bs=1M seek=$((root_start / mib)) conv=notrunc,sparse status=none
mv "$out.partial" "$out"

echo "build-image: wrote $out ($(du -h --apparent-size "$out" | cut -f1) disk, $(du -h "$out" | cut -f1) allocated)"
echo "build-image: root used $(du -sh "$rootdir" | cut -f1); kernel command line: $cmdline"
echo "build-image: build time $(( $(date +%s) - start )) s"
