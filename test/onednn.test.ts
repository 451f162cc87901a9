// The optional oneDNN engine (native/onednn.cc) against plain-JS references: fp32 (float64 sums), bf16 (A and
// W rounded to bf16 first, float64 sums) and s8 (the integer math and fp32 epilogue native/onednn.cc spells
// out), on odd and ALBERT-like shapes, transposed and not, padded strides, beta 0 and 1, with and without
// bias, linear and gelu_new, on 1 and 2 pool threads, with the AVX-512 and the portable conversions. Skipped, saying why, where the addon has no oneDNN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { JsBackend } from '../src/backend/js.js';
import { ADDON_PATH, type Isa, NativeBackend, PORTABLE_ADDON_PATH } from '../src/backend/native.js';
import { loadDnnlAddon, type DnnlAddon, type DnnlType, type DnnlWeights } from '../src/backend/onednn_addon.js';
import { bf16Round } from '../src/backend/bf16.js';
import type { Activation } from '../src/backend/backend.js';
import { randArray, rng } from './backend_util.js';

const addon: DnnlAddon | null = existsSync(ADDON_PATH) ? loadDnnlAddon(ADDON_PATH) : null;
const version = addon?.dnnlVersion() ?? null;
const skip = !addon
  ? `native addon not built (${ADDON_PATH} missing): run npm run build:native`
  : version === null
    ? 'the addon was built without oneDNN (libdnnl-dev not installed, or ALBERT_NO_DNNL=1): nothing to test'
    : null;
if (version) console.log(`engine: ${version}`);

const js = new JsBackend();
/** enum Act in native/kernels.h */
const ACT: Record<'linear' | 'gelu_new', number> = { linear: 0, gelu_new: 2 };
const SENTINEL = 12345.5; // in the padding of C: must stay untouched

/** The addon's pool threads and ISA cap (both per addon: a backend on the same file sets them). */
function configure(threads: number, isa?: Isa): void {
  const b = new NativeBackend(threads);
  b.setIsa(isa ?? b.cpuIsa());
}
/** The ISA levels of the conversions around oneDNN (bf16 rounding, s8 quantization and epilogue): AVX-512 and portable. */
const ISAS: Isa[] = addon && new NativeBackend().cpuIsa() === 'avx512' ? ['avx512', 'avx2'] : ['avx2'];

/** nearbyint in the default rounding mode: ties to even. */
function roundEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}
const clamp255 = (v: number) => (v >= 0 ? (v <= 255 ? v : 255) : 0);

interface Case {
  m: number; k: number; n: number; transB: boolean;
  padA: number; padB: number; padC: number; beta: 0 | 1; bias: boolean; act: 'linear' | 'gelu_new';
}

const CASES: Case[] = [
  { m: 1, k: 33, n: 77, transB: true, padA: 0, padB: 0, padC: 0, beta: 0, bias: false, act: 'linear' },
  { m: 7, k: 77, n: 33, transB: false, padA: 3, padB: 2, padC: 5, beta: 1, bias: true, act: 'gelu_new' },
  { m: 64, k: 33, n: 77, transB: true, padA: 1, padB: 3, padC: 2, beta: 0, bias: true, act: 'gelu_new' },
  { m: 300, k: 77, n: 33, transB: false, padA: 0, padB: 0, padC: 0, beta: 1, bias: false, act: 'linear' },
  { m: 300, k: 33, n: 77, transB: true, padA: 5, padB: 0, padC: 3, beta: 1, bias: true, act: 'gelu_new' },
  { m: 128, k: 768, n: 768, transB: true, padA: 0, padB: 0, padC: 0, beta: 0, bias: true, act: 'gelu_new' },
];

/** A test's operands: W as op(W)[l, j] = w[l * n + j] (whatever the packed layout), A, bias, C's start. */
interface Operands {
  a: Float32Array; lda: number; w: Float64Array; bias: Float32Array | null; c0: Float32Array; ldc: number;
  packed: DnnlWeights; wScale?: Float32Array; wColSum?: Int32Array;
}

function operands(cs: Case, dtype: DnnlType, seed: number): Operands {
  const { m, k, n, transB } = cs;
  const r = rng(seed);
  const lda = k + cs.padA, ldc = n + cs.padC;
  const rowsB = transB ? n : k, colsB = transB ? k : n, ldb = colsB + cs.padB;
  const a = randArray(r, m * lda, 2);
  const bias = cs.bias ? randArray(r, n, 0.5) : null;
  const c0 = randArray(r, m * ldc, 1);
  for (let i = 0; i < m; i++) c0.fill(SENTINEL, i * ldc + n, (i + 1) * ldc);
  const at = (l: number, j: number) => (transB ? j * ldb + l : l * ldb + j); // op(B)[l, j] in b
  const w = new Float64Array(k * n);
  let packed: DnnlWeights, wScale: Float32Array | undefined, wColSum: Int32Array | undefined;
  if (dtype === 's8') {
    const b = new Int8Array(rowsB * ldb);
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 255) - 127;
    wScale = new Float32Array(n).map(() => 0.001 + 0.02 * r());
    wColSum = new Int32Array(n);
    for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) { w[l * n + j] = b[at(l, j)]; wColSum[j] += b[at(l, j)]; }
    packed = addon!.dnnlPack(b, ldb, transB, k, n, 's8');
  } else {
    const b = randArray(r, rowsB * ldb, 0.5);
    if (dtype === 'bf16') {
      const bits = new Uint16Array(b.length), f = new Float32Array(1), u = new Uint32Array(f.buffer);
      for (let i = 0; i < b.length; i++) { f[0] = bf16Round(b[i]); bits[i] = u[0] >>> 16; b[i] = f[0]; }
      packed = addon!.dnnlPack(bits, ldb, transB, k, n, 'bf16');
    } else {
      packed = addon!.dnnlPack(b, ldb, transB, k, n, 'f32');
    }
    for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) w[l * n + j] = b[at(l, j)];
  }
  return { a, lda, w, bias, c0, ldc, packed, wScale, wColSum };
}

/** The reference C (m, ldc): the pre-activation in float64 (f32, bf16) or the fp32 spec (s8), then act. */
function reference(cs: Case, dtype: DnnlType, o: Operands, m = cs.m): Float32Array {
  const { k, n } = cs;
  const c = o.c0.slice(0, m * o.ldc);
  const row = new Float32Array(n);
  const x = new Float64Array(k);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < k; l++) x[l] = dtype === 'bf16' ? bf16Round(o.a[i * o.lda + l]) : o.a[i * o.lda + l];
    let s = 1, zp = 0;
    if (dtype === 's8') {
      let lo = 0, hi = 0;
      for (let l = 0; l < k; l++) { lo = Math.min(lo, x[l]); hi = Math.max(hi, x[l]); }
      s = Math.fround(Math.fround(hi - lo) / 255);
      if (s === 0) s = 1;
      zp = clamp255(roundEven(Math.fround(-lo / s)));
      for (let l = 0; l < k; l++) x[l] = clamp255(roundEven(Math.fround(x[l] / s)) + zp);
    }
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let l = 0; l < k; l++) acc += x[l] * o.w[l * n + j];
      const old = c[i * o.ldc + j];
      if (dtype === 's8') {
        let y = Math.fround(Math.fround(s * o.wScale![j]) * Math.fround(acc - zp * o.wColSum![j]));
        if (o.bias) y = Math.fround(y + o.bias[j]);
        if (cs.beta) y = Math.fround(y + old);
        row[j] = y;
      } else {
        row[j] = acc + (o.bias ? o.bias[j] : 0) + (cs.beta ? old : 0);
      }
    }
    js.activationForward(cs.act as Activation, row, row, n);
    c.set(row, i * o.ldc);
  }
  return c;
}

function run(cs: Case, o: Operands, m = cs.m): Float32Array {
  const c = o.c0.slice(0, m * o.ldc);
  addon!.dnnlMatmul(o.packed, m, o.a, o.lda, cs.beta, c, o.ldc, o.bias, ACT[cs.act], o.wScale, o.wColSum);
  return c;
}

/** max |got - want| over C's (m, n), relative to max |want|; the padding must be untouched. */
function relError(got: Float32Array, want: Float32Array, m: number, n: number, ldc: number, what: string): number {
  let err = 0, top = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = got[i * ldc + j], w = want[i * ldc + j];
      assert.ok(Number.isFinite(g), `${what}: C[${i}, ${j}] = ${g}`);
      err = Math.max(err, Math.abs(g - w));
      top = Math.max(top, Math.abs(w));
    }
    for (let j = n; j < ldc; j++) assert.equal(got[i * ldc + j], SENTINEL, `${what}: the padding of C row ${i} was written`);
  }
  return err / Math.max(top, 1e-30);
}

const TOL: Record<DnnlType, number> = { f32: 1e-5, bf16: 1e-5, s8: 1e-6 };
const label = (cs: Case) =>
  `m=${cs.m} k=${cs.k} n=${cs.n}${cs.transB ? ' transB' : ''}${cs.padA + cs.padB + cs.padC ? ' padded' : ''} beta=${cs.beta}${cs.bias ? ' bias' : ''} ${cs.act}`;

for (const dtype of ['f32', 'bf16', 's8'] as const) {
  test(`dnnlMatmul ${dtype} matches its reference (1 and 2 threads)`, (t) => {
    if (skip) return t.skip(skip);
    CASES.forEach((cs, ci) => {
      const o = operands(cs, dtype, 100 + ci);
      const want = reference(cs, dtype, o);
      for (const [threads, isa] of [1, 2].flatMap((th) => ISAS.map((i) => [th, i] as const))) {
        configure(threads, isa);
        const what = `${dtype} ${label(cs)} threads=${threads} ${isa}`;
        const got = run(cs, o);
        const rel = relError(got, want, cs.m, cs.n, o.ldc, what);
        assert.ok(rel <= TOL[dtype], `${what}: relative error ${rel.toExponential(2)} > ${TOL[dtype]}`);
        // s8's integer accumulator is exact and its fp32 epilogue is specified: without an activation (whose
        // native and js versions differ in the last bits) the result is the specification's to the bit
        if (dtype === 's8' && cs.act === 'linear') assert.deepEqual(got, want, `${what}: bit for bit`);
      }
    });
    configure(1);
  });
}

test('dnnlMatmul: one prepacked weight serves calls of different m', (t) => {
  if (skip) return t.skip(skip);
  configure(2);
  for (const dtype of ['f32', 'bf16', 's8'] as const) {
    const cs: Case = { m: 200, k: 96, n: 80, transB: true, padA: 0, padB: 0, padC: 0, beta: 0, bias: true, act: 'linear' };
    const o = operands(cs, dtype, 7);
    for (const m of [5, 200, 64]) {
      const rel = relError(run(cs, o, m), reference(cs, dtype, o, m), m, cs.n, o.ldc, `${dtype} m=${m}`);
      assert.ok(rel <= TOL[dtype], `${dtype} m=${m}: relative error ${rel}`);
    }
  }
  configure(1);
});

test('dnnlPack / dnnlMatmul: bad arguments throw clear errors', (t) => {
  if (skip) return t.skip(skip);
  const a = addon!;
  const w = new Float32Array(6 * 4);
  assert.throws(() => a.dnnlPack(w, 4, false, 6, 4, 'f16' as DnnlType), /dnnlPack: unknown dtype "f16" \(f32, bf16 or s8\)/);
  assert.throws(() => a.dnnlPack(w, 4, false, 6, 4, 'bf16'), /b must be a Uint16Array/);
  assert.throws(() => a.dnnlPack(w, 4, false, 6, 4, 's8'), /b must be a Int8Array/);
  assert.throws(() => a.dnnlPack(w, 4, false, 7, 4, 'f32'), /b has 24 elements, the shapes need 28/);
  assert.throws(() => a.dnnlPack(w, 3, false, 6, 4, 'f32'), /ldb 3 < columns of B 4/);
  const p = a.dnnlPack(w, 4, false, 6, 4, 'f32');
  const x = new Float32Array(2 * 6), c = new Float32Array(2 * 4);
  a.dnnlMatmul(p, 0, new Float32Array(0), 6, 0, new Float32Array(0), 4, null, 0); // m = 0: nothing to do
  assert.throws(() => a.dnnlMatmul({} as DnnlWeights, 2, x, 6, 0, c, 4, null, 0), /w must be a weight made by dnnlPack/);
  assert.throws(() => a.dnnlMatmul(p, 3, x, 6, 0, c, 4, null, 0), /a has 12 elements, the shapes need 18/);
  assert.throws(() => a.dnnlMatmul(p, 2, x, 6, 0.5 as 0, c, 4, null, 0), /beta must be 0 or 1/);
  assert.throws(() => a.dnnlMatmul(p, 2, x, 6, 0, c, 4, new Float32Array(3), 0), /bias has 3 elements/);
  assert.throws(() => a.dnnlMatmul(p, 2, x, 6, 0, c, 4, null, 9), /unknown activation code 9/);
  const q = a.dnnlPack(new Int8Array(24), 4, false, 6, 4, 's8');
  assert.throws(() => a.dnnlMatmul(q, 2, x, 6, 0, c, 4, null, 0), /wScale must be a Float32Array/);
  assert.throws(() => a.dnnlMatmul(q, 2, x, 6, 0, c, 4, null, 0, new Float32Array(4)), /wColSum must be a Int32Array/);
});

test('an addon built without oneDNN says so', (t) => {
  if (!existsSync(PORTABLE_ADDON_PATH)) return t.skip(`the portable build (${PORTABLE_ADDON_PATH}) is missing`);
  const portable = loadDnnlAddon(PORTABLE_ADDON_PATH); // binding.gyp builds it without oneDNN
  assert.equal(portable.dnnlVersion(), null);
  assert.throws(() => portable.dnnlPack(new Float32Array(4), 2, false, 2, 2, 'f32'), /dnnlPack: albert-ts was built without oneDNN/);
});
