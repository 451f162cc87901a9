// The ALBERT layer against HF's AlbertTokenizer: the anchors, 561 cases recorded by
// tools/tokenizer/gen_albert_cases.py (HF's documented steps on python3-sentencepiece + Python's
// unicodedata), offsets into the original text, truncation/stride/overflow, padding, batches,
// decode, and tokenizer.json loading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlbertTokenizer, parseModelProto, PieceType } from '../src/tokenizer/index.js';
import { readFileSync } from 'node:fs';
import { ALBERT_MODEL, FIXTURES, SKIP_SHARED, hasSharedData, readGz } from './tokenizer_helpers.js';

const skip = !hasSharedData() && SKIP_SHARED;
let cached: AlbertTokenizer | null = null;
const tok = () => (cached ??= AlbertTokenizer.load(ALBERT_MODEL));

interface Case { text: string; pair?: string; ids: number[]; tokens: string[]; type_ids: number[]; decode: string; decode_skip: string }
const fixture = JSON.parse(readGz(join(FIXTURES, 'albert_cases.json.gz')).toString('utf8')) as { cases: Case[]; cased_keep_accents: Case[] };
const cases = fixture.cases;

test('issue anchors', { skip }, () => {
  const t = tok();
  assert.deepEqual(t.encode('Test sentence with [MASK].').ids, [2, 1289, 5123, 29, 4, 13, 9, 3]);
  assert.deepEqual(t.encode('How are you doing?').ids, [2, 184, 50, 42, 845, 60, 3]);
  const p = t.encode('Question?', 'Answer');
  assert.deepEqual(p.ids, [2, 1301, 60, 3, 1623, 3]);
  assert.deepEqual(p.typeIds, [0, 0, 0, 0, 1, 1]);
  assert.deepEqual([t.clsId, t.sepId, t.maskId, t.padId, t.unkId], [2, 3, 4, 0, 1]);
});

test('ids, tokens, token types and decode equal the HF AlbertTokenizer reference on every case', { skip }, () => {
  const t = tok();
  const bad: string[] = [];
  for (const c of cases) {
    const e = t.encode(c.text, c.pair ?? null);
    const where = JSON.stringify(c.text).slice(0, 60);
    if (e.ids.join() !== c.ids.join() || e.tokens.join('\u0001') !== c.tokens.join('\u0001') || e.typeIds.join() !== c.type_ids.join()) bad.push(`encode ${where}`);
    // The offsets path (aligned preprocessing) must give the same tokens as the fast path.
    const o = t.encode(c.text, c.pair ?? null, { returnOffsets: true });
    if (o.ids.join() !== e.ids.join() || o.tokens.join('\u0001') !== e.tokens.join('\u0001')) bad.push(`offsets path ${where}`);
    if (t.decode(c.ids) !== c.decode) bad.push(`decode ${where}`);
    if (t.decode(c.ids, { skipSpecialTokens: true }) !== c.decode_skip) bad.push(`decode(skip) ${where}`);
  }
  assert.equal(cases.length, 562);
  assert.deepEqual(bad.slice(0, 5), []);
});

test('do_lower_case=false, keep_accents=true equal the HF reference too', { skip }, () => {
  const t = new AlbertTokenizer(tok().sp, { doLowerCase: false, keepAccents: true });
  const bad: string[] = [];
  for (const c of fixture.cased_keep_accents) {
    for (const offsets of [false, true]) {
      const e = t.encode(c.text, c.pair ?? null, { returnOffsets: offsets });
      if (e.ids.join() !== c.ids.join() || e.tokens.join('\u0001') !== c.tokens.join('\u0001')) bad.push(JSON.stringify(c.text).slice(0, 60));
    }
  }
  assert.ok(fixture.cased_keep_accents.length > 100);
  assert.deepEqual(bad.slice(0, 5), []);
  assert.deepEqual(t.tokenize('Café'), tok().sp.encodePieces('Café'));
});

test('tokenize() gives the pieces without specials; specials are found whole', { skip }, () => {
  const t = tok();
  assert.deepEqual(t.tokenize('Hello[MASK]world'), ['▁hello', '[MASK]', '▁world']);
  assert.deepEqual(t.tokenize('<PAD> x'), ['<pad>', '▁x']); // HF lower-cases before splitting specials
  assert.deepEqual(t.tokenize('9,'), ['▁9', ',']);
  assert.deepEqual(t.tokenize(''), []);
});

test('offsets point into the original text (before lower-casing, accents, quotes, spaces)', { skip }, () => {
  const t = tok();
  const text = "  Héllo ``WORLD''\t1,000, [MASK] naïve";
  const e = t.encode(text, null, { returnOffsets: true });
  const spans = e.offsets!.map(([a, b], i) => (e.specialTokensMask[i] ? '' : text.slice(a, b)));
  assert.deepEqual(e.tokens, ['[CLS]', '▁hello', '▁', '"', 'world', '"', '▁1,000', ',', '[MASK]', '▁naive', '[SEP]']);
  assert.deepEqual(spans, ['', 'Héllo', ' ', '``', 'WORLD', "''", '\t1,000', ',', '[MASK]', 'naïve', '']);
  assert.deepEqual(e.offsets![0], [0, 0]);
  // Pair offsets refer to each sequence's own text.
  const p = t.encode('Who?', 'Him.', { returnOffsets: true });
  assert.deepEqual(p.sequenceIds, [null, 0, 0, null, 1, 1, null]);
  assert.deepEqual(p.offsets, [[0, 0], [0, 3], [3, 4], [0, 0], [0, 3], [3, 4], [0, 0]]);
});

test('truncation strategies, stride and overflowing windows', { skip }, () => {
  const t = tok();
  const a = 'one two three four five six seven eight nine ten';
  const b = 'alpha beta gamma';
  const la = t.encodeIds(a).length, lb = t.encodeIds(b).length;
  assert.equal(la, 10);
  // longest_first removes from the longer sequence one token at a time.
  let e = t.encode(a, b, { maxLength: 12, truncation: true });
  assert.equal(e.ids.length, 12);
  assert.deepEqual(e.typeIds.filter((x) => x === 1).length, Math.min(lb, 12 - 3 - Math.max(0, 12 - 3 - lb)) + 1);
  e = t.encode(a, b, { maxLength: 12, truncation: 'only_first' });
  assert.deepEqual(e.ids.slice(-lb - 1), [...t.encodeIds(b), t.sepId]);
  e = t.encode(b, a, { maxLength: 12, truncation: 'only_second' });
  assert.deepEqual(e.ids.slice(0, lb + 2), [t.clsId, ...t.encodeIds(b), t.sepId]);
  // Question answering: windows of the context with `stride` tokens of overlap.
  const q = t.encode(b, a, { maxLength: 10, truncation: 'only_second', stride: 2, returnOverflowing: true, returnOffsets: true });
  const ctx = t.encodeIds(a);
  const windows = [q, ...q.overflowing!].map((w) => w.ids.filter((_, i) => w.sequenceIds[i] === 1));
  const keep = 10 - 3 - lb;
  assert.deepEqual(windows[0], ctx.slice(0, keep));
  assert.deepEqual(windows[1], ctx.slice(keep - 2, 2 * keep - 2));
  assert.deepEqual(windows.at(-1)!.at(-1), ctx.at(-1));
  for (const w of [q, ...q.overflowing!]) assert.ok(w.ids.length <= 10);
  assert.throws(() => t.encode(b, a, { maxLength: 10, truncation: 'only_second', stride: 9, returnOverflowing: true }), /stride/);
  assert.throws(() => t.encode(a, b, { maxLength: 4, truncation: 'only_second' }), /cannot truncate/);
  // Single sequence: truncation keeps [CLS] ... [SEP].
  e = t.encode(a, null, { maxLength: 5, truncation: true });
  assert.deepEqual(e.ids, [t.clsId, ...ctx.slice(0, 3), t.sepId]);
});

test('padding, attention mask and batches', { skip }, () => {
  const t = tok();
  const e = t.encode('short', null, { maxLength: 8, padding: 'max_length', returnOffsets: true });
  assert.equal(e.ids.length, 8);
  assert.deepEqual(e.attentionMask, [1, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(e.ids.slice(3), [0, 0, 0, 0, 0]);
  assert.deepEqual(e.offsets!.slice(3), [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]);
  const batch = t.encodeBatch(['a', 'a longer sentence here', ['pair', 'of texts']], { padding: true });
  const n = batch[1].ids.length;
  for (const x of batch) { assert.equal(x.ids.length, n); assert.equal(x.attentionMask.length, n); }
  assert.deepEqual(batch[0].attentionMask.filter((m) => m === 1).length, 3);
  assert.deepEqual(batch[2].typeIds.slice(0, 6), t.encode('pair', 'of texts').typeIds.slice(0, 6));
});

test('tokenizer.json (HF layout) loads to the same tokenizer as spiece.model', { skip }, () => {
  const proto = parseModelProto(readFileSync(ALBERT_MODEL));
  const json = {
    version: '1.0',
    added_tokens: ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]'].map((content, id) => ({ id, content, special: true })),
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Replace', pattern: { String: '``' }, content: '"' }, { type: 'Replace', pattern: { String: "''" }, content: '"' },
      { type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' },
      { type: 'Precompiled', precompiled_charsmap: Buffer.from(proto.normalizerSpec.precompiledCharsmap).toString('base64') },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }] },
    model: { type: 'Unigram', unk_id: 1, vocab: proto.pieces.map((p) => [p.piece, p.score]) },
  };
  // HF's json has no user-defined type: those pieces are normal ones with score 0 there.
  assert.ok(proto.pieces.some((p) => p.type === PieceType.USER_DEFINED));
  const dir = mkdtempSync(join(tmpdir(), 'albert-json-'));
  try {
    const path = join(dir, 'tokenizer.json');
    writeFileSync(path, JSON.stringify(json));
    const fromJson = AlbertTokenizer.load(path);
    const t = tok();
    let same = 0;
    for (const c of cases) if (fromJson.encode(c.text, c.pair ?? null).ids.join() === t.encode(c.text, c.pair ?? null).ids.join()) same++;
    assert.equal(same, cases.length, "cases where tokenizer.json and spiece.model agree");
    assert.deepEqual(fromJson.encode('Test sentence with [MASK].').ids, [2, 1289, 5123, 29, 4, 13, 9, 3]);
    writeFileSync(path, '{"model": {"type": "BPE"}}');
    assert.throws(() => AlbertTokenizer.load(path), /tokenizer\.json: only Unigram models are supported/);
    writeFileSync(path, '{not json');
    assert.throws(() => AlbertTokenizer.load(path), /tokenizer\.json: not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
