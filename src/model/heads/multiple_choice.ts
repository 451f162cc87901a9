// HF AlbertForMultipleChoice: the B x C choices are encoded as B*C sequences; dropout + classifier
// (H -> 1) on each pooled output gives logits (B, C); loss = CE over the B questions.
import { UserError } from '../../errors.js';
import type { AlbertConfig } from '../config.js';
import type { ParamStore } from '../params.js';
import type { Labels, LossResult } from '../types.js';
import { ClassifierHead, classifierDropout } from './classifier.js';
import type { Head, HeadContext } from './head.js';
import { checkClassLabels, meanCrossEntropy } from './losses.js';

export class MultipleChoiceHead extends ClassifierHead implements Head {
  constructor(store: ParamStore, c: AlbertConfig) {
    super(store, 'classifier', c.hidden_size, 1, classifierDropout(c), 'pooled');
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, dPooled: Float32Array | null): LossResult {
    if (!labels.labels) throw new UserError('a multiple-choice loss needs labels');
    const B = ctx.batch, C = ctx.rows / ctx.batch;
    const y = checkClassLabels('labels', labels.labels, B, C);
    const dlogits = this.buf.f32('dlogits', B * C);
    const { loss } = meanCrossEntropy(ctx.be, this.logits(ctx), y, B, C, dlogits);
    this.backward(ctx, dlogits, dSeq, dPooled);
    return { loss };
  }
}
