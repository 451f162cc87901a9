// Figure 1's measurement: for each layer, the L2 distance and the cosine similarity between its input
// and its output embedding, averaged over held-out tokens (padding excluded). The held-out instances
// are fed unmasked (their original tokens put back): the figure is about text, not [MASK]s.
import type { Backend } from '../backend/backend.js';
import { ShardDataset, type StoredInstance } from '../data/shards.js';
import { loadPretrained } from '../io/hf_dir.js';
import { BatchBuilder } from '../train/batch.js';

export interface Transitions {
  /** Per layer 1..L. */
  l2: number[];
  cosine: number[];
  tokens: number;
}

const unmasked = (x: StoredInstance): StoredInstance => {
  const ids = x.inputIds.slice();
  for (let j = 0; j < x.maskedPositions.length; j++) ids[x.maskedPositions[j]] = x.maskedIds[j];
  return { ...x, inputIds: ids, maskedPositions: new Int32Array(0), maskedIds: new Int32Array(0) };
};

/** The per-layer transitions of the model in `modelDir` over the first `limit` instances of `data`. */
export function measureTransitions(modelDir: string, data: string, limit: number, backend: Backend, batchSize = 8): Transitions {
  const model = loadPretrained(modelDir, { backend });
  const ds = ShardDataset.open(data);
  const L = model.config.num_hidden_layers, H = model.config.hidden_size, S = ds.index.max_seq_length;
  const l2 = new Float64Array(L), cos = new Float64Array(L);
  let tokens = 0;
  try {
    const n = Math.min(limit, ds.count);
    model.inferenceOnly = true;
    for (let i = 0; i < n; i += batchSize) {
      const B = Math.min(batchSize, n - i);
      const builder = new BatchBuilder(B, S, ds.index.pad_id);
      builder.fill(Array.from({ length: B }, (_, k) => unmasked(ds.get(i + k))));
      const hs = model.forward(builder.inputs, { outputHiddenStates: true }).hiddenStates!;
      const mask = builder.inputs.attentionMask!;
      for (let t = 0; t < B * S; t++) {
        if (!mask[t]) continue;
        tokens++;
        for (let l = 0; l < L; l++) {
          const a = hs[l], b = hs[l + 1], o = t * H;
          let d2 = 0, ab = 0, aa = 0, bb = 0;
          for (let h = 0; h < H; h++) {
            const x = a[o + h], y = b[o + h];
            d2 += (y - x) * (y - x); ab += x * y; aa += x * x; bb += y * y;
          }
          l2[l] += Math.sqrt(d2);
          cos[l] += ab / (Math.sqrt(aa * bb) || 1);
        }
      }
    }
  } finally {
    ds.close();
  }
  return { l2: Array.from(l2, (v) => v / tokens), cosine: Array.from(cos, (v) => v / tokens), tokens };
}
