#!/bin/bash
# mmdebstrap customize hook for build-image.sh (runs on the host; the target
# root is "$1" with /proc, /sys and /dev mounted by mmdebstrap).
# Usage: customize.sh ROOT VARS_FILE   (VARS_FILE written by build-image.sh)
set -euo pipefail
root=$1
# shellcheck source=/dev/null
. "$2"   # DEBS_DIR BUNDLE UPDATE_KEY ADMIN_HASH HOSTNAME
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

# Product packages: apt resolves their dependencies.
if [[ -n "$DEBS_DIR" ]]; then
  mkdir -p "$root/tmp/bulwark-debs"
  cp "$DEBS_DIR"/*.deb "$root/tmp/bulwark-debs/"
  debs=()
  for d in "$root"/tmp/bulwark-debs/*.deb; do debs+=("./$(basename "$d")"); done
  echo "customize: installing ${debs[*]}"
  # systemd-resolved made /etc/resolv.conf a link to its (not running) stub:
  # give apt the host's resolver for the install, then put the link back.
  saved=0
  if [[ -e $root/etc/resolv.conf || -L $root/etc/resolv.conf ]]; then
    mv "$root/etc/resolv.conf" "$root/etc/resolv.conf.bulwark-saved"; saved=1
  fi
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" sh -c 'cd /tmp/bulwark-debs && DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"' sh "${debs[@]}"
  rm -rf "$root/tmp/bulwark-debs"
  if [[ -n "$UPDATE_KEY" ]]; then
    install -d -m 0755 "$root/etc/bulwark/update-keys"
    install -m 0644 "$UPDATE_KEY" "$root/etc/bulwark/update-keys/vendor.pem"
  fi
  if [[ -n "$BUNDLE" ]]; then
    # Verified under the key the box trusts, and recorded as the installed set (the
    # packages are already there: apt has nothing to do).
    cp "$BUNDLE" "$root/tmp/bundle.tar"
    in_root bulwark-update apply --no-health-check /tmp/bundle.tar
    rm -f "$root/tmp/bundle.tar"
  fi
  rm -f "$root/etc/resolv.conf"
  (( saved )) && mv "$root/etc/resolv.conf.bulwark-saved" "$root/etc/resolv.conf"
fi

# Identity.
echo "$HOSTNAME" > "$root/etc/hostname"
cat > "$root/etc/hosts" <<HOSTS
127.0.0.1	localhost
127.0.1.1	$HOSTNAME
::1		localhost ip6-localhost ip6-loopback
HOSTS

# Accounts: root locked, admin with sudo (password asked), and bulwark group
# when the product package created it.
in_root usermod -p '!' root
groups=sudo
if in_root getent group bulwark >/dev/null; then groups=sudo,bulwark; fi
in_root useradd -m -s /bin/bash -G "$groups" -p "$ADMIN_HASH" admin

# Services: networkd (management NIC), resolved, timesyncd.
in_root systemctl enable systemd-networkd.service systemd-resolved.service
in_root systemctl enable systemd-timesyncd.service 2>/dev/null || true
