// Review of HuggingFace transformers' small conventions that the parity fixtures do not pin down
// (the fixtures come from our own reference, so a shared misreading would pass there). Expected
// values are derived here from what HF's code does, independently of our implementation:
// - CrossEntropyLoss's ignore_index -100 holds for every class label HF feeds to it, and
//   per-sequence labels may come as [B] or [B][1] (HF flattens them with view(-1) / squeeze(-1));
// - a fully padded sequence attends uniformly (float32: score + finfo.min == finfo.min);
// - save_pretrained's config.json keys (to_diff_dict of an AlbertConfig in float32);
// - hub config.json files with legacy keys load and keep them; labels follow id2label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBatches } from '../src/io/batches.js';
import { configJsonFor, savePretrained } from '../src/io/hf_dir.js';
import { AlbertModel, configToJson, parseConfig, presetConfig, type HeadKind, type ModelInputs } from '../src/model/index.js';
import { backend, makeModel, smallConfig } from './model_util.js';

const ids = (B: number, S: number, C?: number) => {
  let k = 5;
  const row = () => Array.from({ length: S }, () => (k++ % 30) + 4);
  return Array.from({ length: B }, () => (C ? Array.from({ length: C }, row) : row()));
};

/** Mean cross-entropy of rows whose label is not -100, from logits (rows, K): PyTorch's definition. */
function crossEntropy(logits: Float32Array, labels: number[], K: number): number {
  let sum = 0, n = 0;
  labels.forEach((y, r) => {
    if (y === -100) return;
    const row = Array.from(logits.subarray(r * K, (r + 1) * K));
    const max = Math.max(...row);
    sum += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[y];
    n++;
  });
  return sum / n;
}

function parse(head: HeadKind, batch: Record<string, unknown>, over: Record<string, unknown> = {}) {
  const c = smallConfig(over);
  return { c, b: parseBatches({ batches: [{ name: 'b', ...batch }] }, 'batch.json', c, head, true)[0] };
}

test('HF ignores label -100 in sequence-classification, multiple-choice and sentence-order losses', () => {
  const cases: [HeadKind, Record<string, unknown>, Record<string, unknown>, (o: ReturnType<AlbertModel['forward']>) => [Float32Array, number[], number]][] = [
    ['sequence-classification', { input_ids: ids(3, 4), labels: [-100, 2, 0] }, { num_labels: 3 }, (o) => [o.logits!, [-100, 2, 0], 3]],
    ['multiple-choice', { input_ids: ids(2, 4, 3), labels: [1, -100] }, {}, (o) => [o.logits!, [1, -100], 3]],
  ];
  for (const [head, batch, over, pick] of cases) {
    const { c, b } = parse(head, batch, over);
    const model = makeModel(c, head);
    const [logits, labels, K] = pick(model.forward(b.inputs));
    const { loss } = model.loss(b.inputs, b.labels!);
    assert.ok(Math.abs(loss - crossEntropy(logits, labels, K)) < 1e-5, `${head}: ${loss}`);
  }
  // pretraining: loss = MLM CE + SOP CE, the SOP mean over the labelled sequences only
  const { c, b } = parse('pretraining', { input_ids: ids(2, 4), labels: [[7, -100, -100, -100], [-100, 9, -100, -100]], sentence_order_label: [-100, 1] });
  const model = makeModel(c, 'pretraining');
  const o = model.forward(b.inputs);
  const r = model.loss(b.inputs, b.labels!);
  assert.ok(Math.abs(r.sopLoss! - crossEntropy(o.sopLogits!, [-100, 1], 2)) < 1e-5);
  const V = c.vocab_size;
  const mlm = crossEntropy(o.predictionLogits!, [7, -100, -100, -100, -100, 9, -100, -100], V);
  assert.ok(Math.abs(r.loss - (mlm + r.sopLoss!)) < 1e-5);
});

test('per-sequence labels given as [B][1] read as [B] (HF: view(-1) / squeeze(-1))', () => {
  const same = (head: HeadKind, flat: Record<string, unknown>, column: Record<string, unknown>, over: Record<string, unknown> = {}) => {
    const a = parse(head, { input_ids: ids(2, 5), ...flat }, over).b.labels;
    const b = parse(head, { input_ids: ids(2, 5), ...column }, over).b.labels;
    assert.deepEqual(b, a, head);
  };
  same('question-answering', { start_positions: [1, 9], end_positions: [3, 4] }, { start_positions: [[1], [9]], end_positions: [[3], [4]] });
  same('pretraining', { labels: [[5, -100, -100, -100, -100], [-100, -100, 6, -100, -100]], sentence_order_label: [0, 1] },
    { labels: [[5, -100, -100, -100, -100], [-100, -100, 6, -100, -100]], sentence_order_label: [[0], [1]] });
  same('sequence-classification', { labels: [2, 0] }, { labels: [[2], [0]] }, { num_labels: 3 });
  // one label: regression, [B][1] floats as before
  same('sequence-classification', { labels: [0.5, -1.25] }, { labels: [[0.5], [-1.25]] }, { num_labels: 1 });
});

test('a fully padded sequence attends uniformly, as HF in float32 ((1 - mask) * finfo.min swamps every score)', () => {
  // Uniform attention is what zero query weights give on an unmasked sequence (every score 0):
  // compare the two. The old -10000 convention (or skipping masked keys) gives softmax(scores) instead.
  const c = smallConfig({ hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  const model = makeModel(c, 'base', 3);
  const flat = makeModel(c, 'base', 3);
  for (const p of flat.params()) if (p.name.includes('attention.query.')) p.data.fill(0);
  const S = 5, inputIds = Int32Array.from([7, 12, 3, 30, 9]);
  const masked: ModelInputs = { inputIds, attentionMask: new Int32Array(S), batch: 1, seq: S };
  const open: ModelInputs = { inputIds, attentionMask: new Int32Array(S).fill(1), batch: 1, seq: S };
  const a = model.forward(masked).lastHiddenState, b = flat.forward(open).lastHiddenState;
  const d = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  assert.ok(d < 1e-5, `max diff ${d}`);
  assert.ok(Math.max(...a.map((v, i) => Math.abs(v - model.forward(open).lastHiddenState[i]))) > 1e-3, 'the mask matters');
});

test("save_pretrained's config.json keys: to_diff_dict of a float32 AlbertConfig (no null problem_type)", () => {
  const c = presetConfig('albert-base-v2');
  const model = new AlbertModel(parseConfig({ ...configToJson(c), problem_type: null }, 'c'), 'sequence-classification', backend);
  const json = configJsonFor(model);
  // Every AlbertConfig.__init__ attribute, the PretrainedConfig ones that differ from their defaults
  // (architectures, pad/bos/eos ids, torch_dtype), model_type and the hub file's legacy keys.
  const hf = ['architectures', 'attention_probs_dropout_prob', 'bos_token_id', 'classifier_dropout_prob', 'down_scale_factor',
    'embedding_size', 'eos_token_id', 'gap_size', 'hidden_act', 'hidden_dropout_prob', 'hidden_size', 'initializer_range',
    'inner_group_num', 'intermediate_size', 'layer_norm_eps', 'max_position_embeddings', 'model_type', 'net_structure_type',
    'num_attention_heads', 'num_hidden_groups', 'num_hidden_layers', 'num_memory_blocks', 'pad_token_id',
    'position_embedding_type', 'torch_dtype', 'type_vocab_size', 'vocab_size'];
  assert.deepEqual(Object.keys(json), hf, 'sorted as HF (sort_keys=True); transformers_version is HF\'s own');
  assert.equal(json.torch_dtype, 'float32');
  assert.equal(json.position_embedding_type, 'absolute');
  assert.deepEqual(json.architectures, ['AlbertForSequenceClassification']);
  // and what savePretrained writes is exactly that
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-review-'));
  try {
    savePretrained(model, path.join(dir, 'm'));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'm', 'config.json'), 'utf8')), json);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hub config.json with legacy keys loads with HF defaults for absent fields and keeps unknown keys', () => {
  // albert-xxlarge-v2 as first uploaded: no model_type / layer_norm_eps / pad-bos-eos / classifier dropout
  const hub = {
    attention_probs_dropout_prob: 0, hidden_act: 'gelu_new', hidden_dropout_prob: 0, embedding_size: 128, hidden_size: 4096,
    initializer_range: 0.02, intermediate_size: 16384, max_position_embeddings: 512, num_attention_heads: 64,
    num_hidden_layers: 12, num_hidden_groups: 1, net_structure_type: 0, layers_to_keep: [], gap_size: 0,
    num_memory_blocks: 0, inner_group_num: 1, down_scale_factor: 1, type_vocab_size: 2, vocab_size: 30000,
  };
  const c = parseConfig(hub, 'config.json');
  assert.equal(c.layer_norm_eps, 1e-12);
  assert.equal(c.classifier_dropout_prob, 0.1);
  assert.deepEqual([c.pad_token_id, c.bos_token_id, c.eos_token_id, c.num_labels], [0, 2, 3, 2]);
  const out = configToJson(c);
  for (const k of ['net_structure_type', 'layers_to_keep', 'gap_size', 'num_memory_blocks', 'down_scale_factor']) {
    assert.deepEqual(out[k], (hub as Record<string, unknown>)[k], k);
  }
});

// ---- Config conventions HF keeps when it reads and writes config.json. ----

test('num_labels that disagrees with id2label: HF warns and uses len(id2label)', () => {
  const c = parseConfig({ ...configToJson(smallConfig()), num_labels: 5, id2label: { 0: 'NEG', 1: 'POS' } }, 'config.json');
  assert.equal(c.num_labels, 2);
});

test('hidden_act names round-trip unchanged (HF writes back the name it read)', () => {
  for (const name of ['gelu_pytorch_tanh', 'gelu_fast', 'swish', 'gelu_python']) {
    assert.equal(configToJson(parseConfig({ ...configToJson(smallConfig()), hidden_act: name }, 'c')).hidden_act, name);
  }
});
