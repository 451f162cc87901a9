// HF directory load / save: names as HF writes them, prefix handling, head weights, errors, atomicity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsBackend } from '../src/backend/js.js';
import { UserError } from '../src/errors.js';
import { loadPretrained, savePretrained, type LoadOptions } from '../src/io/hf_dir.js';
import { readSafetensors, readSafetensorsHeader, writeSafetensors, type Tensor } from '../src/io/safetensors.js';
import { PARITY_DIR } from './parity_util.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-io-hf-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const fixture = (name: string) => path.join(PARITY_DIR, name);
const backend = new JsBackend();

function load(dir: string, extra: Partial<LoadOptions> = {}) {
  const warnings: string[] = [];
  const model = loadPretrained(dir, { backend, onWarning: (m) => warnings.push(m), ...extra });
  return { model, warnings };
}

/** A copy of a fixture directory whose model.safetensors is edited by `edit`. */
function edited(name: string, edit: (t: Map<string, Tensor>) => void, configEdit?: (c: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const tensors = readSafetensors(path.join(fixture(name), 'model.safetensors')).tensors;
  edit(tensors);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  const config = JSON.parse(fs.readFileSync(path.join(fixture(name), 'config.json'), 'utf8'));
  configEdit?.(config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function names(file: string): string[] {
  return [...readSafetensorsHeader(file).tensors.keys()].sort();
}

function param(model: ReturnType<typeof load>['model'], name: string): Float32Array {
  const p = model.params().find((q) => q.name === name);
  assert.ok(p, `no parameter ${name}`);
  return p.data;
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.includes('.tmp-'));
}

test('save writes what HF save_pretrained writes: same tensor names, config with architectures, spiece.model', () => {
  const { model } = load(fixture('masked_lm_grouped_gelu'));
  const spm = path.join(tmp, 'some.model');
  fs.writeFileSync(spm, Buffer.from([1, 2, 3, 4]));
  const out = path.join(tmp, 'saved-mlm');
  savePretrained(model, out, { tokenizerModel: spm });
  assert.deepEqual(fs.readdirSync(out).sort(), ['config.json', 'model.safetensors', 'spiece.model']);
  assert.deepEqual(leftovers(tmp), []);
  // The fixture file also has the tied decoder tensors and the old position_ids buffer; HF omits both.
  const want = names(path.join(fixture('masked_lm_grouped_gelu'), 'model.safetensors'))
    .filter((n) => !n.startsWith('predictions.decoder.') && !n.endsWith('position_ids'));
  assert.deepEqual(names(path.join(out, 'model.safetensors')), want);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['AlbertForMaskedLM']);
  assert.equal(config.model_type, 'albert');
  assert.equal(config.num_hidden_groups, 2);
  assert.equal(config.inner_group_num, 2);
  assert.equal(config.hidden_act, 'gelu');
  assert.equal('albert_ts_sharing' in config, false);
  assert.deepEqual(fs.readFileSync(path.join(out, 'spiece.model')), Buffer.from([1, 2, 3, 4]));
  // Reloading gives the same parameters.
  const again = load(out).model;
  for (const p of model.params()) assert.deepEqual(param(again, p.name), p.data, p.name);
});

test("the 'attention' sharing strategy is saved HF-loadable: one group per layer, shared tensors duplicated", () => {
  const { model } = load(fixture('attention_shared'));
  assert.equal(model.config.sharing, 'attention');
  const out = path.join(tmp, 'saved-att');
  savePretrained(model, out);
  assert.deepEqual(names(path.join(out, 'model.safetensors')), names(path.join(fixture('attention_shared'), 'model.safetensors')));
  const t = readSafetensors(path.join(out, 'model.safetensors')).tensors;
  const q0 = t.get('albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight')!.data;
  const q2 = t.get('albert.encoder.albert_layer_groups.2.albert_layers.0.attention.query.weight')!.data;
  assert.deepEqual(q2, q0);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.albert_ts_sharing, 'attention');
  assert.equal(config.num_hidden_groups, 3);
  assert.equal(config.num_labels, undefined, 'HF stores labels as id2label, not num_labels');
});

test('saving over an existing directory keeps other files and is atomic', () => {
  const { model } = load(fixture('qa'));
  const out = path.join(tmp, 'existing');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'README.md'), 'hello');
  fs.writeFileSync(path.join(out, 'config.json'), '{"stale": true}');
  savePretrained(model, out);
  assert.equal(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), 'hello');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).architectures, ['AlbertForQuestionAnswering']);
  assert.deepEqual(leftovers(tmp), []);
  assert.throws(() => savePretrained(model, path.join(tmp, 'no', 'such', 'parent')), /parent directory .* does not exist/);
  assert.deepEqual(leftovers(tmp), []);
});

test('AlbertModel checkpoint (no prefix) loads into a classification head: new head initialized with a warning', () => {
  const { model, warnings } = load(fixture('base_model'), { head: 'sequence-classification', numLabels: 3 });
  assert.equal(model.config.num_labels, 3);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /newly initialized: classifier\.weight, classifier\.bias/);
  const t = readSafetensors(path.join(fixture('base_model'), 'model.safetensors')).tensors;
  assert.deepEqual(param(model, 'albert.pooler.weight'), t.get('pooler.weight')!.data);
  assert.deepEqual(param(model, 'albert.embeddings.word_embeddings.weight'), t.get('embeddings.word_embeddings.weight')!.data);
  const w = param(model, 'classifier.weight');
  assert.ok(w.some((x) => x !== 0), 'classifier initialized, not zeros');
});

test('a pretraining checkpoint fine-tunes: other head weights unused (warning), prefix stripped for AlbertModel', () => {
  const cls = load(fixture('pretraining_gelu_new'), { head: 'sequence-classification' });
  assert.equal(cls.warnings.length, 2);
  assert.match(cls.warnings.join('\n'), /newly initialized: classifier\.weight, classifier\.bias/);
  assert.match(cls.warnings.join('\n'), /not used by AlbertForSequenceClassification .*predictions\.bias.*sop_classifier\.classifier\.weight/);
  const base = load(fixture('pretraining_gelu_new'), { head: 'base' });
  const t = readSafetensors(path.join(fixture('pretraining_gelu_new'), 'model.safetensors')).tensors;
  assert.deepEqual(param(base.model, 'embeddings.LayerNorm.weight'), t.get('albert.embeddings.LayerNorm.weight')!.data);
  assert.match(base.warnings.join('\n'), /not used by AlbertModel/);
});

test('a sharded checkpoint (model.safetensors.index.json) loads like the single file', () => {
  const src = readSafetensors(path.join(fixture('tokencls_inner2'), 'model.safetensors')).tensors;
  const dir = path.join(tmp, 'sharded');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(fixture('tokencls_inner2'), 'config.json'), path.join(dir, 'config.json'));
  const entries = [...src];
  const half = Math.floor(entries.length / 2);
  const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  writeSafetensors(path.join(dir, files[0]), entries.slice(0, half));
  writeSafetensors(path.join(dir, files[1]), entries.slice(half));
  const weightMap = Object.fromEntries(entries.map(([n], i) => [n, files[i < half ? 0 : 1]]));
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const { model, warnings } = load(dir);
  assert.deepEqual(warnings, []);
  for (const [n, t] of src) assert.deepEqual(param(model, n), t.data, n);
});

const badDirs: [string, () => string, RegExp][] = [
  ['missing encoder tensor', () => edited('qa', (t) => t.delete('albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight')),
    /missing tensor "albert\.encoder\.albert_layer_groups\.0\.albert_layers\.0\.ffn\.weight" \(shape \[37, 32\]\)/],
  ['unexpected tensor', () => edited('qa', (t) => t.set('albert.encoder.albert_layer_groups.7.albert_layers.0.ffn.bias', { shape: [37], data: new Float32Array(37) })),
    /unexpected tensor "albert\.encoder\.albert_layer_groups\.7\.albert_layers\.0\.ffn\.bias"/],
  ['mis-shaped head tensor', () => edited('qa', (t) => t.set('qa_outputs.weight', { shape: [3, 32], data: new Float32Array(96) })),
    /tensor "qa_outputs\.weight" has shape \[3, 32\], the config expects \[2, 32\]/],
  ['config inconsistent with the weights', () => edited('qa', () => {}, (c) => { c.intermediate_size = 40; }),
    /ffn\.weight" has shape \[37, 32\], the config expects \[40, 32\]/],
  ['NaN in a tensor', () => edited('qa', (t) => { t.get('qa_outputs.bias')!.data[0] = NaN; }),
    /tensor "qa_outputs\.bias" contains NaN or infinite values/],
  ['no weights file', () => { const d = path.join(tmp, 'noweights'); fs.mkdirSync(d); fs.copyFileSync(path.join(fixture('qa'), 'config.json'), path.join(d, 'config.json')); return d; },
    /noweights: no model\.safetensors/],
  ['only pytorch_model.bin', () => { const d = path.join(tmp, 'ptbin'); fs.mkdirSync(d); fs.copyFileSync(path.join(fixture('qa'), 'config.json'), path.join(d, 'config.json')); fs.writeFileSync(path.join(d, 'pytorch_model.bin'), 'x'); return d; },
    /found pytorch_model\.bin: only safetensors is read/],
  ['no config.json', () => { const d = path.join(tmp, 'noconfig'); fs.mkdirSync(d); return d; }, /config\.json: no such file/],
  ['not a directory', () => path.join(fixture('qa'), 'config.json'), /not a directory/],
  ['no such directory', () => path.join(tmp, 'nope'), /no such model directory/],
  ['truncated config.json', () => writeRaw('{"vocab_size": 99, "hidd'), /config\.json: not valid JSON/],
  ['invalid config fields', () => edited('qa', () => {}, (c) => { c.hidden_size = 30; c.hidden_act = 'swoosh'; }),
    /invalid ALBERT config: .*hidden_size 30 must be divisible by num_attention_heads 4.*hidden_act "swoosh" is not supported/],
];

/** A directory with a fixture's weights and the given raw config.json text. */
function writeRaw(configText: string): string {
  const d = fs.mkdtempSync(path.join(tmp, 'raw-'));
  fs.copyFileSync(path.join(fixture('qa'), 'model.safetensors'), path.join(d, 'model.safetensors'));
  fs.writeFileSync(path.join(d, 'config.json'), configText);
  return d;
}

for (const [what, make, re] of badDirs) {
  test(`bad model directory: ${what}`, () => {
    const dir = make();
    assert.throws(() => load(dir), (e: Error) => {
      assert.ok(e instanceof UserError, `expected UserError, got ${e.stack}`);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  });
}

test('a pooler is dropped silently by pooler-less heads (HF ignores it); saved config records float32', () => {
  const { model, warnings } = load(fixture('pretraining_gelu_new'), { head: 'masked-lm' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /not used by AlbertForMaskedLM .*: sop_classifier\.classifier\.weight, sop_classifier\.classifier\.bias$/);
  assert.ok(!model.params().some((p) => p.name.includes('pooler')));
  const f16 = load(fixture('seqcls_regression_f16')).model;
  const out = path.join(tmp, 'saved-f16');
  savePretrained(f16, out);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.torch_dtype, 'float32');
  assert.equal(config.id2label['0'], 'LABEL_0');
  const header = readSafetensorsHeader(path.join(out, 'model.safetensors'));
  assert.ok([...header.tensors.values()].every((t) => t.dtype === 'F32'));
});
