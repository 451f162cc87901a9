// The readable executable specification of every kernel in backend.ts: plain TypeScript over
// Float32Array, single-threaded. Reductions that decide accuracy (dot products, layernorm stats,
// softmax sums, cross-entropy) accumulate in float64; results are rounded once when stored.
// The native addon must agree with these to rel. 1e-5 (test/backend_native.test.ts).
import { type Activation, type Backend, type PackedB, checkPackInto, checkPacked, dropoutKeep, fillPacked } from './backend.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const GELU_NEW_C = Math.sqrt(2 / Math.PI);
const GELU_NEW_A = 0.044715;

/**
 * erfc(z) for z >= 0 in double precision (well beyond float32's needs).
 * Small z: the series erf(z) = 2/sqrt(pi) e^{-z^2} sum_n (2z^2)^n z / (1*3*...*(2n+1)), whose terms
 * are all positive (no cancellation). Large z: Laplace's continued fraction
 * erfc(z) = e^{-z^2}/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), evaluated bottom-up.
 */
function erfcPositive(z: number): number {
  if (z < 2.5) {
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (2 * z2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
  }
  if (z > 27) return 0; // e^{-729} underflows double
  let f = z;
  for (let n = 60; n >= 1; n--) f = z + n / 2 / f;
  return (INV_SQRT_PI * Math.exp(-z * z)) / f;
}

/** The error function, accurate to ~1e-15 absolute. */
export function erf(x: number): number {
  return x >= 0 ? 1 - erfcPositive(x) : erfcPositive(-x) - 1;
}

/** Standard normal CDF Phi(x) = 0.5 erfc(-x / sqrt 2), without cancellation for x << 0. */
function normalCdf(x: number): number {
  return x >= 0 ? 1 - 0.5 * erfcPositive(x * SQRT1_2) : 0.5 * erfcPositive(-x * SQRT1_2);
}

function actForward(act: Activation, x: number): number {
  switch (act) {
    case 'gelu': return x * normalCdf(x);
    case 'gelu_new': return 0.5 * x * (1 + Math.tanh(GELU_NEW_C * (x + GELU_NEW_A * x * x * x)));
    case 'relu': return x > 0 ? x : 0;
    case 'silu': return x / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
    case 'linear': return x;
  }
}

/** d act(x) / dx. */
function actDerivative(act: Activation, x: number): number {
  switch (act) {
    case 'gelu': return normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'gelu_new': {
      const t = Math.tanh(GELU_NEW_C * (x + GELU_NEW_A * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_NEW_C * (1 + 3 * GELU_NEW_A * x * x);
    }
    case 'relu': return x > 0 ? 1 : 0;
    case 'silu': {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    }
    case 'tanh': {
      const t = Math.tanh(x);
      return 1 - t * t;
    }
    case 'linear': return 1;
  }
}

const ACTIVATIONS: ReadonlySet<string> = new Set(['gelu', 'gelu_new', 'relu', 'silu', 'tanh', 'linear']);

export function checkActivation(act: string): asserts act is Activation {
  if (!ACTIVATIONS.has(act)) throw new RangeError(`unknown activation "${act}" (expected one of ${[...ACTIVATIONS].join(', ')})`);
}

/** The scale applied to kept elements, 0 when everything is dropped (p = 1). */
export function dropoutScale(p: number): number {
  return p >= 1 ? 0 : 1 / (1 - p);
}

export class JsBackend implements Backend {
  readonly name = 'js' as const;
  private row = new Float64Array(0); // gemm row accumulator / attention scores, grown on demand

  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`threads must be an integer >= 1, got ${n}`);
  }
  getThreads(): number {
    return 1;
  }

  private scratch(n: number): Float64Array {
    if (this.row.length < n) this.row = new Float64Array(n);
    return this.row;
  }

  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
    beta: number, c: Float32Array, ldc: number,
    batch = 1, strideA = 0, strideB = 0, strideC = 0,
  ): void {
    const acc = this.scratch(n);
    for (let p = 0; p < batch; p++) {
      const ao = p * strideA, bo = p * strideB, co = p * strideC;
      for (let i = 0; i < m; i++) {
        acc.fill(0, 0, n);
        if (!transB) {
          // row i of op(A) times B (k, n): accumulate scaled rows of B (contiguous)
          for (let l = 0; l < k; l++) {
            const ail = transA ? a[ao + l * lda + i] : a[ao + i * lda + l];
            const br = bo + l * ldb;
            for (let j = 0; j < n; j++) acc[j] += ail * b[br + j];
          }
        } else {
          // B is stored (n, k): dot products of row i of op(A) with rows of B
          for (let j = 0; j < n; j++) {
            const br = bo + j * ldb;
            let s = 0;
            if (transA) for (let l = 0; l < k; l++) s += a[ao + l * lda + i] * b[br + l];
            else for (let l = 0, ar = ao + i * lda; l < k; l++) s += a[ar + l] * b[br + l];
            acc[j] = s;
          }
        }
        const cr = co + i * ldc;
        // beta = 0 overwrites C without reading it (BLAS semantics: NaNs in C do not propagate)
        if (beta === 0) for (let j = 0; j < n; j++) c[cr + j] = alpha * acc[j];
        else for (let j = 0; j < n; j++) c[cr + j] = alpha * acc[j] + beta * c[cr + j];
      }
    }
  }

  readonly packedGemm = true;

  /** The js "packing" is a plain copy of op(B) as a row-major (k, n) matrix. */
  packB(b: Float32Array, ldb: number, transB: boolean, k: number, n: number, into?: PackedB): PackedB {
    checkPackInto(into, 'js');
    const storage = into && into.storage.length >= k * n ? into.storage : new Float32Array(k * n);
    const data = storage.subarray(0, k * n);
    for (let l = 0; l < k; l++)
      for (let j = 0; j < n; j++) data[l * n + j] = transB ? b[j * ldb + l] : b[l * ldb + j];
    return fillPacked(into, { k, n, layout: 'js', data, storage });
  }

  gemmPacked(
    m: number, a: Float32Array, lda: number, b: PackedB, beta: 0 | 1, c: Float32Array, ldc: number,
    bias: Float32Array | null, act: Activation = 'linear',
  ): void {
    checkPacked(b, 'js');
    const { k, n, data } = b;
    const acc = this.scratch(n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) acc[j] = bias ? bias[j] : 0;
      for (let l = 0; l < k; l++) {
        const ail = a[i * lda + l];
        for (let j = 0; j < n; j++) acc[j] += ail * data[l * n + j];
      }
      const cr = i * ldc;
      for (let j = 0; j < n; j++) c[cr + j] = beta === 1 ? acc[j] + c[cr + j] : acc[j];
      if (act !== 'linear') {
        const row = c.subarray(cr, cr + n);
        this.activationForward(act, row, row, n);
      }
    }
  }

  addBias(x: Float32Array, bias: Float32Array, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) x[o + j] += bias[j];
    }
  }

  biasGrad(dy: Float32Array, dbias: Float32Array, rows: number, cols: number): void {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += dy[r * cols + j];
      dbias[j] += s;
    }
  }

  linearBackward(
    dy: Float32Array, x: Float32Array, ldx: number, w: Float32Array, dw: Float32Array, db: Float32Array,
    dx: Float32Array | null, lddx: number, rows: number, inF: number, outF: number, accumulate: boolean,
  ): void {
    this.gemm(true, false, outF, inF, rows, 1, dy, outF, x, ldx, 1, dw, inF);
    this.biasGrad(dy, db, rows, outF);
    if (dx) this.gemm(false, false, rows, inF, outF, 1, dy, outF, w, inF, accumulate ? 1 : 0, dx, lddx);
  }

  activationForward(act: Activation, x: Float32Array, y: Float32Array, n: number): void {
    checkActivation(act);
    for (let i = 0; i < n; i++) y[i] = actForward(act, x[i]);
  }

  activationBackward(act: Activation, x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void {
    checkActivation(act);
    for (let i = 0; i < n; i++) dx[i] = dy[i] * actDerivative(act, x[i]);
  }

  layerNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array,
    mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number,
  ): void {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += x[o + j];
      const mu = s / cols;
      let v = 0;
      for (let j = 0; j < cols; j++) {
        const d = x[o + j] - mu;
        v += d * d;
      }
      const rs = 1 / Math.sqrt(v / cols + eps);
      for (let j = 0; j < cols; j++) y[o + j] = (x[o + j] - mu) * rs * gamma[j] + beta[j];
      mean[r] = mu;
      rstd[r] = rs;
    }
  }

  layerNormBackward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, rstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, rows: number, cols: number,
  ): void {
    // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma, xhat = (x - mean) * rstd
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const mu = mean[r], rs = rstd[r];
      let sg = 0, sgx = 0;
      for (let j = 0; j < cols; j++) {
        const xhat = (x[o + j] - mu) * rs;
        const g = dy[o + j] * gamma[j];
        sg += g;
        sgx += g * xhat;
        dgamma[j] += dy[o + j] * xhat;
        dbeta[j] += dy[o + j];
      }
      const mg = sg / cols, mgx = sgx / cols;
      for (let j = 0; j < cols; j++) {
        const xhat = (x[o + j] - mu) * rs;
        dx[o + j] = rs * (dy[o + j] * gamma[j] - mg - xhat * mgx);
      }
    }
  }

  attentionForward(
    q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | null,
    probs: Float32Array | null, ctx: Float32Array,
    B: number, S: number, nh: number, hd: number, scale: number, dropoutP: number, seed: number, ldqkv = nh * hd,
  ): void {
    const H = nh * hd, ld = ldqkv;
    const keepScale = dropoutScale(dropoutP);
    const work = this.scratch(2 * S + hd);
    const scores = work.subarray(0, S), acc = work.subarray(S, S + hd), row = work.subarray(S + hd);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < nh; h++) {
        for (let i = 0; i < S; i++) {
          const qo = (b * S + i) * ld + h * hd, co = (b * S + i) * H + h * hd;
          const po = ((b * nh + h) * S + i) * S; // row (b, h, i) of probs (dropout indices count in it)
          const pr = probs ? probs.subarray(po, po + S) : row;
          let max = -Infinity;
          for (let j = 0; j < S; j++) {
            const ko = (b * S + j) * ld + h * hd;
            let dot = 0;
            for (let d = 0; d < hd; d++) dot += q[qo + d] * k[ko + d];
            // a masked key (mask -3.4e38) absorbs the score, so a fully masked row comes out uniform
            const s = dot * scale + (mask ? mask[b * S + j] : 0);
            scores[j] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let j = 0; j < S; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (let j = 0; j < S; j++) pr[j] = scores[j] / sum;
          // ctx row = dropout(probs row) @ V_h
          acc.fill(0);
          for (let j = 0; j < S; j++) {
            let p = pr[j];
            if (dropoutP > 0) p = dropoutKeep(seed, po + j, dropoutP) ? p * keepScale : 0;
            if (p === 0) continue;
            const vo = (b * S + j) * ld + h * hd;
            for (let d = 0; d < hd; d++) acc[d] += p * v[vo + d];
          }
          for (let d = 0; d < hd; d++) ctx[co + d] = acc[d];
        }
      }
    }
  }

  attentionBackward(
    dctx: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array,
    B: number, S: number, nh: number, hd: number, scale: number, dropoutP: number, seed: number, ldqkv = nh * hd,
  ): void {
    const H = nh * hd, ld = ldqkv;
    const keepScale = dropoutScale(dropoutP);
    for (let r = 0; r < B * S; r++) {
      dq.fill(0, r * ld, r * ld + H);
      dk.fill(0, r * ld, r * ld + H);
      dv.fill(0, r * ld, r * ld + H);
    }
    const ds = this.scratch(S);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < nh; h++) {
        for (let i = 0; i < S; i++) {
          const qo = (b * S + i) * ld + h * hd, co = (b * S + i) * H + h * hd;
          const po = ((b * nh + h) * S + i) * S;
          // dP_ij = dctx_i . v_j ; dprobs = dP * dropout mask ; dV_j += P_ij dctx_i
          let dot = 0; // sum_j probs_ij * dprobs_ij
          for (let j = 0; j < S; j++) {
            const vo = (b * S + j) * ld + h * hd;
            const m = dropoutP > 0 ? (dropoutKeep(seed, po + j, dropoutP) ? keepScale : 0) : 1;
            const pij = probs[po + j] * m;
            let dp = 0;
            for (let d = 0; d < hd; d++) {
              dp += dctx[co + d] * v[vo + d];
              dv[vo + d] += pij * dctx[co + d];
            }
            ds[j] = dp * m;
            dot += probs[po + j] * ds[j];
          }
          // softmax backward: dscores = probs * (dprobs - dot), then through scale
          for (let j = 0; j < S; j++) {
            const g = probs[po + j] * (ds[j] - dot) * scale;
            if (g === 0) continue;
            const ko = (b * S + j) * ld + h * hd;
            for (let d = 0; d < hd; d++) {
              dq[qo + d] += g * k[ko + d];
              dk[ko + d] += g * q[qo + d];
            }
          }
        }
      }
    }
  }

  embeddingForward(ids: Int32Array, table: Float32Array, out: Float32Array, n: number, dim: number, accumulate: boolean): void {
    const rows = Math.floor(table.length / dim);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (id < 0 || id >= rows) throw new RangeError(`embedding id ${id} at position ${i} is outside the table (0..${rows - 1})`);
      const t = id * dim, o = i * dim;
      if (accumulate) for (let j = 0; j < dim; j++) out[o + j] += table[t + j];
      else for (let j = 0; j < dim; j++) out[o + j] = table[t + j];
    }
  }

  embeddingBackward(ids: Int32Array, dout: Float32Array, dtable: Float32Array, n: number, dim: number): void {
    const rows = Math.floor(dtable.length / dim);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (id < 0) continue;
      if (id >= rows) throw new RangeError(`embedding id ${id} at position ${i} is outside the table (0..${rows - 1})`);
      const t = id * dim, o = i * dim;
      for (let j = 0; j < dim; j++) dtable[t + j] += dout[o + j];
    }
  }

  dropoutForward(x: Float32Array, y: Float32Array, n: number, p: number, seed: number): void {
    this.dropoutBackward(x, y, n, p, seed); // the same mask-and-scale map
  }

  dropoutBackward(dy: Float32Array, dx: Float32Array, n: number, p: number, seed: number): void {
    if (p <= 0) {
      if (dx !== dy) dx.set(dy.subarray(0, n));
      return;
    }
    const s = dropoutScale(p);
    for (let i = 0; i < n; i++) dx[i] = dropoutKeep(seed, i, p) ? dy[i] * s : 0;
  }

  crossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, V: number,
    dlogits: Float32Array | null, gradScale: number, ignoreIndex: number,
  ): number {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * V;
      const label = labels[r];
      if (label === ignoreIndex) {
        if (dlogits) dlogits.fill(0, o, o + V);
        continue;
      }
      if (label < 0 || label >= V) throw new RangeError(`label ${label} in row ${r} is outside 0..${V - 1} (and is not the ignore index ${ignoreIndex})`);
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j] - max);
      const lse = max + Math.log(sum);
      total += lse - logits[o + label];
      if (dlogits) {
        for (let j = 0; j < V; j++) dlogits[o + j] = (Math.exp(logits[o + j] - lse) - (j === label ? 1 : 0)) * gradScale;
      }
    }
    return total;
  }

  add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
    for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
  }

  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void {
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  }

  scale(x: Float32Array, alpha: number, n: number): void {
    for (let i = 0; i < n; i++) x[i] *= alpha;
  }

  sumSquares(x: Float32Array, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    return s;
  }

  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, update: Float32Array,
    n: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number, weightDecay: number,
  ): void {
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      update[i] = m[i] / bc1 / (Math.sqrt(v[i] / bc2) + eps) + weightDecay * param[i];
    }
  }
}
