// Inference dtypes (backend/dtype.ts, backend/quantize.ts): the quantization formulas against
// onnxruntime's definitions worked by hand, and every backend's bf16 / int8 packed GEMM against a
// reference written here from the definitions (exact integer sums for int8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../src/backend/js.js';
import type { Activation, Backend } from '../src/backend/backend.js';
import { bf16Round } from '../src/backend/bf16.js';
import { dtypeEngine, withDtype, type Dtype } from '../src/backend/dtype.js';
import { quantizeColumns, quantizeRow, roundHalfEven } from '../src/backend/quantize.js';
import { nativeUnavailableReason } from '../src/backend/index.js';
import { nativeBackend, randArray, rng } from './backend_util.js';

test('rounding is half to even, as std::nearbyint', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, 3].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, 3, 3]);
});

test('weights: symmetric int8 per output column (max |w| / 127); activations: u8 per row with DynamicQuantizeLinear\'s zero point', () => {
  // W (out 2, in 3): column 0 of op(B) = [1.27, -0.635, 0], column 1 = [0, 0, 0]
  const w = new Float32Array([1.27, -0.635, 0, 0, 0, 0]);
  const qw = quantizeColumns(w, 3, true, 3, 2);
  assert.equal(qw.scale[0], Math.fround(1.27 / 127));
  assert.deepEqual([...qw.q], [127, -64, 0, 0, 0, 0]); // -0.635 / 0.01 = -63.5 -> -64 (half to even)
  assert.deepEqual([...qw.colSum], [63, 0]);
  assert.equal(qw.scale[1], 1); // an all-zero column keeps scale 1
  // a row in [-1, 3]: scale 4/255, zero point round(1 / (4/255)) = round(63.75) = 64
  const q = new Uint8Array(4);
  const r = quantizeRow(new Float32Array([9, -1, 3, 0.5, 0, 9]), 1, 4, q);
  assert.equal(r.scale, Math.fround(4 / 255));
  assert.equal(r.zeroPoint, 64);
  assert.deepEqual([...q], [0, 255, Math.round(0.5 / r.scale) + 64, 64]);
  // all positive: the range still includes 0 (zero point 0)
  assert.equal(quantizeRow(new Float32Array([2, 4]), 0, 2, q).zeroPoint, 0);
});

/** C = act(A op(B) + bias [+ C]) from the definitions: bf16-rounded operands, or exact integers for int8. */
function reference(dtype: Dtype, m: number, k: number, n: number, a: Float32Array, lda: number, w: Float32Array,
  beta: 0 | 1, c0: Float32Array, ldc: number, bias: Float32Array | null, act: Activation): Float64Array {
  const out = new Float64Array(m * ldc);
  const qw = quantizeColumns(w, k, true, k, n);
  const qa = new Uint8Array(k);
  for (let i = 0; i < m; i++) {
    const row = dtype === 'int8' ? quantizeRow(a, i * lda, k, qa) : null;
    for (let j = 0; j < n; j++) {
      let v = 0;
      if (row) {
        let acc = 0;
        for (let l = 0; l < k; l++) acc += qa[l] * qw.q[j * k + l];
        v = row.scale * qw.scale[j] * (acc - row.zeroPoint * qw.colSum[j]);
      } else {
        for (let l = 0; l < k; l++) v += bf16Round(a[i * lda + l]) * bf16Round(w[j * k + l]);
      }
      v += (bias ? bias[j] : 0) + (beta ? c0[i * ldc + j] : 0);
      out[i * ldc + j] = act === 'gelu_new' ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))) : v;
    }
  }
  return out;
}

function backends(): { label: string; b: Backend }[] {
  const out = [{ label: 'js', b: new JsBackend() as Backend }];
  if (nativeUnavailableReason() === null) for (const t of [1, 2]) out.push({ label: `native threads=${t}`, b: nativeBackend(t) });
  else console.log(`native backend not tested: ${nativeUnavailableReason()}`);
  return out;
}

test('bf16 and int8 packed GEMMs on every backend match the definitions (odd shapes, strides, beta, bias, GELU)', () => {
  const r = rng(7);
  for (const { label, b } of backends()) {
    for (const dtype of ['bf16', 'int8'] as const) {
      const v = withDtype(b, dtype);
      assert.equal(withDtype(b, dtype), v, 'one view per backend and dtype');
      assert.equal(v.packedGemm, true);
      console.log(`${label} ${dtype}: ${dtypeEngine(b, dtype)}`);
      for (const [m, k, n, beta, withBias, act] of [[1, 33, 77, 0, true, 'linear'], [7, 64, 48, 1, false, 'gelu_new'], [300, 77, 33, 0, true, 'gelu_new'], [64, 128, 96, 1, true, 'linear']] as const) {
        const lda = k + 3, ldc = n + 2;
        const a = randArray(r, m * lda, 2), w = randArray(r, n * k, 0.5), bias = withBias ? randArray(r, n) : null;
        const c0 = randArray(r, m * ldc);
        const pack = v.packB(w, k, true, k, n);
        const want = reference(dtype, m, k, n, a, lda, w, beta, c0, ldc, bias, act);
        let max = 0;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) max = Math.max(max, Math.abs(want[i * ldc + j]));
        for (let call = 0; call < 2; call++) { // the pack is reused
          const c = c0.slice();
          v.gemmPacked(m, a, lda, pack, beta, c, ldc, bias, act);
          let worst = 0;
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(c[i * ldc + j] - want[i * ldc + j]));
          assert.ok(worst <= 2e-5 * max, `${label} ${dtype} ${m}x${k}x${n} beta ${beta} ${act}: worst ${worst} of max ${max}`);
          for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) assert.equal(c[i * ldc + j], c0[i * ldc + j], 'the row padding is untouched');
        }
      }
      assert.throws(() => v.gemmPacked(1, new Float32Array(4), 4, b.packB(new Float32Array(8), 4, true, 4, 2), 0, new Float32Array(2), 2, null),
        /packed as fp32, not/);
    }
  }
});
