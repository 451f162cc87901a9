// Checks that the PyTorch baseline is the same model as albert-ts: a small AlbertForPreTraining with
// grouped sharing, padding and both token types, and an AlbertForSequenceClassification of the same
// shape (3 labels), are initialized by albert-ts, saved as HF directories with their outputs (the
// classifier's also with its loss's gradient norm, what a fine-tuning step clips), and
// torch_albert.py --check loads each and compares (max relative difference <= 1e-4 for every output,
// in both of its gelu spellings). run.ts runs this before timing the baselines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../../src/backend/index.js';
import { savePretrained } from '../../src/io/hf_dir.js';
import { AlbertModel, type HeadKind } from '../../src/model/albert.js';
import { parseConfig } from '../../src/model/config.js';
import { globalGradNorm } from '../../src/train/optim.js';
import { TORCH_SCRIPT, type Found } from './deps.js';

const B = 2, S = 20, n = B * S;
const inputIds = Int32Array.from({ length: n }, (_, i) => (i * 37 + 11) % 300);
const attentionMask = Int32Array.from({ length: n }, (_, i) => (i >= S + 15 ? 0 : 1)); // second sequence padded
const tokenTypeIds = Int32Array.from({ length: n }, (_, i) => (i % S >= 10 ? 1 : 0));
const inputs = { inputIds, attentionMask, tokenTypeIds, batch: B, seq: S };

/** The model of this head and what albert-ts computes with it, as torch_albert.py --check reads it (io.json). */
function modelAndOutputs(head: HeadKind): { model: AlbertModel; io: Record<string, unknown> } {
  const config = parseConfig({
    vocab_size: 300, embedding_size: 24, hidden_size: 64, num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2,
    num_attention_heads: 4, intermediate_size: 100, hidden_act: 'gelu_new', max_position_embeddings: 64,
    initializer_range: 0.3, // large weights: peaked attention, so that a wrong detail shows
    num_labels: head === 'sequence-classification' ? 3 : 2,
  }, 'parity config');
  const model = new AlbertModel(config, head, loadBackend({ kind: 'js' }));
  model.initWeights(7);
  const out = model.forward(inputs, { train: false });
  const common = { batch: B, seq: S, input_ids: [...inputIds], attention_mask: [...attentionMask], token_type_ids: [...tokenTypeIds],
    last_hidden_state: [...out.lastHiddenState], pooler_output: [...out.poolerOutput] };
  if (head === 'sequence-classification') {
    const labels = Int32Array.from([2, 0]);
    const { loss } = model.lossAndBackward(inputs, { labels }, { train: false });
    return { model, io: { ...common, labels: [...labels], loss, logits: [...out.logits!], grad_norm: globalGradNorm(model.params(), model.backend) } };
  }
  const labels = new Int32Array(n).fill(-100);
  labels[3] = 5; labels[7] = 9; labels[S + 2] = 77;
  const sentenceOrderLabel = Int32Array.from([1, 0]);
  const { loss } = model.lossAndBackward(inputs, { labels, sentenceOrderLabel }, { train: false });
  return { model, io: { ...common, labels: [...labels], sentence_order_label: [...sentenceOrderLabel], loss,
    prediction_logits: [...out.predictionLogits!], sop_logits: [...out.sopLogits!] } };
}

/** torch_albert.py --check on one head's model: the largest relative difference, or why it failed. */
function checkHead(python: string, head: HeadKind): Found<number> {
  const { model, io } = modelAndOutputs(head);
  const dir = mkdtempSync(join(tmpdir(), 'albert-parity-'));
  try {
    savePretrained(model, join(dir, 'model'));
    writeFileSync(join(dir, 'model', 'io.json'), JSON.stringify(io));
    const r = spawnSync(python, [TORCH_SCRIPT, '--check', join(dir, 'model')], { encoding: 'utf8' });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0) return { ok: false, reason: `${head}: ${last || (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}` };
    const diffs = (JSON.parse(last) as { max_rel_diff: Record<string, number> }).max_rel_diff;
    return { ok: true, value: Math.max(...Object.values(diffs)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function checkBaselineParity(python: string): Found<string> {
  const parts: string[] = [];
  for (const head of ['pretraining', 'sequence-classification'] as const) {
    const r = checkHead(python, head);
    if (!r.ok) return r;
    parts.push(`${r.value.toExponential(1)} (${head})`);
  }
  return { ok: true, value: `max rel. diff ${parts.join(', ')}` };
}
