// The native backend: a thin wrapper over the N-API addon built from native/ by node-gyp
// (build/Release/albert_native.node). The addon checks every array length against the shapes it is
// given (RangeError) and does all the work in C++ with its own thread pool; this file only maps
// names and defaults.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { UserError } from '../errors.js';
import { type Activation, type Backend, type PackedB, checkPackInto, checkPacked, fillPacked } from './backend.js';
import { toBf16Bits } from './bf16.js';
import type { Dtype, TypedGemms, TypedPack } from './dtype.js';
import type { DnnlAddon, DnnlWeights } from './onednn_addon.js';
import type { QuantizedWeights } from './quantize.js';

/** The addon's exports (native/addon.cc). Activations are passed as codes, see ACT_CODES. */
interface Addon extends DnnlAddon {
  setThreads(n: number): void;
  getThreads(): number;
  /** Which GEMM the addon was built with: 'openblas', 'accelerate' or 'portable'. */
  gemmImpl(): string;
  gemmCore(): string;
  /** Forces the portable GEMM at run time (tests compare it with CBLAS). */
  setPortableGemm(on: boolean): void;
  setBlasThreading(on: boolean): void;
  gemm(ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
    b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
    batch: number, sa: number, sb: number, sc: number): void;
  /** 'avx2' or 'generic': the hand-vectorized kernels (gemmPacked's micro-kernel, softmax) on this CPU. */
  simdKernels(): string;
  setGenericKernels(on: boolean): void;
  cpuIsa(): string;
  setIsa(level: number): void;
  isaExtensions(): string;
  packedBFloats(k: number, n: number): number;
  /** Packs into store at its first 64-byte-aligned element and returns that element's index. */
  packB(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, store: Float32Array): number;
  gemmPacked(m: number, a: Float32Array, lda: number, packed: Float32Array, k: number, n: number, beta: number,
    c: Float32Array, ldc: number, bias: Float32Array | null, act?: number): void;
  addBias(x: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  biasGrad(dy: Float32Array, dbias: Float32Array, rows: number, cols: number): void;
  linearBackward(dy: Float32Array, x: Float32Array, ldx: number, w: Float32Array, dw: Float32Array, db: Float32Array,
    dx: Float32Array | null, lddx: number, rows: number, inF: number, outF: number, accumulate: boolean): void;
  activationForward(act: number, x: Float32Array, y: Float32Array, n: number): void;
  activationBackward(act: number, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  layerNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array,
    mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number): void;
  layerNormBackward(dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number): void;
  attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null,
    probs: Float32Array | null, ctx: Float32Array, B: number, S: number, nh: number, hd: number,
    scale: number, p: number, seed: number, ldqkv?: number): void;
  attentionBackward(dctx: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array, B: number, S: number, nh: number, hd: number,
    scale: number, p: number, seed: number, ldqkv?: number): void;
  embeddingForward(ids: Int32Array, table: Float32Array, out: Float32Array, n: number, dim: number, acc: boolean): void;
  embeddingBackward(ids: Int32Array, dout: Float32Array, dtable: Float32Array, n: number, dim: number): void;
  dropout(x: Float32Array, y: Float32Array, n: number, p: number, seed: number): void;
  crossEntropy(logits: Float32Array, labels: Int32Array, rows: number, V: number,
    dlogits: Float32Array | null, gradScale: number, ignoreIndex: number): number;
  add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void;
  scale(x: Float32Array, alpha: number, n: number): void;
  sumSquares(x: Float32Array, n: number): number;
  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, update: Float32Array,
    n: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, weightDecay: number): void;
}

/** gemmPacked calls at least this tall go to CBLAS when the backend runs on one thread (see gemmPacked). */
const CBLAS_MIN_ROWS_ONE_THREAD = 512;

/** Must match enum Act in native/kernels.h. */
const ACT_CODES: Record<Activation, number> = { linear: 0, gelu: 1, gelu_new: 2, relu: 3, silu: 4, tanh: 5 };

function actCode(act: Activation): number {
  const c = ACT_CODES[act];
  if (c === undefined) throw new RangeError(`unknown activation "${act}"`);
  return c;
}

const BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../build/Release');
/**
 * The addon file: $ALBERT_NATIVE_ADDON when set (a custom build), else where node-gyp puts it,
 * relative to the package root (this file is dist/src/backend/native.js).
 */
export const ADDON_PATH = process.env.ALBERT_NATIVE_ADDON || path.join(BUILD_DIR, 'albert_native.node');
/** The same kernels built without CBLAS (binding.gyp's second target), for tests and comparisons. */
export const PORTABLE_ADDON_PATH = path.join(BUILD_DIR, 'albert_native_portable.node');

const loaded = new Map<string, Addon>();

/** The kernels' ISA levels, lowest first (the addon's setIsa takes the index). */
export const ISA_LEVELS = ['generic', 'avx2', 'avx512'] as const;
export type Isa = (typeof ISA_LEVELS)[number];

/** ALBERT_ISA, when set, must name a level (the addon reads it itself, once, when it loads). */
function checkIsaEnv(): void {
  const v = process.env.ALBERT_ISA;
  if (v && !(ISA_LEVELS as readonly string[]).includes(v)) {
    throw new UserError(`ALBERT_ISA=${v} is not an ISA level: use ${ISA_LEVELS.join(', ')}`);
  }
}

/** Loads an addon file (once); throws with the reason when it is not built or does not load. */
function loadAddon(file: string): Addon {
  let addon = loaded.get(file);
  if (!addon) {
    checkIsaEnv();
    // oneDNN (when built in) runs single-threaded inside our pool's tasks; libgomp reads this when it loads
    process.env.OMP_NUM_THREADS ??= '1';
    addon = createRequire(import.meta.url)(file) as Addon;
    loaded.set(file, addon);
  }
  return addon;
}

/** A pack that oneDNN holds (dtype.ts's TypedPack with the addon's weights). */
interface DnnlPack extends TypedPack { dnnl: DnnlWeights }
const NO_FLOATS = new Float32Array(0);

export class NativeBackend implements Backend, TypedGemms {
  readonly name = 'native' as const;
  private readonly addon: Addon;

  /** threads: kernel worker threads (default: keep the addon's current setting). */
  constructor(threads?: number, addonFile: string = ADDON_PATH) {
    this.addon = loadAddon(addonFile);
    this.hasCblas = this.addon.gemmImpl() !== 'portable';
    const env = process.env.ALBERT_PACKED_GEMM;
    this.dnnlLine = typeof this.addon.dnnlVersion === 'function' ? this.addon.dnnlVersion() : null;
    // Inference's lasting packs go to oneDNN's prepacked matmul where it is built in (the fastest fp32 forward,
    // BENCHMARKS.md); training repacks every step, where its reorder and copy do not pay. ALBERT_DNNL=0 keeps ours.
    this.dnnlForward = this.dnnlLine !== null && process.env.ALBERT_DNNL !== '0';
    this.packedGemm = env === '0' ? false : env === '1' ? true : this.ownTileIsWidest();
    if (this.dnnlLine !== null) {
      const addon = this.addon;
      this.gemmBf16 = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch = 1, strideA = 0, strideB = 0, strideC = 0) =>
        addon.dnnlGemmBf16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC);
    }
    if (threads !== undefined) this.setThreads(threads);
  }

  /**
   * gemm with A and B rounded to bf16 (nearest even) and fp32 accumulation, on oneDNN's bf16 matmul: the bf16
   * view (bf16.ts) runs its GEMMs on it. Only where the addon has oneDNN (else undefined: the view emulates it).
   */
  readonly gemmBf16?: Backend['gemm'];

  /** 'avx512' | 'avx2' | 'generic': the ISA level the hand-vectorized kernels use (CPUID, capped by ALBERT_ISA / setIsa). */
  simdKernels(): Isa {
    return this.addon.simdKernels() as Isa;
  }
  /** The CPU's own best level, whatever the cap. */
  cpuIsa(): Isa {
    return this.addon.cpuIsa() as Isa;
  }
  /** Caps the kernels' ISA level (clamped to the CPU's): tests and comparisons run every level the machine has. */
  setIsa(level: Isa): void {
    this.addon.setIsa(ISA_LEVELS.indexOf(level));
  }
  /** Extensions in use beside the level: 'avx512_bf16', 'avx512_vnni', 'avx_vnni'. */
  isaExtensions(): string[] {
    const s = this.addon.isaExtensions();
    return s ? s.split(' ') : [];
  }
  /** The level and its extensions as one name, e.g. 'avx512 + avx512_bf16 + avx512_vnni'. */
  kernelDescription(): string {
    return [this.simdKernels(), ...this.isaExtensions()].join(' + ');
  }
  /** Runs those kernels' generic versions even where AVX2 is available (tests compare the two). */
  setGenericKernels(on: boolean): void {
    this.addon.setGenericKernels(on);
  }
  /**
   * Whether the packed kernel's tile is at least as wide as the CBLAS's: on an AVX-512 CPU OpenBLAS's
   * AVX-512 kernels beat our AVX2 tile (base-v2 inference 8 x 128: 1.9k vs 1.25k tokens/s, machine D),
   * unless OPENBLAS_CORETYPE pins it to an AVX2 core.
   */
  private ownTileIsWidest(): boolean {
    const level = this.simdKernels();
    if (level === 'generic') return false;
    return !(level === 'avx512' && this.hasCblas && this.cblasHasAvx512());
  }
  /** OpenBLAS's kernel family runs AVX-512 (its corename; Accelerate and the portable build: no). */
  private cblasHasAvx512(): boolean {
    return /skylakex|cooperlake|sapphirerapids/i.test(this.addon.gemmCore());
  }
  /** OpenBLAS's kernel family ('SapphireRapids', 'Haswell', ...), with a note when OPENBLAS_CORETYPE chose it; '' when none. */
  gemmCore(): string {
    const core = this.addon.gemmCore();
    if (!core) return '';
    const pinned = process.env.OPENBLAS_CORETYPE;
    return pinned ? `${core}, pinned by OPENBLAS_CORETYPE` : core;
  }
  /** The GEMM engine as the backend line names it: 'openblas (SapphireRapids)', 'openblas (Haswell), forward: packed', ... */
  gemmEngine(): string {
    const gemm = this.gemmImpl();
    if (gemm === 'portable') return 'portable (built without OpenBLAS)';
    const core = this.gemmCore();
    const forward = (this.packedGemm ? ', forward: packed' : '') + (this.dnnlForward ? `, inference: ${this.dnnlLine}` : '');
    return `${core ? `${gemm} (${core})` : gemm}${forward}`;
  }
  /** Whether the forward GEMMs run on the packed kernel (else CBLAS). */
  usesPackedGemm(): boolean {
    return this.packedGemm;
  }
  /** 'openblas' | 'accelerate' | 'portable': the GEMM this build uses. */
  gemmImpl(): string {
    return this.addon.gemmImpl();
  }
  /** Uses the addon's own blocked GEMM instead of CBLAS (for tests and comparisons). */
  setPortableGemm(on: boolean): void {
    this.addon.setPortableGemm(on);
  }
  /** Large GEMMs as one CBLAS call on OpenBLAS's threads (true) or split over our pool (false, default). */
  setBlasThreading(on: boolean): void {
    this.addon.setBlasThreading(on);
  }

  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`threads must be an integer >= 1, got ${n}`);
    this.addon.setThreads(n);
  }
  getThreads(): number {
    return this.addon.getThreads();
  }

  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
    batch = 1, strideA = 0, strideB = 0, strideC = 0,
  ): void {
    this.addon.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC);
  }

  /**
   * Linear layers use packB + gemmPacked where its AVX2 kernel runs (elsewhere the CBLAS GEMM is the faster
   * one); $ALBERT_PACKED_GEMM = 0 or 1 (read once per backend) forces it off or on, e.g. for A/B comparisons.
   */
  readonly packedGemm: boolean;
  private readonly hasCblas: boolean;

  private readonly dnnlLine: string | null;
  private dnnlForward: boolean;

  /** 'oneDNN 2.6.3 (isa ...)' when the addon was built with oneDNN, else null. */
  dnnl(): string | null {
    return this.dnnlLine;
  }
  /** Whether inference's fp32 packs go to oneDNN (default where it is built in) or stay ours (tests of our kernel). */
  setDnnlForward(on: boolean): void {
    this.dnnlForward = on && this.dnnlLine !== null;
  }
  usesDnnlForward(): boolean {
    return this.dnnlForward;
  }

  runsDtype(dtype: Dtype): boolean {
    return this.dnnlLine !== null && (dtype !== 'fp32' || this.dnnlForward);
  }

  /** A pack in oneDNN's layout (bf16 bits or the quantized int8 weights when the dtype asks). */
  packTyped(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, dtype: Dtype, quant?: QuantizedWeights): TypedPack {
    if (this.dnnlLine === null) throw new RangeError(`packTyped: this addon was built without oneDNN (${dtype} runs emulated)`);
    if (k === 0 || n === 0) return { ...this.ownPack(b, ldb, transB, k, n), dtype, quant }; // C = act(bias [+ C]): no product to run
    let dnnl: DnnlWeights;
    if (dtype === 'int8') {
      if (!quant) throw new RangeError('packTyped: int8 needs the quantized weights');
      dnnl = this.addon.dnnlPack(quant.q, k, true, k, n, 's8');
    } else if (dtype === 'bf16') {
      dnnl = this.addon.dnnlPack(toBf16Bits(b, transB ? (n - 1) * ldb + k : (k - 1) * ldb + n), ldb, transB, k, n, 'bf16');
    } else {
      dnnl = this.addon.dnnlPack(b, ldb, transB, k, n, 'f32');
    }
    const pack: DnnlPack = { k, n, layout: 'native', data: NO_FLOATS, storage: NO_FLOATS, dtype, quant, dnnl };
    return pack;
  }

  packB(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, into?: PackedB): PackedB {
    checkPackInto(into, 'native');
    return this.ownPack(b, ldb, transB, k, n, into);
  }

  /** Our packed kernel's layout (the default without oneDNN). */
  private ownPack(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, into?: PackedB): PackedB {
    const size = this.addon.packedBFloats(k, n), need = size + 15; // + room to align the start to 64 bytes
    const storage = into && into.storage.length >= need ? into.storage : new Float32Array(need);
    const offset = this.addon.packB(b, ldb, transB, k, n, storage);
    const source = { b, ldb, transB };
    return fillPacked(into, { k, n, layout: 'native', data: storage.subarray(offset, offset + size), storage, source });
  }

  gemmPacked(
    m: number, a: Float32Array, lda: number, b: PackedB, beta: 0 | 1, c: Float32Array, ldc: number,
    bias: Float32Array | null, act: Activation = 'linear',
  ): void {
    checkPacked(b, 'native');
    const d = b as Partial<DnnlPack>;
    if (d.dnnl) {
      this.addon.dnnlMatmul(d.dnnl, m, a, lda, beta, c, ldc, bias, actCode(act), d.quant?.scale ?? null, d.quant?.colSum ?? null);
      return;
    }
    const src = b.source;
    // On one thread CBLAS (which packs per call) beats the packed kernel by 3-15% from about 512 rows on
    // ALBERT's shapes; on two, the packed kernel wins (bench/packed_gemm.ts): such calls go to CBLAS.
    if (src && m >= CBLAS_MIN_ROWS_ONE_THREAD && this.hasCblas && this.getThreads() === 1) {
      this.addon.gemm(false, src.transB, m, b.n, b.k, 1, a, lda, src.b, src.ldb, beta, c, ldc, 1, 0, 0, 0);
      // the epilogue the kernel fuses: over all of C at once, or row by row where ldc leaves gaps
      const [parts, rows] = ldc === b.n ? [1, m] : [m, 1];
      for (let i = 0; i < parts; i++) {
        const ci = c.subarray(i * ldc, i * ldc + rows * b.n);
        if (bias) this.addon.addBias(ci, bias, rows, b.n);
        if (act !== 'linear') this.addon.activationForward(actCode(act), ci, ci, rows * b.n);
      }
      return;
    }
    this.addon.gemmPacked(m, a, lda, b.data, b.k, b.n, beta, c, ldc, bias, actCode(act));
  }

  addBias(x: Float32Array, bias: Float32Array, rows: number, cols: number): void {
    this.addon.addBias(x, bias, rows, cols);
  }
  biasGrad(dy: Float32Array, dbias: Float32Array, rows: number, cols: number): void {
    this.addon.biasGrad(dy, dbias, rows, cols);
  }
  linearBackward(
    dy: Float32Array, x: Float32Array, ldx: number, w: Float32Array, dw: Float32Array, db: Float32Array,
    dx: Float32Array | null, lddx: number, rows: number, inF: number, outF: number, accumulate: boolean,
  ): void {
    this.addon.linearBackward(dy, x, ldx, w, dw, db, dx, lddx, rows, inF, outF, accumulate);
  }

  activationForward(act: Activation, x: Float32Array, y: Float32Array, n: number): void {
    this.addon.activationForward(actCode(act), x, y, n);
  }
  activationBackward(act: Activation, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
    this.addon.activationBackward(actCode(act), x, dy, dx, n);
  }

  layerNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array,
    mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number,
  ): void {
    this.addon.layerNormForward(x, gamma, beta, y, mean, rstd, rows, cols, eps);
  }
  layerNormBackward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number,
  ): void {
    this.addon.layerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, cols);
  }

  attentionForward(
    q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null,
    probs: Float32Array | null, ctx: Float32Array,
    B: number, S: number, nh: number, hd: number, scale: number, dropoutP: number, seed: number, ldqkv?: number,
  ): void {
    this.addon.attentionForward(q, k, v, mask, probs, ctx, B, S, nh, hd, scale, dropoutP, seed >>> 0, ldqkv);
  }
  attentionBackward(
    dctx: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array,
    B: number, S: number, nh: number, hd: number, scale: number, dropoutP: number, seed: number, ldqkv?: number,
  ): void {
    this.addon.attentionBackward(dctx, q, k, v, probs, dq, dk, dv, B, S, nh, hd, scale, dropoutP, seed >>> 0, ldqkv);
  }

  embeddingForward(ids: Int32Array, table: Float32Array, out: Float32Array, n: number, dim: number, accumulate: boolean): void {
    this.addon.embeddingForward(ids, table, out, n, dim, accumulate);
  }
  embeddingBackward(ids: Int32Array, dout: Float32Array, dtable: Float32Array, n: number, dim: number): void {
    this.addon.embeddingBackward(ids, dout, dtable, n, dim);
  }

  dropoutForward(x: Float32Array, y: Float32Array, n: number, p: number, seed: number): void {
    this.addon.dropout(x, y, n, p, seed >>> 0);
  }
  dropoutBackward(dy: Float32Array, dx: Float32Array, n: number, p: number, seed: number): void {
    this.addon.dropout(dy, dx, n, p, seed >>> 0);
  }

  crossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, V: number,
    dlogits: Float32Array | null, gradScale: number, ignoreIndex: number,
  ): number {
    return this.addon.crossEntropy(logits, labels, rows, V, dlogits, gradScale, ignoreIndex);
  }

  add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
    this.addon.add(a, b, out, n);
  }
  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void {
    this.addon.axpy(alpha, x, y, n);
  }
  scale(x: Float32Array, alpha: number, n: number): void {
    this.addon.scale(x, alpha, n);
  }
  sumSquares(x: Float32Array, n: number): number {
    return this.addon.sumSquares(x, n);
  }

  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, update: Float32Array,
    n: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, weightDecay: number,
  ): void {
    this.addon.adamUpdate(param, grad, m, v, update, n, beta1, beta2, eps, bc1, bc2, weightDecay);
  }
}
