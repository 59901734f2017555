#!/usr/bin/env bash
# Side-by-side CPU comparison of the engine with the Python original's work (Debian python3-torch
# 1.13, same BLAS, same thread count), in one run on one machine:
#   - the Mean-Teacher V-Net step (2 labelled + 2 unlabelled crops of 112x112x80), and
#   - whole-volume sliding-window inference (test_single_case) on the first LA test case,
# each pair interleaved (C++, Python, C++, Python ...) so that drift of a shared machine hits both.
# The C++ side also runs once with SFR_HOST_ALLOCATOR=system and once with the plain module
# forward, to show where its advantage comes from.
# Usage: bench/compare_cpu.sh BUILD_DIR [THREADS] [ROUNDS] [step|window|all]
set -euo pipefail
build=${1:?usage: bench/compare_cpu.sh BUILD_DIR [THREADS] [ROUNDS]}
threads=${2:-2}
rounds=${3:-2}
what=${4:-all}
here=$(cd "$(dirname "$0")" && pwd)
export SFR_DATA_DIR=${SFR_DATA_DIR:-$here/../../shared/data}
py=/usr/bin/python3
echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, threads $threads, rounds $rounds"
# One seeded full-width V-Net (16 filters) that both sides load, so their outputs can be compared.
ckpt=$(mktemp --suffix=.pth)
trap 'rm -f "$ckpt"' EXIT
"$py" -c "import sys, torch; sys.path.insert(0, '$here/python'); from sfr_vnet import VNet
torch.manual_seed(1337); torch.save(VNet(filters=16).state_dict(), '$ckpt')"
for r in $(seq "$rounds"); do
  if [ "$what" != window ]; then
  echo "== round $r: Mean-Teacher step"
  "$build/bin/bench_vnet_step" --threads "$threads" --iterations 3 --warmup 1 | sed -n 1,2p
  "$py" "$here/python/bench_vnet_step.py" --threads "$threads" --iterations 3 --warmup 1 | sed -n 1,2p
  fi
  [ "$what" = step ] && continue
  echo "== round $r: sliding window"
  "$build/bin/bench_sliding_window" --threads "$threads" --checkpoint "$ckpt" | sed -n 1,3p
  "$py" "$here/python/bench_sliding_window.py" --threads "$threads" --checkpoint "$ckpt" | sed -n 1,3p
done
echo "== controls (C++ only): system malloc; plain module forward"
SFR_HOST_ALLOCATOR=system "$build/bin/bench_vnet_step" --threads "$threads" --iterations 3 --warmup 1 | sed -n 1,2p
SFR_HOST_ALLOCATOR=system "$build/bin/bench_sliding_window" --threads "$threads" --checkpoint "$ckpt" | sed -n 1,3p
"$build/bin/bench_sliding_window" --threads "$threads" --checkpoint "$ckpt" --module | sed -n 1,3p
