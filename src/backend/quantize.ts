// int8 dynamic quantization as onnxruntime's quantize_dynamic does it (per_channel, QInt8 weights):
// each output column of a weight gets a symmetric int8 scale (max |w| / 127, values in [-127, 127]);
// each row of the activations is quantized when the product runs, asymmetric u8 with a zero point
// (DynamicQuantizeLinear's formula, per row rather than per tensor: one outlier token then costs only
// its own row's precision). The product accumulates the integers exactly, then rescales in fp32:
//   C[i][j] = (sA[i] * sW[j]) * (acc[i][j] - zpA[i] * colSum[j])  (+ bias, activation)
// where colSum[j] = sum_k qW[k][j] accounts for A's zero point.

/** Rounding as std::nearbyint in the default mode (half to even), which DynamicQuantizeLinear uses. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface QuantizedWeights {
  /** op(B)'s column j (k values) at q[j * k ...]: the layout of a Linear's W (out, in). */
  q: Int8Array;
  /** Per output column. */
  scale: Float32Array;
  /** sum over k of q's column j (for A's zero point). */
  colSum: Int32Array;
}

/** op(B) (k, n) quantized per column; B is (k, n) with row stride ldb, or (n, k) when transB. */
export function quantizeColumns(b: Float32Array, ldb: number, transB: boolean, k: number, n: number): QuantizedWeights {
  const q = new Int8Array(n * k), scale = new Float32Array(n), colSum = new Int32Array(n);
  const at = (l: number, j: number) => (transB ? b[j * ldb + l] : b[l * ldb + j]);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let l = 0; l < k; l++) max = Math.max(max, Math.abs(at(l, j)));
    const s = Math.fround(max / 127) || 1;
    scale[j] = s;
    let sum = 0;
    for (let l = 0; l < k; l++) {
      const v = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(at(l, j) / s))));
      q[j * k + l] = v;
      sum += v;
    }
    colSum[j] = sum;
  }
  return { q, scale, colSum };
}

/** Row i of A (k values from a[off]) quantized into q[0..k): returns its scale and zero point. */
export function quantizeRow(a: Float32Array, off: number, k: number, q: Uint8Array): { scale: number; zeroPoint: number } {
  let lo = 0, hi = 0;
  for (let l = 0; l < k; l++) { const v = a[off + l]; if (v < lo) lo = v; if (v > hi) hi = v; }
  const scale = Math.fround(Math.fround(hi - lo) / 255) || 1;
  const zeroPoint = Math.max(0, Math.min(255, roundHalfEven(Math.fround(-lo / scale))));
  for (let l = 0; l < k; l++) q[l] = Math.max(0, Math.min(255, roundHalfEven(Math.fround(a[off + l] / scale)) + zeroPoint));
  return { scale, zeroPoint };
}
