// The optional oneDNN engine's functions in the native addon (native/onednn.cc, registered in
// native/addon.cc): a Linear's weight prepacked once into oneDNN's own layout, then fp32, bf16 or int8
// (dynamically quantized) products against it; and a bf16 GEMM on unpacked operands (bf16 training). Typed here for the backend that wires them in;
// loadDnnlAddon loads the addon for tests and benchmarks.
import { createRequire } from 'node:module';

declare const dnnlWeightsBrand: unique symbol;
/** A weight made by dnnlPack: opaque (an External the addon checks); its memory is freed when it is collected. */
export type DnnlWeights = { readonly [dnnlWeightsBrand]: true };

/** The weights' (and products') type: fp32; bf16 (fp32 accumulation); s8 weights against u8-quantized rows of A. */
export type DnnlType = 'f32' | 'bf16' | 's8';

export interface DnnlAddon {
  /** 'oneDNN 2.6.3 (isa avx512_core_amx)', or null when the addon was built without oneDNN. */
  dnnlVersion(): string | null;
  /**
   * op(B) (k, n) prepacked: B is (k, n) with row stride ldb, or (n, k) when transB (a Linear's W (out, in)).
   * b: Float32Array for 'f32', Uint16Array of bf16 bit patterns for 'bf16', Int8Array for 's8' (k <= 65536).
   */
  dnnlPack(b: Float32Array | Uint16Array | Int8Array, ldb: number, transB: boolean, k: number, n: number, dtype: DnnlType): DnnlWeights;
  /**
   * C (m, n) = act(A (m, k) W + bias [+ C when beta = 1]); A and C row-major with strides lda and ldc; act a
   * code of enum Act (native/kernels.h). 'bf16' rounds A to bf16 (nearest even) per call. 's8' quantizes each
   * row of A to u8 (scale (hi - lo) / 255, zero point; native/onednn.cc spells out the fp32 arithmetic) and
   * needs wScale (n: each column's weight scale) and wColSum (n: each column's sum of the s8 weights).
   */
  dnnlMatmul(w: DnnlWeights, m: number, a: Float32Array, lda: number, beta: 0 | 1, c: Float32Array, ldc: number,
    bias: Float32Array | null, act: number, wScale?: Float32Array | null, wColSum?: Int32Array | null): void;
  /**
   * The addon's gemm (row-major, batched: C_p = alpha op(A_p) op(B_p) + beta C_p for p < batch, A_p starting
   * at p * strideA, ...) with A and B rounded to bf16 (nearest even, NaN kept) and the products summed in
   * fp32, on oneDNN's bf16 matmul. beta = 0 never reads C. Subnormal operands (|x| < 2^-126) count as zero
   * (AMX's and AVX512_BF16's dot products flush them). Throws where the addon was built without oneDNN.
   */
  dnnlGemmBf16(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array,
    lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
    batch: number, strideA: number, strideB: number, strideC: number): void;
}

/** The native addon at `file` (native.ts's ADDON_PATH) as a DnnlAddon. */
export function loadDnnlAddon(file: string): DnnlAddon {
  // oneDNN runs on 1 OpenMP thread inside our pool's tasks; libgomp reads this when the addon first loads it
  // (the addon also sets 1 on each thread that calls oneDNN)
  process.env.OMP_NUM_THREADS ??= '1';
  return createRequire(import.meta.url)(file) as DnnlAddon;
}
