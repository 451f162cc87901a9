// `albert tokenize` end to end (a child process reading stdin) and its LineTokenizer API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineTokenizer } from '../src/cli/tokenize.js';
import { ALBERT_MODEL, FIXTURES, SKIP_SHARED, hasSharedData, readGz } from './tokenizer_helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const skip = !hasSharedData() && SKIP_SHARED;
const cli = (args: string[], input: string | Buffer) => spawnSync(process.execPath, [MAIN, 'tokenize', ...args], { input, maxBuffer: 1 << 28 });

test('default (ALBERT) mode: the issue anchors, blank lines, --pieces, --pair, --max-length', { skip }, () => {
  let r = cli(['--model', ALBERT_MODEL], 'Test sentence with [MASK].\nHow are you doing?\n\n   \nlast line without newline');
  assert.equal(r.status, 0, r.stderr.toString());
  const lines = r.stdout.toString().split('\n');
  assert.deepEqual(lines.slice(0, 4), ['2 1289 5123 29 4 13 9 3', '2 184 50 42 845 60 3', '2 3', '2 3']);
  assert.equal(lines.length, 6);
  r = cli(['--model', ALBERT_MODEL, '--pair'], 'Question?\tAnswer\n');
  assert.equal(r.stdout.toString(), '2 1301 60 3 1623 3\n');
  r = cli(['--model', ALBERT_MODEL, '--pair', '--pieces'], 'Question?\tAnswer\n');
  assert.equal(r.stdout.toString(), '[CLS] ▁question ? [SEP] ▁answer [SEP]\n');
  r = cli(['--model', ALBERT_MODEL, '--max-length', '4'], 'How are you doing?\n');
  assert.equal(r.stdout.toString(), '2 184 50 3\n');
});

test('--raw equals spm_encode on the stress set, malformed UTF-8 included', { skip }, () => {
  const r = cli(['--model', ALBERT_MODEL, '--raw'], readFileSync(join(FIXTURES, 'stress.txt')));
  assert.equal(r.status, 0, r.stderr.toString());
  assert.ok(r.stdout.equals(readGz(join(FIXTURES, 'expected', 'stress.albert-30k-clean.ids.gz'))));
  const p = cli(['--model', ALBERT_MODEL, '--raw', '--pieces'], readFileSync(join(FIXTURES, 'stress.txt')));
  assert.ok(p.stdout.equals(readGz(join(FIXTURES, 'expected', 'stress.albert-30k-clean.pieces.gz'))));
});

test('bad input and bad flags: one clear line, exit 1', { skip }, () => {
  const cases: Array<[string[], string | Buffer, RegExp]> = [
    [['--model', ALBERT_MODEL], Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a]), /^albert: <stdin> line 2: not valid UTF-8/],
    [['--model', ALBERT_MODEL, '--pair'], 'no tab here\n', /^albert: <stdin> line 1: --pair needs "A<TAB>B"/],
    [['--model', ALBERT_MODEL, '--raw', '--pair'], 'x\n', /--pair cannot be combined with --raw/],
    [['--model', '/no/such/spiece.model'], 'x\n', /^albert: \/no\/such\/spiece\.model: cannot read SentencePiece model \(ENOENT\)/],
    [['--model', join(FIXTURES, 'stress.txt')], 'x\n', /stress\.txt: not a valid SentencePiece model/],
    [['--model', join(FIXTURES, 'models', 'bpe.model')], 'x\n', /bpe\.model: the vocabulary has no CLS token "\[CLS\]"/],
    [[], 'x\n', /missing required flag --model/],
    [['--model', ALBERT_MODEL, '--max-length', 'x'], 'x\n', /--max-length must be an integer/],
  ];
  for (const [args, input, re] of cases) {
    const r = cli(args, input);
    const err = r.stderr.toString();
    assert.equal(r.status, 1, `${args.join(' ')}: ${err}`);
    assert.match(err, re);
    assert.equal(err.trim().split('\n').length, 1, err);
  }
});

test('LineTokenizer: lines split across chunks give the same output', { skip }, () => {
  const text = Buffer.from('first line\nsecond, longer line\n\nfourth');
  const whole = new LineTokenizer({ model: ALBERT_MODEL, raw: true });
  const expected = Buffer.concat([Buffer.from(whole.push(text)), Buffer.from(whole.end())]);
  const t = new LineTokenizer({ model: ALBERT_MODEL, raw: true });
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; i += 3) parts.push(Buffer.from(t.push(text.subarray(i, i + 3))));
  parts.push(Buffer.from(t.end()));
  assert.ok(Buffer.concat(parts).equals(expected));
  assert.equal(expected.toString().split('\n').length, 5);
});
