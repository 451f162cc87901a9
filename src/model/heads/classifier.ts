// dropout -> nn.Linear: the classifier every fine-tuning head and the SOP/NSP heads put on top.
import type { Backend } from '../../backend/backend.js';
import type { AlbertConfig } from '../config.js';
import { Linear } from '../modules.js';
import { Buffers, type ParamStore, siteSeed } from '../params.js';
import type { Labels, ModelOutputs } from '../types.js';
import { HEAD_DROPOUT_SITE, type HeadContext } from './head.js';

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

/**
 * A fine-tuning head: one DropoutLinear over the pooled output (one row per sequence) or over every
 * token. Subclasses add the loss; `logits` is their output unless they override outputs().
 */
export abstract class ClassifierHead {
  readonly classifier: DropoutLinear;
  protected readonly buf = new Buffers();

  constructor(store: ParamStore, name: string, inF: number, outF: number, dropoutP: number, private readonly over: 'pooled' | 'tokens') {
    this.classifier = new DropoutLinear(store, name, inF, outF, dropoutP);
  }

  /** The classifier's logits for the current batch: (rows, out) or (rows * S, out). */
  protected logits(ctx: HeadContext): Float32Array {
    const x = this.over === 'pooled' ? ctx.pooled! : ctx.seq;
    const rows = this.over === 'pooled' ? ctx.rows : ctx.rows * ctx.S;
    return this.classifier.forward(ctx.be, x, rows, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE));
  }

  /** Backward of logits(): dlogits -> the pooled or token gradient it came from (accumulated). */
  protected backward(ctx: HeadContext, dlogits: Float32Array, dSeq: Float32Array, dPooled: Float32Array | null): void {
    if (!ctx.backward) return;
    this.classifier.backward(ctx.be, dlogits, this.over === 'pooled' ? dPooled! : dSeq);
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    out.logits = this.logits(ctx).slice();
  }

  /** Over the pooled output no row of the sequence is read here (the pooler's are the model's). */
  markLossRows(_labels: Labels, marked: Uint8Array): void {
    if (this.over === 'tokens') marked.fill(1);
  }
}
