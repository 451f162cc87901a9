// The compute contract between the model graph (TypeScript) and the kernels.
//
// Two implementations: `js.ts` (plain TypeScript, the readable executable specification) and
// `native.ts` (the N-API addon in native/). They must agree to rel. 1e-5 on every kernel.
//
// Conventions, for every kernel:
// - Matrices are row-major Float32Array views (pass `subarray()` for offsets). Shapes are given in
//   the comments as (rows, cols); activations are (N = B*S, C).
// - Outputs that are activations or input-gradients are WRITTEN (=). Parameter gradients
//   (dgamma, dbeta, dbias, dtable) are ACCUMULATED (+=): a shared layer called L times simply
//   accumulates its gradients.
// - Token ids and labels are Int32Array.
// - Randomness (dropout) is counter-based: keep(i) depends only on (seed, i), never on thread
//   count or call order, so backward regenerates the mask instead of storing it. See dropoutKeep().

/** Activations a config may name (HF's ACT2FN names; aliases are resolved in model/config.ts). */
export type Activation = 'gelu' | 'gelu_new' | 'relu' | 'silu' | 'tanh' | 'linear';

/** op(B) (k, n) packed by a backend's packB, in that backend's layout (see gemmPacked). */
export interface PackedB {
  k: number;
  n: number;
  /** Whose layout: gemmPacked refuses a PackedB from another backend. */
  readonly layout: 'js' | 'native';
  /** The packed values: a view into storage. */
  data: Float32Array;
  /** The allocation behind data, reused by packB(..., into) while it is large enough. */
  storage: Float32Array;
  /** The B it was packed from (native: gemmPacked may read it instead, on shapes where CBLAS is faster). */
  source?: { b: Float32Array; ldb: number; transB: boolean };
}

export interface Backend {
  readonly name: 'js' | 'native';

  /** Worker threads for the kernels (>= 1). */
  setThreads(n: number): void;
  getThreads(): number;

  /**
   * Batched strided GEMM, CBLAS row-major semantics:
   *   for p in 0..batch-1: C_p = alpha * op(A_p) @ op(B_p) + beta * C_p
   * op(A_p) is (m, k), op(B_p) is (k, n), C_p is (m, n); A_p = a[p*strideA ...] etc.
   * A PyTorch Linear y = x W^T + b is gemm(false, true, N, out, in, 1, x, in, W, in, 0, y, out).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
    batch?: number, strideA?: number, strideB?: number, strideC?: number,
  ): void;

  /**
   * Packs op(B) (k, n) once for gemmPacked: B is (k, n) with row stride ldb, or (n, k) when transB
   * (a Linear's W (out, in) packed with transB = true gives op(B) = W^T). Reuses `into` (and returns
   * it) when its storage is large enough, so a loop that repacks every step allocates nothing.
   */
  packB(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, into?: PackedB): PackedB;
  /**
   * C (m, n) = act(A (m, k) op(B) + bias (n, broadcast over rows; null for none) [+ C when beta = 1]),
   * with b from this backend's packB. A and C are row-major with row strides lda, ldc; C may not
   * alias A. The bias and the activation (default 'linear': none) are fused: no separate addBias or
   * activationForward pass over C. B must not change while its pack is in use (the native backend reads
   * B itself for the shapes where CBLAS beats the packed kernel).
   */
  gemmPacked(
    m: number, a: Float32Array, lda: number, b: PackedB, beta: 0 | 1, c: Float32Array, ldc: number,
    bias: Float32Array | null, act?: Activation,
  ): void;
  /** Whether Linear layers should use packB + gemmPacked (native: unless ALBERT_PACKED_GEMM=0). */
  readonly packedGemm: boolean;

  /** x (rows, cols) += bias (cols) broadcast over rows. */
  addBias(x: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  /** dbias (cols) += column sums of dy (rows, cols). */
  biasGrad(dy: Float32Array, dbias: Float32Array, rows: number, cols: number): void;
  /**
   * A Linear's backward (y = x W^T + b, W (out, in)): dW (out, in) += dy^T x, db (out) += column sums
   * of dy, and, when dx is given, dx (rows, in) = dy W (+= when accumulate). dy is (rows, out); x and dx
   * have row strides ldx and lddx. dx must not overlap dy, x, W or dW: the native backend computes the
   * two products at the same time, each on half of the threads.
   */
  linearBackward(
    dy: Float32Array, x: Float32Array, ldx: number, w: Float32Array, dw: Float32Array, db: Float32Array,
    dx: Float32Array | null, lddx: number, rows: number, inF: number, outF: number, accumulate: boolean,
  ): void;

  /** y = act(x), n elements (y may not alias x when backward needs x). */
  activationForward(act: Activation, x: Float32Array, y: Float32Array, n: number): void;
  /** dx = dy * act'(x), n elements (x is the pre-activation input). dx may alias dy. */
  activationBackward(act: Activation, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;

  /**
   * LayerNorm over the last dim: y = (x - mean) * rstd * gamma + beta, biased variance,
   * rstd = 1 / sqrt(var + eps). Saves mean (rows) and rstd (rows) for backward.
   */
  layerNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array,
    mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number,
  ): void;
  /** dx written; dgamma, dbeta accumulated. dx may alias dy. */
  layerNormBackward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number,
  ): void;

  /**
   * Multi-head scaled dot-product attention, HF convention:
   *   scores = (Q_h K_h^T) * scale + mask[b, key]; probs = softmax(scores); P = dropout(probs)
   *   ctx_h = P V_h
   * q, k, v, ctx: (B*S, nh*hd), head h occupies columns h*hd .. h*hd+hd-1.
   * mask: additive (B, S) over key positions (0 keep, -3.4028234663852886e38 masked, as HF's
   *   (1 - attention_mask) * finfo(float32).min), or null for no mask.
   * probs: (B, nh, S, S) out, softmax output BEFORE dropout (backward needs it); null when nothing
   *   needs it (inference): then no (B, nh, S, S) array is written at all.
   * Dropout on probs uses dropoutKeep(seed, i) with i the flat index into probs.
   * ldqkv: row stride of q, k, v (default nh*hd), so that they can be column views of one packed
   *   (B*S, 3H) tensor (q = qkv, k = qkv.subarray(H), v = qkv.subarray(2H), ldqkv = 3H).
   */
  attentionForward(
    q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null,
    probs: Float32Array | null, ctx: Float32Array,
    B: number, S: number, nh: number, hd: number, scale: number, dropoutP: number, seed: number, ldqkv?: number,
  ): void;
  /** Gradients of attentionForward w.r.t. q, k, v (written; dq, dk, dv with row stride ldqkv, and only
   *  their nh*hd columns of each row are touched). Same arguments as forward. */
  attentionBackward(
    dctx: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array,
    B: number, S: number, nh: number, hd: number, scale: number, dropoutP: number, seed: number, ldqkv?: number,
  ): void;

  /** out[i, :] (=, or += when accumulate) table[ids[i], :]; out (n, dim), table (rows, dim). */
  embeddingForward(ids: Int32Array, table: Float32Array, out: Float32Array, n: number, dim: number, accumulate: boolean): void;
  /** dtable[ids[i], :] += dout[i, :]; ids < 0 are skipped. */
  embeddingBackward(ids: Int32Array, dout: Float32Array, dtable: Float32Array, n: number, dim: number): void;

  /** y = x * keep(i) / (1 - p). p = 0 copies. y may alias x. */
  dropoutForward(x: Float32Array, y: Float32Array, n: number, p: number, seed: number): void;
  /** dx = dy * keep(i) / (1 - p). dx may alias dy. */
  dropoutBackward(dy: Float32Array, dx: Float32Array, n: number, p: number, seed: number): void;

  /**
   * Softmax cross-entropy over rows of logits (rows, V) with integer labels; rows whose label
   * equals ignoreIndex (HF: -100) contribute nothing. Returns the SUM of the per-row losses.
   * If dlogits is given: dlogits = (softmax(logits) - onehot(label)) * gradScale, zero on
   * ignored rows. dlogits may be logits (in place: the (rows, V) gradient needs no buffer of its own).
   */
  crossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, V: number,
    dlogits: Float32Array | null, gradScale: number, ignoreIndex: number,
  ): number;

  /** out = a + b (n elements; out may alias a or b). */
  add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  /** y += alpha * x. */
  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void;
  /** x *= alpha. */
  scale(x: Float32Array, alpha: number, n: number): void;
  /** Sum of squares, accumulated in double precision. */
  sumSquares(x: Float32Array, n: number): number;

  /**
   * Adam moments and the raw update, shared by AdamW and LAMB:
   *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
   *   update = (m / bc1) / (sqrt(v / bc2) + eps) + weightDecay * param
   * bc1 = 1 - b1^t, bc2 = 1 - b2^t for bias correction, or 1 and 1 for none (ALBERT's LAMB).
   * The caller then applies param -= lr * ratio * update (ratio = 1 for AdamW, the trust ratio
   * for LAMB) with axpy. update may be grad (in place: element i reads grad[i] before writing update[i]).
   */
  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, update: Float32Array,
    n: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, weightDecay: number,
  ): void;
}

/** MurmurHash3's 32-bit finalizer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The dropout mask, counter-based so that native and js agree bit for bit and backward can
 * regenerate it: u = fmix32(fmix32(seed) ^ i) >>> 8, a 24-bit uniform; keep when u >= p * 2^24.
 * seed and i are uint32.
 */
export function dropoutKeep(seed: number, i: number, p: number): boolean {
  const u = fmix32((fmix32(seed >>> 0) ^ i) >>> 0) >>> 8;
  return u >= Math.floor(p * 16777216);
}

// ---- helpers every backend's packB / gemmPacked uses ----

/** Throws unless `into` (when given) was packed by a backend with this layout. */
export function checkPackInto(into: PackedB | undefined, layout: PackedB['layout']): void {
  if (into && into.layout !== layout) throw new RangeError(`packB: into was packed by the ${into.layout} backend, not ${layout}`);
}

/** Throws unless b was packed by a backend with this layout. */
export function checkPacked(b: PackedB, layout: PackedB['layout']): void {
  if (b.layout !== layout) throw new RangeError(`gemmPacked: b was packed by the ${b.layout} backend, not ${layout}`);
}

/** `into` updated in place to `packed` (so the caller's reference stays valid), or `packed` itself. */
export function fillPacked(into: PackedB | undefined, packed: PackedB): PackedB {
  if (!into) return packed;
  into.k = packed.k;
  into.n = packed.n;
  into.data = packed.data;
  into.storage = packed.storage;
  into.source = packed.source;
  return into;
}
