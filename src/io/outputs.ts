// What `albert forward` and `albert grad` write: model outputs and gradients as named tensors, under
// HF's output names (issue 2, section 5), ready for writeSafetensors.
import type { AlbertModel } from '../model/albert.js';
import { HEADS } from '../model/heads/index.js';
import { END_N_TOP, START_N_TOP } from '../model/heads/squad_v2.js';
import type { NamedBatch } from './batches.js';
import type { Tensor } from './safetensors.js';

/**
 * Eval-mode forward of every batch. Per batch `<name>.last_hidden_state` (B', S, H),
 * `<name>.pooler_output` (B', H) when the HF class has a pooler, `<name>.hidden_states.<i>` for
 * i = 0..L, and the head's outputs: `prediction_logits` + `sop_logits` (pretraining), `logits`
 * (masked-lm (B, S, V), sequence (B, labels), token (B, S, labels), multiple choice (B, C)),
 * `start_logits` + `end_logits` (B, S); our NSP pretraining variant writes `prediction_logits` +
 * `seq_relationship_logits` (BERT's name); squad-v2 google-research/albert's predictions
 * `start_top_log_probs`, `start_top_index` (B, 5), `end_top_log_probs`, `end_top_index` (B, 25) (indices
 * as floats) and `cls_logits` (B). B' = B * C for multiple choice.
 */
export function forwardOutputs(model: AlbertModel, batches: NamedBatch[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const H = model.config.hidden_size;
  const V = model.config.vocab_size;
  for (const { name, inputs } of batches) {
    const B = inputs.batch;
    const S = inputs.seq;
    const C = inputs.numChoices;
    const rows = B * (C ?? 1);
    const o = model.forward(inputs, { train: false, outputHiddenStates: true });
    const put = (key: string, shape: number[], data: Float32Array | undefined) => {
      if (!data) throw new Error(`model.forward gave no ${key} for head ${model.head}`);
      out.set(`${name}.${key}`, { shape, data });
    };
    put('last_hidden_state', [rows, S, H], o.lastHiddenState);
    // HF builds masked-LM, token-classification and QA on AlbertModel(add_pooling_layer=False).
    if (HEADS[model.head].pooler) put('pooler_output', [rows, H], o.poolerOutput);
    (o.hiddenStates ?? []).forEach((h, i) => put(`hidden_states.${i}`, [rows, S, H], h));
    switch (model.head) {
      case 'pretraining':
        put('prediction_logits', [B, S, V], o.predictionLogits);
        put('sop_logits', [B, (o.sopLogits?.length ?? 0) / B], o.sopLogits);
        break;
      case 'pretraining-nsp': // BERT's name for the next-sentence logits
        put('prediction_logits', [B, S, V], o.predictionLogits);
        put('seq_relationship_logits', [B, 2], o.nspLogits);
        break;
      case 'masked-lm':
        put('logits', [B, S, V], o.logits ?? o.predictionLogits);
        break;
      case 'sequence-classification':
        put('logits', [B, model.config.num_labels], o.logits);
        break;
      case 'token-classification':
        put('logits', [B, S, model.config.num_labels], o.logits);
        break;
      case 'multiple-choice':
        put('logits', [B, C ?? 1], o.logits);
        break;
      case 'question-answering':
        put('start_logits', [B, S], o.startLogits);
        put('end_logits', [B, S], o.endLogits);
        break;
      case 'squad-v2': {
        const asFloats = (a: Int32Array | undefined) => a && Float32Array.from(a);
        put('start_top_log_probs', [B, START_N_TOP], o.startTopLogProbs);
        put('start_top_index', [B, START_N_TOP], asFloats(o.startTopIndex));
        put('end_top_log_probs', [B, START_N_TOP * END_N_TOP], o.endTopLogProbs);
        put('end_top_index', [B, START_N_TOP * END_N_TOP], asFloats(o.endTopIndex));
        put('cls_logits', [B], o.clsLogits);
        break;
      }
      case 'base':
        break;
    }
  }
  return out;
}

export interface GradOptions {
  /** Train mode (dropout on, seeded); default false: eval mode, deterministic, as HF after model.eval(). */
  train?: boolean;
  seed?: number;
}

/**
 * Loss and gradients over all batches, as if PyTorch ran loss.backward() once per batch without
 * zeroing: gradients are the SUM of the per-batch gradients, and the scalars `loss` / `mlm_loss` /
 * `sop_loss` (`nsp_loss`) the sum of the per-batch losses (so the gradients are those of the written loss); with one
 * batch they are exactly HF's. Also `<name>.loss` per batch. Then every parameter's gradient under its
 * HF name; tied and shared names (predictions.decoder.*, per-layer copies) carry the total gradient.
 */
export function gradOutputs(model: AlbertModel, batches: NamedBatch[], opts: GradOptions = {}): Map<string, Tensor> {
  model.zeroGrad();
  const totals: Record<'loss' | 'mlm_loss' | 'sop_loss' | 'nsp_loss', number | undefined> = { loss: undefined, mlm_loss: undefined, sop_loss: undefined, nsp_loss: undefined };
  const perBatch: [string, Tensor][] = [];
  const scalar = (v: number): Tensor => ({ shape: [], data: Float32Array.of(v) });
  batches.forEach((b, i) => {
    if (!b.labels) throw new Error(`batch "${b.name}" has no labels`);
    const r = model.lossAndBackward(b.inputs, b.labels, { train: opts.train ?? false, seed: (opts.seed ?? 0) + i });
    const add = (k: keyof typeof totals, v: number | undefined) => {
      if (v !== undefined) totals[k] = (totals[k] ?? 0) + v;
    };
    add('loss', r.loss);
    add('mlm_loss', r.mlmLoss);
    add('sop_loss', r.sopLoss);
    add('nsp_loss', r.nspLoss);
    perBatch.push([`${b.name}.loss`, scalar(r.loss)]);
  });
  const out = new Map<string, Tensor>();
  for (const [k, v] of Object.entries(totals)) if (v !== undefined) out.set(k, scalar(v));
  for (const [k, t] of perBatch) out.set(k, t);
  const params = model.params();
  const byName = new Map(params.map((p) => [p.name, p]));
  for (const p of params) out.set(p.name, { shape: p.shape, data: p.grad });
  for (const [alias, real] of model.aliases) {
    const p = byName.get(real);
    if (p) out.set(alias, { shape: p.shape, data: p.grad });
  }
  return out;
}
