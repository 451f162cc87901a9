// SentencePiece exactness: our ids/pieces equal spm_encode's (Debian sentencepiece 0.1.97, recorded
// by tools/tokenizer/gen_expected.sh) on the generated stress set, for the shared ALBERT and HF test
// models and small models of every kind trained by spm_train; model reading/writing; bad models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentencePieceModel, parseModelProto, writeSentencePieceModel, PieceType, ModelType, type ModelSpec } from '../src/tokenizer/index.js';
import { isTextVocab } from '../src/tokenizer/sentencepiece.js';
import { UserError } from '../src/errors.js';
import { ALBERT_MODEL, FIXTURES, SKIP_SHARED, TEST_MODEL, hasSharedData, lineRanges, readGz } from './tokenizer_helpers.js';

const stress = readFileSync(join(FIXTURES, 'stress.txt'));
const stressLines = lineRanges(stress);

/** Compares our ids for every stress line with spm_encode's; reports the first few mismatches. */
function checkStress(sp: SentencePieceModel, expectedGz: string): void {
  const expected = readGz(join(FIXTURES, 'expected', expectedGz)).toString('utf8').split('\n');
  assert.equal(expected.length - 1, stressLines.length, 'line count');
  const bad: string[] = [];
  stressLines.forEach(([s, e], i) => {
    const r = sp.encodeBytes(stress, s, e);
    const ours = r.ids.subarray(0, r.count).join(' ');
    if (ours !== expected[i] && bad.length < 3) bad.push(`line ${i + 1}: ours ${ours.slice(0, 120)} | spm ${expected[i].slice(0, 120)}`);
  });
  assert.deepEqual(bad, [], `${expectedGz}: ids differ from spm_encode`);
}

test('shared models: stress-set ids equal spm_encode', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  checkStress(SentencePieceModel.load(ALBERT_MODEL), 'stress.albert-30k-clean.ids.gz');
  checkStress(SentencePieceModel.load(TEST_MODEL), 'stress.test_sentencepiece.ids.gz');
});

test('ALBERT model: stress-set pieces equal spm_encode --output_format=piece', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const sp = SentencePieceModel.load(ALBERT_MODEL);
  const expected = readGz(join(FIXTURES, 'expected', 'stress.albert-30k-clean.pieces.gz'));
  const expLines = lineRanges(expected);
  let bad = 0;
  stressLines.forEach(([s, e], i) => {
    const ours = Buffer.from(sp.piecesOf(sp.encodeBytes(stress, s, e)).join(' '));
    if (!ours.equals(expected.subarray(expLines[i][0], expLines[i][1]))) bad++;
  });
  assert.equal(bad, 0, 'lines whose pieces differ');
});

const MODELS = ['bpe', 'bytefb', 'char', 'word', 'custom', 'written', 'written_keepws'];
for (const name of MODELS) {
  test(`spm_train'd / written ${name} model: stress-set ids equal spm_encode`, () => {
    checkStress(SentencePieceModel.load(join(FIXTURES, 'models', `${name}.model`)), `stress.${name}.ids.gz`);
  });
}

test('decodeIds equals spm_decode on the stress-set ids of every model', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const models: Array<[string, string]> = [['albert-30k-clean', ALBERT_MODEL], ['test_sentencepiece', TEST_MODEL],
    ...MODELS.map((m): [string, string] => [m, join(FIXTURES, 'models', `${m}.model`)])];
  for (const [name, path] of models) {
    const sp = SentencePieceModel.load(path);
    const ids = readGz(join(FIXTURES, 'expected', `stress.${name}.ids.gz`)).toString('utf8').split('\n').slice(0, -1);
    const text = readGz(join(FIXTURES, 'expected', `stress.${name}.decoded.gz`)).toString('utf8').split('\n').slice(0, -1);
    assert.equal(ids.length, text.length);
    const bad = ids.filter((l, i) => sp.decodeIds(l === '' ? [] : l.split(' ').map(Number)) !== text[i]).length;
    assert.equal(bad, 0, `${name}: lines whose decoding differs from spm_decode`);
  }
});

test('model kinds and flags are read from the files', () => {
  const kind = (n: string) => SentencePieceModel.load(join(FIXTURES, 'models', `${n}.model`));
  assert.equal(kind('bpe').modelType, ModelType.BPE);
  assert.equal(kind('char').modelType, ModelType.CHAR);
  assert.equal(kind('word').modelType, ModelType.WORD);
  const fb = kind('bytefb');
  assert.equal(fb.proto.trainerSpec.byteFallback, true);
  assert.equal(fb.idToPiece(fb.encodeIds('\u{1F600}')[1] ?? 0).startsWith('<0x'), true);
  const c = kind('custom');
  assert.equal(c.proto.trainerSpec.treatWhitespaceAsSuffix, true);
  assert.equal(c.proto.normalizerSpec.addDummyPrefix, false);
  assert.equal(c.isUserDefined(c.pieceToId('\uFB01')), true);
  assert.equal(c.isControl(c.pieceToId('[CLS]')), true);
});

test('SentencePieceModel API on the ALBERT model', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const sp = SentencePieceModel.load(ALBERT_MODEL);
  assert.equal(sp.vocabSize, 30000);
  // From shared/data/README.md (checked there with python3-sentencepiece).
  assert.deepEqual(sp.encodeIds('test sentence with'), [1289, 5123, 29]);
  assert.deepEqual(sp.encodePieces('hello world! this is albert, a lite bert.'),
    ['▁hello', '▁world', '!', '▁this', '▁is', '▁albert', ',', '▁a', '▁', 'lite', '▁bert', '.']);
  assert.equal(sp.idToPiece(0), '<pad>');
  assert.equal(sp.pieceToId('[MASK]'), 4);
  assert.equal(sp.pieceToId('no such piece'), sp.unkId);
  assert.ok(sp.isControl(2) && sp.isUnknown(1) && sp.isUserDefined(5) && !sp.isControl(13));
  assert.equal(sp.decodeIds(sp.encodeIds('hello world! this is albert.')), 'hello world! this is albert.');
  assert.equal(sp.decodeIds([2, ...sp.encodeIds('a b'), 3]), 'a b');
  assert.throws(() => sp.idToPiece(30000), RangeError);
  // Offsets are UTF-16 spans of the input; unknowns merge into one piece.
  const text = '  Héllo wörld  ';
  const r = sp.encodeWithOffsets(text);
  let prev = 0;
  for (const [a, b] of r.offsets) { assert.ok(a >= prev && b >= a, 'ordered spans'); prev = b; }
  assert.equal(r.offsets.map(([a, b]) => text.slice(a, b)).join(''), 'Héllo wörld');
  assert.equal(r.pieces.join(''), '▁Héllo▁wörld');
  assert.deepEqual(sp.encodeIdsBatch(['a b', '', 'c d e']).map((x) => Array.from(x)), [sp.encodeIds('a b'), [], sp.encodeIds('c d e')]);
  assert.equal(sp.encodeIds('').length, 0);
  assert.equal(sp.encodeIds('    ').length, 0);
});

test('writer: written models round-trip and equal the committed file spm_encode was run on', () => {
  const spec = JSON.parse(readFileSync(join(FIXTURES, 'written_spec.json'), 'utf8')) as ModelSpec;
  const bytes = writeSentencePieceModel(spec);
  assert.ok(Buffer.from(bytes).equals(readFileSync(join(FIXTURES, 'models', 'written.model'))), 'same bytes as the committed model');
  const back = parseModelProto(bytes);
  assert.equal(back.pieces.length, spec.pieces.length);
  back.pieces.forEach((p, i) => {
    assert.equal(p.piece, spec.pieces[i].piece);
    assert.equal(p.score, Math.fround(spec.pieces[i].score));
    assert.equal(p.type, spec.pieces[i].type ?? PieceType.NORMAL);
  });
  assert.equal(back.trainerSpec.padId, -1);
  assert.equal(back.trainerSpec.modelType, ModelType.UNIGRAM);
  assert.equal(back.normalizerSpec.name, 'identity');
  // Rewriting what was read gives the same bytes.
  const again = writeSentencePieceModel({ pieces: back.pieces.map(({ piece, score, type }) => ({ piece, score, type })), trainerSpec: back.trainerSpec, normalizerSpec: back.normalizerSpec });
  assert.ok(Buffer.from(again).equals(Buffer.from(bytes)));
});

test('writer: a word-level vocabulary encodes whole words', () => {
  const words = ['the', 'cat', 'sat', 'on', 'mat'];
  const sp = SentencePieceModel.fromBytes(writeSentencePieceModel({
    pieces: [{ piece: '<unk>', score: 0, type: PieceType.UNKNOWN }, ...words.map((w, i) => ({ piece: '▁' + w, score: -1 - i }))],
  }));
  assert.deepEqual(sp.encodeIds('the cat  sat on the mat'), [1, 2, 3, 4, 1, 5]);
  assert.deepEqual(sp.encodeIds('the dog'), [1, 0]);
});

test('corrupt, truncated and invalid model files are one clear UserError naming the file', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const good = readFileSync(ALBERT_MODEL);
  const dir = mkdtempSync(join(tmpdir(), 'albert-tok-'));
  try {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty.model', new Uint8Array(0), /no pieces/],
      ['truncated.model', good.subarray(0, 100000), /truncat|runs past/],
      ['cut-in-charsmap.model', good.subarray(0, good.length - 1000), /truncat|runs past/],
      ['text.model', Buffer.from('this is not a protobuf\n'), /not a valid SentencePiece model/],
      ['random.model', Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 255), /not a valid SentencePiece model/],
      ['no-unk.model', writeSentencePieceModel({ pieces: [{ piece: 'a', score: 0 }] }), /no unknown piece/],
      ['dup.model', writeSentencePieceModel({ pieces: [{ piece: '<unk>', score: 0, type: PieceType.UNKNOWN }, { piece: 'a', score: 0 }, { piece: 'a', score: 0 }] }), /defined twice/],
      ['nan.model', writeSentencePieceModel({ pieces: [{ piece: '<unk>', score: 0, type: PieceType.UNKNOWN }, { piece: 'a', score: NaN }] }), /non-finite score/],
      ['bytes.model', writeSentencePieceModel({ pieces: [{ piece: '<unk>', score: 0, type: PieceType.UNKNOWN }, { piece: '<0x41>', score: 0, type: PieceType.BYTE }] }), /byte_fallback/],
    ];
    for (const [name, bytes, re] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      assert.throws(() => SentencePieceModel.load(path), (e: unknown) => {
        assert.ok(e instanceof UserError, `${name}: ${String(e)}`);
        assert.ok(e.message.startsWith(path + ': '), e.message);
        assert.match(e.message, re);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    }
    assert.throws(() => SentencePieceModel.load(join(dir, 'missing.model')), /missing\.model: cannot read SentencePiece model \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Viterbi stays linear: a 1 MB line without spaces encodes quickly and like its parts', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const sp = SentencePieceModel.load(ALBERT_MODEL);
  const word = 'abcdefghij'.repeat(100000);
  const t0 = performance.now();
  const ids = sp.encodeIds(word);
  const ms = performance.now() - t0;
  assert.ok(ids.length > 100000 / 2);
  assert.ok(ms < 20000, `took ${ms} ms`); // generous bound: a quadratic pass would take hours
  assert.equal(sp.decodeIds(ids), word);
});


test('a SentencePiece text vocabulary (.vocab) given as the model is named as such, not as a bad wire type', () => {
  const dir = mkdtempSync(join(tmpdir(), 'albert-vocab-'));
  try {
    const vocab = join(dir, 'spiece.vocab');
    // spm_train's format, long enough that only its first 4 KiB are looked at, cut inside a character there
    writeFileSync(vocab, '<unk>\t0\n<s>\t0\n</s>\t0\n\u2581the\t-3.16\n' + Array.from({ length: 800 }, (_, i) => `\u2581\u00e9t\u00e9${i}\t-${(i / 7).toFixed(4)}\n`).join(''));
    assert.throws(() => SentencePieceModel.load(vocab), (e) => e instanceof UserError
      && e.message === `${vocab}: is a SentencePiece text vocabulary (.vocab: one "piece<TAB>score" per line), not a .model file; give the .model that spm_train wrote beside it`);
    assert.equal(isTextVocab(readFileSync(vocab)), true);
    // other text is still "not a valid SentencePiece model"
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'just some words\n');
    assert.throws(() => SentencePieceModel.load(other), (e) => e instanceof UserError && /notes\.txt: not a valid SentencePiece model/.test(e.message));
    assert.equal(isTextVocab(readFileSync(join(FIXTURES, 'models', 'bpe.model'))), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shared ALBERT .vocab is recognized as a text vocabulary', { skip: !hasSharedData() && SKIP_SHARED }, () => {
  const vocab = ALBERT_MODEL.replace(/\.model$/, '.vocab');
  assert.throws(() => SentencePieceModel.load(vocab), /is a SentencePiece text vocabulary \(\.vocab/);
});
