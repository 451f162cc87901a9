// The paper's communication argument, measured and modelled (BENCHMARKS.md, "Data parallel").
// Data-parallel training all-reduces every gradient every step: 4 bytes per parameter. ALBERT's
// parameter sharing and factorized embedding cut the parameters (ALBERT-large 18M vs BERT-large 334M)
// but hardly the compute, so ALBERT spends far less of a step communicating.
//
//   mpirun -np 2 --oversubscribe node dist/bench/comm.js allreduce   measured: the real gradient sizes all-reduced on loopback
//   node dist/bench/comm.js compute                                measured: one training step at a small batch, per model
//   node dist/bench/comm.js model                                   modelled: table + picture from the two JSON files
// Files: bench/out/comm_{allreduce,compute}.json, bench/out/comm_scaling.{svg,png}, bench/out/comm_table.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runBenchmark } from '../src/cli/bench.js';
import { modelFlops } from '../src/cli/bench_stats.js';
import { withConfig, type AlbertConfig } from '../src/model/config.js';
import { parameterCount } from '../src/model/limits.js';
import { presetConfig } from '../src/model/presets.js';
import { worldComm } from '../src/parallel/comm.js';
import { cpuLine } from './machine.js';

const OUT = path.resolve(process.env.BENCH_OUT ?? 'bench/out');
fs.mkdirSync(OUT, { recursive: true });

/** The presets and the BERT-like baseline of each H (xxlarge has no BERT preset: its 12 layers unshared, E = H). */
const MODELS: { name: string; config: () => AlbertConfig }[] = [
  { name: 'albert-base-v2', config: () => presetConfig('albert-base-v2') },
  { name: 'albert-large-v2', config: () => presetConfig('albert-large-v2') },
  { name: 'albert-xlarge-v2', config: () => presetConfig('albert-xlarge-v2') },
  { name: 'albert-xxlarge-v2', config: () => presetConfig('albert-xxlarge-v2') },
  { name: 'bert-base', config: () => presetConfig('bert-base') },
  { name: 'bert-large', config: () => presetConfig('bert-large') },
  { name: 'bert-xlarge', config: () => presetConfig('bert-xlarge') },
  { name: 'bert-xxlarge (H 4096, unshared)', config: () => withConfig(presetConfig('albert-xxlarge-v2'), { num_hidden_groups: 12, embedding_size: 4096 }) },
];
/** Gradients larger than this are not allocated here (2 ranks x (gradient + bucket) on a shared machine): their time is extrapolated. */
const MAX_MEASURED_BYTES = 1.5e9;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const json = (name: string) => path.join(OUT, name);

function allreduce(): void {
  const comm = worldComm();
  if (comm.size < 2) throw new Error('run under mpirun -np 2 (or more)');
  const time = (n: number, reps: number) => {
    const a = new Float32Array(n).fill(1 + comm.rank);
    const ts: number[] = [];
    comm.allreduceSum([a]); // warm: connections, buffers
    for (let i = 0; i < reps; i++) {
      comm.barrier();
      const t = performance.now();
      comm.allreduceSum([a]);
      ts.push((performance.now() - t) / 1000);
    }
    return median(ts);
  };
  // The sweep that fixes latency and bandwidth of this link, then each model's real gradient.
  const sweep = [1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26].map((n) => ({ bytes: 4 * n, seconds: time(n, n <= 1 << 22 ? 9 : 3) }));
  const models = MODELS.map((m) => {
    const params = parameterCount(m.config(), 'pretraining');
    const bytes = 4 * params;
    return { name: m.name, params, bytes, seconds: bytes <= MAX_MEASURED_BYTES ? time(params, 3) : null };
  });
  if (comm.rank === 0) {
    fs.writeFileSync(json('comm_allreduce.json'), JSON.stringify({ machine: cpuLine(), ranks: comm.size, library: comm.library, wire: process.env.ALBERT_ALLREDUCE ?? 'fp32', sweep, models }, null, 1));
    for (const s of sweep) process.stderr.write(`allreduce ${(s.bytes / 2 ** 20).toFixed(0).padStart(5)} MiB: ${(s.seconds * 1000).toFixed(2)} ms\n`);
    for (const m of models) process.stderr.write(`${m.name}: ${(m.params / 1e6).toFixed(1)}M parameters, ${(m.bytes / 2 ** 20).toFixed(0)} MiB: ${m.seconds === null ? 'not allocated' : `${(m.seconds * 1000).toFixed(0)} ms`}\n`);
  }
}

function compute(): void {
  // A small batch (1 x 128) of the models one core trains in seconds; larger ones are modelled from their FLOPs.
  const measured = ['albert-base-v2', 'bert-base', 'albert-large-v2', 'bert-large'];
  const rows = measured.map((name) => {
    const config = MODELS.find((m) => m.name === name)!.config();
    const r = runBenchmark({ config, configName: name, mode: 'train', batch: 1, seq: 128, steps: 2, warmup: 1, threads: 1 });
    process.stderr.write(`${name}: train step batch 1 x 128 on 1 thread ${r.step_s_median.toFixed(2)} s, ${r.gflops.toFixed(1)} GFLOP/s\n`);
    return { name, batch: 1, seq: 128, threads: 1, step_s: r.step_s_median, gflop: r.gflop_per_step, gflops: r.gflops };
  });
  fs.writeFileSync(json('comm_compute.json'), JSON.stringify({ machine: cpuLine(), rows }, null, 1));
}

// ---- the model -------------------------------------------------------------------------------------

/** Ring all-reduce of `bytes` over N ranks: 2(N-1)/N of the bytes cross each link, in 2(N-1) latency-bound steps. */
export const ringSeconds = (bytes: number, N: number, gbitPerS: number, latencyS: number) =>
  N <= 1 ? 0 : (2 * (N - 1) / N) * bytes * 8 / (gbitPerS * 1e9) + 2 * (N - 1) * latencyS;

function model(): void {
  const ar = JSON.parse(fs.readFileSync(json('comm_allreduce.json'), 'utf8'));
  const cp = JSON.parse(fs.readFileSync(json('comm_compute.json'), 'utf8'));
  // Loopback's own latency and bandwidth: a least-squares line through the sweep (seconds = a + bytes / bw).
  const xs = ar.sweep.map((s: { bytes: number }) => s.bytes), ys = ar.sweep.map((s: { seconds: number }) => s.seconds);
  const mx = xs.reduce((a: number, b: number) => a + b, 0) / xs.length, my = ys.reduce((a: number, b: number) => a + b, 0) / ys.length;
  const slope = xs.reduce((a: number, x: number, i: number) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a: number, x: number) => a + (x - mx) ** 2, 0);
  const intercept = my - slope * mx;
  const loopGbit = (1 / slope) * 8 / 1e9;
  // One core's training rate: ALBERT-large's measured step (its optimizer, over 18M parameters, is a small part of it);
  // the optimizer's time per parameter: what BERT-large's step takes beyond its FLOPs at that rate (334M parameters).
  const rowOf = (n: string) => cp.rows.find((r: { name: string }) => r.name === n);
  const coreGflops = rowOf('albert-large-v2').gflops;
  const bertLarge = rowOf('bert-large');
  const optPerParam = Math.max(0, bertLarge.step_s - bertLarge.gflop / coreGflops) / ar.models.find((x: { name: string }) => x.name === 'bert-large').params;
  const SEQ = 512, BATCH = 4096;
  const table = MODELS.map((m) => {
    const c = m.config();
    const a = ar.models.find((x: { name: string }) => x.name === m.name);
    const measuredCompute = cp.rows.find((r: { name: string }) => r.name === m.name);
    const computeSample128 = measuredCompute ? measuredCompute.step_s : modelFlops(c, 1, 128, 'train') / (coreGflops * 1e9);
    const arSeconds = a.seconds ?? intercept + slope * a.bytes;
    return {
      name: m.name, params: a.params, bytes: a.bytes, allreduce_s: arSeconds, allreduce_measured: a.seconds !== null,
      compute_s_1x128: computeSample128, compute_measured: Boolean(measuredCompute),
      comm_share_2ranks: arSeconds / (arSeconds + computeSample128),
      flops_sample_512: modelFlops(c, 1, SEQ, 'train'),
    };
  });
  // Markdown table of what was measured (loopback, 2 ranks) and the step at batch 1 x 128.
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  let md = `| model | parameters | bytes all-reduced per step (fp32) | all-reduce, 2 ranks loopback | one step's compute, batch 1 x 128, 1 core | communication share of a 2-rank step at batch 1 x 128 |\n|---|---|---|---|---|---|\n`;
  for (const r of table) {
    md += `| ${r.name} | ${(r.params / 1e6).toFixed(1)}M | ${mib(r.bytes)} MiB | ${(r.allreduce_s * 1000).toFixed(0)} ms${r.allreduce_measured ? '' : ' (extrapolated)'} | `
      + `${r.compute_s_1x128.toFixed(2)} s${r.compute_measured ? '' : ' (modelled)'} | ${(100 * r.comm_share_2ranks).toFixed(1)}% |\n`;
  }
  md += `\nLoopback fit over the sweep (${ar.sweep.length} sizes, 1-256 MiB): ${(intercept * 1e6).toFixed(0)} us + bytes / ${loopGbit.toFixed(1)} Gbit/s. One core trains at ${coreGflops.toFixed(1)} GFLOP/s (ALBERT-large's step); the optimizer adds ${(optPerParam * 1e9).toFixed(2)} ns per parameter per step (BERT-large's step beyond its FLOPs).\n`;

  // The scaling model at the paper's batch 4096 x 512: ALBERT-large vs BERT-large.
  const LAT = 5e-6; // per ring step on a real network (assumed, typical of a TCP/RDMA NIC hop)
  const ACCEL_TFLOPS = 100; // an accelerator's sustained training rate (assumed)
  const pair = ['albert-large-v2', 'bert-large'].map((n) => table.find((r) => r.name === n)!);
  const ranks = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
  const bws = [1, 10, 100, 400];
  const devices = [
    { name: `one core of this CPU per rank (${coreGflops.toFixed(0)} GFLOP/s, measured)`, flops: coreGflops * 1e9 },
    { name: `an accelerator per rank (${ACCEL_TFLOPS} TFLOP/s sustained, assumed)`, flops: ACCEL_TFLOPS * 1e12 },
  ];
  const eff = (r: typeof pair[0], dev: typeof devices[0], N: number, bw: number) => {
    // every rank runs the optimizer over all parameters (scaled with the device as its compute)
    const compute = (BATCH / N) * r.flops_sample_512 / dev.flops + r.params * optPerParam * (coreGflops * 1e9 / dev.flops);
    return { compute, comm: ringSeconds(r.bytes, N, bw, LAT), eff: compute / (compute + ringSeconds(r.bytes, N, bw, LAT)) };
  };
  md += `\nModelled at batch ${BATCH} x ${SEQ} (no overlap of communication with compute; compute = (batch / N) x the sample's FLOPs at the device's rate + the optimizer step over every parameter; ring all-reduce 2(N-1)/N x bytes / bandwidth + 2(N-1) x ${LAT * 1e6} us): scaling efficiency = compute / (compute + all-reduce) of a step.\n\n`;
  for (const dev of devices) {
    md += `${dev.name}:\n\n| Gbit/s | model | N=8 | N=64 | N=256 | N=1024 | step at N=1024 | largest N at >= 50% |\n|---|---|---|---|---|---|---|---|\n`;
    for (const bw of bws) for (const r of pair) {
      const e = (N: number) => eff(r, dev, N, bw);
      const ok = ranks.filter((N) => e(N).eff >= 0.5);
      const s = e(1024);
      md += `| ${bw} | ${r.name} | ${(100 * e(8).eff).toFixed(0)}% | ${(100 * e(64).eff).toFixed(0)}% | ${(100 * e(256).eff).toFixed(0)}% | ${(100 * e(1024).eff).toFixed(0)}% | `
        + `${fmtS(s.compute + s.comm)} (${fmtS(s.comm)} comm) | ${ok.length ? ok[ok.length - 1] : '< 2'} |\n`;
    }
    md += '\n';
  }
  fs.writeFileSync(json('comm_table.md'), md);
  fs.writeFileSync(json('comm_model.json'), JSON.stringify({ loopback: { latency_s: intercept, gbit_per_s: loopGbit }, core_gflops: coreGflops, optimizer_s_per_param: optPerParam, table }, null, 1));
  process.stdout.write(md);

  // The picture: efficiency vs ranks, one panel per device, a line per bandwidth, ALBERT solid, BERT dashed.
  const W = 980, H = 380, M = { l: 60, t: 50, b: 60 }, pw = 400, ph = H - M.t - M.b;
  const colors: Record<number, string> = { 1: '#d62728', 10: '#ff7f0e', 100: '#2ca02c', 400: '#1f77b4' };
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 30}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`;
  svg += `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">Data-parallel scaling efficiency at batch ${BATCH} x ${SEQ}: ALBERT-large (solid, ${(pair[0].params / 1e6).toFixed(0)}M) vs BERT-large (dashed, ${(pair[1].params / 1e6).toFixed(0)}M), ring all-reduce</text>`;
  devices.forEach((dev, d) => {
    const x0 = M.l + d * (pw + 90);
    const sx = (N: number) => x0 + (Math.log2(N) - 1) / 9 * pw, sy = (e: number) => M.t + ph - e * ph;
    svg += `<rect x="${x0}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`;
    svg += `<text x="${x0 + pw / 2}" y="${M.t - 8}" text-anchor="middle" font-size="12">${dev.name}</text>`;
    for (const N of ranks) svg += `<text x="${sx(N)}" y="${M.t + ph + 16}" text-anchor="middle" font-size="11">${N}</text>`;
    for (let k = 0; k <= 4; k++) {
      svg += `<line x1="${x0}" x2="${x0 + pw}" y1="${sy(k / 4)}" y2="${sy(k / 4)}" stroke="#eee"/><text x="${x0 - 6}" y="${sy(k / 4) + 4}" text-anchor="end" font-size="11">${k * 25}%</text>`;
    }
    svg += `<text x="${x0 + pw / 2}" y="${M.t + ph + 36}" text-anchor="middle" font-size="12">ranks N</text>`;
    for (const bw of bws) pair.forEach((r, i) => {
      const pts = ranks.map((N) => `${sx(N).toFixed(1)},${sy(eff(r, dev, N, bw).eff).toFixed(1)}`).join(' ');
      svg += `<polyline points="${pts}" fill="none" stroke="${colors[bw]}" stroke-width="2"${i ? ' stroke-dasharray="6 4"' : ''}/>`;
    });
  });
  bws.forEach((bw, i) => { svg += `<rect x="${M.l + i * 150}" y="${H + 5}" width="16" height="4" fill="${colors[bw]}"/><text x="${M.l + 22 + i * 150}" y="${H + 11}" font-size="12">${bw} Gbit/s</text>`; });
  svg += `<text x="${M.l + 620}" y="${H + 11}" font-size="12">modelled from the measured compute and sizes</text></svg>\n`;
  fs.writeFileSync(json('comm_scaling.svg'), svg);
  const png = spawnSync('rsvg-convert', ['-o', json('comm_scaling.png'), json('comm_scaling.svg')]);
  if (png.status !== 0) process.stderr.write('rsvg-convert not found or failed: no PNG written (apt-get install librsvg2-bin)\n');
}

const fmtS = (s: number) => (s >= 1 ? `${s.toFixed(1)} s` : `${(s * 1000).toFixed(0)} ms`);

const what = process.argv[2];
if (what === 'allreduce') allreduce();
else if (what === 'compute') compute();
else if (what === 'model') model();
else { process.stderr.write('usage: node dist/bench/comm.js allreduce|compute|model (allreduce under mpirun -np 2)\n'); process.exit(2); }
