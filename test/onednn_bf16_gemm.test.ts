// The native bf16 GEMM (native/onednn.cc's dnnl_gemm_bf16, NativeBackend.gemmBf16) against its definition:
// C_p = alpha op(A_p) op(B_p) + beta C_p with A and B rounded to bf16 (bf16Round) and the sums in float64;
// every transposition, odd shapes, padded strides, batch 1 and 3, alpha 1 and 0.5, beta 0 (C starting as NaN:
// never read) and 1, on 1 and 2 pool threads (row blocks, column blocks, one task per product) with the
// AVX-512 and the portable conversions. Skipped, saying why, where the addon has no oneDNN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADDON_PATH, type Isa, NativeBackend, PORTABLE_ADDON_PATH } from '../src/backend/native.js';
import { loadDnnlAddon } from '../src/backend/onednn_addon.js';
import { bf16Gemms, bf16Round } from '../src/backend/bf16.js';
import { randArray, rng } from './backend_util.js';

const addon = existsSync(ADDON_PATH) ? loadDnnlAddon(ADDON_PATH) : null;
const version = addon?.dnnlVersion() ?? null;
const skip = !addon
  ? `native addon not built (${ADDON_PATH} missing): run npm run build:native`
  : version === null
    ? 'the addon was built without oneDNN (libdnnl-dev not installed, or ALBERT_NO_DNNL=1): no native bf16 GEMM to test'
    : null;
if (skip) console.log(`skipped: ${skip}`);

const SENTINEL = 12345.5; // in C's padding and between its batch blocks: must stay untouched
const TOL = 1e-5;

/** A backend whose switches (pool threads, ISA cap: per addon) are set as asked. */
function backend(threads: number, isa?: Isa): NativeBackend {
  const b = new NativeBackend(threads);
  b.setIsa(isa ?? b.cpuIsa());
  return b;
}
const ISAS: Isa[] = addon && version !== null && new NativeBackend().cpuIsa() === 'avx512' ? ['avx512', 'avx2'] : ['avx2'];

interface Case { ta: boolean; tb: boolean; m: number; n: number; k: number; pad: number; batch: number }

/** The operands as stored: A (m, k) or (k, m) when ta, B (k, n) or (n, k) when tb, C (m, n); batch blocks `gap` apart. */
function operands(cs: Case, seed: number) {
  const { ta, tb, m, n, k, pad, batch } = cs;
  const r = rng(seed);
  const lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + 2 * pad, ldc = n + pad;
  const gap = batch > 1 ? 5 : 0;
  const sa = (ta ? k : m) * lda + gap, sb = (tb ? n : k) * ldb + gap, sc = m * ldc + gap;
  const a = randArray(r, batch * sa, 2), b = randArray(r, batch * sb, 0.5);
  const c0 = randArray(r, batch * sc, 1);
  const inC = (x: number) => x % sc < m * ldc && (x % sc) % ldc < n;
  for (let x = 0; x < c0.length; x++) if (!inC(x)) c0[x] = SENTINEL;
  return { a, lda, sa, b, ldb, sb, c0, ldc, sc, inC };
}
type Operands = ReturnType<typeof operands>;

/** P_p = op(A_p) op(B_p) of the bf16-rounded operands, in float64, (batch, m, n). */
function product(cs: Case, o: Operands): Float64Array {
  const { ta, tb, m, n, k, batch } = cs;
  const p = new Float64Array(batch * m * n), x = new Float64Array(k), w = new Float64Array(k * n);
  for (let q = 0; q < batch; q++) {
    for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) w[l * n + j] = bf16Round(o.b[q * o.sb + (tb ? j * o.ldb + l : l * o.ldb + j)]);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < k; l++) x[l] = bf16Round(o.a[q * o.sa + (ta ? l * o.lda + i : i * o.lda + l)]);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += x[l] * w[l * n + j];
        p[(q * m + i) * n + j] = s;
      }
    }
  }
  return p;
}

/** max |got - want| / max |want| over every C_p; padding untouched, everything finite. */
function relError(cs: Case, o: Operands, p: Float64Array, alpha: number, beta: number, got: Float32Array, what: string): number {
  const { m, n } = cs;
  let err = 0, top = 0;
  for (let x = 0; x < got.length; x++) {
    if (!o.inC(x)) {
      assert.equal(got[x], SENTINEL, `${what}: C[${x}] outside the blocks was written`);
      continue;
    }
    const q = Math.floor(x / o.sc), i = Math.floor((x % o.sc) / o.ldc), j = (x % o.sc) % o.ldc;
    const want = alpha * p[(q * m + i) * n + j] + (beta === 0 ? 0 : beta * o.c0[x]);
    assert.ok(Number.isFinite(got[x]), `${what}: C_${q}[${i}, ${j}] = ${got[x]}`);
    err = Math.max(err, Math.abs(got[x] - want));
    top = Math.max(top, Math.abs(want));
  }
  return err / Math.max(top, 1e-30);
}

// 1, 7, 33, 77 and 300 in every role; with 2 threads: row blocks (m >= 64 or m >= n), column blocks (small m,
// wide n), one thread (under 262144 multiply-adds), and with batch 3 one task per product
const SHAPES: [number, number, number][] = [
  [1, 7, 33], [7, 33, 77], [33, 77, 1], [77, 1, 300], [300, 77, 33], [33, 300, 77], [7, 300, 300], [77, 300, 7], [300, 33, 77],
];

test('dnnlGemmBf16 is the product of bf16-rounded operands: every transposition, odd shapes, strides, batch, alpha, beta, threads', (t) => {
  if (skip) return t.skip(skip);
  let seed = 1, runs = 0;
  for (const [m, n, k] of SHAPES) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const [pad, batch] of [[0, 1], [3, 1], [0, 3], [3, 3]] as const) {
        const cs: Case = { ta, tb, m, n, k, pad, batch };
        const o = operands(cs, seed++);
        const p = product(cs, o);
        for (const threads of [1, 2]) {
          for (const isa of ISAS) {
            const be = backend(threads, isa);
            for (const alpha of [1, 0.5]) {
              for (const beta of [0, 1]) {
                const c = o.c0.slice();
                if (beta === 0) for (let x = 0; x < c.length; x++) if (o.inC(x)) c[x] = NaN; // must not be read
                be.gemmBf16!(ta, tb, m, n, k, alpha, o.a, o.lda, o.b, o.ldb, beta, c, o.ldc, batch, o.sa, o.sb, o.sc);
                const what = `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} m=${m} n=${n} k=${k} pad=${pad} batch=${batch} alpha=${alpha} beta=${beta} threads=${threads} ${isa}`;
                const rel = relError(cs, o, p, alpha, beta, c, what);
                assert.ok(rel <= TOL, `${what}: relative error ${rel.toExponential(2)} > ${TOL}`);
                runs++;
              }
            }
          }
        }
      }
    }
  }
  assert.equal(runs, SHAPES.length * 4 * 4 * 2 * ISAS.length * 4);
  backend(1);
});

test('dnnlGemmBf16 on ALBERT-like shapes (a Linear forward, dW = dy^T x, dx = dy W) on 2 threads', (t) => {
  if (skip) return t.skip(skip);
  const be = backend(2);
  for (const [ta, tb, m, n, k] of [[false, true, 256, 192, 384], [true, false, 192, 384, 256], [false, false, 256, 384, 192], [false, true, 16, 768, 96]] as const) {
    const cs: Case = { ta, tb, m, n, k, pad: 0, batch: 1 };
    const o = operands(cs, m + n + k);
    const c = o.c0.slice();
    be.gemmBf16!(ta, tb, m, n, k, 1, o.a, o.lda, o.b, o.ldb, 1, c, o.ldc);
    const rel = relError(cs, o, product(cs, o), 1, 1, c, `${m}x${n}x${k}`);
    assert.ok(rel <= TOL, `${m}x${n}x${k}: relative error ${rel}`);
  }
  backend(1);
});

test('dnnlGemmBf16: k = 0 and alpha = 0 give beta C without reading A or B; m = 0 and n = 0 do nothing; NaN in A stays NaN', (t) => {
  if (skip) return t.skip(skip);
  for (const threads of [1, 2]) {
    const be = backend(threads);
    const nanA = new Float32Array(6 * 4).fill(NaN), b = new Float32Array(4 * 5).fill(1);
    for (const [alpha, k] of [[1, 0], [0, 4]] as const) {
      const c = new Float32Array(6 * 5).fill(NaN);
      be.gemmBf16!(false, false, 6, 5, k, alpha, nanA, 4, b, 5, 0, c, 5);
      assert.deepEqual(Array.from(c), new Array(30).fill(0), `alpha=${alpha} k=${k} beta=0`);
      const d = new Float32Array(6 * 5).fill(3);
      be.gemmBf16!(false, false, 6, 5, k, alpha, nanA, 4, b, 5, 0.5, d, 5);
      assert.deepEqual(Array.from(d), new Array(30).fill(1.5), `alpha=${alpha} k=${k} beta=0.5`);
    }
    const c = new Float32Array(4).fill(7);
    be.gemmBf16!(false, false, 0, 2, 3, 1, new Float32Array(0), 3, new Float32Array(6), 2, 0, c, 2);
    be.gemmBf16!(false, false, 2, 0, 3, 1, new Float32Array(6), 3, new Float32Array(0), 1, 0, c, 1);
    assert.deepEqual(Array.from(c), [7, 7, 7, 7]);
    // a NaN in row 1 of A: row 1 of C is NaN (NaN * 0 included), the other rows are finite
    const m = 80, n = 64, k = 64, a = randArray(rng(3), m * k), w = new Float32Array(k * n);
    a[1 * k + 5] = NaN;
    const out = new Float32Array(m * n);
    be.gemmBf16!(false, false, m, n, k, 1, a, k, w, n, 0, out, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.equal(Number.isNaN(out[i * n + j]), i === 1, `C[${i}, ${j}] = ${out[i * n + j]}`);
  }
  backend(1);
});

test('dnnlGemmBf16: bad arguments throw gemm\'s errors', (t) => {
  if (skip) return t.skip(skip);
  const g = addon!;
  const a = new Float32Array(12), b = new Float32Array(12), c = new Float32Array(9);
  assert.throws(() => g.dnnlGemmBf16(false, false, 3, 3, 5, 1, a, 5, b, 3, 0, c, 3, 1, 0, 0, 0), /dnnlGemmBf16: a has 12 elements, the shapes need 15/);
  assert.throws(() => g.dnnlGemmBf16(false, false, 3, 3, 4, 1, a, 3, b, 3, 0, c, 3, 1, 0, 0, 0), /dnnlGemmBf16: lda 3 < columns of A 4/);
  assert.throws(() => g.dnnlGemmBf16(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 2, 1, 0, 0, 0), /dnnlGemmBf16: ldc 2 < n 3/);
  assert.throws(() => g.dnnlGemmBf16(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, 2, 0, 0, 4), /strideC is smaller than one C block/);
  assert.throws(() => g.dnnlGemmBf16(false, false, 3, 3, 4, 1, a, 4, new Int32Array(12) as unknown as Float32Array, 3, 0, c, 3, 1, 0, 0, 0), /b must be a Float32Array/);
});

test('the native backend has gemmBf16 exactly where oneDNN is built in, and the bf16 view runs its GEMMs on it', (t) => {
  if (skip) return t.skip(skip);
  const be = backend(1);
  assert.equal(typeof be.gemmBf16, 'function');
  const calls: unknown[][] = [];
  const spy = Object.create(be) as NativeBackend & { gemmBf16: NativeBackend['gemm'] };
  spy.gemmBf16 = (...args: Parameters<NativeBackend['gemm']>) => { calls.push(args); be.gemmBf16!(...args); };
  const v = bf16Gemms(spy);
  const a = randArray(rng(5), 4 * 6), b = randArray(rng(6), 6 * 3), c = new Float32Array(12);
  v.gemm(false, false, 4, 3, 6, 1, a, 6, b, 3, 0, c, 3);
  assert.equal(calls.length, 1);
  // the emulation (fp32 GEMM of rounded copies) gives the same numbers up to the order of the fp32 sums
  const e = new Float32Array(12), ra = a.map(bf16Round), rb = b.map(bf16Round);
  be.gemm(false, false, 4, 3, 6, 1, ra, 6, rb, 3, 0, e, 3);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(c[i] - e[i]) <= 1e-6 * Math.max(1, Math.abs(e[i])), `[${i}] ${c[i]} vs ${e[i]}`);
  if (existsSync(PORTABLE_ADDON_PATH)) {
    const portable = new NativeBackend(1, PORTABLE_ADDON_PATH); // built without oneDNN: the view emulates
    assert.equal(portable.dnnl(), null);
    assert.equal(portable.gemmBf16, undefined);
    const d = new Float32Array(12);
    bf16Gemms(portable).gemm(false, false, 4, 3, 6, 1, a, 6, b, 3, 0, d, 3);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(d[i] - e[i]) <= 1e-6 * Math.max(1, Math.abs(e[i])));
  }
});
