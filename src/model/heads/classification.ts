// HF AlbertForSequenceClassification: dropout + classifier (H -> num_labels) on the pooled output.
// Loss by problem_type, inferred as HF does when the config has none (and, as HF, remembered in the
// config): num_labels 1 -> regression (MSE); integer labels -> single-label CE; float labels ->
// multi-label BCE-with-logits.
import { UserError } from '../../errors.js';
import type { AlbertConfig, ProblemType } from '../config.js';
import type { ParamStore } from '../params.js';
import type { Labels, LossResult } from '../types.js';
import { ClassifierHead, classifierDropout } from './classifier.js';
import type { Head, HeadContext } from './head.js';
import { bceWithLogitsLoss, checkClassLabels, meanCrossEntropy, mseLoss } from './losses.js';

export function inferProblemType(numLabels: number, labels: Int32Array | Float32Array): ProblemType {
  if (numLabels === 1) return 'regression';
  return labels instanceof Int32Array ? 'single_label_classification' : 'multi_label_classification';
}

export class SequenceClassificationHead extends ClassifierHead implements Head {
  constructor(store: ParamStore, private readonly c: AlbertConfig) {
    super(store, 'classifier', c.hidden_size, c.num_labels, classifierDropout(c), 'pooled');
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, dPooled: Float32Array | null): LossResult {
    const y = labels.labels;
    if (!y) throw new UserError('a sequence-classification loss needs labels');
    const K = this.c.num_labels, B = ctx.rows;
    this.c.problem_type ??= inferProblemType(K, y);
    const type = this.c.problem_type;
    const logits = this.logits(ctx);
    const dlogits = this.buf.f32('dlogits', B * K);
    let loss: number;
    if (type === 'single_label_classification') {
      loss = meanCrossEntropy(ctx.be, logits, checkClassLabels('labels', y, B, K), B, K, dlogits).loss;
    } else {
      if (y.length !== B * K) throw new UserError(`labels: ${type} needs ${B * K} values (batch ${B} x num_labels ${K}), got ${y.length}`);
      loss = type === 'regression' ? mseLoss(logits, y, B * K, dlogits) : bceWithLogitsLoss(logits, y, B * K, dlogits);
    }
    this.backward(ctx, dlogits, dSeq, dPooled);
    return { loss };
  }
}
