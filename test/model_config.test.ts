// Config parsing/validation/writing, presets and parameter counts against published numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../src/errors.js';
import { CONFIG_KEYS, PRESET_NAMES, checkOverrideKeys, configFromSpec, configToJson, countParameters, parseConfig, presetConfig, readConfigFile, withConfig } from '../src/model/index.js';
import { JsBackend } from '../src/backend/index.js';
import { openModel } from '../src/io/hf_dir.js';
import { pretrain } from '../src/train/pretrain.js';

test('AlbertModel parameter counts equal HF/paper numbers exactly (pooler included, tied weights once)', () => {
  // HF transformers' AlbertModel(config).num_parameters() for the released models (same for v1 and v2)
  const expected: Record<string, number> = { base: 11_683_584, large: 17_683_968, xlarge: 58_724_864, xxlarge: 222_595_584 };
  for (const [size, n] of Object.entries(expected)) {
    for (const v of ['v1', 'v2']) assert.equal(countParameters(presetConfig(`albert-${size}-${v}`)), n, `albert-${size}-${v}`);
  }
});

test('the paper\'s ablation models (Tables 3 and 4) and BERT baselines (Table 1) count as published, to the rounding', () => {
  const base = presetConfig('albert-base-v2');
  const paper: [number, 'all' | 'attention' | 'ffn' | 'none', number][] = [
    [64, 'none', 87e6], [128, 'none', 89e6], [256, 'none', 93e6], [768, 'none', 108e6],
    [64, 'all', 10e6], [128, 'all', 12e6], [256, 'all', 16e6], [768, 'all', 31e6],
    [768, 'attention', 83e6], [768, 'ffn', 57e6], [128, 'attention', 64e6], [128, 'ffn', 38e6],
  ];
  for (const [E, sharing, n] of paper) {
    const got = countParameters(withConfig(base, { embedding_size: E, sharing }));
    assert.ok(Math.abs(got - n) < 1.75e6, `E=${E} ${sharing}: ${got} vs paper ${n}`);
  }
  for (const [name, n] of [['bert-base', 108e6], ['bert-large', 334e6], ['bert-xlarge', 1270e6]] as const) {
    const got = countParameters(presetConfig(name));
    assert.ok(Math.abs(got - n) / n < 0.02, `${name}: ${got} vs paper ${n}`);
    assert.equal(presetConfig(name).sharing, 'none');
  }
});

test('presets mirror the hub configs: v1 erf gelu with dropout, v2 gelu_new without', () => {
  assert.ok(PRESET_NAMES.includes('albert-base-v2') && PRESET_NAMES.includes('tiny') && PRESET_NAMES.includes('bert-base'));
  const v1 = presetConfig('albert-base-v1'), v2 = presetConfig('base-v2');
  assert.equal(v1.hidden_act, 'gelu');
  assert.equal(v1.hidden_dropout_prob, 0.1);
  assert.equal(v2.hidden_act, 'gelu_new');
  assert.equal(v2.attention_probs_dropout_prob, 0);
  assert.equal(presetConfig('albert/albert-xxlarge-v2').num_attention_heads, 64);
  assert.deepEqual(configToJson(v2).architectures, ['AlbertForMaskedLM']);
  assert.throws(() => presetConfig('albert-huge'), (e) => e instanceof UserError && /unknown model preset "albert-huge"/.test(e.message));
});

test('every bad field is named in one error that names the file', () => {
  const bad = {
    hidden_size: 100, num_attention_heads: 12, vocab_size: 'many', hidden_act: 'mish', hidden_dropout_prob: 1.5,
    layer_norm_eps: 0, problem_type: 'ranking', num_labels: 0, position_embedding_type: 'relative_key',
  };
  assert.throws(() => parseConfig(bad, 'dir/config.json'), (e) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^dir\/config\.json: invalid ALBERT config: /);
    for (const f of ['vocab_size', 'hidden_size 100 must be divisible by num_attention_heads 12', 'hidden_act "mish"', 'hidden_dropout_prob',
      'layer_norm_eps', 'problem_type', 'num_labels', 'position_embedding_type']) assert.ok(e.message.includes(f), `${f} missing in: ${e.message}`);
    return true;
  });
  assert.throws(() => parseConfig([1, 2], 'c.json'), /c\.json: invalid ALBERT config: expected a JSON object, got an array/);
  assert.throws(() => parseConfig({ num_hidden_groups: 2, albert_ts_sharing: 'attention' }, 'c.json'), /albert_ts_sharing "attention" needs num_hidden_groups = num_hidden_layers/);
  assert.throws(() => parseConfig({ num_hidden_groups: 2, albert_ts_sharing: 'all' }, 'c.json'), /contradicts num_hidden_groups 2/);
});

test('missing keys take HF AlbertConfig defaults; activation aliases resolve; sharing is derived from the groups', () => {
  const c = parseConfig({}, 'c.json');
  assert.equal(c.hidden_size, 4096);
  assert.equal(c.hidden_act, 'gelu_new');
  assert.equal(c.num_labels, 2);
  assert.equal(c.classifier_dropout_prob, 0.1);
  assert.equal(c.sharing, 'all');
  assert.equal(parseConfig({ hidden_act: 'gelu_pytorch_tanh' }, 'c').hidden_act, 'gelu_new');
  assert.equal(parseConfig({ hidden_act: 'swish' }, 'c').hidden_act, 'silu');
  assert.equal(parseConfig({ num_hidden_layers: 4, num_hidden_groups: 4 }, 'c').sharing, 'none');
  assert.equal(parseConfig({ num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2 }, 'c').sharing, 'groups');
  assert.equal(parseConfig({ id2label: { 0: 'neg', 1: 'neu', 2: 'pos' } }, 'c').num_labels, 3);
});

test('config.json round-trip keeps unknown keys, writes labels and the non-HF sharing key', () => {
  const src = { ...configToJson(presetConfig('tiny')), custom_key: { a: 1 }, num_labels: 3 };
  const c = parseConfig(src, 'c');
  const json = configToJson(c);
  assert.deepEqual(json.custom_key, { a: 1 });
  assert.equal(json.model_type, 'albert');
  assert.deepEqual(json.id2label, { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  assert.equal('albert_ts_sharing' in json, false);
  assert.deepEqual(Object.keys(json), Object.keys(json).sort());
  assert.deepEqual(configToJson(parseConfig(json, 'c')), json);
  assert.equal(parseConfig(json, 'c').num_labels, 3);
  const ffn = withConfig(c, { sharing: 'ffn' });
  const ffnJson = configToJson(ffn);
  assert.equal(ffnJson.albert_ts_sharing, 'ffn');
  assert.equal(ffnJson.num_hidden_groups, ffn.num_hidden_layers);
  assert.equal(parseConfig(ffnJson, 'c').sharing, 'ffn');
});

test('readConfigFile: missing file and broken JSON are one clear error naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-config-'));
  try {
    const f = path.join(dir, 'config.json');
    assert.throws(() => readConfigFile(f), (e) => e instanceof UserError && e.message === `${f}: no such file`);
    fs.writeFileSync(f, '{"hidden_size": 64,');
    assert.throws(() => readConfigFile(f), (e) => e instanceof UserError && e.message.startsWith(`${f}: not valid JSON`));
    fs.writeFileSync(f, JSON.stringify(configToJson(presetConfig('albert-large-v1'))));
    assert.equal(countParameters(readConfigFile(f)), 17_683_968);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a config of another model type is refused, naming the type; a missing model_type reads as ALBERT', () => {
  const bert = { model_type: 'bert', hidden_size: 768, num_attention_heads: 12, intermediate_size: 3072, vocab_size: 30522 };
  assert.throws(() => parseConfig(bert, 'bert/config.json'),
    (e) => e instanceof UserError && e.message === 'bert/config.json: model_type "bert" is not an ALBERT model (albert-ts reads configs with model_type "albert")');
  assert.throws(() => parseConfig({ model_type: 7 }, 'c.json'), /c\.json: model_type 7 is not an ALBERT model/);
  const { model_type: _, ...plain } = configToJson(presetConfig('tiny'));
  assert.equal(parseConfig(plain, 'c.json').hidden_size, 128);
});

test('config overrides (--set) must name config keys; a config.json may still carry extra keys', () => {
  assert.throws(() => checkOverrideKeys({ hidden_sise: 3, hidden_size: 4 }),
    (e) => e instanceof UserError && /^--set: unknown config key "hidden_sise" \(valid keys: .*\bhidden_size\b.*\)$/.test(e.message));
  for (const k of CONFIG_KEYS) assert.doesNotThrow(() => checkOverrideKeys({ [k]: 1 }), k);
  assert.ok(CONFIG_KEYS.includes('albert_ts_sharing') && CONFIG_KEYS.includes('num_labels') && !CONFIG_KEYS.includes('model_type'));
  assert.equal(parseConfig({ ...configToJson(presetConfig('tiny')), transformers_version: '4.40.0' }, 'c.json').transformers_version, '4.40.0');
});

test('pretrain refuses an unknown --set key before reading anything', async () => {
  await assert.rejects(pretrain({ data: '/no/such/data', output: '/no/such/run', set: { hidden_sise: 3 } }),
    (e) => e instanceof UserError && e.message.startsWith('--set: unknown config key "hidden_sise" (valid keys: '));
});

test('a --config / --model that is neither a file nor a preset says so and lists the presets', () => {
  const presets = PRESET_NAMES.join(', ');
  assert.throws(() => configFromSpec('nosuchpreset'),
    (e) => e instanceof UserError && e.message === `nosuchpreset: is neither a file (config.json or model directory) nor a preset (presets: ${presets})`);
  assert.throws(() => openModel('nope', { backend: new JsBackend() }),
    (e) => e instanceof UserError && e.message === `nope: is neither a model directory nor a preset (presets: ${presets})`);
  assert.equal(configFromSpec('base-v2').hidden_size, 768);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configToJson(presetConfig('tiny'))));
    assert.equal(configFromSpec(dir).hidden_size, 128);
    assert.equal(configFromSpec(path.join(dir, 'config.json')).hidden_size, 128);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
