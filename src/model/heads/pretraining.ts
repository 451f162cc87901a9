// HF AlbertForPreTraining's heads: masked LM + the sentence objective on the pooled output.
// loss = mean CE over labelled MLM positions + mean CE of the sentence labels (both required).
import { UserError } from '../../errors.js';
import type { AlbertConfig } from '../config.js';
import { Buffers, type ParamStore, siteSeed } from '../params.js';
import type { Labels, LossResult, ModelOutputs } from '../types.js';
import { DropoutLinear, classifierDropout } from './classifier.js';
import { HEAD_DROPOUT_SITE, type Head, type HeadContext } from './head.js';
import { IGNORE_INDEX, checkClassLabels, markLabelledRows, meanCrossEntropy } from './losses.js';
import { MlmHead } from './mlm.js';
import type { SentenceObjective } from './sentence.js';

export class PretrainingHead implements Head {
  readonly mlm: MlmHead;
  readonly sentence: DropoutLinear;
  private readonly buf = new Buffers();

  constructor(store: ParamStore, c: AlbertConfig, prefix: string, private readonly objective: SentenceObjective) {
    if (c.num_labels !== 2) throw new UserError(`a pretraining model needs num_labels = 2 for its ${objective.kind.toUpperCase()} head (config has ${c.num_labels})`);
    this.mlm = new MlmHead(store, c, prefix);
    this.sentence = new DropoutLinear(store, objective.linear, c.hidden_size, 2, classifierDropout(c));
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    out.predictionLogits = this.mlm.forward(ctx.be, ctx.seq, ctx.rows * ctx.S).slice();
    const logits = this.sentence.forward(ctx.be, ctx.pooled!, ctx.rows, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE)).slice();
    if (this.objective.kind === 'sop') out.sopLogits = logits;
    else out.nspLogits = logits;
  }

  markLossRows(labels: Labels, marked: Uint8Array): void {
    markLabelledRows(labels.labels, marked);
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, dPooled: Float32Array | null): LossResult {
    if (!labels.labels || !labels.sentenceOrderLabel) {
      throw new UserError('a pretraining loss needs both labels (masked LM) and sentence_order_label');
    }
    const { be, rows } = ctx;
    const mlm = this.mlm.lossAndBackward(be, ctx.seq, labels.labels, rows * ctx.S, ctx.backward ? dSeq : null, ctx.meanOver?.labelled);
    const sentenceLabels = checkClassLabels('sentence_order_label', labels.sentenceOrderLabel, rows, 2, true);
    const logits = this.sentence.forward(be, ctx.pooled!, rows, ctx.train, siteSeed(ctx.seed, HEAD_DROPOUT_SITE));
    const dlogits = this.buf.f32('dlogits', rows * 2);
    const s = meanCrossEntropy(be, logits, sentenceLabels, rows, 2, dlogits, IGNORE_INDEX, ctx.meanOver?.sequences);
    if (ctx.backward) this.sentence.backward(be, dlogits, dPooled!);
    const result: LossResult = { loss: mlm.loss + s.loss, mlmLoss: mlm.loss, mlmAccuracy: mlm.accuracy, sentenceAccuracy: s.den ? s.correct / s.den : NaN };
    if (this.objective.kind === 'sop') result.sopLoss = s.loss;
    else result.nspLoss = s.loss;
    return result;
  }
}

/** HF AlbertForMaskedLM's head: the MLM loss alone; its prediction scores are HF's `logits`. */
export class MaskedLmHead implements Head {
  readonly mlm: MlmHead;
  constructor(store: ParamStore, c: AlbertConfig, prefix: string) {
    this.mlm = new MlmHead(store, c, prefix);
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    out.logits = this.mlm.forward(ctx.be, ctx.seq, ctx.rows * ctx.S).slice();
  }

  markLossRows(labels: Labels, marked: Uint8Array): void {
    markLabelledRows(labels.labels, marked);
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array): LossResult {
    if (!labels.labels) throw new UserError('a masked-LM loss needs labels');
    const mlm = this.mlm.lossAndBackward(ctx.be, ctx.seq, labels.labels, ctx.rows * ctx.S, ctx.backward ? dSeq : null, ctx.meanOver?.labelled);
    return { loss: mlm.loss, mlmLoss: mlm.loss, mlmAccuracy: mlm.accuracy };
  }
}
