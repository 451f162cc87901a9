// The unigram plateau the MLM accuracy must leave: the accuracy of always answering the masked
// token most frequent in the training data, on the held-out masked positions.
import { ShardDataset } from '../data/shards.js';

export function unigramBaseline(train: string, heldout: string, limit: number, trainLimit = 20_000): number {
  const counts = new Map<number, number>();
  const t = ShardDataset.open(train);
  try {
    for (let i = 0; i < Math.min(t.count, trainLimit); i++) for (const id of t.get(i).maskedIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  } finally {
    t.close();
  }
  let best = -1, most = -1;
  for (const [id, c] of counts) if (c > most) { most = c; best = id; }
  const h = ShardDataset.open(heldout);
  let hit = 0, n = 0;
  try {
    for (let i = 0; i < Math.min(h.count, limit); i++) for (const id of h.get(i).maskedIds) { n++; if (id === best) hit++; }
  } finally {
    h.close();
  }
  return n ? hit / n : 0;
}
