import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
// js backend: no "native backend unavailable" notice in the one-line error checks
const albert = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ALBERT_BACKEND: 'js' } });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-data-cli-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const tok = path.join(tmp, 'tok.model');
fs.writeFileSync(tok, syntheticTokenizerModel());
fs.writeFileSync(path.join(tmp, 'corpus.txt'), syntheticCorpusText(40, 4));

test('create-pretraining-data CLI: jsonl output and the summary', () => {
  const out = path.join(tmp, 'inst.jsonl');
  const r = albert('create-pretraining-data', '--input', path.join(tmp, '*.txt'), '--tokenizer', tok, '--output', out, '--format', 'jsonl',
    '--max-seq-length', '40', '--dupe-factor', '2', '--objective', 'nsp', '--seed', '3', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length > 20);
  for (const l of lines) {
    assert.ok(l.input_ids.length <= 40 && l.input_ids.length === l.token_type_ids.length);
    assert.equal(l.masked_lm_positions.length, l.masked_lm_ids.length);
    assert.ok(l.next_sentence_label === 0 || l.next_sentence_label === 1);
  }
  const s = albert('create-pretraining-data', '--input', path.join(tmp, 'corpus.txt'), '--tokenizer', tok, '--output', path.join(tmp, 'bin'), '--max-seq-length', '40', '--dupe-factor', '1');
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /instances \d+, tokens \d+/);
  assert.match(s.stderr, /n-gram spans: 1-gram [\d.]+%, 2-gram [\d.]+%, 3-gram [\d.]+%/);
  assert.match(s.stderr, /labels: swapped [\d.]+%/);
});

test('bad inputs and flags: one line naming the file or flag, exit 1', () => {
  const bad = path.join(tmp, 'bad.bin');
  fs.writeFileSync(bad, Buffer.from([0xc3, 0x28, 0x0a]));
  const cases: [string[], RegExp][] = [
    [['create-pretraining-data', '--input', bad, '--tokenizer', tok, '--output', path.join(tmp, 'x')], /bad\.bin: not valid UTF-8/],
    [['create-pretraining-data', '--input', path.join(tmp, 'corpus.txt'), '--tokenizer', path.join(tmp, 'corpus.txt'), '--output', path.join(tmp, 'x')], /corpus\.txt/],
    [['create-pretraining-data', '--input', path.join(tmp, 'corpus.txt'), '--tokenizer', tok, '--output', path.join(tmp, 'x'), '--masked-lm-prob', '2'], /--masked-lm-prob must be a number >= 0 and <= 1/],
    [['pretrain', '--data', tmp, '--output', path.join(tmp, 'run'), '--tokenizer', tok], /no index\.json: not a pretraining-data directory/],
    [['pretrain', '--data', path.join(tmp, 'bin'), '--output', path.join(tmp, 'run'), '--tokenizer', path.join(tmp, 'corpus.txt')], /corpus\.txt: is not the tokenizer .* was made with/],
    [['pretrain', '--data', path.join(tmp, 'bin'), '--output', path.join(tmp, 'run'), '--tokenizer', tok, '--objective', 'nsp'], /--objective nsp needs nsp data/],
    [['pretrain', '--data', path.join(tmp, 'bin'), '--output', path.join(tmp, 'run'), '--tokenizer', tok, '--set', 'hidden_size'], /--set expects KEY=VALUE/],
    [['pretrain', '--data', path.join(tmp, 'bin'), '--output', path.join(tmp, 'run'), '--resume', '--tokenizer', tok], /no checkpoint to resume from/],
  ];
  for (const [args, re] of cases) {
    const r = albert(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^albert: /);
  }
});
