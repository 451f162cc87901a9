// fill-mask refuses models without a masked-LM head (a classifier's logits are no vocabulary
// distribution), reads a directory as AlbertForMaskedLM when its weights hold that head, and fillMask()
// answers as the fill-mask pipeline (HF's: every piece of the vocabulary scored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/errors.js';
import { loadPretrained, savePretrained } from '../src/io/hf_dir.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { AlbertTokenizer } from '../src/tokenizer/index.js';
import { pipeline } from '../src/pipelines/pipeline.js';
import { fillMask, loadMaskedLm } from '../src/train/fill_mask.js';
import { backend, makeModel, smallConfig } from './model_util.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-fill-mask-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const spm = path.join(tmp, 'tok.model');
fs.writeFileSync(spm, syntheticTokenizerModel());
const tok = AlbertTokenizer.load(spm);
const config = smallConfig({ vocab_size: tok.vocabSize, max_position_embeddings: 16, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
const TEXT = 'the [MASK] had cake';
const quiet = { backend, onWarning: () => {} };

function saved(name: string, head: Parameters<typeof makeModel>[1]): string {
  const dir = path.join(tmp, name);
  savePretrained(makeModel(config, head), dir, { tokenizerModel: spm });
  return dir;
}

test('fill-mask on a sequence classifier: one clear line and exit 1, not NaN scores', () => {
  const dir = saved('classifier', 'sequence-classification');
  assert.throws(() => fillMask(loadPretrained(dir, quiet), tok, TEXT), (e: Error) => e instanceof UserError && /needs a masked-LM head.*AlbertForSequenceClassification/.test(e.message));
  assert.throws(() => loadMaskedLm(dir, quiet), (e: Error) => e instanceof UserError && e.message.startsWith(`${dir}: is an AlbertForSequenceClassification`));
  const r = spawnSync(process.execPath, [MAIN, 'fill-mask', '--model', dir, TEXT], { encoding: 'utf8', env: { ...process.env, ALBERT_BACKEND: 'js' } });
  assert.equal(r.status, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^albert: .*classifier: is an AlbertForSequenceClassification .*no masked-LM head .*fill-mask needs AlbertForPreTraining, AlbertForPreTrainingNSP, AlbertForMaskedLM or a pretrain checkpoint\n$/);
  const bare = saved('bare', 'base');
  assert.throws(() => loadMaskedLm(bare, quiet), /is an AlbertModel/);
});

test('a directory whose config names another class but whose weights hold the MLM head is read as AlbertForMaskedLM', () => {
  const dir = saved('pretraining-as-classifier', 'pretraining');
  const want = fillMask(loadPretrained(dir, quiet), tok, TEXT, 3);
  const cfgFile = path.join(dir, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), architectures: ['AlbertForSequenceClassification'] }));
  const model = loadMaskedLm(dir, quiet);
  assert.equal(model.head, 'masked-lm');
  const got = fillMask(model, tok, TEXT, 3);
  assert.deepEqual(got.map((p) => p.top.map((t) => t.id)), want.map((p) => p.top.map((t) => t.id)));
  for (const [i, p] of got.entries()) p.top.forEach((t, k) => assert.ok(Math.abs(t.score - want[i].top[k].score) < 1e-6 && Number.isFinite(t.score)));
});

test('fillMask is the fill-mask pipeline on one text: HF\'s softmax over the whole vocabulary, special pieces included', async () => {
  const model = makeModel(config, 'masked-lm', 3);
  // A head that favours [SEP]: HF's pipeline proposes it (the old fillMask left special pieces out).
  model.params().find((p) => p.name === 'predictions.bias')!.data[tok.sepId] += 6;
  const dir = path.join(tmp, 'mlm');
  savePretrained(model, dir, { tokenizerModel: spm });
  const got = fillMask(model, tok, TEXT, 4);
  // The reference: the model's own logits at the [MASK], softmaxed here over every id.
  const ids = [tok.clsId, ...tok.encodeIds(TEXT), tok.sepId], p = ids.indexOf(tok.maskId), V = config.vocab_size;
  const row = Array.from(model.forward({ inputIds: Int32Array.from(ids), batch: 1, seq: ids.length }).logits!.subarray(p * V, (p + 1) * V));
  const max = Math.max(...row), z = row.reduce((s, x) => s + Math.exp(x - max), 0);
  const want = row.map((x, id) => ({ id, score: Math.exp(x - max) / z })).sort((a, b) => b.score - a.score).slice(0, 4);
  assert.equal(got.length, 1);
  assert.equal(got[0].position, p);
  assert.deepEqual(got[0].top.map((t) => t.id), want.map((t) => t.id));
  assert.equal(got[0].top[0].id, tok.sepId);
  assert.equal(got[0].top[0].token, '[SEP]');
  got[0].top.forEach((t, k) => assert.ok(Math.abs(t.score - want[k].score) < 1e-6, `${t.score} vs ${want[k].score}`));
  const fm = await pipeline('fill-mask', dir, { backend });
  const entries = await fm(TEXT, { top_k: 4 }) as { token: number; score: number }[];
  assert.deepEqual(entries.map((x) => x.token), want.map((t) => t.id));
  assert.throws(() => fillMask(model, tok, 'no mask'), /^UserError: fill-mask: the text has no \[MASK\]: "no mask"$/);
});
