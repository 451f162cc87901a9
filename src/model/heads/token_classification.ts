// HF AlbertForTokenClassification: dropout + classifier (H -> num_labels) on every token;
// CE over tokens whose label is not -100.
import { UserError } from '../../cli/errors.js';
import type { AlbertConfig } from '../config.js';
import { Buffers, type ParamStore, siteSeed } from '../params.js';
import type { Labels, LossResult, ModelOutputs } from '../types.js';
import { DropoutLinear, classifierDropout } from './classifier.js';
import { HEAD_DROPOUT_SITE, type Head, type HeadContext } from './head.js';
import { checkClassLabels, meanCrossEntropy } from './losses.js';

export class TokenClassificationHead implements Head {
  readonly classifier: DropoutLinear;
  private readonly buf = new Buffers();

  constructor(store: ParamStore, private readonly c: AlbertConfig) {
    this.classifier = new DropoutLinear(store, 'classifier', c.hidden_size, c.num_labels, classifierDropout(c));
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    out.logits = this.classifier.forward(ctx.be, ctx.seq, ctx.rows * ctx.S, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE)).slice();
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array): LossResult {
    if (!labels.labels) throw new UserError('a token-classification loss needs labels');
    const N = ctx.rows * ctx.S, K = this.c.num_labels;
    const y = checkClassLabels('labels', labels.labels, N, K);
    const logits = this.classifier.forward(ctx.be, ctx.seq, N, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE));
    const dlogits = this.buf.f32('dlogits', N * K);
    const { loss } = meanCrossEntropy(ctx.be, logits, y, N, K, dlogits);
    this.classifier.backward(ctx.be, dlogits, dSeq);
    return { loss };
  }
}
