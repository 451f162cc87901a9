// packB + gemmPacked: the js spec against js gemm + addBias, and every native build against the js
// spec, on shapes that are not multiples of the tiles (m, n, k odd, m = 1, k past one K slice),
// strides wider than the rows, both transB, beta 0 and 1, with and without bias (and a fused
// activation), 1 and 2 threads;
// and the model using them, step after step, against a js model that never packs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { JsBackend } from '../src/backend/js.js';
import { NativeBackend, ADDON_PATH, PORTABLE_ADDON_PATH } from '../src/backend/native.js';
import type { Activation, Backend } from '../src/backend/backend.js';
import { rng, randArray, assertClose, nativeBackend } from './backend_util.js';
import { AlbertModel } from '../src/model/index.js';
import { makeInputs, makeModel, mlmLabels, smallConfig } from './model_util.js';

const js = new JsBackend();

// (m, n, k): 6 x 16 (AVX2, generic) and 12 x 32 (AVX-512) tiles, 256-long K slices; 300 x 70 x 300 is large enough to run threaded (70 and 130
// rows are short: cut into row blocks of one per thread, of whole tiles or not); from 512 rows a one-thread
// native backend hands the call to CBLAS on the source B
const SHAPES = [[1, 1, 1], [1, 33, 7], [7, 5, 3], [13, 17, 257], [70, 100, 300], [130, 37, 300], [6, 16, 256], [300, 70, 300], [2, 48, 0], [600, 40, 30],
  [25, 70, 300], [12, 32, 5], [37, 96, 40], [11, 31, 9]]; // the last four: AVX-512 12 x 32 tiles and their edges

/** gemmPacked on every shape and option; `ref` computes the expected C. */
function checkAll(be: Backend, label: string, ref: (m: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
  tb: boolean, k: number, n: number, beta: 0 | 1, c: Float32Array, ldc: number, bias: Float32Array | null, act: Activation) => void): void {
  const r = rng(7);
  for (const [m, n, k] of SHAPES) {
    for (const tb of [false, true]) {
      const lda = k + 3, ldb = (tb ? k : n) + 2, ldc = tb ? n + 5 : n; // C rows with gaps, and without
      const a = randArray(r, m * lda), b = randArray(r, (tb ? n : k) * ldb + 1), bias = randArray(r, n);
      const packed = be.packB(b, ldb, tb, k, n);
      for (const beta of [0, 1] as const) {
        for (const [withBias, act] of [[false, 'linear'], [true, 'linear'], [true, 'gelu_new'], [false, 'relu']] as const) {
          const c0 = randArray(r, m * ldc);
          if (beta === 0) c0.fill(NaN); // beta = 0 must not read C
          const want = c0.slice(), got = c0.slice();
          ref(m, a, lda, b, ldb, tb, k, n, beta, want, ldc, withBias ? bias : null, act);
          be.gemmPacked(m, a, lda, packed, beta, got, ldc, withBias ? bias : null, act);
          // the gaps between rows (ldc > n) stay as they were
          for (let i = 0; i < got.length; i++) if (i % ldc >= n) assert.ok(Object.is(got[i], c0[i]), `${label}: wrote outside C at ${i}`);
          for (let i = 0; i < got.length; i++) if (i % ldc >= n) want[i] = got[i] = 0;
          assertClose(got, want, 1e-5, 2e-7 * (k + 1), `${label} m=${m} n=${n} k=${k} transB=${tb} beta=${beta} bias=${withBias} act=${act}`);
        }
      }
    }
  }
}

test('js gemmPacked equals js gemm + addBias + activationForward', () => {
  checkAll(js, 'js', (m, a, lda, b, ldb, tb, k, n, beta, c, ldc, bias, act) => {
    js.gemm(false, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
    for (let i = 0; i < m; i++) {
      const row = c.subarray(i * ldc, i * ldc + n);
      if (bias) js.addBias(row, bias, 1, n);
      js.activationForward(act, row, row, n);
    }
  });
});

const variants: { label: string; make(): NativeBackend }[] = [];
if (existsSync(ADDON_PATH)) {
  for (const threads of [1, 2]) variants.push({ label: `native threads=${threads}`, make: () => nativeBackend(threads) });
  variants.push({ label: 'native generic kernel threads=2', make: () => nativeBackend(2, { genericKernels: true }) }); // the arm64 kernel
  // oneDNN's prepacked fp32 forward, the default where the addon is built with it
  if (nativeBackend(1).dnnl()) for (const threads of [1, 2]) variants.push({ label: `native oneDNN forward threads=${threads}`, make: () => {
    const b = nativeBackend(threads, { dnnlForward: true });
    b.packB = (w, ldb, transB, k, n) => b.packTyped(w, ldb, transB, k, n, 'fp32'); // the pack inference makes
    return b;
  } });
  else console.log(`oneDNN forward not tested: the addon was built without oneDNN`);
}
if (existsSync(ADDON_PATH)) {
  // every ISA level this CPU has, through setIsa (process-wide: restored after each test)
  const levels = ['generic', 'avx2', 'avx512'] as const;
  const cpu = levels.indexOf(nativeBackend(1).cpuIsa());
  for (const isa of levels.slice(0, cpu + 1)) {
    variants.push({ label: `native isa=${isa} threads=2`, make: () => { const b = nativeBackend(2); b.setIsa(isa); return b; } });
  }
}
if (existsSync(PORTABLE_ADDON_PATH)) variants.push({ label: 'portable build threads=2', make: () => nativeBackend(2, { file: PORTABLE_ADDON_PATH }) });
if (variants.length === 0) test('native gemmPacked', (t) => t.skip(`native addon not built (${ADDON_PATH} missing): run npm run build:native`));

for (const v of variants) {
  test(`${v.label}: gemmPacked equals the js spec`, () => {
    const nb = v.make();
    const isa = nb.cpuIsa();
    try {
      checkAll(nb, v.label, (m, a, lda, b, ldb, tb, k, n, beta, c, ldc, bias, act) =>
        js.gemmPacked(m, a, lda, js.packB(b, ldb, tb, k, n), beta, c, ldc, bias, act));
    } finally {
      nb.setIsa(isa);
    }
  });
}

test('packB reuses `into` while it is large enough', () => {
  for (const be of [js, ...variants.slice(0, 1).map((v) => v.make())]) {
    const r = rng(3);
    const big = be.packB(randArray(r, 40 * 50), 50, true, 50, 40);
    const storage = big.storage;
    const small = be.packB(randArray(r, 20 * 30), 30, false, 20, 30, big);
    assert.equal(small, big, `${be.name}: returns into`);
    assert.equal(small.storage, storage, `${be.name}: same storage`);
    assert.deepEqual([small.k, small.n], [20, 30]);
    const bigger = be.packB(randArray(r, 100 * 90), 90, false, 100, 90, small);
    assert.equal(bigger, small);
    assert.notEqual(bigger.storage, storage, `${be.name}: grows when too small`);
  }
});

test('gemmPacked refuses bad arguments', (t) => {
  if (variants.length === 0) return t.skip('native addon not built');
  const nb = variants[0].make();
  const p = nb.packB(new Float32Array(12), 4, false, 3, 4); // op(B) (3, 4)
  const c = new Float32Array(8);
  assert.throws(() => nb.gemmPacked(2, new Float32Array(5), 3, p, 0, c, 4, null), /a has 5 elements/);
  assert.throws(() => nb.gemmPacked(2, new Float32Array(6), 2, p, 0, c, 4, null), /lda 2 < k 3/);
  assert.throws(() => nb.gemmPacked(2, new Float32Array(6), 3, p, 0, c, 4, new Float32Array(3)), /bias has 3 elements/);
  assert.throws(() => nb.gemmPacked(2, new Float32Array(6), 3, { ...p, data: p.data.subarray(0, 5) }, 0, c, 4, null), /packed has 5 elements/);
  assert.throws(() => nb.gemmPacked(2, new Float32Array(6), 3, js.packB(new Float32Array(12), 4, false, 3, 4), 0, c, 4, null), /packed by the js backend/);
  assert.throws(() => nb.packB(new Float32Array(11), 4, false, 3, 4), /b has 11 elements/);
});

test('inference packs the weights afresh: outputs follow in-place weight changes between forwards', (t) => {
  if (variants.length === 0) return t.skip('native addon not built');
  const c = smallConfig({ num_hidden_layers: 3 });
  const plain = new JsBackend(); // the reference never packs: no pack of its own can go stale
  (plain as { packedGemm: boolean }).packedGemm = false;
  const nb = new NativeBackend(2);
  (nb as { packedGemm: boolean }).packedGemm = true; // whatever the CPU: the packed path is what is tested
  const ref = new AlbertModel(c, 'base', plain), nat = new AlbertModel(c, 'base', nb);
  const init = makeModel(c, 'base');
  [ref, nat].forEach((m) => m.params().forEach((p, k) => p.data.set(init.params()[k].data)));
  const inputs = makeInputs(c, 2, 6, 4);
  for (let step = 0; step < 3; step++) {
    const a = ref.forward(inputs).lastHiddenState!, b = nat.forward(inputs).lastHiddenState!;
    assertClose(b, a, 1e-4, 1e-5, `forward ${step}`);
    // change every weight in place, as an optimizer step (or a user) does
    for (const m of [ref, nat]) for (const p of m.params()) for (let i = 0; i < p.data.length; i++) p.data[i] *= 1 - 0.1 * Math.sin(i + step);
  }
});

test('inferenceOnly keeps the packs from one forward to the next, repacks when set again, refuses training', (t) => {
  if (variants.length === 0) return t.skip('native addon not built');
  const c = smallConfig({ num_hidden_layers: 3 });
  const nb = new NativeBackend(2);
  (nb as { packedGemm: boolean }).packedGemm = true;
  nb.setDnnlForward(false); // kept and fresh packs on the same kernel (oneDNN's lasting packs: the variants above)
  const fresh = new AlbertModel(c, 'pretraining', nb), kept = new AlbertModel(c, 'pretraining', nb, { inferenceOnly: true });
  const init = makeModel(c, 'pretraining');
  [fresh, kept].forEach((m) => m.params().forEach((p, k) => p.data.set(init.params()[k].data)));
  const hidden = (m: AlbertModel, seed: number) => m.forward(makeInputs(c, 2, 6, seed)).lastHiddenState!;
  for (const seed of [4, 5]) assert.deepEqual(hidden(kept, seed), hidden(fresh, seed), `forward on inputs ${seed}`);
  const labels = { labels: new Int32Array(12).fill(-100), sentenceOrderLabel: new Int32Array(2) };
  assert.throws(() => kept.lossAndBackward(makeInputs(c, 2, 6, 4), labels), /inferenceOnly/);
  // a weight written behind its back is not seen (that is what keeping the packs means) ...
  for (const m of [fresh, kept]) m.params().forEach((p) => p.data.forEach((x, i) => { p.data[i] = x * 1.5; }));
  assert.notDeepEqual(hidden(kept, 4), hidden(fresh, 4), 'the packs were not kept');
  // ... until inferenceOnly is set again, which repacks
  kept.inferenceOnly = true;
  assert.deepEqual(hidden(kept, 4), hidden(fresh, 4), 'after setting inferenceOnly again');
  kept.inferenceOnly = false;
  kept.lossAndBackward(makeInputs(c, 2, 6, 4), labels);
});

test('inference on oneDNN\'s lasting packs (the default where it is built in) gives the forward of our own kernel', (t) => {
  const nb = new NativeBackend(2);
  if (!nb.dnnl()) return t.skip('the addon was built without oneDNN');
  const c = smallConfig({ num_hidden_layers: 3 });
  const ours = new AlbertModel(c, 'pretraining', nb), dnnl = new AlbertModel(c, 'pretraining', nb, { inferenceOnly: true });
  const init = makeModel(c, 'pretraining');
  [ours, dnnl].forEach((m) => m.params().forEach((p, k) => p.data.set(init.params()[k].data)));
  for (const seed of [4, 5]) {
    const want = ours.forward(makeInputs(c, 2, 6, seed)).lastHiddenState, got = dnnl.forward(makeInputs(c, 2, 6, seed)).lastHiddenState;
    assertClose(got, want, 1e-5, 1e-5, `inputs ${seed}`);
  }
});
