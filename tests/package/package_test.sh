#!/usr/bin/env bash
# Package test in a clean Debian 12 root (mmdebstrap, no container): installs the built
# bulwark .deb with apt (dependencies from Debian), checks what it put in place, first
# boot, then updates with signed bundles (bulwark-update): tampered and foreign bundles
# refused, an upgrade keeping a changed conffile, state and keys, a rollback; removes and
# purges it; lintian on the package; systemd-analyze verify on its units.
#   package_test.sh DEBDIR BULWARK_UPDATE   (the host's bulwark-update signs the bundles)
# The upgrade's "newer version" is this .deb repacked with a higher version: the
# maintainer scripts and conffile handling are what an upgrade exercises, and one build
# per test run keeps the suite short.
set -euo pipefail

DEBDIR=${1:?usage: package_test.sh DEBDIR BULWARK_UPDATE}
UPDATE=${2:?usage: package_test.sh DEBDIR BULWARK_UPDATE}
deb=$(ls "$DEBDIR"/bulwark_*_amd64.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "FAIL: no bulwark_*_amd64.deb in $DEBDIR (appliance-image/build-packages.sh)"; exit 1; }
WORK=$(mktemp -d /tmp/bulwark-pkgtest.XXXXXX)
R=$WORK/root
mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

# --- lintian on the .deb: errors and warnings fail; overrides carry their reasons.
if ! lintian --fail-on error,warning --no-tag-display-limit "$deb" >"$WORK/lintian.txt" 2>&1; then
  cat "$WORK/lintian.txt"
  fail "lintian"
fi
pass "lintian: $(grep -c . "$WORK/lintian.txt" || true) notes, none of them errors or warnings"

# --- a clean root: Debian 12 with apt only; .debs the host has already fetched are reused.
echo "creating a clean bookworm root in $R"
mmdebstrap --variant=apt --skip=essential/unlink --skip=cleanup/apt/lists --quiet \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook='sync-in /var/cache/apt/archives /var/cache/apt/archives/' \
  bookworm "$R" "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" >"$WORK/mmdebstrap.log" 2>&1 ||
  { tail -20 "$WORK/mmdebstrap.log"; fail "mmdebstrap"; }
for m in proc sys dev; do
  mount --bind "/$m" "$R/$m" && mounted+=("$R/$m")
done
# No daemons start in the chroot (Debian's policy-rc.d interface), as in an image build.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod +x "$R/usr/sbin/policy-rc.d"
mkdir -p "$R/debs"
cp "$deb" "$R/debs/"
v1=$(dpkg-deb -f "$deb" Version)
v2="$v1+upgrade1"
dpkg-deb -R "$deb" "$WORK/v2"
sed -i "s/^Version: .*/Version: $v2/" "$WORK/v2/DEBIAN/control"
# The new version changes the conffile too, so dpkg must choose (the operator's is kept).
echo "# shipped with $v2" >>"$WORK/v2/etc/bulwark/control-initial.yaml"
(cd "$WORK/v2" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum >DEBIAN/md5sums)
dpkg-deb -b -Zxz "$WORK/v2" "$R/debs/bulwark_${v2}_amd64.deb" >/dev/null
# A broken version: its postinst fails, so its install does.
v3="$v1+broken1"
cp -a "$WORK/v2" "$WORK/v3"
sed -i "s/^Version: .*/Version: $v3/" "$WORK/v3/DEBIAN/control"
sed -i '0,/^set -e$/s//set -e\necho "broken on purpose" >\&2; exit 1/' "$WORK/v3/DEBIAN/postinst"
dpkg-deb -b -Zxz "$WORK/v3" "$R/debs/bulwark_${v3}_amd64.deb" >/dev/null

# --- install
in_root apt-get install -y -q "/debs/$(basename "$deb")" >"$WORK/install.log" 2>&1 ||
  { tail -30 "$WORK/install.log"; fail "apt-get install"; }
[[ $(in_root dpkg-query -W -f='${Status} ${Version}' bulwark) == "install ok installed $v1" ]] ||
  fail "bulwark $v1 not installed"
pass "installed bulwark $v1 with its dependencies"
for f in /usr/sbin/bulwark-dataplane /usr/sbin/bulwark-control /usr/bin/bulwarkctl /usr/bin/bulwark-rules \
  /usr/libexec/bulwark/bulwark-firstboot /usr/libexec/bulwark/bulwark-dataplane-prepare \
  /lib/systemd/system/bulwark-dataplane.service /lib/systemd/system/bulwark-control.service \
  /lib/systemd/system/bulwark-firstboot.service /etc/bulwark/control-initial.yaml \
  /usr/share/bulwark/rules/packs/api-attacks.yaml /usr/share/man/man8/bulwark-dataplane.8.gz; do
  [[ -e $R$f ]] || fail "missing $f"
done
pass "binaries, units, helpers, default configuration, rule packs and manual pages in place"
# Every program runs in the clean root: its shared libraries all came with the package's
# dependencies.
for p in bulwark-dataplane bulwark-control bulwarkctl bulwark-rules; do
  in_root "$p" --help >/dev/null 2>&1 || fail "$p --help does not run in the clean root"
done
in_root bulwark-rules check /usr/share/bulwark/rules/packs/api-attacks.yaml >/dev/null ||
  fail "bulwark-rules cannot check the shipped rule pack"
pass "programs run (libraries resolved) and the shipped rule pack checks"
# Keys are made at first boot (the unit), never at install: an image built from the
# package must not carry one box's key to every box.
[[ ! -e $R/etc/bulwark/challenge.key ]] || fail "the install made a challenge key"
in_root /usr/libexec/bulwark/bulwark-firstboot >/dev/null || fail "first boot without a hardware profile"
in_root getent passwd bulwark | grep -q ':/var/lib/bulwark:/usr/sbin/nologin$' || fail "no system user bulwark"
in_root getent group bulwark >/dev/null || fail "no group bulwark"
own() { in_root stat -c '%U:%G %a' "$1"; }
[[ $(own /var/lib/bulwark) == "bulwark:bulwark 750" ]] || fail "/var/lib/bulwark is $(own /var/lib/bulwark)"
[[ $(own /var/log/bulwark) == "bulwark:bulwark 750" ]] || fail "/var/log/bulwark is $(own /var/log/bulwark)"
[[ $(own /etc/bulwark) == "root:bulwark 750" ]] || fail "/etc/bulwark is $(own /etc/bulwark)"
[[ $(own /etc/bulwark/challenge.key) == "root:root 600" ]] || fail "challenge key: $(own /etc/bulwark/challenge.key)"
[[ $(stat -c %s "$R/etc/bulwark/challenge.key") == 32 ]] || fail "challenge key is not 32 bytes"
[[ ! -e $R/etc/bulwark/dataplane.yaml ]] || fail "a dataplane.yaml without a hardware profile"
pass "user and group bulwark; /etc, /var/lib, /var/log/bulwark owned as intended; a 32-byte challenge key (0600)"
for u in bulwark-dataplane bulwark-control bulwark-firstboot; do
  [[ -L $R/etc/systemd/system/multi-user.target.wants/$u.service ]] || fail "$u.service not enabled"
done
pass "units enabled"

# --- first boot with a hardware profile writes a monitor-style dataplane.yaml that loads
cat >"$R/etc/bulwark/hardware.env" <<'HW'
DATA_PORTS="0000:00:04.0 0000:00:05.0"
MAIN_CORE=0
WORKER_CORES=1
HW
in_root /usr/libexec/bulwark/bulwark-firstboot >/dev/null
grep -q '^  smuggling: log' "$R/etc/bulwark/dataplane.yaml" || fail "dataplane.yaml is not monitor-style"
[[ $(in_root bulwark-dataplane -c /etc/bulwark/dataplane.yaml --print-pci-ports | tr '\n' ' ') == "0000:00:04.0 0000:00:05.0 " ]] ||
  fail "the generated dataplane.yaml does not load or names other ports"
pass "first boot wrote dataplane.yaml from hardware.env; it loads and names the profile's ports"

# --- signed update bundles: the vendor's key is trusted, a stranger's is not
openssl genpkey -algorithm ed25519 -out "$WORK/vendor.key" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$WORK/stranger.key" 2>/dev/null
mkdir -p "$R/etc/bulwark/update-keys"
openssl pkey -in "$WORK/vendor.key" -pubout -out "$R/etc/bulwark/update-keys/vendor.pem"
"$UPDATE" sign --key "$WORK/vendor.key" -o "$R/debs/v1.tar" "$R/debs/$(basename "$deb")" >/dev/null
sleep 1  # bundles record their creation in seconds: v2's is later than v1's
"$UPDATE" sign --key "$WORK/vendor.key" -o "$R/debs/v2.tar" "$R/debs/bulwark_${v2}_amd64.deb" >/dev/null
"$UPDATE" sign --key "$WORK/stranger.key" -o "$R/debs/foreign.tar" "$R/debs/bulwark_${v2}_amd64.deb" >/dev/null
"$UPDATE" sign --key "$WORK/vendor.key" -o "$R/debs/v3.tar" "$R/debs/bulwark_${v3}_amd64.deb" >/dev/null
mkdir "$WORK/t" && tar -x -f "$R/debs/v2.tar" -C "$WORK/t"
echo x >>"$WORK/t/bulwark_${v2}_amd64.deb"  # changed after signing
tar -c -f "$R/debs/tampered.tar" -C "$WORK/t" manifest.json manifest.sig "bulwark_${v2}_amd64.deb"
upd() { in_root bulwark-update "$@"; }
upd apply --no-health-check /debs/v1.tar >"$WORK/apply1.log" 2>&1 || { cat "$WORK/apply1.log"; fail "apply v1 bundle"; }
for bad in tampered foreign; do
  rc=0
  upd apply --no-health-check "/debs/$bad.tar" >"$WORK/$bad.log" 2>&1 || rc=$?
  [[ $rc == 3 ]] || { cat "$WORK/$bad.log"; fail "$bad bundle: exit $rc, not 3 (refused)"; }
  [[ $(in_root dpkg-query -W -f='${Version}' bulwark) == "$v1" ]] || fail "$bad bundle changed the installed version"
done
grep -q "SHA-256" "$WORK/tampered.log" || fail "tampered bundle refused for another reason: $(cat "$WORK/tampered.log")"
grep -q "does not verify under any trusted key" "$WORK/foreign.log" || fail "foreign bundle: $(cat "$WORK/foreign.log")"
pass "bundles: a changed package and a stranger's signature are refused (exit 3), nothing installed"

# --- upgrade by bundle: a changed conffile, the state and the keys survive
echo "# operator's note" >>"$R/etc/bulwark/control-initial.yaml"
mkdir -p "$R/var/lib/bulwark/versions/000001" && echo state >"$R/var/lib/bulwark/versions/000001/meta.json"
key_sum=$(sha256sum <"$R/etc/bulwark/challenge.key")
dp_sum=$(sha256sum <"$R/etc/bulwark/dataplane.yaml")
upd apply --no-health-check /debs/v2.tar >"$WORK/upgrade.log" 2>&1 || { tail -30 "$WORK/upgrade.log"; fail "upgrade"; }
[[ $(in_root dpkg-query -W -f='${Version}' bulwark) == "$v2" ]] || fail "not upgraded to $v2"
grep -q "operator's note" "$R/etc/bulwark/control-initial.yaml" || fail "upgrade lost the changed conffile"
[[ -e $R/etc/bulwark/control-initial.yaml.dpkg-dist ]] || fail "no .dpkg-dist: dpkg was never asked about the conffile"
[[ -e $R/var/lib/bulwark/versions/000001/meta.json ]] || fail "upgrade lost the state"
[[ $(sha256sum <"$R/etc/bulwark/challenge.key") == "$key_sum" ]] || fail "upgrade changed the challenge key"
[[ $(sha256sum <"$R/etc/bulwark/dataplane.yaml") == "$dp_sum" ]] || fail "upgrade changed dataplane.yaml"
upd status >"$WORK/status.log"
grep -q "^current: version $v2," "$WORK/status.log" && grep -q "^previous: version $v1," "$WORK/status.log" ||
  { cat "$WORK/status.log"; fail "status after the upgrade"; }
pass "upgraded $v1 -> $v2 by signed bundle: changed conffile, state, key and dataplane.yaml kept"

# --- a set whose install fails: the installed set is put back (exit 4)
rc=0
upd apply --no-health-check /debs/v3.tar >"$WORK/broken.log" 2>&1 || rc=$?
[[ $rc == 4 ]] || { tail -20 "$WORK/broken.log"; fail "broken set: exit $rc, not 4"; }
grep -q "the previous set is installed again" "$WORK/broken.log" || { tail -5 "$WORK/broken.log"; fail "broken set: nothing put back"; }
[[ $(in_root dpkg-query -W -f='${Status} ${Version}' bulwark) == "install ok installed $v2" ]] ||
  fail "after the failed install $v2 is not installed again: $(in_root dpkg-query -W -f='${Status} ${Version}' bulwark)"
upd status | grep -q "^current: version $v2," || fail "the failed set was recorded"
pass "a set whose install fails: exit 4, $v2 installed again, still the current set"

# --- an older bundle than the installed set is refused without --allow-downgrade
rc=0
upd apply --no-health-check /debs/v1.tar >"$WORK/old.log" 2>&1 || rc=$?
[[ $rc == 3 ]] && grep -q "older than the installed set" "$WORK/old.log" ||
  { cat "$WORK/old.log"; fail "an older bundle: exit $rc"; }
pass "an older signed bundle is refused (exit 3) unless --allow-downgrade"

# --- rollback to the previous set
upd rollback --no-health-check >"$WORK/rollback.log" 2>&1 || { tail -30 "$WORK/rollback.log"; fail "rollback"; }
[[ $(in_root dpkg-query -W -f='${Version}' bulwark) == "$v1" ]] || fail "rollback did not install $v1"
grep -q "operator's note" "$R/etc/bulwark/control-initial.yaml" || fail "rollback lost the changed conffile"
upd status >"$WORK/status.log"
grep -q "^current: version $v1," "$WORK/status.log" && grep -q "^previous: version $v2," "$WORK/status.log" ||
  { cat "$WORK/status.log"; fail "status after the rollback"; }
pass "rolled back to $v1 (re-verified); conffile kept; the sets swapped"

# --- systemd-analyze verify on the installed units (in the root, where their binaries are)
# --man=no: the clean root has no man-db (the pages' files are checked above).
in_root systemd-analyze verify --man=no /lib/systemd/system/bulwark-dataplane.service \
  /lib/systemd/system/bulwark-control.service /lib/systemd/system/bulwark-firstboot.service \
  >"$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log"; fail "systemd-analyze verify"; }
if grep -i bulwark "$WORK/verify.log"; then fail "systemd-analyze verify reports the units"; fi
pass "systemd-analyze verify: the three units are clean"

# --- remove keeps configuration and state; purge removes them
in_root apt-get remove -y -q bulwark >"$WORK/remove.log" 2>&1 || { tail -20 "$WORK/remove.log"; fail "remove"; }
[[ ! -e $R/usr/sbin/bulwark-dataplane ]] || fail "remove left the binaries"
[[ -e $R/etc/bulwark/control-initial.yaml && -e $R/var/lib/bulwark/versions ]] ||
  fail "remove deleted configuration or state"
pass "remove: programs gone, configuration and state kept"
in_root apt-get purge -y -q bulwark >"$WORK/purge.log" 2>&1 || { tail -20 "$WORK/purge.log"; fail "purge"; }
for d in /etc/bulwark /var/lib/bulwark /var/log/bulwark /var/lib/bulwark-update; do
  [[ ! -e $R$d ]] || fail "purge left $d"
done
if compgen -G "$R/etc/systemd/system/*/bulwark-*" >/dev/null; then fail "purge left unit links"; fi
[[ $(in_root dpkg-query -W -f='${Status}' bulwark 2>/dev/null || true) != *installed* ]] || fail "still installed"
pass "purge: /etc/bulwark, /var/lib/bulwark, /var/log/bulwark and the unit links gone"
echo "package test: all checks passed"
