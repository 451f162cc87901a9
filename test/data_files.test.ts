import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expandInputs, proseToSentences, readDocuments } from '../src/data/corpus.js';
import { createPretrainingData } from '../src/data/create.js';
import { instanceToJson, ShardDataset } from '../src/data/shards.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { UserError } from '../src/errors.js';
import { wordTokenizer } from './data_helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-data-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const corpus = path.join(tmp, 'corpus.txt');
fs.writeFileSync(corpus, syntheticCorpusText(120, 2));
const tok = wordTokenizer();
const base = { inputs: [corpus], layout: 'lines' as const, tokenizer: tok, maxSeqLength: 48, dupeFactor: 2, seed: 11, instancesPerShard: 100 };

const readAll = (dir: string) => fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))] as const);

test('binary shards: same seed -> same bytes; different seed -> different; jsonl holds the same instances', async () => {
  const s1 = await createPretrainingData({ ...base, output: path.join(tmp, 'a'), chunkTokens: 2000 });
  await createPretrainingData({ ...base, output: path.join(tmp, 'b'), chunkTokens: 2000 });
  await createPretrainingData({ ...base, output: path.join(tmp, 'c'), chunkTokens: 2000, seed: 12 });
  assert.deepEqual(readAll(path.join(tmp, 'a')), readAll(path.join(tmp, 'b')));
  assert.notDeepEqual(readAll(path.join(tmp, 'a')), readAll(path.join(tmp, 'c')));
  const ds = ShardDataset.open(path.join(tmp, 'a'));
  assert.equal(ds.count, s1.instances);
  assert.ok(ds.index.shards.length >= 2, 'several shards');
  const jsonl = path.join(tmp, 'a.jsonl');
  await createPretrainingData({ ...base, output: jsonl, chunkTokens: 2000, format: 'jsonl' });
  const lines = fs.readFileSync(jsonl, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, ds.count);
  for (let i = 0; i < ds.count; i++) assert.equal(lines[i], instanceToJson(ds.get(i), 'sop'));
  const first = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(first), ['input_ids', 'token_type_ids', 'masked_lm_positions', 'masked_lm_ids', 'sentence_order_label']);
  ds.close();
  assert.ok(s1.maskedFraction > 0.1 && s1.maskedFraction < 0.16);
});

test('docs layout: BOM, CRLF, Gutenberg header/footer, hard-wrapped lines', async () => {
  const text = '\ufeffThe Project Gutenberg eBook of X\r\nheader stuff.\r\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\r\n\r\n' +
    'It was a dark and stormy\r\nnight. The rain fell in\r\ntorrents, Mr. Smith said.\r\n\r\nA second paragraph here.\r\n\r\n' +
    '*** END OF THE PROJECT GUTENBERG EBOOK X ***\r\nlicense text.\r\n';
  assert.deepEqual(proseToSentences(text), ['It was a dark and stormy night.', 'The rain fell in torrents, Mr. Smith said.', 'A second paragraph here.']);
  const f = path.join(tmp, 'book.txt');
  fs.writeFileSync(f, text);
  const docs = [];
  for await (const d of readDocuments(f, 'docs')) docs.push(d);
  assert.equal(docs.length, 1);
});

test('lines layout streams across block boundaries (multi-byte characters, CRLF)', async () => {
  const f = path.join(tmp, 'big.txt');
  const line = 'café naïve résumé ' + 'x'.repeat(40);
  const nDocs = 2500, perDoc = 9; // ~1.4 MB: more than one 1 MiB block
  fs.writeFileSync(f, Array.from({ length: nDocs }, () => Array(perDoc).fill(line).join('\r\n')).join('\r\n\r\n'));
  let docs = 0, sentences = 0;
  for await (const d of readDocuments(f, 'lines')) { docs++; sentences += d.length; assert.ok(d.every((s) => s === line)); }
  assert.equal(docs, nDocs);
  assert.equal(sentences, nDocs * perDoc);
});

test('globs expand, sorted', () => {
  fs.mkdirSync(path.join(tmp, 'g/sub'), { recursive: true });
  for (const f of ['g/b.txt', 'g/a.txt', 'g/sub/c.txt', 'g/d.md']) fs.writeFileSync(path.join(tmp, f), 'x\n');
  assert.deepEqual(expandInputs([path.join(tmp, 'g/*.txt')]).map((f) => path.relative(tmp, f)), ['g/a.txt', 'g/b.txt']);
  assert.deepEqual(expandInputs([path.join(tmp, 'g/**/*.txt')]).map((f) => path.relative(tmp, f)), ['g/a.txt', 'g/b.txt', 'g/sub/c.txt']);
});

async function rejects(p: Promise<unknown>, re: RegExp) {
  await assert.rejects(p, (e: unknown) => { assert.ok(e instanceof UserError, String(e)); assert.match((e as Error).message, re); return true; });
}

test('malformed inputs give one clear error naming the file', async () => {
  const out = path.join(tmp, 'bad-out');
  const bad = path.join(tmp, 'bad.txt');
  await rejects(createPretrainingData({ ...base, inputs: [path.join(tmp, 'nope.txt')], output: out }), /nope\.txt: no such file/);
  await rejects(createPretrainingData({ ...base, inputs: [path.join(tmp, 'nope*.txt')], output: out }), /nope\*\.txt: no file matches/);
  fs.writeFileSync(bad, Buffer.from([0x68, 0x69, 0x0a, 0xff, 0xfe, 0x0a]));
  await rejects(createPretrainingData({ ...base, inputs: [bad], output: out }), /bad\.txt: not valid UTF-8/);
  await rejects(createPretrainingData({ ...base, inputs: [bad], output: out, layout: 'docs' }), /bad\.txt: not valid UTF-8/);
  fs.writeFileSync(bad, 'abc\0def\n');
  await rejects(createPretrainingData({ ...base, inputs: [bad], output: out }), /bad\.txt: contains NUL bytes/);
  fs.writeFileSync(bad, '\n\n  \n');
  await rejects(createPretrainingData({ ...base, inputs: [bad], output: out }), /no training instances/);
});

test('corrupt or incomplete shard directories are reported, not misread', async () => {
  const dir = path.join(tmp, 'corrupt');
  await createPretrainingData({ ...base, output: dir, instancesPerShard: 1000 });
  const shard = path.join(dir, 'shard-00000.bin');
  const bytes = fs.readFileSync(shard);
  fs.writeFileSync(shard, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => ShardDataset.open(dir), /shard-00000\.bin: truncated or corrupt shard/);
  fs.writeFileSync(shard, bytes);
  fs.writeFileSync(path.join(dir, 'index.json'), '{"format": 3');
  assert.throws(() => ShardDataset.open(dir), /index\.json: not valid JSON/);
  fs.rmSync(path.join(dir, 'index.json'));
  assert.throws(() => ShardDataset.open(dir), /no index\.json/);
});
