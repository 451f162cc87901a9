// The js backend (the specification) against independent checks: naive loops written here,
// known values, and finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend, erf } from '../src/backend/js.js';
import { dropoutKeep, type Activation } from '../src/backend/backend.js';
import { loadBackend } from '../src/backend/index.js';
import { rng, randArray, assertClose } from './backend_util.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const js = new JsBackend();

test('erf and gelu match known values', () => {
  // erf from tables (Abramowitz & Stegun 7.1) and gelu(1) = Phi(1)
  const known: [number, number][] = [
    [0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [2, 0.9953222650189527], [2.5, 0.999593047982555], [3, 0.9999779095030014], [4, 0.9999999845827421],
  ];
  for (const [x, e] of known) {
    assert.ok(Math.abs(erf(x) - e) < 1e-14, `erf(${x}) = ${erf(x)}, expected ${e}`);
    assert.ok(Math.abs(erf(-x) + e) < 1e-14, `erf(${-x})`);
  }
  const x = new Float32Array([1, -1, 0, 3, -3, -10]);
  const y = new Float32Array(6);
  js.activationForward('gelu', x, y, 6);
  // x * Phi(x) from Python's math.erfc
  const expected = [0.8413447460685429, -0.15865525393145707, 0, 2.99595030590511, -0.004049694094890287, -7.619853024160593e-23];
  assertClose(y, Float32Array.from(expected), 1e-7, 1e-30, 'gelu');
  js.activationForward('gelu_new', x, y, 6);
  // 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) evaluated independently
  const gn = (v: number) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v ** 3)));
  assertClose(y, Float32Array.from([...x].map(gn)), 1e-7, 1e-30, 'gelu_new');
});

test('activation backward equals the finite difference of forward', () => {
  const r = rng(1);
  const acts: Activation[] = ['gelu', 'gelu_new', 'relu', 'silu', 'tanh', 'linear'];
  for (const act of acts) {
    const n = 50;
    const x = randArray(r, n, 3);
    for (let i = 0; i < n; i++) if (Math.abs(x[i]) < 1e-2) x[i] = 0.5; // keep relu off its kink
    const dy = new Float32Array(n).fill(1);
    const dx = new Float32Array(n);
    js.activationBackward(act, x, dy, dx, n);
    const h = 1e-3;
    for (let i = 0; i < n; i++) {
      const xp = new Float32Array([x[i] + h]), xm = new Float32Array([x[i] - h]);
      const yp = new Float32Array(1), ym = new Float32Array(1);
      js.activationForward(act, xp, yp, 1);
      js.activationForward(act, xm, ym, 1);
      const fd = (yp[0] - ym[0]) / (xp[0] - xm[0]);
      assert.ok(Math.abs(fd - dx[i]) < 2e-3 * Math.max(1, Math.abs(fd)), `${act}'(${x[i]}) = ${dx[i]}, fd ${fd}`);
    }
  }
});

function naiveGemm(
  ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
  b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += (ta ? a[l * lda + i] : a[i * lda + l]) * (tb ? b[j * ldb + l] : b[l * ldb + j]);
      c[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]);
    }
  }
}

test('gemm equals a naive triple loop (transposes, leading dims, batch strides, beta)', () => {
  const r = rng(2);
  for (const [m, n, k] of [[1, 1, 1], [7, 5, 3], [33, 17, 65], [4, 65, 9]]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const batch = 3;
        const lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
        const rowsA = ta ? k : m, rowsB = tb ? n : k;
        const sA = rowsA * lda + 5, sB = rowsB * ldb + 1, sC = m * ldc + 2;
        const a = randArray(r, batch * sA), b = randArray(r, batch * sB), c0 = randArray(r, batch * sC);
        for (const beta of [0, 0.5]) {
          const c = c0.slice(), ref = c0.slice();
          js.gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, beta, c, ldc, batch, sA, sB, sC);
          for (let p = 0; p < batch; p++) {
            naiveGemm(ta, tb, m, n, k, 1.5, a.subarray(p * sA), lda, b.subarray(p * sB), ldb, beta, ref.subarray(p * sC), ldc);
          }
          assertClose(c, ref, 1e-5, 1e-5, `gemm ${m}x${n}x${k} ta=${ta} tb=${tb} beta=${beta}`);
        }
      }
    }
  }
});

test('linearBackward: dW += dy^T x, db += column sums, dx = (or +=) dy W, with row strides', () => {
  const r = rng(4);
  const rows = 5, inF = 3, outF = 4, ldx = 6, lddx = 7;
  const dy = randArray(r, rows * outF), x = randArray(r, rows * ldx), w = randArray(r, outF * inF);
  const dw0 = randArray(r, outF * inF), db0 = randArray(r, outF), dx0 = randArray(r, rows * lddx);
  const rdw = dw0.slice(), rdb = db0.slice(); // the reference: naive loops
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) for (let t = 0; t < rows; t++) rdw[o * inF + i] += dy[t * outF + o] * x[t * ldx + i];
    for (let t = 0; t < rows; t++) rdb[o] += dy[t * outF + o];
  }
  for (const accumulate of [false, true]) {
    const dw = dw0.slice(), db = db0.slice(), dx = dx0.slice();
    js.linearBackward(dy, x, ldx, w, dw, db, dx, lddx, rows, inF, outF, accumulate);
    const rdx = dx0.slice();
    for (let t = 0; t < rows; t++) {
      for (let i = 0; i < inF; i++) {
        let s = 0;
        for (let o = 0; o < outF; o++) s += dy[t * outF + o] * w[o * inF + i];
        rdx[t * lddx + i] = (accumulate ? rdx[t * lddx + i] : 0) + s;
      }
    }
    assertClose(dw, rdw, 1e-5, 1e-6, 'dW');
    assertClose(db, rdb, 1e-5, 1e-6, 'db');
    assertClose(dx, rdx, 1e-5, 1e-6, `dx accumulate=${accumulate}`); // the gaps between rows untouched
  }
  const dw = dw0.slice(), db = db0.slice();
  js.linearBackward(dy, x, ldx, w, dw, db, null, inF, rows, inF, outF, false);
  assertClose(dw, rdw, 1e-5, 1e-6, 'dW without dx');
  assertClose(db, rdb, 1e-5, 1e-6, 'db without dx');
});

test('layernorm: normalized rows, and backward equals finite differences', () => {
  const r = rng(3);
  const rows = 3, cols = 7;
  const x = randArray(r, rows * cols, 2), gamma = randArray(r, cols), beta = randArray(r, cols);
  const y = new Float32Array(rows * cols), mean = new Float32Array(rows), rstd = new Float32Array(rows);
  js.layerNormForward(x, new Float32Array(cols).fill(1), new Float32Array(cols), y, mean, rstd, rows, cols, 1e-12);
  for (let i = 0; i < rows; i++) {
    const row = [...y.subarray(i * cols, (i + 1) * cols)];
    const mu = row.reduce((s, v) => s + v, 0) / cols;
    const v = row.reduce((s, t) => s + (t - mu) ** 2, 0) / cols;
    assert.ok(Math.abs(mu) < 1e-6 && Math.abs(v - 1) < 1e-5, `row ${i}: mean ${mu} var ${v}`);
  }
  // loss = sum(w * y): check dx, dgamma, dbeta against central differences in float64 terms
  const w = randArray(r, rows * cols);
  const loss = (xx: Float32Array, g: Float32Array, bb: Float32Array) => {
    js.layerNormForward(xx, g, bb, y, mean, rstd, rows, cols, 1e-5);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += w[i] * y[i];
    return s;
  };
  loss(x, gamma, beta);
  const dx = new Float32Array(rows * cols), dg = new Float32Array(cols), db = new Float32Array(cols);
  js.layerNormBackward(w, x, gamma, mean, rstd, dx, dg, db, rows, cols);
  const fd = (arr: Float32Array, i: number) => {
    const h = 1e-2, old = arr[i];
    arr[i] = old + h; const lp = loss(x, gamma, beta);
    arr[i] = old - h; const lm = loss(x, gamma, beta);
    arr[i] = old;
    return (lp - lm) / (2 * h);
  };
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(fd(x, i) - dx[i]) < 2e-3, `dx[${i}] ${dx[i]} vs ${fd(x, i)}`);
  for (let j = 0; j < cols; j++) {
    assert.ok(Math.abs(fd(gamma, j) - dg[j]) < 2e-3, `dgamma[${j}]`);
    assert.ok(Math.abs(fd(beta, j) - db[j]) < 2e-3, `dbeta[${j}]`);
  }
});

test('attention: probs rows sum to 1, masked keys get 0, fully masked rows are uniform; backward = finite differences', () => {
  const r = rng(4);
  const B = 2, S = 5, nh = 2, hd = 3, H = nh * hd;
  const q = randArray(r, B * S * H), k = randArray(r, B * S * H), v = randArray(r, B * S * H);
  const MIN = -3.4028234663852886e38;
  const mask = new Float32Array(B * S);
  mask[3] = MIN; mask[4] = MIN; // batch 0: keys 3, 4 masked
  mask.fill(MIN, S, 2 * S); // batch 1: everything masked
  const probs = new Float32Array(B * nh * S * S), ctx = new Float32Array(B * S * H);
  js.attentionForward(q, k, v, mask, probs, ctx, B, S, nh, hd, 1 / Math.sqrt(hd), 0, 0);
  for (let row = 0; row < B * nh * S; row++) {
    const p = probs.subarray(row * S, row * S + S);
    assert.ok(Math.abs(p.reduce((s, t) => s + t, 0) - 1) < 1e-6, `row ${row} sums to 1`);
    if (row < nh * S) assert.equal(p[3] + p[4], 0);
    else for (const t of p) assert.ok(Math.abs(t - 1 / S) < 1e-7);
  }
  // ctx for one (b, h, i) by hand
  const b = 0, h = 1, i = 2;
  for (let d = 0; d < hd; d++) {
    let s = 0;
    for (let j = 0; j < S; j++) s += probs[((b * nh + h) * S + i) * S + j] * v[(b * S + j) * H + h * hd + d];
    assert.ok(Math.abs(s - ctx[(b * S + i) * H + h * hd + d]) < 1e-6);
  }
  // gradients with dropout: the mask is a fixed function of (seed, index), so finite differences apply.
  // (A fully masked row is constant in q, k numerically, while autograd, and we, still pass a gradient: partial masks only.)
  mask.fill(0, S, 2 * S);
  mask[S] = MIN;
  for (const p of [0, 0.3]) {
    const w = randArray(r, B * S * H);
    const loss = () => {
      js.attentionForward(q, k, v, mask, probs, ctx, B, S, nh, hd, 0.5, p, 7);
      let s = 0;
      for (let t = 0; t < ctx.length; t++) s += w[t] * ctx[t];
      return s;
    };
    loss();
    const dq = new Float32Array(q.length), dk = new Float32Array(k.length), dv = new Float32Array(v.length);
    js.attentionBackward(w, q, k, v, probs, dq, dk, dv, B, S, nh, hd, 0.5, p, 7);
    for (const [arr, grad, name] of [[q, dq, 'dq'], [k, dk, 'dk'], [v, dv, 'dv']] as const) {
      for (let t = 0; t < arr.length; t++) {
        const hh = 1e-2, old = arr[t];
        arr[t] = old + hh; const lp = loss();
        arr[t] = old - hh; const lm = loss();
        arr[t] = old;
        const fd = (lp - lm) / (2 * hh);
        assert.ok(Math.abs(fd - grad[t]) < 3e-3, `p=${p} ${name}[${t}] ${grad[t]} vs fd ${fd}`);
      }
    }
  }
});

test('dropout keeps about 1-p, scales by 1/(1-p), and uses dropoutKeep', () => {
  const n = 20000, p = 0.25;
  const x = new Float32Array(n).fill(2), y = new Float32Array(n);
  js.dropoutForward(x, y, n, p, 123);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0) { kept++; assert.ok(Math.abs(y[i] - 2 / 0.75) < 1e-6); }
    assert.equal(y[i] !== 0, dropoutKeep(123, i, p));
  }
  assert.ok(Math.abs(kept / n - 0.75) < 0.02, `kept fraction ${kept / n}`);
  js.dropoutBackward(x, x, n, 0, 1); // p = 0 is the identity, in place
  assert.ok(x.every((t) => t === 2));
});

test('cross-entropy: loss and gradient by hand, ignore index', () => {
  const logits = new Float32Array([1, 2, 3, 0, 0, 0, 5, -5, 0]);
  const labels = new Int32Array([2, -100, 0]);
  const d = new Float32Array(9).fill(9);
  const loss = js.crossEntropy(logits, labels, 3, 3, d, 0.5, -100);
  const l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
  const l2 = Math.log(Math.exp(5) + Math.exp(-5) + 1) - 5;
  assert.ok(Math.abs(loss - (l0 + l2)) < 1e-12);
  const z0 = Math.exp(1) + Math.exp(2) + Math.exp(3);
  assertClose(d.subarray(0, 3), Float32Array.from([Math.exp(1) / z0 * 0.5, Math.exp(2) / z0 * 0.5, (Math.exp(3) / z0 - 1) * 0.5]), 1e-6, 1e-7, 'dlogits');
  assert.deepEqual([...d.subarray(3, 6)], [0, 0, 0]);
  assert.throws(() => js.crossEntropy(logits, new Int32Array([3, 0, 0]), 3, 3, null, 1, -100), /label 3/);
});

test('embedding gather, accumulate and scatter-add; elementwise ops; adam', () => {
  const table = Float32Array.from({ length: 12 }, (_, i) => i); // 4 rows x 3
  const ids = new Int32Array([2, 0, 2]);
  const out = new Float32Array(9).fill(1);
  js.embeddingForward(ids, table, out, 3, 3, true);
  assert.deepEqual([...out], [7, 8, 9, 1, 2, 3, 7, 8, 9]);
  assert.throws(() => js.embeddingForward(new Int32Array([4]), table, out, 1, 3, false), /outside/);
  const dt = new Float32Array(12);
  js.embeddingBackward(new Int32Array([2, -1, 2]), Float32Array.from([1, 1, 1, 5, 5, 5, 2, 2, 2]), dt, 3, 3);
  assert.deepEqual([...dt], [0, 0, 0, 0, 0, 0, 3, 3, 3, 0, 0, 0]);
  const a = new Float32Array([1, 2]), b = new Float32Array([3, 4]);
  js.add(a, b, a, 2); assert.deepEqual([...a], [4, 6]);
  js.axpy(2, b, a, 2); assert.deepEqual([...a], [10, 14]);
  js.scale(a, 0.5, 2); assert.deepEqual([...a], [5, 7]);
  assert.equal(js.sumSquares(a, 2), 74);
  const x = new Float32Array([1, 2]), bias = new Float32Array(1).fill(1);
  js.addBias(x, bias, 2, 1); assert.deepEqual([...x], [2, 3]);
  const db = new Float32Array([1]);
  js.biasGrad(x, db, 2, 1); assert.deepEqual([...db], [6]);
  // one AdamW step from zero moments with bias correction: update = g/|g| (+ eps) + wd * param
  const param = new Float32Array([1, -2]), g = new Float32Array([0.5, -0.25]);
  const m = new Float32Array(2), v = new Float32Array(2), upd = new Float32Array(2);
  js.adamUpdate(param, g, m, v, upd, 2, 0.9, 0.999, 1e-6, 1 - 0.9, 1 - 0.999, 0.01);
  assertClose(upd, Float32Array.from([0.5 / (0.5 + 1e-6) + 0.01, -0.25 / (0.25 + 1e-6) - 0.02]), 1e-6, 1e-7, 'adam');
  assertClose(m, Float32Array.from([0.05, -0.025]), 1e-6, 0, 'm');
});

test('loadBackend: js on request, env validation', () => {
  assert.equal(loadBackend({ kind: 'js' }).name, 'js');
  const old = process.env.ALBERT_BACKEND;
  process.env.ALBERT_BACKEND = 'gpu';
  try {
    assert.throws(() => loadBackend(), /ALBERT_BACKEND must be/);
  } finally {
    if (old === undefined) delete process.env.ALBERT_BACKEND; else process.env.ALBERT_BACKEND = old;
  }
  assert.throws(() => loadBackend({ kind: 'js', threads: 0 }), /threads/);
});

test('loadBackend without the addon: auto falls back to js saying so once; native is a clear error', () => {
  const index = fileURLToPath(new URL('../src/backend/index.js', import.meta.url));
  const script = `
    const { loadBackend } = await import(${JSON.stringify(index)});
    console.log(loadBackend().name, loadBackend({ kind: 'auto' }).name);
    try { loadBackend({ kind: 'native' }); } catch (e) { console.log(e.name + ': ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ALBERT_NATIVE_ADDON: '/nonexistent/albert_native.node', ALBERT_BACKEND: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'js js');
  assert.match(lines[1], /^UserError: the native backend is not available \(.*albert_native\.node.*\); build it with/);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('native backend unavailable'));
  assert.equal(warnings.length, 1, r.stderr);
});
