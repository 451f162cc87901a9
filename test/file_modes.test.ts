// Model directories, checkpoints and pretraining data get the umask's default mode (0755 folders,
// 0644 files under umask 022), not mkdtemp's private 0700: other users, containers and web servers
// can read them. Temporary names may be private; what they become is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPretrainingData } from '../src/data/create.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { loadDataTokenizer, syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { savePretrained } from '../src/io/hf_dir.js';
import { saveCheckpoint } from '../src/train/checkpoint.js';
import { Optimizer } from '../src/train/optim.js';
import { backend, makeModel, smallConfig } from './model_util.js';

const skip = process.platform === 'win32' ? 'POSIX modes' : false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-modes-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (p: string) => fs.statSync(p).mode & 0o777;
/** Every folder and file under (and including) `dir`, with its mode, as "relative-path 0755". */
function modes(dir: string): string[] {
  const out = [`. ${mode(dir).toString(8)}`];
  for (const e of fs.readdirSync(dir, { recursive: true }) as string[]) out.push(`${e} ${mode(path.join(dir, e)).toString(8)}`);
  return out.sort();
}
const allAre = (dir: string, folder: number, file: number) => {
  for (const line of modes(dir)) {
    const [name, m] = line.split(' ');
    const want = fs.statSync(path.join(dir, name)).isDirectory() ? folder : file;
    assert.equal(m, want.toString(8), `${path.relative(tmp, path.join(dir, name)) || '.'} has mode ${m}`);
  }
};

function withUmask<T>(mask: number, fn: () => T): T {
  const old = process.umask(mask);
  try { return fn(); } finally { process.umask(old); }
}

const spm = path.join(tmp, 'tok.model');
fs.writeFileSync(spm, syntheticTokenizerModel(), { mode: 0o600 }); // a private source: the copy still follows the umask

test('savePretrained and checkpoints: folders 0755 and files 0644 under umask 022', { skip }, () => {
  const model = makeModel(smallConfig(), 'pretraining');
  withUmask(0o022, () => {
    const dir = path.join(tmp, 'model');
    savePretrained(model, dir, { tokenizerModel: spm });
    allAre(dir, 0o755, 0o644);
    savePretrained(model, dir); // saving over it keeps the modes
    allAre(dir, 0o755, 0o644);
    const run = path.join(tmp, 'run');
    fs.mkdirSync(run);
    const opt = new Optimizer(model.params(), backend, { kind: 'adamw' });
    const ckpt = saveCheckpoint(run, 1, model, opt, { step: 1 }, spm, 2);
    allAre(ckpt, 0o755, 0o644);
  });
  // and the umask is what decides: a private umask gives private folders
  withUmask(0o077, () => {
    const dir = path.join(tmp, 'private-model');
    savePretrained(model, dir, { tokenizerModel: spm });
    allAre(dir, 0o700, 0o600);
  });
});

test('pretraining data (shards folder and jsonl file) follow the umask', { skip }, async () => {
  fs.writeFileSync(path.join(tmp, 'corpus.txt'), syntheticCorpusText(30, 1));
  const { tokenizer } = loadDataTokenizer(spm);
  const base = { inputs: [path.join(tmp, 'corpus.txt')], layout: 'lines' as const, tokenizer, maxSeqLength: 32, dupeFactor: 1 };
  const old = process.umask(0o022);
  try {
    await createPretrainingData({ ...base, output: path.join(tmp, 'data') });
    allAre(path.join(tmp, 'data'), 0o755, 0o644);
    await createPretrainingData({ ...base, output: path.join(tmp, 'data.jsonl'), format: 'jsonl' });
    assert.equal(mode(path.join(tmp, 'data.jsonl')), 0o644);
  } finally {
    process.umask(old);
  }
});
