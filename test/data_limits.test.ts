import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPretrainingData } from '../src/data/create.js';
import { ShardDataset } from '../src/data/shards.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { wordTokenizer } from './data_helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-limits-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const corpus = path.join(tmp, 'corpus.txt');
fs.writeFileSync(corpus, syntheticCorpusText(60, 2));
const dir = path.join(tmp, 'data');
await createPretrainingData({ inputs: [corpus], layout: 'lines', tokenizer: wordTokenizer(), maxSeqLength: 48, dupeFactor: 1, seed: 3, maxPredictionsPerSeq: 8, output: dir });
const indexFile = path.join(dir, 'index.json');
const original = JSON.parse(fs.readFileSync(indexFile, 'utf8'));

/** Every instance of the data read with index.json's fields changed. */
function readAllWith(changes: Record<string, unknown>): void {
  fs.writeFileSync(indexFile, JSON.stringify({ ...original, ...changes }));
  const ds = ShardDataset.open(dir);
  try { for (let i = 0; i < ds.count; i++) ds.get(i); } finally { ds.close(); }
}

test('records are held to their index.json limits when read', () => {
  // what the data really holds, so that each limit below is just under it
  const ds = ShardDataset.open(dir);
  let maxLen = 0, maxMasked = 0, maxId = 0;
  for (let i = 0; i < ds.count; i++) {
    const r = ds.get(i);
    maxLen = Math.max(maxLen, r.inputIds.length); maxMasked = Math.max(maxMasked, r.maskedIds.length);
    maxId = Math.max(maxId, ...r.inputIds, ...r.maskedIds);
  }
  ds.close();
  assert.ok(maxMasked > 0 && maxLen > 8);
  readAllWith({}); // as written: fine
  assert.throws(() => readAllWith({ max_predictions_per_seq: 0 }), /shard-00000\.bin: record \d+ \(instance \d+\): \d+ masked positions, more than index\.json's max_predictions_per_seq 0$/);
  assert.throws(() => readAllWith({ max_predictions_per_seq: maxMasked - 1 }), new RegExp(`${maxMasked} masked positions, more than index\\.json's max_predictions_per_seq ${maxMasked - 1}`));
  assert.throws(() => readAllWith({ max_seq_length: maxLen - 1 }), new RegExp(`${maxLen} tokens, more than index\\.json's max_seq_length ${maxLen - 1}`));
  assert.throws(() => readAllWith({ vocab_size: maxId }), new RegExp(`id ${maxId} is not below index\\.json's vocab_size ${maxId}`));
  fs.writeFileSync(indexFile, JSON.stringify(original));
});

test('index.json fields that contradict each other are reported by name', () => {
  const open = (changes: Record<string, unknown>) => {
    fs.writeFileSync(indexFile, JSON.stringify({ ...original, ...changes }));
    ShardDataset.open(dir).close();
  };
  assert.throws(() => open({ max_seq_length: 0 }), /index\.json: max_seq_length 0 is outside 1\.\.65535/);
  assert.throws(() => open({ max_seq_length: 70000 }), /max_seq_length 70000 is outside/);
  assert.throws(() => open({ max_predictions_per_seq: 49 }), /max_predictions_per_seq 49 exceeds min\(255, max_seq_length 48\)/);
  assert.throws(() => open({ vocab_size: 70000 }), /vocab_size 70000 does not fit id_bytes 2/);
  assert.throws(() => open({ vocab_size: 0 }), /vocab_size 0 does not fit/);
  assert.throws(() => open({ mask_id: original.vocab_size }), new RegExp(`mask_id ${original.vocab_size} is not below vocab_size`));
  assert.throws(() => open({ tokens: -1 }), /bad or missing field\(s\): tokens/);
  assert.throws(() => open({ shards: [{ file: 'shard-00000.bin', instances: -1 }] }), /bad or missing field\(s\): shards/);
  fs.writeFileSync(indexFile, JSON.stringify(original));
});
