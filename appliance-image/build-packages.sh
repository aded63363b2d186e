#!/usr/bin/env bash
# Builds the Debian package(s) of Bulwark from this tree into OUTDIR (default
# build-deb/): copies the tracked and new files into a staging directory with
# appliance-image/debian/ as debian/, writes the changelog for VERSION (default: the
# meson project version), and runs dpkg-buildpackage (binary only, unsigned: update
# bundles are signed by bulwark-update sign). Needs the Build-Depends (tools/setup.sh).
# --prebuilt DIR packages an existing meson build configured with prefix /usr (what
# tools/setup.sh makes in build/) instead of compiling again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/build-deb
VERSION=
PREBUILT=
usage() { echo "usage: $0 [--out DIR] [--version VERSION] [--prebuilt BUILDDIR]" >&2; exit 2; }
while (($#)); do
  case $1 in
    --out) OUT=${2:?}; shift 2 ;;
    --version) VERSION=${2:?}; shift 2 ;;
    --prebuilt) PREBUILT=$(cd "${2:?}" && pwd); shift 2 ;;
    *) usage ;;
  esac
done
[[ -n $VERSION ]] || VERSION=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$ROOT/meson.build" | head -1)
if [[ -n $PREBUILT ]]; then
  prefix=$(meson introspect --buildoptions "$PREBUILT" | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
  [[ $prefix == /usr ]] || { echo "build-packages: $PREBUILT has prefix $prefix, not /usr" >&2; exit 2; }
  ninja -C "$PREBUILT" >/dev/null || { echo "build-packages: $PREBUILT does not build" >&2; exit 1; }
fi
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "build-packages: bad version '$VERSION'" >&2; exit 2; }

STAGE=$(mktemp -d /tmp/bulwark-deb.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
SRC=$STAGE/bulwark-$VERSION
mkdir -p "$SRC" "$OUT"
# Tracked and new files as they are in the work tree (deleted ones are skipped).
(cd "$ROOT" && git ls-files -co --exclude-standard -z |
  tar -c --null -T - --ignore-failed-read -f - 2>/dev/null) | tar -x -C "$SRC"
cp -r "$ROOT/appliance-image/debian" "$SRC/debian"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cat >"$SRC/debian/changelog" <<CHANGES
bulwark ($VERSION) bookworm; urgency=medium

  * Build of $commit.

 -- Bulwark Engineering <engineering@bulwark.example>  $(date -R)
CHANGES
echo "build-packages: bulwark $VERSION from $commit in $SRC"
(cd "$SRC" && BULWARK_PREBUILT=$PREBUILT DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" dpkg-buildpackage -b -us -uc >"$STAGE/build.log" 2>&1) || {
  tail -40 "$STAGE/build.log" >&2
  echo "build-packages: dpkg-buildpackage failed (log above)" >&2
  exit 1
}
for f in "$STAGE"/*.deb "$STAGE"/*.ddeb "$STAGE"/*.changes "$STAGE"/*.buildinfo; do
  [[ -e $f ]] && mv "$f" "$OUT/"
done
ls -1 "$OUT"
