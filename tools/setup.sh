#!/usr/bin/env bash
# Idempotent machine setup for Bulwark on Debian 12 (run as root): installs the Debian
# packages the build, tests and lab need, reserves hugepages, and configures the build
# directory. Both README commands (tools/demo.sh, tools/test.sh) call it first.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
HUGEPAGES_2M=${HUGEPAGES_2M:-512}  # 1 GiB: several test dataplanes side by side

PACKAGES=(
  # build
  meson ninja-build pkg-config g++ clang libclang-rt-14-dev clang-format
  libdpdk-dev dpdk dpdk-dev libhyperscan-dev libssl-dev prometheus-cpp-dev
  libboost-test-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libpcap-dev libbpf-dev libxdp-dev
  # tests, lab and benchmarks
  python3 iproute2 ethtool curl wrk procps kmod valgrind coreutils util-linux tcpdump
  prometheus  # the lab test runs its own server; the packaged service is not started
  tshark openssl  # TLS lab test: JA3 as Wireshark computes it; a TLS server and client
  chromium  # challenge lab test: a real browser solves the proof of work
  nodejs  # API lab test: tools/lab/validate_openapi.mjs checks the OpenAPI files
  nginx-light  # differential lab test: nginx as an origin that logs what it parsed
  # packages, the appliance image and its VM test
  libsystemd-dev debhelper help2man lintian mmdebstrap qemu-system-x86 qemu-utils ovmf
  dosfstools mtools fdisk
)
# npm package for that validator, in a fixed prefix outside the work tree.
NODE_PREFIX=/opt/bulwark-test-node
SWAGGER_PARSER_VERSION=12.1.0

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: run as root (packages, hugepages and network namespaces need it)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start services here (prometheus would listen on :9090 on every
  # address): a temporary policy-rc.d says no, as Debian's policy-rc.d interface allows.
  policy=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy=/usr/sbin/policy-rc.d
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  [[ -n $policy ]] && rm -f "$policy"
fi

# OpenAPI validator (swagger-parser) from npm, pinned; skipped when that version is there.
sp_json=$NODE_PREFIX/node_modules/@apidevtools/swagger-parser/package.json
if [[ $(node -p "require('$sp_json').version" 2>/dev/null) != "$SWAGGER_PARSER_VERSION" ]]; then
  echo "setup: installing @apidevtools/swagger-parser@$SWAGGER_PARSER_VERSION into $NODE_PREFIX"
  if ! command -v npm >/dev/null; then  # Debian's nodejs comes without npm
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
  fi
  mkdir -p "$NODE_PREFIX"
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error \
    "@apidevtools/swagger-parser@$SWAGGER_PARSER_VERSION" >/dev/null
fi

# Hugepages: reserve where the kernel lets us; the dataplane says what to do if not.
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [[ -w $nr ]] && (($(cat "$nr") < HUGEPAGES_2M)); then
  echo "$HUGEPAGES_2M" >"$nr" || true
fi
if ! mountpoint -q /dev/hugepages 2>/dev/null; then
  mkdir -p /dev/hugepages
  mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
echo "setup: hugepages 2 MiB: $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0) free"

# Installed paths as the Debian package has them: the release build is what gets packaged.
# A build directory that has them is left alone (ninja regenerates it when meson.build
# files change): rewriting it under a test run that uses it (tools/test.sh runs
# tools/demo.sh, which runs this) would pull its files from under that run.
PATHS=(-Dprefix=/usr -Dsysconfdir=/etc -Dlocalstatedir=/var)
paths_of() {
  meson introspect --buildoptions "$1" 2>/dev/null | python3 -c 'import json,sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print("-Dprefix=%s -Dsysconfdir=%s -Dlocalstatedir=%s" % (o["prefix"], o["sysconfdir"], o["localstatedir"]))'
}
if [[ ! -f $BUILD/build.ninja ]]; then
  meson setup "${PATHS[@]}" "$BUILD" "$ROOT" >/dev/null
elif [[ $(paths_of "$BUILD") != "${PATHS[*]}" ]]; then
  meson setup --reconfigure "${PATHS[@]}" "$BUILD" "$ROOT" >/dev/null
fi
echo "setup: build configured in $BUILD"
