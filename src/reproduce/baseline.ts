// The plateaus the MLM accuracy must leave, as context-free predictors scored on the held-out masked
// positions: always the masked token most frequent in the training data (unigram), and the one most
// frequent after the token just left of the mask as the model sees it (bigram: one token of context).
// A model below the bigram line has not yet learned to use its context.
import { ShardDataset } from '../data/shards.js';

/** Accuracies, and the unigram model's cross-entropy (nats; add-one smoothed over the vocabulary): the MLM loss of a model that ignores its context. */
export interface MlmBaselines { unigram: number; bigram: number; unigramLoss: number }

const argmax = (m: Map<number, number>) => { let b = -1, c = -1; for (const [k, v] of m) if (v > c) { c = v; b = k; } return b; };

export function mlmBaselines(train: string, heldout: string, limit: number, trainLimit = 20_000): MlmBaselines {
  const uni = new Map<number, number>(), bi = new Map<number, Map<number, number>>();
  const t = ShardDataset.open(train);
  try {
    for (let i = 0; i < Math.min(t.count, trainLimit); i++) {
      const x = t.get(i);
      x.maskedIds.forEach((id, j) => {
        uni.set(id, (uni.get(id) ?? 0) + 1);
        const prev = x.inputIds[x.maskedPositions[j] - 1];
        let m = bi.get(prev);
        if (!m) bi.set(prev, (m = new Map()));
        m.set(id, (m.get(id) ?? 0) + 1);
      });
    }
  } finally {
    t.close();
  }
  const top = argmax(uni);
  const total = [...uni.values()].reduce((a, b) => a + b, 0), V = t.index.vocab_size;
  const after = new Map([...bi].map(([k, m]) => [k, argmax(m)]));
  const h = ShardDataset.open(heldout);
  let u = 0, b = 0, n = 0, ce = 0;
  try {
    for (let i = 0; i < Math.min(h.count, limit); i++) {
      const x = h.get(i);
      x.maskedIds.forEach((id, j) => {
        n++;
        if (id === top) u++;
        ce -= Math.log(((uni.get(id) ?? 0) + 1) / (total + V));
        if ((after.get(x.inputIds[x.maskedPositions[j] - 1]) ?? top) === id) b++;
      });
    }
  } finally {
    h.close();
  }
  return { unigram: n ? u / n : 0, bigram: n ? b / n : 0, unigramLoss: n ? ce / n : 0 };
}
