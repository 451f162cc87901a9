// HF AlbertForTokenClassification: dropout + classifier (H -> num_labels) on every token;
// CE over tokens whose label is not -100.
import { UserError } from '../../errors.js';
import type { AlbertConfig } from '../config.js';
import type { ParamStore } from '../params.js';
import type { Labels, LossResult } from '../types.js';
import { ClassifierHead, classifierDropout } from './classifier.js';
import type { Head, HeadContext } from './head.js';
import { checkClassLabels, meanCrossEntropy } from './losses.js';

export class TokenClassificationHead extends ClassifierHead implements Head {
  constructor(store: ParamStore, private readonly c: AlbertConfig) {
    super(store, 'classifier', c.hidden_size, c.num_labels, classifierDropout(c), 'tokens');
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, dPooled: Float32Array | null): LossResult {
    if (!labels.labels) throw new UserError('a token-classification loss needs labels');
    const N = ctx.rows * ctx.S, K = this.c.num_labels;
    const y = checkClassLabels('labels', labels.labels, N, K);
    const dlogits = this.buf.f32('dlogits', N * K);
    const { loss } = meanCrossEntropy(ctx.be, this.logits(ctx), y, N, K, dlogits);
    this.backward(ctx, dlogits, dSeq, dPooled);
    return { loss };
  }
}
