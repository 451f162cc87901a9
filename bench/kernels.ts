// Kernel benchmarks at ALBERT-base-v2 shapes (batch 8 x seq 128: N = 1024 tokens, H = 768,
// I = 3072, 12 heads of 64, V = 30000): sgemm GFLOP/s through the addon (the "ceiling" of issue 4)
// in each GEMM mode, then every kernel timed on js and native. Medians of repeated calls.
//
//   npm run build && node dist/bench/kernels.js [--threads 2] [--seconds 0.5] [--no-js] [--cpu-time] [--json]
//
// --cpu-time times by process CPU time instead of wall time: with --threads 1 it measures the work
// itself, and stays stable on a machine that other processes share.
import { parseArgs } from 'node:util';
import os from 'node:os';
import { JsBackend } from '../src/backend/js.js';
import { NativeBackend } from '../src/backend/native.js';
import type { Backend } from '../src/backend/backend.js';
import { median } from '../src/cli/bench_stats.js';
import { filled, makeClock } from './util.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string' },
    seconds: { type: 'string', default: '0.5' },
    'no-js': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'cpu-time': { type: 'boolean', default: false },
  },
});
const cpuTime = values['cpu-time'];
const threads = Number(values.threads ?? process.env.ALBERT_NUM_THREADS ?? os.availableParallelism());
const seconds = Number(values.seconds);
const native = new NativeBackend(threads);
const js = new JsBackend();

/** Seconds now: wall clock, or this process's CPU time with --cpu-time. */
const now = makeClock(cpuTime);

/** Median seconds of fn over about `budget` seconds (at least 3 runs, after one warm-up). */
function time(fn: () => void, budget = seconds): number {
  fn();
  const times: number[] = [];
  const end = performance.now() + budget * 1000;
  while (times.length < 3 || (performance.now() < end && times.length < 1000)) {
    const t0 = now();
    fn();
    times.push(now() - t0);
  }
  return median(times);
}

// ---- sgemm ceiling: y = x W^T shapes of the model and a large square, per GEMM mode
const gemmShapes: [string, number, number, number][] = [
  ['square 2048', 2048, 2048, 2048],
  ['FFN in (N,H)x(H,I)', 1024, 3072, 768],
  ['FFN out (N,I)x(I,H)', 1024, 768, 3072],
  ['QKV (N,H)x(H,3H)', 1024, 2304, 768],
];
type GemmMode = 'pool' | 'blas-threads' | 'portable';
const modes: GemmMode[] = native.gemmImpl() === 'portable' ? ['portable'] : ['pool', 'blas-threads', 'portable'];
const gemmRows: { shape: string; m: number; n: number; k: number; mode: GemmMode; gflops: number }[] = [];
for (const [shape, m, n, k] of gemmShapes) {
  const a = filled(m * k, 1), b = filled(n * k, 2), c = new Float32Array(m * n);
  for (const mode of modes) {
    native.setPortableGemm(mode === 'portable');
    native.setBlasThreading(mode === 'blas-threads');
    const s = time(() => native.gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n), mode === 'portable' ? seconds / 2 : seconds);
    gemmRows.push({ shape, m, n, k, mode, gflops: (2 * m * n * k) / s / 1e9 });
  }
}
native.setPortableGemm(false);
native.setBlasThreading(false);

// ---- every kernel, js vs native
const B = 8, S = 128, nh = 12, hd = 64, H = nh * hd, N = B * S, I = 3072, V = 30000, E = 128, masked = 160;
const x = filled(N * H, 3), y = new Float32Array(N * H), dy = filled(N * H, 4), dx = new Float32Array(N * H);
const xi = filled(N * I, 5), yi = new Float32Array(N * I), dyi = filled(N * I, 6);
const gamma = filled(H, 7), beta = filled(H, 8), mean = new Float32Array(N), rstd = new Float32Array(N);
const dg = new Float32Array(H), db = new Float32Array(H);
const q = filled(N * H, 9), k = filled(N * H, 10), v = filled(N * H, 11), ctx = new Float32Array(N * H);
const probs = new Float32Array(B * nh * S * S), mask = new Float32Array(B * S);
for (let i = 0; i < B * S; i++) if (i % S >= 100) mask[i] = -3.4028234663852886e38;
const dq = new Float32Array(N * H), dk = new Float32Array(N * H), dv = new Float32Array(N * H);
const ids = Int32Array.from({ length: N }, (_, i) => (i * 7919) % V), table = filled(V * E, 12), emb = new Float32Array(N * E);
const logits = filled(masked * V, 13), labels = Int32Array.from({ length: masked }, (_, i) => (i * 104729) % V);
const dlogits = new Float32Array(masked * V);
const P = 11_683_584, param = filled(P, 14), grad = filled(P, 15), m1 = new Float32Array(P), v1 = new Float32Array(P), upd = new Float32Array(P);
const w = filled(H * H, 16), biasI = filled(I, 17);

const kernels: [string, string, (be: Backend) => void][] = [
  ['gemm x W^T', `(${N},${H})x(${H},${H})`, (be) => be.gemm(false, true, N, H, H, 1, x, H, w, H, 0, y, H)],
  ['addBias', `(${N},${I})`, (be) => be.addBias(yi, biasI, N, I)],
  ['gelu fwd', `(${N},${I})`, (be) => be.activationForward('gelu', xi, yi, N * I)],
  ['gelu bwd', `(${N},${I})`, (be) => be.activationBackward('gelu', xi, dyi, yi, N * I)],
  ['gelu_new fwd', `(${N},${I})`, (be) => be.activationForward('gelu_new', xi, yi, N * I)],
  ['layerNorm fwd', `(${N},${H})`, (be) => be.layerNormForward(x, gamma, beta, y, mean, rstd, N, H, 1e-12)],
  ['layerNorm bwd', `(${N},${H})`, (be) => be.layerNormBackward(dy, x, gamma, mean, rstd, dx, dg, db, N, H)],
  ['biasGrad', `(${N},${H})`, (be) => be.biasGrad(dy, db, N, H)],
  ['attention fwd', `B${B} S${S} nh${nh} hd${hd}`, (be) => be.attentionForward(q, k, v, mask, probs, ctx, B, S, nh, hd, 0.125, 0, 0)],
  ['attention fwd p=.1', `B${B} S${S} nh${nh} hd${hd}`, (be) => be.attentionForward(q, k, v, mask, probs, ctx, B, S, nh, hd, 0.125, 0.1, 1)],
  ['attention bwd p=.1', `B${B} S${S} nh${nh} hd${hd}`, (be) => be.attentionBackward(dy, q, k, v, probs, dq, dk, dv, B, S, nh, hd, 0.125, 0.1, 1)],
  ['embedding fwd', `${N} ids, (${V},${E})`, (be) => be.embeddingForward(ids, table, emb, N, E, false)],
  ['embedding bwd', `${N} ids, (${V},${E})`, (be) => be.embeddingBackward(ids, emb, table, N, E)],
  ['dropout', `(${N},${H}) p=.1`, (be) => be.dropoutForward(x, y, N * H, 0.1, 3)],
  ['crossEntropy+grad', `(${masked},${V})`, (be) => be.crossEntropy(logits, labels, masked, V, dlogits, 1 / masked, -100)],
  ['adamUpdate', `${P} params`, (be) => be.adamUpdate(param, grad, m1, v1, upd, P, 0.9, 0.999, 1e-6, 1, 1, 0.01)],
  ['sumSquares', `${P} params`, (be) => be.sumSquares(grad, P)],
];
const kernelRows = kernels.map(([name, shape, fn]) => {
  const nativeS = time(() => fn(native));
  // js is slow on the big ones: one timed call after the warm-up is enough
  const jsS = values['no-js'] ? NaN : time(() => fn(js), 0);
  return { kernel: name, shape, js_ms: jsS * 1e3, native_ms: nativeS * 1e3, speedup: jsS / nativeS };
});

if (values.json) {
  process.stdout.write(JSON.stringify({ threads, clock: cpuTime ? 'cpu' : 'wall', gemm_impl: native.gemmImpl(), cpu: os.cpus()[0]?.model, gemm: gemmRows, kernels: kernelRows }) + '\n');
} else {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const clock = cpuTime ? 'CPU time' : 'wall time';
  console.log(`sgemm through the addon (${native.gemmImpl()}, ${threads} threads, ${os.cpus()[0]?.model ?? 'cpu'}, ${clock}), GFLOP/s:`);
  console.log(`| shape | m x n x k | ${modes.join(' | ')} |`);
  console.log(`|---|---|${modes.map(() => '---:').join('|')}|`);
  for (const [shape, m, n, k] of gemmShapes) {
    const cells = modes.map((mode) => f(gemmRows.find((r) => r.shape === shape && r.mode === mode)!.gflops));
    console.log(`| ${shape} | ${m}x${n}x${k} | ${cells.join(' | ')} |`);
  }
  console.log(`\nkernels, median ms of ${clock} (native: ${threads} threads):`);
  console.log('| kernel | shape | js ms | native ms | speedup |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of kernelRows) console.log(`| ${r.kernel} | ${r.shape} | ${f(r.js_ms)} | ${f(r.native_ms, 2)} | ${f(r.speedup, 0)}x |`);
}
