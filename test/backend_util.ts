// Helpers shared by the backend tests: a seeded RNG, a closeness assertion, native backend variants.
import assert from 'node:assert/strict';
import { NativeBackend } from '../src/backend/native.js';

/**
 * A NativeBackend on `file` (default: the main build) with every run-time switch of the addon set: they
 * are per addon, not per backend object, so each variant sets them all.
 */
export function nativeBackend(threads: number, opts: { portableGemm?: boolean; genericKernels?: boolean; dnnlForward?: boolean; file?: string } = {}): NativeBackend {
  const b = new NativeBackend(threads, opts.file);
  b.setPortableGemm(opts.portableGemm ?? false);
  b.setGenericKernels(opts.genericKernels ?? false);
  b.setDnnlForward(opts.dnnlForward ?? false); // our packed kernel, unless a test asks for oneDNN's forward
  return b;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [-scale, scale). */
export function randArray(r: () => number, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * r() - 1) * scale;
  return a;
}

/** |a - b| <= rel * |b| + abs elementwise; reports the worst element. */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, abs: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - b[i]) - (rel * Math.abs(b[i]) + abs);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) assert.fail(`${what}: element ${worst}: ${a[worst]} vs ${b[worst]} (rel ${rel}, abs ${abs})`);
}
