// The SentencePiece trainer (issue 15 §1): the EM pieces against hand-computed posteriors and
// digamma values, the vocabulary's layout, our nmt_nfkc charsmap against the ALBERT model's (made by
// SentencePiece), and trained .model files against Debian's spm_encode on book text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceModel, PieceType, ModelType, trainTokenizer } from '../src/index.js';
import { Normalizer } from '../src/tokenizer/normalizer.js';
import { nmtNfkcCharsmap } from '../src/tokenizer/train/charsmap.js';
import { digamma, LatticeModel, trainUnigram } from '../src/tokenizer/train/unigram.js';
import { trainBpe } from '../src/tokenizer/train/bpe.js';
import { UserError } from '../src/errors.js';
import { ALBERT_MODEL, BOOKS, SKIP_SHARED, hasSharedData } from './tokenizer_helpers.js';

const RULES = { maxPieceLength: 16, splitByUnicodeScript: true, splitByNumber: true };
const hasSpm = spawnSync('spm_encode', ['--help']).error === undefined;

test('digamma: known values (psi(1) = -gamma, psi(0.5) = -gamma - 2 ln 2, recurrence)', () => {
  const gamma = 0.5772156649015329;
  assert.ok(Math.abs(digamma(1) + gamma) < 1e-9);
  assert.ok(Math.abs(digamma(0.5) + gamma + 2 * Math.LN2) < 1e-9);
  assert.ok(Math.abs(digamma(11.5) - digamma(10.5) - 1 / 10.5) < 1e-12);
});

test('lattice posteriors: "▁ab" with pieces ▁, a, b, ▁a, ab, ▁ab equal the sums over its four segmentations', () => {
  const p: Record<string, number> = { '▁': 0.1, a: 0.2, b: 0.15, '▁a': 0.25, ab: 0.05, '▁ab': 0.25 };
  const m = new LatticeModel(Object.entries(p).map(([k, v]) => [k, Math.log(v)]));
  const w = new TextEncoder().encode('▁ab');
  m.populate(w, 0, w.length);
  const expected = new Float64Array(6);
  const logZ = m.marginal(w.length, 3, expected);
  // Segmentations: ▁|a|b, ▁a|b, ▁|ab, ▁ab.
  const segs = [['▁', 'a', 'b'], ['▁a', 'b'], ['▁', 'ab'], ['▁ab']];
  const prob = segs.map((s) => s.reduce((acc, k) => acc * p[k], 1));
  const Z = prob.reduce((a, b) => a + b);
  assert.ok(Math.abs(logZ - Math.log(Z)) < 1e-12);
  Object.keys(p).forEach((k, id) => {
    const want = 3 * segs.reduce((acc, s, i) => acc + (s.filter((x) => x === k).length * prob[i]) / Z, 0);
    assert.ok(Math.abs(expected[id] - want) < 1e-12, `${k}: ${expected[id]} vs ${want}`);
  });
  assert.deepEqual(m.viterbi(w.length), [5]); // ▁ab alone (0.25) beats ▁a·b (0.0375)
});

test('unigram EM on a toy corpus: the frequent words become whole pieces, every character stays, the size is exact', () => {
  const words = ['▁the', '▁then', '▁they', '▁cat', '▁cats', '▁hat', '▁that', '▁x'];
  const freq = Float64Array.from([50, 10, 12, 20, 6, 9, 15, 1]);
  const chars = new Map<string, number>();
  words.forEach((w, i) => { for (const c of w) chars.set(c, (chars.get(c) ?? 0) + freq[i]); });
  const req = new Map([...chars].sort((a, b) => b[1] - a[1]));
  const pieces = trainUnigram({ words, freq }, req, { ...RULES, pieceCount: 16, seedSize: 1000, shrinkingFactor: 0.75, numSubIterations: 2 });
  assert.equal(pieces.length, 16);
  const names = pieces.map((p) => p[0]);
  for (const c of req.keys()) assert.ok(names.includes(c), `character ${c} kept`);
  assert.ok(names.includes('▁the'), names.join(' '));
  for (let i = 1; i < pieces.length; i++) assert.ok(pieces[i - 1][1] >= pieces[i][1], 'sorted by score');
  // Scores are log-probabilities (digamma-normalized): all below 0.
  assert.ok(pieces.every((p) => p[1] < 0));
});

test('BPE on a toy corpus merges the most frequent pair first', () => {
  const words = ['▁ab', '▁abc', '▁bc'];
  const freq = Float64Array.from([10, 5, 2]);
  const req = new Map([['▁', 17], ['b', 17], ['a', 15], ['c', 7]]);
  const pieces = trainBpe({ words, freq }, req, { ...RULES, pieceCount: 7 });
  assert.deepEqual(pieces.map((p) => p[0]), ['▁a', '▁ab', '▁abc', '▁', 'b', 'a', 'c']);
  assert.deepEqual(pieces.map((p) => p[1]), [-0, -1, -2, -3, -4, -5, -6]);
});

test('our nmt_nfkc charsmap normalizes like the ALBERT model\'s (built by SentencePiece)', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const albert = SentencePieceModel.load(ALBERT_MODEL).normalizerSpec;
  const ours = new Normalizer({ ...albert, precompiledCharsmap: nmtNfkcCharsmap() }, []);
  const ref = new Normalizer(albert, []);
  const lines = ['ﬁne Ｈｅｌｌｏ  café cafe\u0301 ① ½ ™ x\u200by\tz', 'Ａｌｂｅｒｔ　ｓｐａｃｅ\u3000end', '\u00c5ngstr\u00f6m \u212b \u2126 \u00b5 \u2160\u2161'];
  const books = existsSync(BOOKS) ? readdirSync(BOOKS).sort().slice(0, 3).map((f) => readFileSync(join(BOOKS, f), 'utf8')) : [];
  for (const b of books) lines.push(...b.split('\n').slice(0, 3000));
  const enc = new TextEncoder();
  for (const l of lines) {
    const bytes = enc.encode(l);
    ours.normalize(bytes, 0, bytes.length);
    ref.normalize(bytes, 0, bytes.length);
    assert.deepEqual(ours.out.subarray(0, ours.length), ref.out.subarray(0, ref.length), l);
  }
});

/** A small book sample: the first lines of two books. */
function sampleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'albert-train-tok-'));
  const files = readdirSync(BOOKS).sort();
  writeFileSync(join(dir, 'a.txt'), readFileSync(join(BOOKS, files[0]), 'utf8'));
  writeFileSync(join(dir, 'b.txt'), readFileSync(join(BOOKS, files[1]), 'utf8').split('\n').slice(0, 4000).join('\n'));
  return dir;
}

for (const modelType of ['unigram', 'bpe'] as const) {
  test(`train-tokenizer (${modelType}): specials at 0-4, exact size, and spm_encode gives our ids on book text`, { skip: !existsSync(BOOKS) ? SKIP_SHARED : !hasSpm ? 'spm_encode (Debian sentencepiece) not installed' : false }, () => {
    const dir = sampleDir();
    try {
      const out = join(dir, 'm.model');
      const s = trainTokenizer({ input: [join(dir, '*.txt')], output: out, vocabSize: 1000, modelType, seed: 1 });
      assert.equal(s.vocabSize, 1000);
      const m = SentencePieceModel.load(out);
      assert.equal(m.vocabSize, 1000);
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => m.idToPiece(i)), ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]']);
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => m.types[i]), [PieceType.CONTROL, PieceType.UNKNOWN, PieceType.CONTROL, PieceType.CONTROL, PieceType.CONTROL]);
      assert.equal(m.trainerSpec.modelType, modelType === 'unigram' ? ModelType.UNIGRAM : ModelType.BPE);
      assert.equal(m.unkId, 1);
      const text = join(dir, 'b.txt');
      const r = spawnSync('spm_encode', ['--model', out, '--output_format', 'id', '--input', text], { encoding: 'utf8', maxBuffer: 1 << 28 });
      assert.equal(r.status, 0, r.stderr);
      const lines = readFileSync(text, 'utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const spm = r.stdout.split('\n');
      lines.forEach((l, i) => assert.equal(m.encodeIds(l).join(' '), spm[i], `line ${i + 1}: ${l}`));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

test('train-tokenizer: bad settings are one UserError', () => {
  assert.throws(() => trainTokenizer({ input: ['/nonexistent/x.txt'], output: '/tmp/x.model', vocabSize: 100 }), UserError);
  assert.throws(() => trainTokenizer({ input: ['x'], output: '/tmp/x.model', vocabSize: 3 }), /vocab-size/);
  assert.throws(() => trainTokenizer({ input: ['x'], output: '/tmp/x.model', vocabSize: 100, characterCoverage: 0.5 }), /character-coverage/);
});
