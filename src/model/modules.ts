// The two PyTorch modules every block is made of, with explicit forward and backward:
// nn.Linear (y = x W^T + b, W (out, in)) and nn.LayerNorm over the last dim.
import type { Activation, Backend, PackedB } from '../backend/backend.js';
import { runsNatively } from '../backend/dtype.js';
import type { Param, ParamStore } from './params.js';

export class Linear {
  readonly w: Param;
  readonly b: Param;

  /** store: the model's ParamStore, or any source of the `${prefix}.weight` and `${prefix}.bias` Params. */
  constructor(store: Pick<ParamStore, 'get'>, prefix: string, readonly inF: number, readonly outF: number) {
    this.w = store.get(`${prefix}.weight`);
    this.b = store.get(`${prefix}.bias`);
  }

  // W^T packed for the backend's gemmPacked: the encoder packs each shared weight once per forward and
  // every one of the L calls reuses it (backward reads W itself). A pack is a copy of W, so it is used
  // only between pack() and unpack(), never across a change of the weights (AlbertModel.inferenceOnly
  // keeps it from one forward to the next); its storage is kept for the next.
  private packed: PackedB | null = null;
  private packedFor: Backend | null = null;

  /**
   * Packs W for forward(be) until unpack() (no-op when the backend prefers plain GEMMs). A lasting pack
   * (inference: kept from one forward to the next) goes to the backend's fp32 engine for prepacked
   * weights where it has one (the native addon's oneDNN).
   */
  pack(be: Backend, lasting = false): void {
    const engine = lasting && runsNatively(be, 'fp32');
    if (!be.packedGemm && !engine) return;
    // an fp32 pack's storage is reused; a typed one (oneDNN's, bf16, int8) is not an fp32 pack's to refill
    const into = this.packed?.layout === be.name && !('dtype' in this.packed) ? this.packed : undefined;
    this.packed = engine ? be.packTyped(this.w.data, this.inF, true, this.inF, this.outF, 'fp32')
      : be.packB(this.w.data, this.inF, true, this.inF, this.outF, into);
    this.packedFor = be;
  }

  /** Whether forward(be) runs on a pack of W. */
  isPackedFor(be: Backend): boolean {
    return this.packedFor === be;
  }

  /** forward() goes back to the plain GEMM (the storage stays for the next pack). */
  unpack(): void {
    this.packedFor = null;
  }

  /**
   * y (rows, out) = act(x (rows, in) W^T + b); ldx lets x be every ldx-th float (e.g. token 0 of each
   * sequence). The activation (default none) is fused when the weight is packed.
   */
  forward(be: Backend, x: Float32Array, y: Float32Array, rows: number, ldx = this.inF, act: Activation = 'linear'): void {
    if (this.packedFor === be) {
      be.gemmPacked(rows, x, ldx, this.packed!, 0, y, this.outF, this.b.data, act);
      return;
    }
    be.gemm(false, true, rows, this.outF, this.inF, 1, x, ldx, this.w.data, this.inF, 0, y, this.outF);
    be.addBias(y, this.b.data, rows, this.outF);
    if (act !== 'linear') be.activationForward(act, y, y, rows * this.outF);
  }

  /**
   * dW += dy^T x, db += colsum(dy); if dx is given, dx (rows, in) = dy W, or += when accumulate.
   * dy (rows, out), x (rows, in) with row stride ldx, dx with row stride lddx. dx must not overlap dy
   * or x (the backend may compute dW and dx at the same time).
   */
  backward(
    be: Backend, dy: Float32Array, x: Float32Array, dx: Float32Array | null, rows: number,
    accumulate = false, ldx = this.inF, lddx = this.inF,
  ): void {
    be.linearBackward(dy, x, ldx, this.w.data, this.w.grad, this.b.grad, dx, lddx, rows, this.inF, this.outF, accumulate);
  }
}

export class LayerNorm {
  readonly gamma: Param;
  readonly beta: Param;

  constructor(store: ParamStore, prefix: string, readonly dim: number, readonly eps: number) {
    this.gamma = store.get(`${prefix}.weight`);
    this.beta = store.get(`${prefix}.bias`);
  }

  /** y (rows, dim) = LN(x); mean, rstd (rows) are saved for backward. */
  forward(be: Backend, x: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number): void {
    be.layerNormForward(x, this.gamma.data, this.beta.data, y, mean, rstd, rows, this.dim, this.eps);
  }

  /** dx (rows, dim) written (may alias dy); gamma/beta gradients accumulated. x is the forward input. */
  backward(be: Backend, dy: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, dx: Float32Array, rows: number): void {
    be.layerNormBackward(dy, x, this.gamma.data, mean, rstd, dx, this.gamma.grad, this.beta.grad, rows, this.dim);
  }
}
