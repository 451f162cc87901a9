// HF AlbertForMultipleChoice: the B x C choices are encoded as B*C sequences; dropout + classifier
// (H -> 1) on each pooled output gives logits (B, C); loss = CE over the B questions.
import { UserError } from '../../cli/errors.js';
import type { AlbertConfig } from '../config.js';
import { Buffers, type ParamStore, siteSeed } from '../params.js';
import type { Labels, LossResult, ModelOutputs } from '../types.js';
import { DropoutLinear, classifierDropout } from './classifier.js';
import { HEAD_DROPOUT_SITE, type Head, type HeadContext } from './head.js';
import { checkClassLabels, meanCrossEntropy } from './losses.js';

export class MultipleChoiceHead implements Head {
  readonly classifier: DropoutLinear;
  private readonly buf = new Buffers();

  constructor(store: ParamStore, c: AlbertConfig) {
    this.classifier = new DropoutLinear(store, 'classifier', c.hidden_size, 1, classifierDropout(c));
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    out.logits = this.classifier.forward(ctx.be, ctx.pooled!, ctx.rows, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE)).slice();
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, _dSeq: Float32Array, dPooled: Float32Array | null): LossResult {
    if (!labels.labels) throw new UserError('a multiple-choice loss needs labels');
    const B = ctx.batch, C = ctx.rows / ctx.batch;
    const y = checkClassLabels('labels', labels.labels, B, C);
    const logits = this.classifier.forward(ctx.be, ctx.pooled!, ctx.rows, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE));
    const dlogits = this.buf.f32('dlogits', B * C);
    const { loss } = meanCrossEntropy(ctx.be, logits, y, B, C, dlogits);
    this.classifier.backward(ctx.be, dlogits, dPooled!);
    return { loss };
  }
}
