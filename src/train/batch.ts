// Stored instances -> the model's (B, S) input and label arrays. Buffers are allocated once and reused.
import type { StoredInstance } from '../data/shards.js';
import type { Labels, ModelInputs } from '../model/types.js';

export const IGNORE_INDEX = -100;

export class BatchBuilder {
  readonly inputs: ModelInputs;
  readonly labels: Labels & { labels: Int32Array; sentenceOrderLabel: Int32Array };
  /** Non-padding tokens of the last batch. */
  tokens = 0;

  constructor(readonly batch: number, readonly seq: number, readonly padId: number) {
    const n = batch * seq;
    this.inputs = { inputIds: new Int32Array(n), attentionMask: new Int32Array(n), tokenTypeIds: new Int32Array(n), batch, seq };
    this.labels = { labels: new Int32Array(n), sentenceOrderLabel: new Int32Array(batch) };
  }

  /** Fill from exactly `batch` instances: ids padded to S, mask, types, MLM labels (-100 = no loss), sentence labels. */
  fill(instances: StoredInstance[]): this {
    const { batch: B, seq: S } = this;
    if (instances.length !== B) throw new Error(`expected ${B} instances, got ${instances.length}`);
    const ids = this.inputs.inputIds, mask = this.inputs.attentionMask!, types = this.inputs.tokenTypeIds!, lab = this.labels.labels;
    ids.fill(this.padId); mask.fill(0); types.fill(0); lab.fill(IGNORE_INDEX);
    this.tokens = 0;
    for (let b = 0; b < B; b++) {
      const inst = instances[b], off = b * S, len = inst.inputIds.length;
      if (len > S) throw new Error(`instance of ${len} tokens does not fit a sequence of ${S}`);
      ids.set(inst.inputIds, off);
      mask.fill(1, off, off + len);
      types.fill(1, off + inst.lenA, off + len);
      for (let j = 0; j < inst.maskedPositions.length; j++) lab[off + inst.maskedPositions[j]] = inst.maskedIds[j];
      this.labels.sentenceOrderLabel[b] = inst.label;
      this.tokens += len;
    }
    return this;
  }
}
