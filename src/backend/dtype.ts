// Inference dtypes: the encoder's Linear layers (the packed GEMMs, ~97% of a forward's FLOPs) in fp32,
// bf16 or int8; attention, softmax, LayerNorm, GELU, the embeddings and the heads stay fp32.
//   bf16: weights rounded to bf16 once, activations rounded per call, fp32 accumulation.
//   int8: dynamic quantization (quantize.ts): int8 weights per output column, u8 activations per row,
//         exact integer sums, fp32 rescale.
// `withDtype(backend, dtype)` is a Backend with exactly that change. A backend that can run these
// natively (the native addon built with oneDNN) offers packTyped/gemmTyped; elsewhere they are emulated
// on its fp32 packed GEMM with the same rounded or quantized operands: the same numbers up to the order
// of the fp32 sums, at fp32 speed.
import { type Activation, type Backend, type PackedB } from './backend.js';
import { roundToBf16 } from './bf16.js';
import { quantizeColumns, quantizeRow, type QuantizedWeights } from './quantize.js';

export type Dtype = 'fp32' | 'bf16' | 'int8';
export const DTYPES: readonly Dtype[] = ['fp32', 'bf16', 'int8'];

/** A pack in a dtype: the inner backend's PackedB plus what the product needs. */
export interface TypedPack extends PackedB {
  dtype: Dtype;
  /** int8: the quantized weights' scales and column sums. */
  quant?: QuantizedWeights;
}

/** What a backend implements to run the dtypes itself (the emulation is used otherwise). */
export interface TypedGemms {
  /** Whether packTyped runs `dtype` natively (else the view emulates it). */
  runsDtype(dtype: Dtype): boolean;
  packTyped(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, dtype: Dtype, quant?: QuantizedWeights): TypedPack;
}

const hasTyped = (b: Backend): b is Backend & TypedGemms => typeof (b as Partial<TypedGemms>).runsDtype === 'function';

/** Whether `b` runs `dtype` packs natively (packTyped); a dtype view answers no: its own packB is its dtype's. */
export function runsNatively(b: Backend, dtype: Dtype): b is Backend & TypedGemms {
  return hasTyped(b) && b.runsDtype(dtype);
}

const INNER = Symbol('dtype view');
const views = new WeakMap<Backend, Map<Dtype, Backend>>();

/** The backend a dtype view computes on (or `b` itself). */
export function fp32Backend(b: Backend): Backend {
  return (b as Backend & { [INNER]?: Backend })[INNER] ?? b;
}

/** The backend whose packed GEMMs run in `dtype` (`inner` itself for fp32; one view per backend and dtype). */
export function withDtype(inner: Backend, dtype: Dtype): Backend {
  inner = fp32Backend(inner);
  if (dtype === 'fp32') return inner;
  if (!DTYPES.includes(dtype)) throw new RangeError(`dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`);
  let byDtype = views.get(inner);
  if (!byDtype) views.set(inner, (byDtype = new Map()));
  let v = byDtype.get(dtype);
  if (!v) byDtype.set(dtype, (v = makeView(inner, dtype)));
  return v;
}

/** How `dtype` runs on `backend`: natively, or emulated at fp32 speed. */
export function dtypeEngine(backend: Backend, dtype: Dtype): 'native' | 'emulated' {
  const b = fp32Backend(backend);
  return dtype === 'fp32' || (hasTyped(b) && b.runsDtype(dtype)) ? 'native' : 'emulated';
}

function makeView(inner: Backend, dtype: Dtype): Backend {
  let scratchA = new Float32Array(0);
  let rowQ = new Uint8Array(0);
  const own: Partial<Backend & TypedGemms> & { [INNER]: Backend } = {
    [INNER]: inner,
    runsDtype: () => false,
    // every encoder Linear packs, whatever the inner backend prefers for fp32
    packedGemm: true,
    packB(b: Float32Array, ldb: number, transB: boolean, k: number, n: number): PackedB {
      const quant = dtype === 'int8' ? quantizeColumns(b, ldb, transB, k, n) : undefined;
      if (hasTyped(inner) && inner.runsDtype(dtype)) return inner.packTyped(b, ldb, transB, k, n, dtype, quant);
      // emulation: the fp32 pack of the rounded or dequantized weights (a copy: the pack may read its B)
      const w = new Float32Array(n * k);
      if (quant) {
        for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) w[j * k + l] = quant.q[j * k + l] * quant.scale[j];
      } else {
        for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) w[j * k + l] = transB ? b[j * ldb + l] : b[l * ldb + j];
        roundToBf16(w, w, n * k);
      }
      const pack: TypedPack = { ...inner.packB(w, k, true, k, n), dtype, quant };
      return pack;
    },
    gemmPacked(m: number, a: Float32Array, lda: number, b: PackedB, beta: 0 | 1, c: Float32Array, ldc: number, bias: Float32Array | null, act?: Activation) {
      const t = b as TypedPack;
      if (t.dtype !== dtype) throw new RangeError(`gemmPacked: the weights were packed as ${t.dtype ?? 'fp32'}, not ${dtype}`);
      if (hasTyped(inner) && inner.runsDtype(dtype)) return inner.gemmPacked(m, a, lda, b, beta, c, ldc, bias, act);
      const k = b.k;
      if (scratchA.length < m * k) scratchA = new Float32Array(m * k);
      const x = scratchA.subarray(0, m * k);
      if (dtype === 'bf16') {
        for (let i = 0; i < m; i++) x.set(a.subarray(i * lda, i * lda + k), i * k);
        roundToBf16(x, x, m * k);
      } else {
        if (rowQ.length < k) rowQ = new Uint8Array(k);
        for (let i = 0; i < m; i++) {
          const { scale, zeroPoint } = quantizeRow(a, i * lda, k, rowQ);
          for (let l = 0; l < k; l++) x[i * k + l] = (rowQ[l] - zeroPoint) * scale;
        }
      }
      inner.gemmPacked(m, x, k, b, beta, c, ldc, bias, act);
    },
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop in own) return (own as Record<PropertyKey, unknown>)[prop];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
}
