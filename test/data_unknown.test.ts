// The data summary reports the rate of unknown tokens; --normalize-quotes (off by default) turns
// curly quotes straight before tokenizing, which ALBERT's vocabulary (no curly quotes) needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { straightenQuotes } from '../src/data/corpus.js';
import { createPretrainingData, formatSummary } from '../src/data/create.js';
import { ShardDataset } from '../src/data/shards.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { loadDataTokenizer, syntheticTokenizerModel } from '../src/data/tokenizer.js';
import type { DataTokenizer } from '../src/data/vocab.js';
import { SPECIALS } from './data_helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = path.resolve(ROOT, '../shared/data');
const BOOK = path.join(DATA, 'corpus/gutenberg/11-0.txt'); // Alice's Adventures in Wonderland: curly quotes throughout
const SPM = path.join(DATA, 'tokenizers/albert-30k-clean.model');
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-unk-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Words and single punctuation marks; straight quotes are in the vocabulary, curly ones are not. */
function punctuationTokenizer(): DataTokenizer {
  const pieces = [...SPECIALS, ...'said the swan had cake and a tea . , " \''.split(' ').map((w) => '\u2581' + w)];
  const ids = new Map(pieces.map((p, i) => [p, i]));
  return {
    vocabSize: pieces.length, padId: 0, unkId: 1, clsId: 2, sepId: 3, maskId: 4,
    idToPiece: (id) => pieces[id], isSpecial: (id) => id < SPECIALS.length,
    encodeText: (text) => (text.match(/\w+|[^\s\w]/g) ?? []).map((w) => ids.get('\u2581' + w) ?? 1),
  };
}

test('straightenQuotes: single and double curly quotes, nothing else', () => {
  assert.equal(straightenQuotes('\u201cIt\u2019s \u2018tea\u2019,\u201d said \u201eshe\u201f \u201a\u201b \u00abnon\u00bb'), '"It\'s \'tea\'," said "she" \'\' \u00abnon\u00bb');
});

test('the summary counts unknown tokens; --normalize-quotes (off by default) removes the curly-quote ones', async () => {
  const corpus = path.join(tmp, 'quotes.txt');
  // 2 documents x 2 sentences: 4 curly quotes and 1 word outside the vocabulary ("scones")
  fs.writeFileSync(corpus, '\u201cthe swan had cake ,\u201d said the swan .\nthe swan had tea .\n\nthe swan had scones .\nthe \u2018swan\u2019 had cake .\n');
  const base = { inputs: [corpus], layout: 'lines' as const, tokenizer: punctuationTokenizer(), maxSeqLength: 24, dupeFactor: 1 };
  const raw = await createPretrainingData({ ...base, output: path.join(tmp, 'raw') });
  assert.deepEqual([raw.corpusTokens, raw.unknownTokens, raw.curlyQuotes, raw.normalizeQuotes], [28, 5, 4, false]);
  assert.equal(raw.unknownFraction, 5 / 28);
  assert.match(formatSummary(raw), /^unknown tokens \(<unk>\) 17\.86% \(5 of the corpus's 28\); the text has 4 curly quotes, which the ALBERT vocabulary lacks: try --normalize-quotes$/m);
  const norm = await createPretrainingData({ ...base, output: path.join(tmp, 'norm'), normalizeQuotes: true });
  assert.deepEqual([norm.corpusTokens, norm.unknownTokens, norm.curlyQuotes, norm.normalizeQuotes], [28, 1, 4, true]);
  assert.match(formatSummary(norm), /^unknown tokens \(<unk>\) 3\.57% \(1 of the corpus's 28\)$/m);
  // recorded with the data
  assert.equal(ShardDataset.open(path.join(tmp, 'norm')).index.options.normalize_quotes, true);
  assert.equal(JSON.parse(fs.readFileSync(path.join(tmp, 'raw/summary.json'), 'utf8')).unknownTokens, 5);
});

test('a real Gutenberg book with the ALBERT tokenizer: the <unk> rate drops with --normalize-quotes', async (t) => {
  if (!fs.existsSync(BOOK) || !fs.existsSync(SPM)) { t.skip(`../shared/data not present (${BOOK}, ${SPM})`); return; }
  const { tokenizer, albert } = loadDataTokenizer(SPM);
  // off by default: the ids are HF AlbertTokenizer's, curly quotes and all
  assert.deepEqual(Array.from(tokenizer.encodeText('\u201cOh!\u201d')), albert.encodeIds('\u201cOh!\u201d'));
  assert.ok(albert.encodeIds('\u201cOh!\u201d').includes(albert.unkId));
  const base = { inputs: [BOOK], layout: 'docs' as const, tokenizer, maxSeqLength: 128, dupeFactor: 1 };
  const raw = await createPretrainingData({ ...base, output: path.join(tmp, 'alice-raw') });
  const norm = await createPretrainingData({ ...base, output: path.join(tmp, 'alice-norm'), normalizeQuotes: true });
  t.diagnostic(`<unk> ${(100 * raw.unknownFraction).toFixed(2)}% -> ${(100 * norm.unknownFraction).toFixed(2)}% with --normalize-quotes`);
  assert.ok(raw.unknownFraction > 0.05, `raw <unk> rate ${raw.unknownFraction}`);
  assert.ok(norm.unknownFraction < 0.001, `normalized <unk> rate ${norm.unknownFraction}`);
  assert.ok(raw.curlyQuotes > 2000);
});

test('the CLI prints the unknown-token line and takes --normalize-quotes', () => {
  const tok = path.join(tmp, 'synthetic.model');
  fs.writeFileSync(tok, syntheticTokenizerModel());
  fs.writeFileSync(path.join(tmp, 'stories.txt'), syntheticCorpusText(20, 1).replace(/the/g, '\u201cthe\u201d'));
  const args = ['create-pretraining-data', '--input', path.join(tmp, 'stories.txt'), '--tokenizer', tok, '--max-seq-length', '32', '--dupe-factor', '1'];
  const raw = spawnSync(process.execPath, [MAIN, ...args, '--output', path.join(tmp, 'cli-raw')], { encoding: 'utf8' });
  assert.equal(raw.status, 0, raw.stderr);
  assert.match(raw.stderr, /^unknown tokens \(<unk>\) [\d.]+% \(\d+ of the corpus's \d+\); the text has \d+ curly quotes, which the ALBERT vocabulary lacks: try --normalize-quotes$/m);
  const norm = spawnSync(process.execPath, [MAIN, ...args, '--output', path.join(tmp, 'cli-norm'), '--normalize-quotes'], { encoding: 'utf8' });
  assert.equal(norm.status, 0, norm.stderr);
  assert.match(norm.stderr, /^unknown tokens \(<unk>\) [\d.]+% \(\d+ of the corpus's \d+\)$/m);
  assert.equal(ShardDataset.open(path.join(tmp, 'cli-norm')).index.options.normalize_quotes, true);
});
