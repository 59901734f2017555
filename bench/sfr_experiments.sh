#!/usr/bin/env bash
# The `cpu`-preset experiments of the SFR pipeline issue, one after another on this machine:
#   hippocampus (3 classes): 4 labelled, 40 held-out: supervised, Mean Teacher, SFR-Mean Teacher
#   LA: 1 labelled, 10 held-out: Mean Teacher, SFR-Mean Teacher, SFR+-Mean Teacher
#   demo (built-in phantoms): 2 labelled, 4 held-out: Mean Teacher vs SFR-Mean Teacher
# SAM stages use the tiny SAM with random weights (no checkpoint), as the issue asks.
# Usage: bench/sfr_experiments.sh BUILD_DIR OUT_DIR THREADS [hippocampus|la|demo|all]
# Prints wall times and `sfr eval` per-class Dice; everything else is in OUT_DIR/<run>/.
set -euo pipefail
build=${1:?build dir}
out=${2:?output dir}
threads=${3:-2}
which=${4:-all}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SFR_SHARED_DIR:-$here/../shared}
sfr="$build/bin/sfr"
mkdir -p "$out"
echo "machine: $(nproc) cores, $(uname -m); sfr threads $threads; $("$sfr" --version)"

run() {  # run NAME DATA ARGS...
  local name=$1 data=$2; shift 2
  local t0=$SECONDS
  "$sfr" --threads "$threads" run --data "$data" --out "$out/$name" "$@" > "$out/$name.log" 2> "$out/$name.err"
  local seconds=$((SECONDS - t0))
  echo "== $name: $seconds s wall ($*)"
  if [ "$data" = demo ]; then  # phantoms: the run's own evaluation.json (no files to compare)
    cp "$out/$name/evaluation.json" "$out/$name.eval.json"
  else
    "$sfr" eval --pred "$out/$name/predictions" --gt "$data" --json > "$out/$name.eval.json"
  fi
  python3 - "$out/$name.eval.json" "$name" "$seconds" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
m = e["mean"]
per = ", ".join(f"class {k} Dice {v['dice']:.4f}" for k, v in sorted(m.get("per_class", {}).items()))
print(f"   {sys.argv[2]}: {len(e['cases'])} cases, mean Dice {m['dice']:.4f} ({per}), "
      f"Jaccard {m['jaccard']:.4f}, 95HD {m['hd95']:.2f}, ASD {m['asd']:.2f} voxels; {sys.argv[3]} s")
PY
}

if [ "$which" = all ] || [ "$which" = hippocampus ]; then
  h="$shared/data/hippocampus"
  run hippo_supervised "$h" --preset cpu --labeled 4 --test 40 --method supervised
  run hippo_mt "$h" --preset cpu --labeled 4 --test 40 --method mean-teacher
  run hippo_sfr_mt "$h" --preset cpu --labeled 4 --test 40 --method mean-teacher --sfr
fi
if [ "$which" = all ] || [ "$which" = la ]; then
  l="$shared/data/la"
  run la_mt "$l" --preset cpu --labeled 1 --test 10 --method mean-teacher
  run la_sfr_mt "$l" --preset cpu --labeled 1 --test 10 --method mean-teacher --sfr
  run la_sfrplus_mt "$l" --preset cpu --labeled 1 --test 10 --method mean-teacher --sfr-plus
fi
if [ "$which" = all ] || [ "$which" = demo ]; then
  run demo_mt demo --preset cpu --labeled 2 --test 4 --method mean-teacher
  run demo_sfr_mt demo --preset cpu --labeled 2 --test 4 --method mean-teacher --sfr
fi
