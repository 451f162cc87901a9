// A quick throughput check of the oneDNN engine (native/onednn.cc) beside albert's own packed fp32 GEMM, on
// a Linear y = x W^T + b at batch 8 x seq 128 (M = 1024) of ALBERT-base's dense (768 -> 768) and FFN
// (768 -> 3072) shapes: GFLOP/s (int8: GOP/s), medians of --rounds calls per engine, the engines taking
// turns each round so that a neighbour's load hits them alike. Weights are packed once, outside the timing.
//
//   npm run build && node dist/bench/onednn_gemm.js [--threads 2] [--rounds 10]
import { parseArgs } from 'node:util';
import { ADDON_PATH, NativeBackend } from '../src/backend/native.js';
import { loadDnnlAddon, type DnnlType } from '../src/backend/onednn_addon.js';
import { median } from '../src/cli/bench_stats.js';
import { cpuLine } from './machine.js';
import { filled } from './util.js';

const { values } = parseArgs({
  options: { threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '10' } },
});
const threads = Number(values.threads), rounds = Number(values.rounds);

const dnnl = loadDnnlAddon(ADDON_PATH);
const version = dnnl.dnnlVersion();
const be = new NativeBackend(threads);
console.log(cpuLine());
console.log(`${version ?? 'oneDNN: not built in (only gemmPacked runs)'}; ${threads} threads, medians of ${rounds} calls`);

/** bf16 bit patterns of x (round to nearest even; no NaN here). */
function bf16Bits(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length), out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16;
  return out;
}

/** W (n, k) quantized per output column to s8 (symmetric), with the scales and column sums dnnlMatmul takes. */
function quantize(w: Float32Array, n: number, k: number): { q: Int8Array; scale: Float32Array; colSum: Int32Array } {
  const q = new Int8Array(n * k), scale = new Float32Array(n), colSum = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    let top = 0;
    for (let l = 0; l < k; l++) top = Math.max(top, Math.abs(w[j * k + l]));
    scale[j] = top / 127 || 1;
    for (let l = 0; l < k; l++) colSum[j] += q[j * k + l] = Math.round(w[j * k + l] / scale[j]);
  }
  return { q, scale, colSum };
}

const m = 1024;
console.log('     M      N      K  engine                 GF/s');
for (const [n, k] of [[768, 768], [3072, 768]]) {
  const a = filled(m * k, 1), w = filled(n * k, 2), bias = filled(n, 3), c = new Float32Array(m * n);
  const engines: [string, () => void][] = [];
  // albert's own kernel, without its source B: NativeBackend would not hand it to CBLAS
  const packed = { ...be.packB(w, k, true, k, n), source: undefined };
  engines.push(['gemmPacked f32', () => be.gemmPacked(m, a, k, packed, 0, c, n, bias)]);
  if (version) {
    const qw = quantize(w, n, k);
    const weights: Record<DnnlType, Float32Array | Uint16Array | Int8Array> = { f32: w, bf16: bf16Bits(w), s8: qw.q };
    for (const dtype of ['f32', 'bf16', 's8'] as const) {
      const p = dnnl.dnnlPack(weights[dtype], k, true, k, n, dtype);
      engines.push([`oneDNN ${dtype}`, () => dnnl.dnnlMatmul(p, m, a, k, 0, c, n, bias, 0, qw.scale, qw.colSum)]);
    }
  }
  for (const [, run] of engines) for (let i = 0; i < 2; i++) run(); // primitives created, pages touched
  const times: number[][] = engines.map(() => []);
  for (let r = 0; r < rounds; r++) {
    engines.forEach(([, run], e) => {
      const t0 = performance.now();
      run();
      times[e].push((performance.now() - t0) / 1e3);
    });
  }
  const gflop = 2 * m * n * k / 1e9;
  engines.forEach(([name], e) => {
    console.log(`${String(m).padStart(6)} ${String(n).padStart(6)} ${String(k).padStart(6)}  ${name.padEnd(16)} ${(gflop / median(times[e])).toFixed(1).padStart(10)}`);
  });
}
