#!/usr/bin/env bash
# Two `sfr run` replicas (RANK 0 and 1, WORLD_SIZE 2, Gloo on localhost) re-train one V-Net
# data-parallel and end with identical weights. Exit 77 (CTest: skipped) when this build has no
# c10d/Gloo, with the reason. Usage: distributed_run_test.sh SFR WORK_DIR
set -uo pipefail
sfr=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
cat > "$work/run.json" <<'JSON'
{"preset": "cpu", "method": "mean-teacher",
 "training": {"iterations": 8, "network": {"filters": 4}, "batch": {"crop": [32, 32, 16]}},
 "data": {"source": "phantom", "phantom": {"size": [32, 32, 32], "cases": 4}, "labelled": 2},
 "checkpoint_every": 4}
JSON
export MASTER_ADDR=127.0.0.1 MASTER_PORT=$(( 20000 + RANDOM % 20000 )) WORLD_SIZE=2
RANK=0 "$sfr" --threads 1 run --config "$work/run.json" --out "$work/run" > "$work/rank0.log" 2>&1 &
p0=$!
RANK=1 "$sfr" --threads 1 run --config "$work/run.json" --out "$work/run" > "$work/rank1.log" 2>&1 &
p1=$!
wait $p0; r0=$?
wait $p1; r1=$?
cat "$work/rank0.log" "$work/rank1.log"
if grep -q "built without\|no c10d\|libgloo" "$work/rank0.log" && [ $r0 -ne 0 ]; then
  echo "SKIPPED: this build has no data-parallel training"; exit 77
fi
[ $r0 -eq 0 ] && [ $r1 -eq 0 ] || { echo "FAIL: exit codes $r0 $r1"; exit 1; }
grep -q '"replicas": 2' "$work/run/summary.json" || { echo "FAIL: rank 0 did not run as a replica"; exit 1; }
if cmp "$work/run/vnet_final.pt" "$work/run/replica_1/vnet_final.pt"; then
  echo "PASS: both replicas ended with identical V-Net weights (MASTER_PORT $MASTER_PORT)"
else
  echo "FAIL: the replicas' V-Nets differ"; exit 1
fi
