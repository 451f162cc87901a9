// Checks that the PyTorch baseline is the same model as albert-ts: a small AlbertForPreTraining with
// grouped sharing, padding and both token types is initialized by albert-ts, saved as an HF directory
// with its outputs, and torch_albert.py --check loads it and compares (max relative difference <= 1e-4
// for every output, in both of its gelu spellings). run.ts runs this before timing the baselines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../../src/backend/index.js';
import { savePretrained } from '../../src/io/hf_dir.js';
import { AlbertModel } from '../../src/model/albert.js';
import { parseConfig } from '../../src/model/config.js';
import { TORCH_SCRIPT, type Found } from './deps.js';

export function checkBaselineParity(python: string): Found<string> {
  const config = parseConfig({
    vocab_size: 300, embedding_size: 24, hidden_size: 64, num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2,
    num_attention_heads: 4, intermediate_size: 100, hidden_act: 'gelu_new', max_position_embeddings: 64,
    initializer_range: 0.3, // large weights: peaked attention, so that a wrong detail shows
  }, 'parity config');
  const model = new AlbertModel(config, 'pretraining', loadBackend({ kind: 'js' }));
  model.initWeights(7);
  const B = 2, S = 20, n = B * S;
  const inputIds = Int32Array.from({ length: n }, (_, i) => (i * 37 + 11) % config.vocab_size);
  const attentionMask = Int32Array.from({ length: n }, (_, i) => (i >= S + 15 ? 0 : 1)); // second sequence padded
  const tokenTypeIds = Int32Array.from({ length: n }, (_, i) => (i % S >= 10 ? 1 : 0));
  const labels = new Int32Array(n).fill(-100);
  labels[3] = 5; labels[7] = 9; labels[S + 2] = 77;
  const sentenceOrderLabel = Int32Array.from([1, 0]);
  const inputs = { inputIds, attentionMask, tokenTypeIds, batch: B, seq: S };
  const out = model.forward(inputs, { train: false });
  const { loss } = model.lossAndBackward(inputs, { labels, sentenceOrderLabel }, { train: false });
  const dir = mkdtempSync(join(tmpdir(), 'albert-parity-'));
  try {
    savePretrained(model, join(dir, 'model'));
    writeFileSync(join(dir, 'model', 'io.json'), JSON.stringify({
      batch: B, seq: S, input_ids: [...inputIds], attention_mask: [...attentionMask], token_type_ids: [...tokenTypeIds],
      labels: [...labels], sentence_order_label: [...sentenceOrderLabel], loss,
      last_hidden_state: [...out.lastHiddenState], pooler_output: [...out.poolerOutput],
      prediction_logits: [...out.predictionLogits!], sop_logits: [...out.sopLogits!],
    }));
    const r = spawnSync(python, [TORCH_SCRIPT, '--check', join(dir, 'model')], { encoding: 'utf8' });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0) return { ok: false, reason: last || (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`) };
    const diffs = (JSON.parse(last) as { max_rel_diff: Record<string, number> }).max_rel_diff;
    return { ok: true, value: `max rel. diff ${Math.max(...Object.values(diffs)).toExponential(1)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
