// gemmPacked (B packed once, bias fused) against the unpacked Linear path, gemm (CBLAS) + addBias, on
// ALBERT-base-v2's Linear shapes y = x W^T + b (what inference packs; training does not), for
// M = 1024 (batch 8 x seq 128) and M = 128 (batch 1). The two run alternately in one process, so a
// neighbour's load hits both alike; figures are medians. Decide with --threads 1 (and --cpu-time on a
// shared machine). It times the packed kernel itself, also where NativeBackend hands the call to CBLAS
// (one thread, >= 512 rows: see gemmPacked in src/backend/native.ts).
//
//   npm run build && node dist/bench/packed_gemm.js [--threads T] [--rounds 15] [--cpu-time] [--json]
import { parseArgs } from 'node:util';
import { NativeBackend } from '../src/backend/native.js';
import { median } from '../src/cli/bench_stats.js';
import { filled, makeClock } from './util.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string' },
    rounds: { type: 'string', default: '15' },
    'cpu-time': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const threadList = values.threads ? [Number(values.threads)] : [1, 2];
const rounds = Number(values.rounds);
const cpuTime = values['cpu-time'];

/** Seconds now: wall clock, or this process's CPU time with --cpu-time. */
const now = makeClock(cpuTime);

interface Row {
  threads: number; m: number; n: number; k: number;
  blas_gflops: number; packed_gflops: number; speedup: number; pack_ms: number;
}

// (n, k) of op(B) = W^T: qkv, dense, ffn, ffn_output
const SHAPES: [number, number][] = [[2304, 768], [768, 768], [3072, 768], [768, 3072]];

const rows: Row[] = [];
for (const threads of threadList) {
  const be = new NativeBackend(threads);
  for (const m of [1024, 128]) {
    for (const [n, k] of SHAPES) {
      // W is (n, k) = (out, in)
      const a = filled(m * k, 1), w = filled(n * k, 2), bias = filled(n, 3), c = new Float32Array(m * n);
      const blas = () => {
        be.gemm(false, true, m, n, k, 1, a, k, w, k, 0, c, n);
        be.addBias(c, bias, m, n);
      };
      let packed = be.packB(w, k, true, k, n);
      // the kernel itself: without its source B, gemmPacked cannot hand one-thread calls to CBLAS
      const packedRun = () => be.gemmPacked(m, a, k, { ...packed, source: undefined }, 0, c, n, bias);
      blas();
      packedRun();
      const tb: number[] = [], tp: number[] = [], tpack: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let t0 = now();
        blas();
        tb.push(now() - t0);
        t0 = now();
        packedRun();
        tp.push(now() - t0);
        t0 = now();
        packed = be.packB(w, k, true, k, n, packed);
        tpack.push(now() - t0);
      }
      const gflop = 2 * m * n * k / 1e9, b = median(tb), p = median(tp);
      rows.push({
        threads, m, n, k, blas_gflops: gflop / b, packed_gflops: gflop / p, speedup: b / p, pack_ms: median(tpack) * 1e3,
      });
    }
  }
}

if (values.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(`gemmPacked vs gemm + addBias (${new NativeBackend().gemmImpl()}), medians of ${rounds} alternating rounds${cpuTime ? ', CPU time' : ''}`);
  console.log('threads      M      N      K   blas GF/s  packed GF/s  speedup  pack ms');
  for (const r of rows) {
    console.log(`${String(r.threads).padStart(7)}  ${String(r.m).padStart(5)} ${String(r.n).padStart(6)} ${String(r.k).padStart(6)}`
      + `  ${r.blas_gflops.toFixed(1).padStart(10)}  ${r.packed_gflops.toFixed(1).padStart(11)}  ${r.speedup.toFixed(2).padStart(7)}  ${r.pack_ms.toFixed(2).padStart(7)}`);
  }
}
