// dropout -> nn.Linear: the classifier every fine-tuning head and the SOP/NSP heads put on top.
import type { Backend } from '../../backend/backend.js';
import type { AlbertConfig } from '../config.js';
import { Linear } from '../modules.js';
import { Buffers, type ParamStore } from '../params.js';

/** HF's classifier dropout: classifier_dropout_prob, or hidden_dropout_prob when that is null. */
export function classifierDropout(c: AlbertConfig): number {
  return c.classifier_dropout_prob ?? c.hidden_dropout_prob;
}

export class DropoutLinear {
  readonly linear: Linear;
  private readonly buf = new Buffers();
  private x: Float32Array = new Float32Array(0);
  private rows = 0;
  private p = 0;
  private seed = 0;

  constructor(store: ParamStore, prefix: string, inF: number, outF: number, private readonly dropoutP: number) {
    this.linear = new Linear(store, prefix, inF, outF);
  }

  /** x (rows, in) -> logits (rows, out), a buffer owned here. Dropout only when train. */
  forward(be: Backend, x: Float32Array, rows: number, train: boolean, seed: number): Float32Array {
    const { inF, outF } = this.linear;
    this.p = train ? this.dropoutP : 0;
    this.seed = seed;
    this.rows = rows;
    this.x = x;
    if (this.p > 0) {
      this.x = this.buf.f32('dropped', rows * inF);
      be.dropoutForward(x, this.x, rows * inF, this.p, seed);
    }
    const y = this.buf.f32('logits', rows * outF);
    this.linear.forward(be, this.x, y, rows);
    return y;
  }

  /** dlogits (rows, out) of the last forward; dx (rows, in) += the input gradient. */
  backward(be: Backend, dlogits: Float32Array, dx: Float32Array): void {
    const n = this.rows * this.linear.inF;
    const dxd = this.buf.f32('dx', n);
    this.linear.backward(be, dlogits, this.x, dxd, this.rows);
    if (this.p > 0) be.dropoutBackward(dxd, dxd, n, this.p, this.seed);
    be.add(dx, dxd, dx, n);
  }
}
