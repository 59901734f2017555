#!/usr/bin/env bash
# `sfr run` killed with SIGKILL at a random re-training iteration and started again with --resume
# ends with the same V-Net, bit for bit, as a run that was never interrupted (CPU, fixed seed,
# same thread count). Usage: kill_resume_test.sh SFR WORK_DIR
set -euo pipefail
sfr=$1
work=$2
rm -rf "$work" && mkdir -p "$work"

# Tiny phantoms and networks so the whole test takes seconds; checkpoints every 3 iterations so
# the kill usually lands between two of them.
cat > "$work/run.json" <<'JSON'
{"preset": "cpu", "method": "mean-teacher",
 "training": {"iterations": 24, "network": {"filters": 4}, "batch": {"crop": [32, 32, 16]}},
 "data": {"source": "phantom", "phantom": {"size": [32, 32, 32], "cases": 4}, "labelled": 2,
          "test": 1},
 "sam": {"enabled": true, "fine_tune": {"iterations": 4, "model": {"image_size": 128},
         "augment": {"bezier_samples": 1000, "stitch": {"canvas": 128}}}},
 "checkpoint_every": 3}
JSON

"$sfr" --threads 1 run --config "$work/run.json" --out "$work/plain" > "$work/plain.log" 2>&1

kill_at=$(( (RANDOM % 17) + 4 ))  # in [4, 20]: after the first checkpoint (3) was saved
echo "killing at re-training iteration $kill_at"
"$sfr" --threads 1 run --config "$work/run.json" --out "$work/killed" > "$work/killed.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  if grep -q "\"iteration\":$kill_at,\"round\":0,\"stage\":\"train\"" "$work/killed/metrics.jsonl" \
      2>/dev/null; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the run ended before iteration $kill_at"; cat "$work/killed.log"; exit 1
  fi
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
if [ -e "$work/killed/vnet_final.pt" ]; then
  echo "FAIL: the run finished before the kill"; exit 1
fi
last=$(grep -o '"iteration":[0-9]*,"round":0,"stage":"train"' "$work/killed/metrics.jsonl" | tail -1)
echo "killed after: $last"

"$sfr" --threads 1 run --config "$work/run.json" --out "$work/killed" --resume > "$work/resumed.log" 2>&1
cat "$work/resumed.log"
grep -q "resumed train of round 0" "$work/resumed.log" || {
  echo "FAIL: the resumed run did not report where it resumed"; exit 1; }
if cmp "$work/plain/vnet_final.pt" "$work/killed/vnet_final.pt"; then
  echo "PASS: vnet_final.pt identical after kill -9 at iteration $kill_at and --resume"
else
  echo "FAIL: vnet_final.pt differs after kill -9 at iteration $kill_at and --resume"; exit 1
fi
cmp "$work/plain/evaluation.json" "$work/killed/evaluation.json"
