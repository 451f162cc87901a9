// The --output rule (io/output_path.ts): a missing path or an empty folder is written; an existing
// output is refused unless --overwrite, and then replaced only once the new one is complete; a folder
// holding anything the command does not write is never replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPretrainingData } from '../src/data/create.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { loadDataTokenizer, syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { UserError } from '../src/errors.js';
import { runFirstJob } from '../src/train/first_job.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const albert = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ALBERT_BACKEND: 'js' } });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-overwrite-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (p: string) => path.join(tmp, p);
fs.writeFileSync(at('tok.model'), syntheticTokenizerModel());
fs.writeFileSync(at('corpus.txt'), syntheticCorpusText(30, 1));
fs.writeFileSync(at('empty.txt'), '\n');
const { tokenizer } = loadDataTokenizer(at('tok.model'));
const base = { inputs: [at('corpus.txt')], layout: 'lines' as const, tokenizer, maxSeqLength: 32, dupeFactor: 1 };
const read = (p: string) => fs.readFileSync(p, 'utf8');
const noTemporaries = () => assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), []);

async function refused(p: Promise<unknown>, message: string) {
  await assert.rejects(p, (e: unknown) => e instanceof UserError && e.message === message);
}

test('create-pretraining-data: an existing data folder is kept unless overwrite; overwrite replaces it whole', async () => {
  const out = at('data');
  fs.mkdirSync(out); // an empty folder is fine
  await createPretrainingData({ ...base, output: out, seed: 1 });
  const before = read(path.join(out, 'index.json'));
  await refused(createPretrainingData({ ...base, output: out, seed: 2 }),
    `${out}: already exists and is not empty: pass --overwrite to replace it, or choose another --output`);
  assert.equal(read(path.join(out, 'index.json')), before);
  // a run that fails leaves the old data as it was, even with overwrite
  await assert.rejects(createPretrainingData({ ...base, inputs: [at('empty.txt')], output: out, overwrite: true }), /no training instances/);
  assert.equal(read(path.join(out, 'index.json')), before);
  await createPretrainingData({ ...base, output: out, seed: 2, overwrite: true });
  assert.notEqual(read(path.join(out, 'index.json')), before);
  assert.deepEqual(fs.readdirSync(out).sort(), ['index.json', 'shard-00000.bin', 'summary.json']);
  noTemporaries();
});

test('overwrite never replaces a folder that is not pretraining data, nor a file with a folder', async () => {
  const mine = at('notes');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'thesis.tex'), 'years of work');
  await refused(createPretrainingData({ ...base, output: mine, overwrite: true }),
    `${mine}: is not a pretraining-data folder (it holds "thesis.tex"): not replacing it, even with --overwrite`);
  assert.equal(read(path.join(mine, 'thesis.tex')), 'years of work');
  await refused(createPretrainingData({ ...base, output: at('corpus.txt'), overwrite: true }),
    `${at('corpus.txt')}: is not a folder, and the output is a pretraining-data folder: choose another --output`);
  noTemporaries();
});

test('jsonl output: the same rule for a file', async () => {
  const out = at('inst.jsonl');
  await createPretrainingData({ ...base, output: out, format: 'jsonl', seed: 1 });
  const before = read(out);
  await refused(createPretrainingData({ ...base, output: out, format: 'jsonl', seed: 2 }),
    `${out}: already exists: pass --overwrite to replace it, or choose another --output`);
  assert.equal(read(out), before);
  await createPretrainingData({ ...base, output: out, format: 'jsonl', seed: 2, overwrite: true });
  assert.notEqual(read(out), before);
  noTemporaries();
});

test('the CLI: one line and exit 1 without --overwrite, exit 0 with it', () => {
  const out = at('cli-data');
  const args = ['create-pretraining-data', '--input', at('corpus.txt'), '--tokenizer', at('tok.model'), '--output', out, '--max-seq-length', '32', '--dupe-factor', '1', '--quiet'];
  assert.equal(albert(...args).status, 0);
  const again = albert(...args);
  assert.equal(again.status, 1);
  assert.equal(again.stderr, `albert: ${out}: already exists and is not empty: pass --overwrite to replace it, or choose another --output\n`);
  const r = albert(...args, '--overwrite');
  assert.equal(r.status, 0, r.stderr);
});

test('first job: an earlier first job is not deleted by a re-run without --overwrite', async () => {
  const out = at('first-job');
  for (const d of ['corpus', 'data/train', 'run/checkpoint-0000001']) fs.mkdirSync(path.join(out, d), { recursive: true });
  fs.writeFileSync(path.join(out, 'run/checkpoint-0000001/trainer_state.json'), '{}');
  await refused(runFirstJob({ output: out, quiet: true, log: () => {} }),
    `${out}: already exists and is not empty: pass --overwrite to replace it, or choose another --output`);
  assert.ok(fs.existsSync(path.join(out, 'run/checkpoint-0000001/trainer_state.json')));
  const r = albert('pretrain', '--first-job', '--output', out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^albert: .*first-job: already exists and is not empty: pass --overwrite/);
  fs.writeFileSync(path.join(out, 'mine.txt'), 'x');
  await refused(runFirstJob({ output: out, quiet: true, overwrite: true, log: () => {} }),
    `${out}: is not a first job's folder (it holds "mine.txt"): not replacing it, even with --overwrite`);
  assert.match(albert('pretrain', '--data', out, '--output', at('run'), '--overwrite').stderr, /^albert: --overwrite goes with --first-job/);
});
