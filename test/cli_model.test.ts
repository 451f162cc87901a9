// `albert forward` / `albert grad` end to end (spawned), against the PyTorch-reference fixtures, and
// bad input: one clear error line naming the file, exit code 1, never a crash or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../src/io/safetensors.js';
import { assertTensorsClose, FORWARD_TOL, GRAD_TOL, PARITY_DIR } from './parity_util.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-cli-model-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const fixture = (name: string, file = '') => path.join(PARITY_DIR, name, file);

function albert(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ALBERT_BACKEND: 'js' } });
}

test('albert forward writes the reference outputs (pretraining head, padding, a length-1 batch)', () => {
  const out = path.join(tmp, 'fwd.safetensors');
  const r = albert('forward', '--model', fixture('pretraining_gelu_new'), '--inputs', fixture('pretraining_gelu_new', 'batch.json'), '--output', out, '--threads', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 16 tensors for 2 batch\(es\)/);
  const got = readSafetensors(out);
  assert.equal(got.metadata.format, 'pt');
  assertTensorsClose(got.tensors, readSafetensors(fixture('pretraining_gelu_new', 'expected_forward.safetensors')).tensors, FORWARD_TOL, 'cli forward');
});

test('albert grad writes loss scalars and every gradient under HF names, tied names included', () => {
  const out = path.join(tmp, 'grads.safetensors');
  const r = albert('grad', '--model', fixture('masked_lm_grouped_gelu'), '--inputs', fixture('masked_lm_grouped_gelu', 'batch.json'), '--output', out, '--backend', 'js');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^loss \d/);
  const got = readSafetensors(out).tensors;
  assert.ok(got.has('predictions.decoder.weight') && got.has('predictions.decoder.bias'));
  assert.deepEqual(got.get('predictions.decoder.weight')!.data, got.get('albert.embeddings.word_embeddings.weight')!.data);
  assertTensorsClose(got, readSafetensors(fixture('masked_lm_grouped_gelu', 'expected_grads.safetensors')).tensors, GRAD_TOL, 'cli grad');
});

test('several batches: gradients and loss are sums over the batches', () => {
  const out = path.join(tmp, 'grads2.safetensors');
  const r = albert('grad', '--model', fixture('pretraining_gelu_new'), '--inputs', fixture('pretraining_gelu_new', 'batch.json'), '--output', out);
  assert.equal(r.status, 0, r.stderr);
  const got = readSafetensors(out).tensors;
  const sum = got.get('b0.loss')!.data[0] + got.get('b1.loss')!.data[0];
  assert.ok(Math.abs(got.get('loss')!.data[0] - sum) < 1e-5 * Math.abs(sum));
  assertTensorsClose(got, readSafetensors(fixture('pretraining_gelu_new', 'expected_grads.safetensors')).tensors, GRAD_TOL, 'cli grad 2 batches');
});

test('forward and grad --help', () => {
  for (const cmd of ['forward', 'grad']) {
    const r = albert(cmd, '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`usage: albert ${cmd} --model DIR`));
  }
});

// ---- bad input ------------------------------------------------------------------------------

/** A copy of a fixture directory; `mutate` may rewrite its files. */
function copyFixture(name: string, mutate: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  for (const f of fs.readdirSync(fixture(name))) fs.copyFileSync(fixture(name, f), path.join(dir, f));
  mutate(dir);
  return dir;
}

/** Rewrite the header of <dir>/model.safetensors (data kept); `raw` replaces the JSON text entirely. */
function editHeader(dir: string, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void, raw?: string): void {
  const file = path.join(dir, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  edit(header);
  const json = Buffer.from(raw ?? JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, bytes.subarray(8 + n)]));
}

const W = 'albert.embeddings.LayerNorm.weight';
const B = 'albert.embeddings.LayerNorm.bias';
const inputs = (name: string, json: unknown) => {
  const f = path.join(tmp, `${name}.json`);
  fs.writeFileSync(f, typeof json === 'string' ? json : JSON.stringify(json));
  return f;
};
const row = (n: number) => Array.from({ length: n }, (_, i) => (i * 7) % 99);

// [what, model dir, inputs file, expected file in the message, expected problem]
const bad: [string, () => string, () => string, (model: string, inputs: string) => string, RegExp][] = [
  ['truncated config.json', () => copyFixture('qa', (d) => fs.writeFileSync(path.join(d, 'config.json'), '{"vocab_size": 99, "hidden_si')),
    () => fixture('qa', 'batch.json'), (m) => path.join(m, 'config.json'), /not valid JSON/],
  ['inconsistent config.json', () => copyFixture('qa', (d) => {
    const c = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
    c.hidden_size = 30;
    c.num_hidden_groups = 'two';
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(c));
  }), () => fixture('qa', 'batch.json'), (m) => path.join(m, 'config.json'), /invalid ALBERT config: num_hidden_groups must be an integer >= 1 \(got "two"\).*hidden_size 30 must be divisible by num_attention_heads 4/],
  ['config.json does not match the weights', () => copyFixture('qa', (d) => {
    const c = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
    c.embedding_size = 8;
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(c));
  }), () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /does not fit config\.json .*word_embeddings\.weight" has shape \[99, 16\], the config expects \[99, 8\]/],
  ['safetensors: bad header length', () => copyFixture('qa', (d) => {
    const f = path.join(d, 'model.safetensors');
    const b = fs.readFileSync(f);
    b.writeBigUInt64LE(BigInt(b.length), 0);
    fs.writeFileSync(f, b);
  }), () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /bad safetensors header length/],
  ['safetensors: bad JSON', () => copyFixture('qa', (d) => editHeader(d, () => {}, '{"a": {"dtype": "F32",')),
    () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /header is not valid JSON/],
  ['safetensors: overlapping offsets', () => copyFixture('qa', (d) => editHeader(d, (h) => { h[B].data_offsets = h[W].data_offsets; })),
    () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /overlaps/],
  ['safetensors: wrong size', () => copyFixture('qa', (d) => editHeader(d, (h) => { h[W].shape = [17]; })),
    () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /tensor "albert\.embeddings\.LayerNorm\.weight": 64 bytes of data but shape \[17\] of F32 needs 68/],
  ['safetensors: unknown dtype', () => copyFixture('qa', (d) => editHeader(d, (h) => { h[W].dtype = 'Q4'; })),
    () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /unknown dtype "Q4"/],
  ['safetensors: wrong dtype for a weight', () => copyFixture('qa', (d) => editHeader(d, (h) => { h[W].dtype = 'I32'; })),
    () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /LayerNorm\.weight" has dtype I32; expected a float dtype/],
  ['safetensors: truncated data', () => copyFixture('qa', (d) => {
    const f = path.join(d, 'model.safetensors');
    fs.truncateSync(f, fs.statSync(f).size - 100);
  }), () => fixture('qa', 'batch.json'), (m) => path.join(m, 'model.safetensors'), /out of range .*truncated/],
  ['inputs: not JSON', () => fixture('qa'), () => inputs('notjson', '{"batches": ['), (_, i) => i, /not valid JSON/],
  ['inputs: ragged', () => fixture('qa'), () => inputs('ragged', { batches: [{ name: 'a', input_ids: [row(5), row(4)] }] }), (_, i) => i, /batches\[0\] \("a"\)\.input_ids is ragged/],
  ['inputs: wrong types', () => fixture('qa'), () => inputs('types', { batches: [{ name: 'a', input_ids: [[1, 'two', 3]] }] }), (_, i) => i, /must contain only numbers, found "two"/],
  ['inputs: id out of range', () => fixture('qa'), () => inputs('range', { batches: [{ name: 'a', input_ids: [[1, 99, 3]] }] }), (_, i) => i, /input_ids\[0\]\[1\] = 99 is out of range: expected an integer in \[0, 99\)/],
  ['inputs: longer than max_position_embeddings', () => fixture('qa'), () => inputs('long', { batches: [{ name: 'a', input_ids: [row(41)] }] }), (_, i) => i, /sequence length 41 exceeds max_position_embeddings 40/],
  ['inputs: mask shape mismatch', () => fixture('qa'), () => inputs('mask', { batches: [{ name: 'a', input_ids: [row(5)], attention_mask: [[1, 1, 1, 1]] }] }), (_, i) => i, /attention_mask has shape \[1,4\] but input_ids has \[1,5\]/],
  ['inputs: missing file', () => fixture('qa'), () => path.join(tmp, 'absent.json'), (_, i) => i, /no such file/],
];

for (const [what, model, inputsFile, fileInMessage, problem] of bad) {
  for (const cmd of ['forward', 'grad']) {
    if (cmd === 'grad' && !what.startsWith('inputs: ')) continue; // the model side is shared
    test(`albert ${cmd}, bad input: ${what}`, () => {
      const m = model();
      const i = inputsFile();
      const r = albert(cmd, '--model', m, '--inputs', i, '--output', path.join(tmp, 'never.safetensors'));
      assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].startsWith(`albert: ${fileInMessage(m, i)}: `), lines[0]);
      assert.match(lines[0], problem);
      assert.equal(fs.existsSync(path.join(tmp, 'never.safetensors')), false);
    });
  }
}

test('usage errors: missing flag, unknown head, grad on AlbertModel, unwritable output', () => {
  let r = albert('forward', '--inputs', fixture('qa', 'batch.json'), '--output', path.join(tmp, 'x.safetensors'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^albert: missing required flag --model/);
  r = albert('forward', '--model', fixture('qa'), '--head', 'nope', '--inputs', fixture('qa', 'batch.json'), '--output', path.join(tmp, 'x.safetensors'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^albert: unknown head "nope" \(expected one of base, /);
  r = albert('grad', '--model', fixture('base_model'), '--inputs', fixture('base_model', 'batch.json'), '--output', path.join(tmp, 'x.safetensors'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /batch\.json: the base model \(AlbertModel\) has no loss/);
  const out = path.join(tmp, 'no', 'dir', 'out.safetensors');
  r = albert('forward', '--model', fixture('qa'), '--inputs', fixture('qa', 'batch.json'), '--output', out);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `albert: ${out}: cannot write: ENOENT\n`);
});

test('--model may name a preset: seeded random weights, same outputs for the same seed', () => {
  const file = inputs('preset', { batches: [{ name: 'p', input_ids: [[2, 10, 20, 3]] }] });
  const run = (seed: string, out: string) => albert('forward', '--model', 'tiny', '--seed', seed, '--inputs', file, '--output', out);
  const [a, b, c] = ['a', 'b', 'c'].map((n) => path.join(tmp, `preset-${n}.safetensors`));
  for (const [seed, out] of [['1', a], ['1', b], ['2', c]]) assert.equal(run(seed, out).status, 0);
  const [ta, tb, tc] = [a, b, c].map((f) => readSafetensors(f).tensors.get('p.prediction_logits')!);
  assert.deepEqual(ta.shape, [1, 4, 30000]);
  assert.deepEqual(ta.data, tb.data);
  assert.notDeepEqual(ta.data, tc.data);
});
