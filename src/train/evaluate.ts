// Held-out evaluation of a pretraining model: MLM loss and accuracy over the masked positions, and
// sentence accuracy (SOP or NSP, whichever the data holds) from the model's 2-way sentence head.
// Any pretraining model can be scored on either kind of data (the paper's Table 5): label 0 means
// "coherent" (in order / real next) in both tasks.
import type { Objective } from '../data/instances.js';
import type { ShardDataset } from '../data/shards.js';
import type { AlbertModel } from '../model/albert.js';
import { BatchBuilder } from './batch.js';

export interface EvalSet { name: string; ds: ShardDataset; first: number; end: number; }

export interface EvalResult {
  set: string; objective: Objective; instances: number;
  mlm_loss: number; mlm_acc: number;
  /** null for a model without a sentence head (MLM only). */
  sentence_acc: number | null;
}

/** Score `model` on instances [first, end) of a dataset, in order, `batchSize` at a time. */
export function evaluate(model: AlbertModel, set: EvalSet, batchSize: number): EvalResult {
  const { ds } = set;
  const S = ds.index.max_seq_length;
  const sentence = model.head === 'pretraining' || model.head === 'pretraining-nsp';
  let mlmLoss = 0, mlmCorrect = 0, labelled = 0, sentCorrect = 0, n = 0;
  let builder: BatchBuilder | null = null;
  const wasInferenceOnly = model.inferenceOnly;
  model.inferenceOnly = true; // the weights are fixed over the set: pack them once, not per batch
  try {
    for (let i = set.first; i < set.end; i += batchSize) {
      const B = Math.min(batchSize, set.end - i);
      if (!builder || builder.batch !== B) builder = new BatchBuilder(B, S, ds.index.pad_id);
      const insts = Array.from({ length: B }, (_, k) => ds.get(i + k));
      builder.fill(insts);
      const count = insts.reduce((s, x) => s + x.maskedPositions.length, 0);
      const labels = sentence ? builder.labels : { labels: builder.labels.labels };
      // loss() gives the loss and accuracies on labelled positions only (forward() would compute all B*S*V logits)
      const r = model.loss(builder.inputs, labels, { train: false });
      if (count > 0) {
        mlmLoss += r.mlmLoss! * count;
        mlmCorrect += r.mlmAccuracy! * count;
        labelled += count;
      }
      if (sentence) sentCorrect += r.sentenceAccuracy! * B;
      n += B;
    }
  } finally {
    model.inferenceOnly = wasInferenceOnly;
  }
  return {
    set: set.name, objective: ds.index.objective, instances: n,
    mlm_loss: mlmLoss / labelled, mlm_acc: mlmCorrect / labelled, sentence_acc: sentence ? sentCorrect / n : null,
  };
}
