// bf16 mixed precision: the model's GEMMs take their operands rounded to bfloat16 (round to nearest
// even, as PyTorch's .to(torch.bfloat16) and AVX512_BF16's vcvtne2ps2bf16) and accumulate in fp32;
// everything else (master weights, optimizer states, reductions, LayerNorm, softmax, the loss) stays
// fp32. `bf16Gemms(backend)` is a Backend with exactly that change, so the model code is the same for
// both precisions: AlbertModel runs its kernels on it when its precision is 'bf16'.
//
// The GEMMs go to the backend's own `gemmBf16` (oneDNN's bf16 matmul in the native backend) when it has
// one; otherwise they are emulated: the operands rounded into scratch copies, then the fp32 GEMM, which
// gives the same products (each bf16 x bf16 product is exact in fp32) and so the same numbers up to the
// order of the fp32 sums.
import type { Activation, Backend, PackedB } from './backend.js';

export type Precision = 'fp32' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** x rounded to the nearest bfloat16 (ties to even), as a number; NaN stays NaN, overflow goes to ±Infinity. */
export function bf16Round(x: number): number {
  f32[0] = x;
  u32[0] = roundBits(u32[0]);
  return f32[0];
}

function roundBits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return (u | 0x00400000) & 0xffff0000; // NaN: keep it a (quiet) NaN
  return ((u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000) >>> 0;
}

/** The bf16 bit patterns (round to nearest even) of src's first n floats. */
export function toBf16Bits(src: Float32Array, n: number): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, n), out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = roundBits(bits[i]) >>> 16;
  return out;
}

/** dst[i] = bf16Round(src[i]) for i < n (dst may be src). */
export function roundToBf16(src: Float32Array, dst: Float32Array, n: number): void {
  if (dst !== src) dst.set(src.subarray(0, n));
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) bits[i] = roundBits(bits[i]);
}

/** The floats a strided (rows, cols) operand spans, over `batch` matrices `stride` apart. */
const span = (rows: number, cols: number, ld: number, batch: number, stride: number) =>
  rows === 0 || cols === 0 ? 0 : (batch - 1) * stride + (rows - 1) * ld + cols;

type GemmArgs = Parameters<Backend['gemm']>;

/** A backend that may have a native bf16 GEMM (same arguments as gemm). */
type MaybeBf16 = Backend & { gemmBf16?: (...args: GemmArgs) => void };

/** Scratch arrays kept by name and grown on demand (one owner each, reused every step). */
class Scratch {
  private readonly arrays = new Map<string, Float32Array>();
  get(name: string, n: number): Float32Array {
    let a = this.arrays.get(name);
    if (!a || a.length < n) this.arrays.set(name, (a = new Float32Array(n)));
    return a;
  }
  /** A bf16-rounded copy of x's first n floats. */
  rounded(name: string, x: Float32Array, n: number): Float32Array {
    const r = this.get(name, n).subarray(0, n);
    roundToBf16(x, r, n);
    return r;
  }
}

const BF16 = Symbol('bf16 view');
type Bf16View = Backend & { [BF16]: Backend };

/** The backend `b` computes on, its bf16 view's or its own. */
export function fp32Of(b: Backend): Backend {
  return (b as Partial<Bf16View>)[BF16] ?? b;
}

const views = new WeakMap<Backend, Backend>();

/** `inner` with its GEMMs (Linear forward/backward, attention's products, the MLM decoder) in bf16 (one view per backend). */
export function bf16Gemms(inner: Backend): Backend {
  inner = fp32Of(inner);
  let v = views.get(inner);
  if (!v) views.set(inner, (v = makeView(inner as MaybeBf16)));
  return v;
}

/** The backend for a precision: `inner` itself for fp32. */
export const withPrecision = (inner: Backend, p: Precision): Backend => (p === 'bf16' ? bf16Gemms(inner) : fp32Of(inner));

function makeView(inner: MaybeBf16): Backend {
  const s = new Scratch();
  const gemm = (...args: GemmArgs): void => {
    if (inner.gemmBf16) return inner.gemmBf16(...args);
    const [transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch = 1, strideA = 0, strideB = 0, strideC = 0] = args;
    const na = transA ? span(k, m, lda, batch, strideA) : span(m, k, lda, batch, strideA);
    const nb = transB ? span(n, k, ldb, batch, strideB) : span(k, n, ldb, batch, strideB);
    inner.gemm(transA, transB, m, n, k, alpha, s.rounded('gemmA', a, na), lda, s.rounded('gemmB', b, nb), ldb, beta, c, ldc,
      batch, strideA, strideB, strideC);
  };
  // q, k and v rounded (one copy when they are column views of one packed [q k v], as the layers pass them);
  // the probabilities stay fp32 (softmax's output, inside the fused kernel).
  const roundedQkv = (q: Float32Array, k: Float32Array, v: Float32Array, rows: number, H: number, ld: number) => {
    const n = span(rows, H, ld, 1, 0);
    if (q.buffer === k.buffer && q.buffer === v.buffer && k.byteOffset === q.byteOffset + 4 * H && v.byteOffset === q.byteOffset + 8 * H) {
      const all = s.rounded('qkv', q, n + 2 * H);
      return [all, all.subarray(H), all.subarray(2 * H)] as const;
    }
    return [s.rounded('q', q, n), s.rounded('k', k, n), s.rounded('v', v, n)] as const;
  };
  const view: Bf16View = {
    [BF16]: inner,
    name: inner.name,
    setThreads: (n) => inner.setThreads(n),
    getThreads: () => inner.getThreads(),
    gemm,
    // Linear layers use gemm + addBias (the packed fp32 kernel would see fp32 operands).
    packedGemm: false,
    packB(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, into?: PackedB): PackedB {
      // the pack's B is a rounded copy of its own (the native backend may read B itself while the pack is in use)
      const nb = transB ? span(n, k, ldb, 1, 0) : span(k, n, ldb, 1, 0);
      const own = into?.source && into.source.b.length === nb && into.source.b !== b ? into.source.b : new Float32Array(nb);
      roundToBf16(b, own, nb);
      return inner.packB(own, ldb, transB, k, n, into);
    },
    gemmPacked(m: number, a: Float32Array, lda: number, b: PackedB, beta: 0 | 1, c: Float32Array, ldc: number, bias: Float32Array | null, act?: Activation) {
      inner.gemmPacked(m, s.rounded('packedA', a, span(m, b.k, lda, 1, 0)), lda, b, beta, c, ldc, bias, act);
    },
    addBias: (x, bias, rows, cols) => inner.addBias(x, bias, rows, cols),
    biasGrad: (dy, dbias, rows, cols) => inner.biasGrad(dy, dbias, rows, cols),
    linearBackward(dy, x, ldx, w, dw, db, dx, lddx, rows, inF, outF, accumulate) {
      gemm(true, false, outF, inF, rows, 1, dy, outF, x, ldx, 1, dw, inF); // dW += dy^T x
      inner.biasGrad(dy, db, rows, outF);
      if (dx) gemm(false, false, rows, inF, outF, 1, dy, outF, w, inF, accumulate ? 1 : 0, dx, lddx); // dx = dy W
    },
    activationForward: (act, x, y, n) => inner.activationForward(act, x, y, n),
    activationBackward: (act, x, dy, dx, n) => inner.activationBackward(act, x, dy, dx, n),
    layerNormForward: (x, g, b, y, mean, rstd, rows, cols, eps) => inner.layerNormForward(x, g, b, y, mean, rstd, rows, cols, eps),
    layerNormBackward: (dy, x, g, mean, rstd, dx, dg, dbeta, rows, cols) => inner.layerNormBackward(dy, x, g, mean, rstd, dx, dg, dbeta, rows, cols),
    attentionForward(q, k, v, mask, probs, ctx, B, S, nh, hd, scale, p, seed, ldqkv = nh * hd) {
      const [rq, rk, rv] = roundedQkv(q, k, v, B * S, nh * hd, ldqkv);
      inner.attentionForward(rq, rk, rv, mask, probs, ctx, B, S, nh, hd, scale, p, seed, ldqkv);
    },
    attentionBackward(dctx, q, k, v, probs, dq, dk, dv, B, S, nh, hd, scale, p, seed, ldqkv = nh * hd) {
      const [rq, rk, rv] = roundedQkv(q, k, v, B * S, nh * hd, ldqkv);
      const rd = s.rounded('dctx', dctx, B * S * nh * hd);
      inner.attentionBackward(rd, rq, rk, rv, probs, dq, dk, dv, B, S, nh, hd, scale, p, seed, ldqkv);
    },
    embeddingForward: (ids, table, out, n, dim, acc) => inner.embeddingForward(ids, table, out, n, dim, acc),
    embeddingBackward: (ids, dout, dtable, n, dim) => inner.embeddingBackward(ids, dout, dtable, n, dim),
    dropoutForward: (x, y, n, p, seed) => inner.dropoutForward(x, y, n, p, seed),
    dropoutBackward: (dy, dx, n, p, seed) => inner.dropoutBackward(dy, dx, n, p, seed),
    crossEntropy: (logits, labels, rows, V, dl, gs, ig) => inner.crossEntropy(logits, labels, rows, V, dl, gs, ig),
    add: (a, b, out, n) => inner.add(a, b, out, n),
    axpy: (alpha, x, y, n) => inner.axpy(alpha, x, y, n),
    scale: (x, alpha, n) => inner.scale(x, alpha, n),
    sumSquares: (x, n) => inner.sumSquares(x, n),
    adamUpdate: (param, grad, m, v, update, n, b1, b2, eps, bc1, bc2, wd) => inner.adamUpdate(param, grad, m, v, update, n, b1, b2, eps, bc1, bc2, wd),
  };
  return view;
}
