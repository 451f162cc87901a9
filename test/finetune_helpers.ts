// Shared bits of the fine-tuning family tests: a seeded RNG for synthetic data, a tiny model for the
// tiny test tokenizer, and a plain training loop over a family's TrainFeatures.
import { AlbertModel, loadBackend, presetConfig, withConfig, type AlbertConfig, type HeadKind } from '../src/index.js';
import { Optimizer, clipGradNorm } from '../src/train/optim.js';
import { linearWithWarmup } from '../src/train/schedule.js';
import type { DownstreamTask } from '../src/finetune/downstream.js';

export const backend = loadBackend({ threads: 1 });

/** mulberry32: a small seeded PRNG in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** A small ALBERT for `vocab` pieces, dropout off, with the task's head config (initializer_range 0.1 avoids the ln(C) plateau a 0.02 init sits on for hundreds of steps at this size). */
export function tinyModel(vocab: number, head: HeadKind, extra: Partial<AlbertConfig>, size: Partial<AlbertConfig> = {}, seed = 7): AlbertModel {
  const c = withConfig(presetConfig('tiny'), {
    vocab_size: vocab, embedding_size: 16, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, num_hidden_layers: 2,
    max_position_embeddings: 128, initializer_range: 0.1, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, classifier_dropout_prob: 0, ...size, ...extra,
  });
  const m = new AlbertModel(c, head, backend);
  m.initWeights(seed);
  return m;
}

/** AdamW (torch's), HF's linear schedule, clipping at 1, shuffled batches: the shape of fine-tuning, small. */
export function trainLoop(model: AlbertModel, task: DownstreamTask, o: { steps: number; batch: number; lr: number; warmup?: number; seed?: number }): number[] {
  const feats = task.train();
  const params = model.params();
  const opt = new Optimizer(params, backend, { kind: 'adamw', weightDecay: 0 });
  const r = seeded(o.seed ?? 1);
  let order: number[] = [], next = 0;
  const losses: number[] = [];
  for (let step = 0; step < o.steps; step++) {
    const idx: number[] = [];
    while (idx.length < o.batch) {
      if (next === order.length) {
        order = Array.from({ length: feats.size }, (_, i) => i);
        for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
        next = 0;
      }
      idx.push(order[next++]);
    }
    const b = feats.batch(idx);
    model.zeroGrad();
    losses.push(model.lossAndBackward(b.inputs, b.labels, { train: true, seed: step }).loss);
    clipGradNorm(params, 1, backend);
    opt.step(linearWithWarmup(step, { lr: o.lr, totalSteps: o.steps, warmupSteps: o.warmup ?? 0 }));
  }
  return losses;
}
