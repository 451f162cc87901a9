// The practical compute ceiling: sgemm GFLOP/s (fastest call) through the backend's gemm (one N-API call per
// product) on large square shapes and on the model's own largest GEMM shapes, as a child process
// of bench/run.ts. Prints one JSON line: backend, threads, gflops (the best shape's), shapes.
//
//   node dist/bench/sgemm_ceiling.js [--threads 2] [--seconds 1.5]
import { parseArgs } from 'node:util';
import { loadBackend } from '../src/backend/index.js';

/** [m, n, k]: square, then base-v2's FFN (N = 1024 tokens, H = 768, I = 3072) and QKV. */
const SHAPES: [number, number, number][] = [[2048, 2048, 2048], [1024, 3072, 768], [1024, 768, 3072], [1024, 2304, 768]];

/** The fastest call over `seconds`: other processes on the machine can only slow a call down. */
function gflops(gemm: () => void, flop: number, seconds: number): number {
  gemm(); // warm up caches and the thread pool
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    gemm();
    best = Math.min(best, (performance.now() - t0) / 1000);
  } while (performance.now() < end);
  return flop / best / 1e9;
}

const { values } = parseArgs({ options: { threads: { type: 'string' }, seconds: { type: 'string' } } });
const backend = loadBackend({ threads: values.threads ? Number(values.threads) : undefined });
const seconds = Number(values.seconds ?? 1.5);
const shapes = SHAPES.map(([m, n, k]) => {
  const a = new Float32Array(m * k).fill(0.5), b = new Float32Array(k * n).fill(0.25), c = new Float32Array(m * n);
  const g = gflops(() => backend.gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n), 2 * m * n * k, seconds);
  return { m, n, k, gflops: g };
});
process.stdout.write(JSON.stringify({
  backend: backend.name, threads: backend.getThreads(), gflops: Math.max(...shapes.map((s) => s.gflops)), shapes,
}) + '\n');
