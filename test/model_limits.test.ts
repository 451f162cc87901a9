// Sizes no machine can hold are refused before anything is allocated, naming the field, its file, what
// cannot be held and the bound; parameter counts come from the config's numbers, not from a built layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../src/backend/index.js';
import { memoryFlag } from '../src/cli/args.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { UserError } from '../src/errors.js';
import { checkModelFits, MAX_ARRAY_LENGTH } from '../src/model/limits.js';
import { AlbertModel, HEAD_KINDS, PRESET_NAMES, configToJson, countParameters, modelLayout, parseConfig, presetConfig, withConfig, type AlbertConfig, type HeadKind } from '../src/model/index.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const albert = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ALBERT_BACKEND: 'js' } });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-limits-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const TINY = configToJson(presetConfig('tiny'));
const config = (changes: Record<string, unknown>) => parseConfig({ ...TINY, ...changes }, 'c/config.json');
const built = (c: AlbertConfig, head: HeadKind) => modelLayout(c, head).specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);

test('parameter counts from the numbers equal those of the built layout: every preset, head and sharing', () => {
  const tiny = presetConfig('tiny');
  const configs = [...PRESET_NAMES.map((n) => presetConfig(n)),
    ...(['attention', 'ffn', 'none'] as const).map((sharing) => withConfig(tiny, { sharing })),
    withConfig(tiny, { num_hidden_layers: 6, num_hidden_groups: 3, inner_group_num: 2, num_labels: 5, sharing: 'groups' })];
  for (const c of configs) for (const head of HEAD_KINDS) assert.equal(countParameters(c, head), built(c, head), `${c.hidden_size} ${c.sharing} ${head}`);
  // and a count that no layout could list comes at once
  assert.equal(countParameters(config({ inner_group_num: 1e12 })) > 1e17, true);
});

/** Every size field, at a size no machine holds: the error names the field and the file, before any allocation. */
const HUGE: [string, Record<string, unknown>, HeadKind, RegExp][] = [
  ['vocab_size', { vocab_size: 2 ** 31 }, 'base', /the word embeddings .*more than the 4,294,967,296 one JavaScript array holds/],
  ['vocab_size', { vocab_size: 1e12 }, 'masked-lm', /the word embeddings/],
  ['embedding_size', { embedding_size: 1e9 }, 'base', /the word embeddings \(vocab_size 30000 x embedding_size 1000000000/],
  ['hidden_size', { hidden_size: 2 ** 20, num_attention_heads: 4 }, 'base', /the attention blocks/],
  ['intermediate_size', { intermediate_size: 1e10 }, 'base', /the FFN blocks/],
  ['num_hidden_layers', { num_hidden_layers: 1e12 }, 'base', /the layer calls \(num_hidden_layers 1000000000000 x inner_group_num 1\) need 233 TiB/],
  ['num_hidden_groups', { num_hidden_layers: 1e7, num_hidden_groups: 1e7 }, 'base', /the FFN blocks \(num_hidden_groups 10000000 x inner_group_num 1/],
  ['inner_group_num', { inner_group_num: 1e12 }, 'base', /the FFN blocks .* need 938 PiB with their gradients, the model 1\.4 EiB in all/],
  ['max_position_embeddings', { max_position_embeddings: 1e12 }, 'base', /the position embeddings/],
  ['type_vocab_size', { type_vocab_size: 1e9 }, 'base', /the token type embeddings/],
  ['num_labels', { num_labels: 1e12 }, 'sequence-classification', /the pooler and sequence-classification head/],
  ['num_labels', { num_labels: 1e12 }, 'question-answering', /the pooler and question-answering head/],
];

test('every size field no machine can hold is refused at construction, naming it and its file, at once', { timeout: 20_000 }, () => {
  for (const [field, changes, head, what] of HUGE) {
    const c = config(changes);
    const t0 = Date.now();
    assert.throws(() => new AlbertModel(c, head, new JsBackend(), { source: 'c/config.json' }), (e: unknown) => {
      assert.ok(e instanceof UserError, `${field}: ${String(e)}`);
      assert.ok(e.message.startsWith(`c/config.json: ${field} ${c[field]} cannot be held: `), e.message);
      assert.match(e.message, what);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, `${field}: refused in ${Date.now() - t0} ms`);
  }
});

test('the bound is --max-memory or the machine\'s memory; activations count, training keeps them per call', () => {
  const base = presetConfig('base-v2');
  assert.throws(() => new AlbertModel(base, 'base', new JsBackend(), { maxMemory: 100 * 2 ** 20, source: 'preset albert-base-v2' }),
    /^UserError: preset albert-base-v2: the model cannot be held: the FFN blocks .* need 36 MiB with their gradients, the model 115 MiB in all, more than --max-memory 100 MiB$/);
  assert.throws(() => checkModelFits(config({ num_hidden_layers: 1e12 }), 'base', { rows: 1, seq: 1, backward: false }),
    new RegExp(`more than this machine's memory \\(${Math.round(os.totalmem() / 2 ** 30)}(\\.\\d)? GiB; --max-memory sets another bound\\)`));
  // training keeps each call's activations: a deep all-shared model fits for inference, not for a big batch
  const deep = config({ num_hidden_layers: 1000 });
  const gib = 2 ** 30;
  checkModelFits(deep, 'base', { rows: 32, seq: 128, backward: false }, { maxMemory: gib });
  assert.throws(() => checkModelFits(deep, 'base', { rows: 32, seq: 128, backward: true }, { maxMemory: gib, source: 'd.json' }),
    /^UserError: d\.json: num_hidden_layers 1000 cannot be held: the activations training keeps \(num_hidden_layers 1000 x inner_group_num 1 x batch 32 x seq 128/);
  checkModelFits(deep, 'base', { rows: 1, seq: 128, backward: true, checkpoint: true }, { maxMemory: gib });
  assert.throws(() => checkModelFits(presetConfig('tiny'), 'base', { rows: 1e6, seq: 512, backward: false }, { maxMemory: 64 * gib }),
    /^UserError: inputs: batch 1000000 cannot be held: /);
  // num_attention_heads: the attention probabilities training keeps
  const wide = config({ hidden_size: 16384, num_attention_heads: 16384, intermediate_size: 16 });
  assert.throws(() => checkModelFits(wide, 'base', { rows: 2, seq: 512, backward: true }, { maxMemory: 1e15 }),
    /^UserError: config: num_attention_heads 16384 cannot be held: the attention probabilities .* need an array of 8,589,934,592 numbers/);
  assert.equal(MAX_ARRAY_LENGTH >= 2 ** 31 - 1, true);
  // a model run past its bound is refused at that run, before its activations are allocated
  const m = new AlbertModel(deep, 'base', new JsBackend(), { maxMemory: gib / 4 });
  m.forward({ inputIds: new Int32Array(4).fill(5), batch: 1, seq: 4 });
  assert.throws(() => m.forward({ inputIds: new Int32Array(512 * 64).fill(5), batch: 64, seq: 512 }), /cannot be held: .*more than --max-memory 256 MiB/);
});

test('HF semantics: more groups than layers is refused', () => {
  assert.throws(() => config({ num_hidden_layers: 2, num_hidden_groups: 3 }), /c\/config\.json: invalid ALBERT config: num_hidden_groups 3 must be <= num_hidden_layers 2/);
});

test('--max-memory takes sizes in bytes or with a unit', () => {
  assert.equal(memoryFlag(undefined), undefined);
  assert.equal(memoryFlag('8G'), 8 * 2 ** 30);
  assert.equal(memoryFlag('512MiB'), 512 * 2 ** 20);
  assert.equal(memoryFlag('1.5gb'), 1.5 * 2 ** 30);
  assert.equal(memoryFlag('1000'), 1000);
  for (const bad of ['', 'lots', '-1G', '0', '8X']) assert.throws(() => memoryFlag(bad), /^UserError: --max-memory must be a size such as 8G, 512M or a number of bytes/);
});

test('CLI: a huge config.json, a data index.json with a huge vocabulary or length, and --max-memory are one line each', () => {
  const dir = path.join(tmp, 'huge');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...TINY, inner_group_num: 1e12 }));
  const inputs = path.join(tmp, 'in.json');
  fs.writeFileSync(inputs, JSON.stringify({ batches: [{ name: 'b', input_ids: [[2, 3]] }] }));
  const tok = path.join(tmp, 'tok.model');
  fs.writeFileSync(tok, syntheticTokenizerModel());
  fs.writeFileSync(path.join(tmp, 'corpus.txt'), syntheticCorpusText(20, 4));
  const data = path.join(tmp, 'data');
  const made = albert('create-pretraining-data', '--input', path.join(tmp, 'corpus.txt'), '--tokenizer', tok, '--output', data, '--max-seq-length', '32', '--dupe-factor', '1', '--quiet');
  assert.equal(made.status, 0, made.stderr);
  const withIndex = (name: string, changes: Record<string, number>) => {
    const d = path.join(tmp, name);
    fs.cpSync(data, d, { recursive: true });
    const f = path.join(d, 'index.json');
    fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), ...changes }));
    return d;
  };
  const cases: [string[], RegExp][] = [
    [['forward', '--model', dir, '--inputs', inputs, '--output', path.join(tmp, 'o.safetensors')], /^albert: .*huge\/config\.json: inner_group_num 1000000000000 cannot be held: /],
    [['params', '--config', path.join(dir, 'config.json')], /.^/], // counting holds nothing: it answers
    [['forward', '--model', 'base-v2', '--inputs', inputs, '--output', path.join(tmp, 'o.safetensors'), '--max-memory', '50M'], /^albert: preset albert-base-v2: the model cannot be held: .* more than --max-memory 50 MiB$/m],
    [['bench', '--config', 'base-v2', '--max-memory', '50M', '--steps', '1'], /^albert: base-v2: the model cannot be held: /m],
    [['pretrain', '--data', withIndex('vocab', { vocab_size: 1e12 }), '--output', path.join(tmp, 'r1'), '--tokenizer', tok, '--quiet'], /^albert: .*vocab\/index\.json: vocab_size 1000000000000 (cannot be held: the word embeddings|does not fit id_bytes 2)/],
    [['pretrain', '--data', withIndex('len', { max_seq_length: 65535 }), '--output', path.join(tmp, 'r2'), '--tokenizer', tok, '--quiet'], /^albert: (.*len\/index\.json: max_seq_length|inputs: seq) 65535 cannot be held: /],
  ];
  for (const [args, re] of cases) {
    const r = albert(...args);
    if (args[0] === 'params') {
      assert.equal(r.status, 0, r.stderr);
      continue;
    }
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('albert: ')).length, 1, r.stderr);
    assert.ok(!r.stderr.includes('internal error') && !r.stderr.includes('RangeError'), r.stderr);
  }
});
