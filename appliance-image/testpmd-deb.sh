#!/bin/bash
# Test helper: make bulwark-test-testpmd_*.deb holding only /usr/bin/dpdk-testpmd
# (taken from Debian's dpdk-dev, which would drag in every DPDK -dev package),
# with the runtime libraries it links as Depends. The result goes in a --debs
# directory of build-image.sh for the smoke test. Usage: testpmd-deb.sh OUTDIR
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
mkdir -p "$out"; out=$(cd "$out" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download dpdk-dev >/dev/null 2>&1 || { echo "apt-get download dpdk-dev failed (apt-get update?)" >&2; exit 1; }
dpkg-deb -x dpdk-dev_*.deb x
ver=$(dpkg-deb -f dpdk-dev_*.deb Version)
deps=$(objdump -p x/usr/bin/dpdk-testpmd | awk '/NEEDED/{print $2}' | while read -r so; do
  case $so in
    librte_*) n=${so%.so.*}; n=${n//_/-}; [[ $n =~ [0-9]$ ]] && echo "$n-23" || echo "${n}23" ;;
    libc.so.6|libm.so.6) echo libc6 ;;
    libnuma.so.1) echo libnuma1 ;; libfdt.so.1) echo libfdt1 ;; libjansson.so.4) echo libjansson4 ;;
    libbsd.so.0) echo libbsd0 ;; libelf.so.1) echo libelf1 ;; libpcap.so.0.8) echo libpcap0.8 ;;
    libibverbs.so.1) echo libibverbs1 ;; libmlx5.so.1) echo ibverbs-providers ;;
    *) echo "unmapped library $so" >&2; exit 1 ;;
  esac
done | sort -u | paste -sd, - | sed 's/,/, /g')
mkdir -p pkg/DEBIAN pkg/usr/bin
cp x/usr/bin/dpdk-testpmd pkg/usr/bin/
cat > pkg/DEBIAN/control <<CONTROL
Package: bulwark-test-testpmd
Version: $ver
Architecture: amd64
Maintainer: Bulwark developers <dev@bulwark.invalid>
Depends: $deps
Description: dpdk-testpmd alone, for Bulwark appliance image smoke tests
CONTROL
dpkg-deb --root-owner-group -b pkg "$out/bulwark-test-testpmd_${ver}_amd64.deb" >/dev/null
echo "$out/bulwark-test-testpmd_${ver}_amd64.deb"
