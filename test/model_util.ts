// Helpers for the model tests: small configs, random inputs, and a float32-friendly gradient check.
import assert from 'node:assert/strict';
import { JsBackend } from '../src/backend/js.js';
import { rng } from './backend_util.js';
import { AlbertModel, type HeadKind, type Labels, type ModelInputs, parseConfig, type AlbertConfig } from '../src/model/index.js';

export const backend = new JsBackend();
export { rng };

/** A small config; dropout on, so that gradient checks also cover the dropout masks (seeded). */
export function smallConfig(over: Record<string, unknown> = {}): AlbertConfig {
  return parseConfig({
    vocab_size: 40, embedding_size: 6, hidden_size: 8, num_hidden_layers: 3, num_hidden_groups: 1, inner_group_num: 1,
    num_attention_heads: 2, intermediate_size: 12, hidden_act: 'gelu_new', hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1, classifier_dropout_prob: 0.1, max_position_embeddings: 10, type_vocab_size: 2,
    initializer_range: 0.3, layer_norm_eps: 1e-12, num_labels: 2, ...over,
  }, 'test config');
}

/** A model with initialized weights and non-trivial LayerNorm/bias values. */
export function makeModel(c: AlbertConfig, head: HeadKind, seed = 1): AlbertModel {
  const m = new AlbertModel(c, head, backend);
  m.initWeights(seed);
  const r = rng(seed + 100);
  for (const p of m.params()) {
    if (p.shape.length === 1) for (let i = 0; i < p.data.length; i++) p.data[i] += 0.2 * (r() - 0.5);
  }
  return m;
}

/** Random inputs (B, S) or (B, C, S) with padding at the end of the last sequence and both token types. */
export function makeInputs(c: AlbertConfig, B: number, S: number, seed = 2, C?: number): ModelInputs {
  const r = rng(seed), rows = B * (C ?? 1), N = rows * S;
  const inputIds = new Int32Array(N).map(() => Math.floor(r() * c.vocab_size));
  const attentionMask = new Int32Array(N).fill(1);
  if (S > 2) attentionMask.fill(0, N - 2, N);
  const tokenTypeIds = new Int32Array(N).map((_, i) => (i % S >= S / 2 ? 1 : 0));
  inputIds[0] = c.pad_token_id; // the padding id also appears as a real token: its row must stay frozen
  return { inputIds, attentionMask, tokenTypeIds, batch: B, seq: S, ...(C ? { numChoices: C } : {}) };
}

/** Random MLM labels (N) with about half the positions ignored (-100). */
export function mlmLabels(c: AlbertConfig, N: number, seed = 3): Int32Array {
  const r = rng(seed);
  const y = new Int32Array(N).map(() => (r() < 0.5 ? -100 : Math.floor(r() * c.vocab_size)));
  y[1] = 7;
  return y;
}

export interface GradCheckResult { name: string; analytic: number; numeric: number }

/**
 * Central differences along one direction per parameter tensor, float32-friendly: the direction is
 * the normalized analytic gradient plus a normalized random vector (so the derivative is large
 * compared to float32 noise, and a wrong gradient, whose error correlates with itself, shows).
 * Dropout stays on with a fixed seed: the masks are the same in every evaluation.
 */
export function gradCheck(
  m: AlbertModel, inputs: ModelInputs, labels: Labels, opts: { train?: boolean; seed?: number } = { train: true, seed: 5 },
  eps = 1e-3,
): GradCheckResult[] {
  m.zeroGrad();
  m.lossAndBackward(inputs, labels, opts);
  const grads = m.params().map((p) => Float64Array.from(p.grad));
  const r = rng(9);
  const results: GradCheckResult[] = [];
  m.params().forEach((p, k) => {
    const g = grads[k];
    const gn = Math.hypot(...g);
    const u = new Float64Array(g.length).map(() => r() - 0.5);
    // The padding row of the word embeddings gets no gradient from its lookup, by definition
    // (nn.Embedding(padding_idx)), so it is not a derivative there: leave it out of the direction.
    if (p.name.endsWith('word_embeddings.weight')) {
      const E = p.shape[1], pad = m.config.pad_token_id;
      u.fill(0, pad * E, (pad + 1) * E);
      g.fill(0, pad * E, (pad + 1) * E);
    }
    const un = Math.hypot(...u);
    for (let i = 0; i < u.length; i++) u[i] = u[i] / un + (gn > 0 ? g[i] / gn : 0);
    let analytic = 0;
    for (let i = 0; i < u.length; i++) analytic += g[i] * u[i];
    const saved = p.data.slice();
    const lossAt = (t: number) => {
      for (let i = 0; i < u.length; i++) p.data[i] = saved[i] + t * u[i];
      return m.lossAndBackward(inputs, labels, opts).loss;
    };
    const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
    p.data.set(saved);
    results.push({ name: p.name, analytic, numeric });
  });
  m.zeroGrad();
  return results;
}

/** Every tensor's directional derivative agrees to rel. 1e-2 (abs. 1e-3 for tiny ones). */
export function assertGradsMatch(results: GradCheckResult[], rel = 1e-2, abs = 1e-3): void {
  const bad = results.filter((r) => !(Math.abs(r.analytic - r.numeric) <= rel * Math.max(Math.abs(r.analytic), Math.abs(r.numeric)) + abs));
  assert.deepEqual(bad.map((r) => `${r.name}: analytic ${r.analytic.toPrecision(6)} numeric ${r.numeric.toPrecision(6)}`), []);
}
