// Every native kernel against the js specification (rel. 1e-5 with an abs floor suited to each
// kernel), on odd shapes, transposes, batch strides, masks, dropout (bit-exact masks), ignore
// index; with 1, 2 and 4 threads, with CBLAS and with the portable GEMM (forced and as its own build),
// and with the generic kernels in place of the AVX2 ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { JsBackend } from '../src/backend/js.js';
import { NativeBackend, ADDON_PATH, PORTABLE_ADDON_PATH } from '../src/backend/native.js';
import { loadBackend, nativeUnavailableReason } from '../src/backend/index.js';
import type { Activation, Backend } from '../src/backend/backend.js';
import { rng, randArray, assertClose, nativeBackend } from './backend_util.js';

const js = new JsBackend();
const MIN = -3.4028234663852886e38;

interface Variant {
  label: string;
  make(): NativeBackend;
}

const variants: Variant[] = [];
if (existsSync(ADDON_PATH)) {
  for (const threads of [1, 2, 4]) { // 4: GEMMs split into 2 x 2 grids
    variants.push({ label: `native threads=${threads}`, make: () => nativeBackend(threads) });
  }
  variants.push({ label: 'native portable-gemm threads=2', make: () => nativeBackend(2, { portableGemm: true }) });
  // the portable kernels beside the AVX2 ones (softmax, packed GEMM): what runs on CPUs without AVX2
  variants.push({ label: 'native generic kernels threads=2', make: () => nativeBackend(2, { genericKernels: true }) });
}
if (existsSync(PORTABLE_ADDON_PATH)) {
  variants.push({ label: 'portable build threads=2', make: () => nativeBackend(2, { file: PORTABLE_ADDON_PATH }) });
}

if (variants.length === 0) {
  test('native backend', (t) => t.skip(`native addon not built (${ADDON_PATH} missing): run npm run build:native`));
}

function checkGemm(nb: Backend, r: () => number): void {
  const shapes = [[1, 1, 1], [7, 5, 3], [33, 17, 65], [1, 65, 7], [65, 1, 33], [70, 65, 66], [20, 300, 50]];
  for (const [m, n, k] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const batch of [1, 3]) {
          const lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 1;
          const sA = (ta ? k : m) * lda + 3, sB = (tb ? n : k) * ldb, sC = m * ldc + 1;
          const a = randArray(r, batch * sA), b = randArray(r, batch * sB);
          for (const beta of [0, 0.5]) {
            const c0 = randArray(r, batch * sC);
            if (beta === 0) c0.fill(NaN); // beta = 0 must not read C
            const c1 = c0.slice(), c2 = c0.slice();
            js.gemm(ta, tb, m, n, k, 0.75, a, lda, b, ldb, beta, c1, ldc, batch, sA, sB, sC);
            nb.gemm(ta, tb, m, n, k, 0.75, a, lda, b, ldb, beta, c2, ldc, batch, sA, sB, sC);
            // untouched gaps between rows stay NaN in both: compare with NaN == NaN
            for (let i = 0; i < c1.length; i++) if (Number.isNaN(c1[i])) { assert.ok(Number.isNaN(c2[i]), `gemm wrote outside C at ${i}`); c1[i] = c2[i] = 0; }
            assertClose(c2, c1, 1e-5, 2e-7 * k, `gemm m=${m} n=${n} k=${k} ta=${ta} tb=${tb} batch=${batch} beta=${beta}`);
          }
        }
      }
    }
  }
  // default strides (batch 1) and subarray views
  const a = randArray(r, 40), b = randArray(r, 40), c1 = new Float32Array(30), c2 = new Float32Array(30);
  js.gemm(false, false, 4, 5, 6, 1, a.subarray(3), 6, b.subarray(7), 5, 0, c1.subarray(5), 5);
  nb.gemm(false, false, 4, 5, 6, 1, a.subarray(3), 6, b.subarray(7), 5, 0, c2.subarray(5), 5);
  assertClose(c2, c1, 1e-5, 1e-6, 'gemm on subarrays');
}

function checkElementwise(nb: Backend, r: () => number): void {
  for (const [rows, cols] of [[1, 1], [7, 33], [65, 7], [300, 129]]) {
    const x = randArray(r, rows * cols), bias = randArray(r, cols);
    const x1 = x.slice(), x2 = x.slice();
    js.addBias(x1, bias, rows, cols);
    nb.addBias(x2, bias, rows, cols);
    assertClose(x2, x1, 1e-6, 0, `addBias ${rows}x${cols}`);
    const d0 = randArray(r, cols), d1 = d0.slice(), d2 = d0.slice();
    js.biasGrad(x, d1, rows, cols);
    nb.biasGrad(x, d2, rows, cols);
    assertClose(d2, d1, 1e-5, 1e-6 * Math.sqrt(rows), `biasGrad ${rows}x${cols}`);
  }
  const acts: Activation[] = ['gelu', 'gelu_new', 'relu', 'silu', 'tanh', 'linear'];
  const n = 4099;
  const x = randArray(r, n, 8);
  // exact corners: zero, the series/tail boundary of the native gelu, large magnitudes, tiny values
  x.set([0, 3.5355339, -3.5355339, 3.5355341, -3.5355341, 20, -20, 1e-6, -1e-6, 90, -90]);
  const dy = randArray(r, n);
  for (const act of acts) {
    const y1 = new Float32Array(n), y2 = new Float32Array(n);
    js.activationForward(act, x, y1, n);
    nb.activationForward(act, x, y2, n);
    assertClose(y2, y1, 1e-5, 1e-7, `activationForward ${act}`);
    const dx1 = new Float32Array(n), dx2 = dy.slice();
    js.activationBackward(act, x, dy, dx1, n);
    nb.activationBackward(act, x, dx2, dx2, n); // dx aliases dy
    assertClose(dx2, dx1, 1e-5, 1e-7, `activationBackward ${act}`);
  }
  const m = 100003;
  const a = randArray(r, m), b = randArray(r, m);
  const o1 = new Float32Array(m), o2 = new Float32Array(m);
  js.add(a, b, o1, m);
  nb.add(a, b, o2, m);
  assertClose(o2, o1, 0, 0, 'add');
  js.axpy(-0.3, a, o1, m);
  nb.axpy(-0.3, a, o2, m);
  assertClose(o2, o1, 1e-6, 1e-7, 'axpy');
  js.scale(o1, 1.7, m);
  nb.scale(o2, 1.7, m);
  assertClose(o2, o1, 1e-6, 1e-7, 'scale');
  const s1 = js.sumSquares(a, m), s2 = nb.sumSquares(a, m);
  assert.ok(Math.abs(s1 - s2) <= 1e-12 * s1, `sumSquares ${s2} vs ${s1}`);
  assert.equal(nb.sumSquares(a, 0), 0);
  const p = randArray(r, m), g = randArray(r, m), m0 = randArray(r, m, 0.1), v0 = Float32Array.from(randArray(r, m, 0.01), Math.abs);
  const [m1, v1, m2, v2] = [m0.slice(), v0.slice(), m0.slice(), v0.slice()];
  const u1 = new Float32Array(m), u2 = new Float32Array(m);
  js.adamUpdate(p, g, m1, v1, u1, m, 0.9, 0.999, 1e-6, 1 - 0.9 ** 3, 1 - 0.999 ** 3, 0.01);
  nb.adamUpdate(p, g, m2, v2, u2, m, 0.9, 0.999, 1e-6, 1 - 0.9 ** 3, 1 - 0.999 ** 3, 0.01);
  assertClose(m2, m1, 1e-5, 2e-8, 'adam m');
  assertClose(v2, v1, 1e-5, 1e-10, 'adam v');
  assertClose(u2, u1, 1e-5, 1e-6, 'adam update');
  // in place (the optimizer passes the gradient as the update buffer): the same update on both backends
  for (const be of [js, nb]) {
    const gi = g.slice(), mi = m0.slice(), vi = v0.slice();
    be.adamUpdate(p, gi, mi, vi, gi, m, 0.9, 0.999, 1e-6, 1 - 0.9 ** 3, 1 - 0.999 ** 3, 0.01);
    assertClose(gi, u1, 1e-5, 1e-6, 'adam update in place');
    assertClose(mi, m1, 1e-5, 2e-8, 'adam m (update in place)');
  }
}

function checkLayerNorm(nb: Backend, r: () => number): void {
  for (const [rows, cols] of [[1, 1], [3, 7], [7, 33], [65, 65], [20, 768]]) {
    const x = randArray(r, rows * cols, 3).map((t) => t + 1.5), gamma = randArray(r, cols), beta = randArray(r, cols);
    const y1 = new Float32Array(rows * cols), y2 = new Float32Array(rows * cols);
    const mean1 = new Float32Array(rows), rstd1 = new Float32Array(rows), mean2 = new Float32Array(rows), rstd2 = new Float32Array(rows);
    js.layerNormForward(x, gamma, beta, y1, mean1, rstd1, rows, cols, 1e-12);
    nb.layerNormForward(x, gamma, beta, y2, mean2, rstd2, rows, cols, 1e-12);
    assertClose(y2, y1, 1e-5, 1e-6, `layerNormForward ${rows}x${cols}`);
    assertClose(mean2, mean1, 1e-6, 1e-7, 'mean');
    assertClose(rstd2, rstd1, 1e-5, 0, 'rstd');
    const dy = randArray(r, rows * cols);
    const dg0 = randArray(r, cols), db0 = randArray(r, cols);
    const [dg1, db1, dg2, db2] = [dg0.slice(), db0.slice(), dg0.slice(), db0.slice()];
    const dx1 = new Float32Array(rows * cols), dx2 = dy.slice();
    js.layerNormBackward(dy, x, gamma, mean1, rstd1, dx1, dg1, db1, rows, cols);
    nb.layerNormBackward(dx2, x, gamma, mean1, rstd1, dx2, dg2, db2, rows, cols); // dx aliases dy
    // one column: dx is 0 up to rounding of dy * gamma (FMA or not), amplified by rstd = 1/sqrt(eps)
    const scaleDx = cols === 1 ? 1e-6 * Math.max(...rstd1) : 1e-6;
    assertClose(dx2, dx1, 1e-5, scaleDx, `layerNormBackward dx ${rows}x${cols}`);
    assertClose(dg2, dg1, 1e-5, 1e-6 * Math.sqrt(rows), 'dgamma');
    assertClose(db2, db1, 1e-5, 1e-6 * Math.sqrt(rows), 'dbeta');
  }
}

function checkAttention(nb: Backend, r: () => number): void {
  const cases = [
    { B: 1, S: 1, nh: 1, hd: 1, p: 0, masked: false },
    { B: 2, S: 7, nh: 3, hd: 5, p: 0, masked: true },
    { B: 2, S: 33, nh: 2, hd: 8, p: 0.1, masked: true },
    { B: 3, S: 17, nh: 4, hd: 16, p: 0.5, masked: false },
    { B: 1, S: 65, nh: 1, hd: 7, p: 0.1, masked: true },
    { B: 1, S: 200, nh: 2, hd: 4, p: 0.1, masked: true }, // long rows: native works in query-row blocks
    // without dropout native (AVX2) packs K^T and V into 16-wide panels: keys and dimensions past a panel
    // (37 keys, 24 dimensions), query strips of 6 rows and one, and base-v2's head dimension
    { B: 2, S: 37, nh: 2, hd: 24, p: 0, masked: true },
    { B: 1, S: 130, nh: 2, hd: 64, p: 0, masked: false },
  ];
  for (const { B, S, nh, hd, p, masked } of cases) {
    const H = nh * hd, N = B * S * H, label = `attention B=${B} S=${S} nh=${nh} hd=${hd} p=${p} mask=${masked}`;
    const q = randArray(r, N, 2), k = randArray(r, N, 2), v = randArray(r, N);
    let mask: Float32Array | null = null;
    if (masked) {
      mask = new Float32Array(B * S);
      for (let i = 0; i < B * S; i++) if (r() < 0.3) mask[i] = MIN;
      if (B > 1) mask.fill(MIN, 0, S); // batch 0 fully masked: uniform probabilities
    }
    const scale = 1 / Math.sqrt(hd), seed = 0x9e3779b9;
    const probs1 = new Float32Array(B * nh * S * S), probs2 = new Float32Array(B * nh * S * S);
    const ctx1 = new Float32Array(N), ctx2 = new Float32Array(N);
    js.attentionForward(q, k, v, mask, probs1, ctx1, B, S, nh, hd, scale, p, seed);
    nb.attentionForward(q, k, v, mask, probs2, ctx2, B, S, nh, hd, scale, p, seed);
    assertClose(probs2, probs1, 1e-5, 1e-7, `${label} probs`);
    for (let i = 0; i < probs1.length; i++) assert.equal(probs1[i] === 0, probs2[i] === 0, `${label}: masked entry ${i} differs`);
    assertClose(ctx2, ctx1, 1e-5, 1e-6, `${label} ctx`);
    for (const be of [js, nb]) { // probs null (inference): the same ctx, dropout included
      const ctx0 = new Float32Array(N);
      be.attentionForward(q, k, v, mask, null, ctx0, B, S, nh, hd, scale, p, seed);
      assertClose(ctx0, ctx1, 1e-5, 1e-6, `${label} ${be.name} ctx without probs`);
    }
    const dctx = randArray(r, N);
    const g1 = [new Float32Array(N), new Float32Array(N), new Float32Array(N)];
    const g2 = [new Float32Array(N).fill(NaN), new Float32Array(N).fill(NaN), new Float32Array(N).fill(NaN)];
    js.attentionBackward(dctx, q, k, v, probs1, g1[0], g1[1], g1[2], B, S, nh, hd, scale, p, seed);
    nb.attentionBackward(dctx, q, k, v, probs1, g2[0], g2[1], g2[2], B, S, nh, hd, scale, p, seed);
    for (const [i, name] of ['dq', 'dk', 'dv'].entries()) assertClose(g2[i], g1[i], 1e-5, 2e-6, `${label} ${name}`);
    // q, k, v as column views of one packed (B*S, 3H) tensor (ldqkv = 3H), on both backends
    const rows = B * S, pack = (parts: Float32Array[]) => {
      const out = new Float32Array(rows * 3 * H);
      for (let t = 0; t < rows; t++) parts.forEach((x, c) => out.set(x.subarray(t * H, t * H + H), t * 3 * H + c * H));
      return out;
    };
    const qkv = pack([q, k, v]), views = (a: Float32Array) => [a, a.subarray(H), a.subarray(2 * H)] as const;
    for (const be of [js, nb]) {
      const probs3 = new Float32Array(B * nh * S * S), ctx3 = new Float32Array(N), dqkv = new Float32Array(rows * 3 * H).fill(NaN);
      be.attentionForward(...views(qkv), mask, probs3, ctx3, B, S, nh, hd, scale, p, seed, 3 * H);
      assertClose(probs3, probs1, 1e-5, 1e-7, `${label} ${be.name} packed probs`);
      assertClose(ctx3, ctx1, 1e-5, 1e-6, `${label} ${be.name} packed ctx`);
      be.attentionBackward(dctx, ...views(qkv), probs1, ...views(dqkv), B, S, nh, hd, scale, p, seed, 3 * H);
      assertClose(dqkv, pack(g1), 1e-5, 2e-6, `${label} ${be.name} packed dq dk dv`);
    }
  }
}

function checkEmbeddingDropoutLoss(nb: Backend, r: () => number): void {
  for (const [rowsT, dim, n] of [[5, 1, 3], [50, 33, 65], [1000, 128, 300]]) {
    const table = randArray(r, rowsT * dim);
    const ids = Int32Array.from({ length: n }, () => Math.floor(r() * rowsT));
    ids[0] = ids[n - 1] = rowsT - 1; // repeated ids accumulate
    for (const acc of [false, true]) {
      const o0 = randArray(r, n * dim), o1 = o0.slice(), o2 = o0.slice();
      js.embeddingForward(ids, table, o1, n, dim, acc);
      nb.embeddingForward(ids, table, o2, n, dim, acc);
      assertClose(o2, o1, 1e-6, 0, `embeddingForward acc=${acc}`);
    }
    const bwIds = ids.slice();
    bwIds[1 % n] = -1; // skipped
    const dout = randArray(r, n * dim), t0 = randArray(r, rowsT * dim), t1 = t0.slice(), t2 = t0.slice();
    js.embeddingBackward(bwIds, dout, t1, n, dim);
    nb.embeddingBackward(bwIds, dout, t2, n, dim);
    assertClose(t2, t1, 1e-5, 1e-6, 'embeddingBackward');
  }
  for (const p of [0, 0.1, 0.5, 1]) {
    const n = 70001, x = randArray(r, n), y1 = new Float32Array(n), y2 = x.slice();
    js.dropoutForward(x, y1, n, p, 42 + p * 10);
    nb.dropoutForward(y2, y2, n, p, 42 + p * 10); // in place
    for (let i = 0; i < n; i++) assert.equal(y1[i] === 0, y2[i] === 0, `dropout p=${p}: mask differs at ${i}`);
    assertClose(y2, y1, 1e-6, 0, `dropoutForward p=${p}`);
    const d1 = new Float32Array(n), d2 = new Float32Array(n);
    js.dropoutBackward(x, d1, n, p, 7);
    nb.dropoutBackward(x, d2, n, p, 7);
    assertClose(d2, d1, 1e-6, 0, `dropoutBackward p=${p}`);
  }
  for (const [rows, V] of [[1, 1], [7, 7], [33, 65], [20, 30000]]) {
    const logits = randArray(r, rows * V, 10);
    const labels = Int32Array.from({ length: rows }, () => Math.floor(r() * V));
    if (rows > 1) labels[1] = -100;
    for (const withGrad of [false, true]) {
      const d1 = withGrad ? new Float32Array(rows * V).fill(5) : null, d2 = withGrad ? new Float32Array(rows * V).fill(5) : null;
      const l1 = js.crossEntropy(logits, labels, rows, V, d1, 0.25, -100);
      const l2 = nb.crossEntropy(logits, labels, rows, V, d2, 0.25, -100);
      assert.ok(Math.abs(l1 - l2) <= 1e-5 * Math.abs(l1) + 1e-6, `crossEntropy ${rows}x${V}: ${l2} vs ${l1}`);
      if (d1 && d2) assertClose(d2, d1, 1e-5, 1e-9, `crossEntropy dlogits ${rows}x${V}`);
      if (!d1) continue;
      for (const be of [js, nb]) { // in place: dlogits = logits
        const x = logits.slice(), l = be.crossEntropy(x, labels, rows, V, x, 0.25, -100);
        assert.ok(Math.abs(l - l1) <= 1e-5 * Math.abs(l1) + 1e-6, `crossEntropy in place ${rows}x${V}: ${l} vs ${l1}`);
        assertClose(x, d1, 1e-5, 1e-9, `crossEntropy dlogits in place ${rows}x${V}`);
      }
    }
  }
}

// A Linear's backward: shapes below and above the size where the native backend runs dW and dx at the
// same time (each on half of the threads), row strides, accumulate, and no dx.
function checkLinearBackward(nb: Backend, r: () => number): void {
  for (const [rows, inF, outF] of [[3, 5, 7], [70, 65, 33], [130, 96, 200], [64, 300, 50]]) {
    for (const [ldx, lddx, accumulate, withDx] of [[inF, inF, false, true], [inF + 3, inF + 1, true, true], [inF, inF, false, false]] as const) {
      const dy = randArray(r, rows * outF), x = randArray(r, rows * ldx), w = randArray(r, outF * inF);
      const dw = randArray(r, outF * inF), db = randArray(r, outF), dx = withDx ? randArray(r, rows * lddx) : null;
      const out1 = [dw.slice(), db.slice(), dx?.slice() ?? null] as const, out2 = [dw.slice(), db.slice(), dx?.slice() ?? null] as const;
      js.linearBackward(dy, x, ldx, w, out1[0], out1[1], out1[2], lddx, rows, inF, outF, accumulate);
      nb.linearBackward(dy, x, ldx, w, out2[0], out2[1], out2[2], lddx, rows, inF, outF, accumulate);
      const what = `linearBackward rows=${rows} in=${inF} out=${outF} ldx=${ldx} accumulate=${accumulate}`;
      assertClose(out2[0], out1[0], 1e-5, 2e-7 * rows, `${what}: dW`);
      assertClose(out2[1], out1[1], 1e-5, 2e-7 * rows, `${what}: db`);
      if (withDx) assertClose(out2[2]!, out1[2]!, 1e-5, 2e-7 * outF, `${what}: dx`);
    }
  }
}

function checkErrors(nb: NativeBackend): void {
  const a = new Float32Array(6);
  assert.throws(() => nb.gemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, new Float32Array(3), 2), { name: 'RangeError', message: /c has 3 elements/ });
  assert.throws(() => nb.gemm(false, false, 2, 2, 2, 1, a, 1, a, 2, 0, a, 2), /lda 1 < columns of A 2/);
  assert.throws(() => nb.gemm(false, false, 2, 2, 2, 1, new Float64Array(6) as unknown as Float32Array, 2, a, 2, 0, a, 2), { name: 'TypeError', message: /a must be a Float32Array/ });
  assert.throws(() => nb.gemm(false, false, 1.5, 2, 2, 1, a, 2, a, 2, 0, a, 2), /m must be an integer/);
  assert.throws(() => nb.embeddingForward(new Int32Array([3]), a, a, 1, 2, false), /embedding id 3 at position 0 is outside the table \(0..2\)/);
  const nine = new Float32Array(9), probs = new Float32Array(9);
  assert.throws(() => nb.attentionForward(nine, nine, nine, null, probs, nine, 1, 3, 1, 3, 1, 0, 0, 2), /ldqkv must be >= nh \* hd/);
  assert.throws(() => nb.attentionBackward(nine, nine, nine, nine, probs, nine, nine, nine, 1, 3, 1, 3, 1, 0, 0, 6), /q has 9 elements, the shapes need 15/);
  assert.throws(() => nb.crossEntropy(a, new Int32Array([7, 0]), 2, 3, null, 1, -100), /label 7 in row 0/);
  assert.throws(() => nb.attentionForward(a, a, a, null, a, a, 1, 3, 1, 3, 1, 0, 0), /q has 6 elements, the shapes need 9/);
  assert.throws(() => nb.activationForward('swish' as Activation, a, a, 6), /unknown activation/);
  assert.throws(() => nb.setThreads(0), /threads/);
  const w = new Float32Array(4), dw = new Float32Array(4), db = new Float32Array(2), x = new Float32Array(4);
  assert.throws(() => nb.linearBackward(a, x, 2, w, dw, db, x, 2, 2, 2, 2, false), /linearBackward: dx overlaps dy, x, w or dw/);
  assert.throws(() => nb.linearBackward(a, x, 2, w, dw, db, null, 2, 3, 2, 2, false), /x has 4 elements, the shapes need 6/);
}

for (const variant of variants) {
  test(`${variant.label}: kernels equal the js specification`, () => {
    const nb = variant.make();
    const r = rng(99);
    checkGemm(nb, r);
    checkElementwise(nb, r);
    checkLinearBackward(nb, r);
    checkLayerNorm(nb, r);
    checkAttention(nb, r);
    checkEmbeddingDropoutLoss(nb, r);
    checkErrors(nb);
  });
}

if (variants.length > 0 && existsSync(ADDON_PATH)) {
  test('native: reductions do not depend on the thread count; gemm impl is reported', () => {
    const nb = new NativeBackend(1);
    const r = rng(5);
    const x = randArray(r, 200001), logits = randArray(r, 64 * 1000, 5);
    const labels = Int32Array.from({ length: 64 }, (_, i) => (i * 37) % 1000);
    const s1 = nb.sumSquares(x, x.length), l1 = nb.crossEntropy(logits, labels, 64, 1000, null, 1, -100);
    nb.setThreads(2);
    assert.equal(nb.getThreads(), 2);
    assert.equal(nb.sumSquares(x, x.length), s1);
    assert.equal(nb.crossEntropy(logits, labels, 64, 1000, null, 1, -100), l1);
    assert.match(nb.gemmImpl(), /^(openblas|accelerate|portable)$/);
  });

  test('loadBackend: auto and native pick the addon, threads from options and ALBERT_NUM_THREADS', () => {
    assert.equal(nativeUnavailableReason(), null);
    assert.equal(loadBackend({ kind: 'auto', threads: 1 }).name, 'native');
    assert.equal(loadBackend({ kind: 'native', threads: 2 }).getThreads(), 2);
    const old = process.env.ALBERT_NUM_THREADS;
    try {
      process.env.ALBERT_NUM_THREADS = '1';
      assert.equal(loadBackend({ kind: 'native' }).getThreads(), 1);
      process.env.ALBERT_NUM_THREADS = 'many';
      assert.throws(() => loadBackend({ kind: 'native' }), /ALBERT_NUM_THREADS must be an integer/);
    } finally {
      if (old === undefined) delete process.env.ALBERT_NUM_THREADS; else process.env.ALBERT_NUM_THREADS = old;
    }
  });
}
