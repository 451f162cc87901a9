// Sentence (pair) examples -> model inputs, as classifier_utils' convert_single_example, and batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featurizeText, textBatch, type TextExample } from '../src/index.js';
import { tinyTokenizer } from './tasks_helpers.js';

const ex = (textA: string, textB: string | null, label: TextExample['label']): TextExample => ({ id: textA, textA, textB, label, source: { file: 'f', line: 1 } });

test('[CLS] A [SEP] B [SEP] with segments 0/1; a long pair loses tokens from its longer side (B on ties), a single text keeps its head', () => {
  const tok = tinyTokenizer();
  const w = (s: string) => tok.encodeIds(s);
  const A = 'the cat sat on the mat', B = 'who is the dog'; // 6 and 4 tokens
  assert.deepEqual([w(A).length, w(B).length], [6, 4]);
  const [f] = featurizeText(tok, [ex(A, B, 0)], { maxSeqLength: 64 });
  assert.deepEqual(f.ids, [tok.clsId, ...w(A), tok.sepId, ...w(B), tok.sepId]);
  assert.deepEqual(f.typeIds, [...Array(8).fill(0), ...Array(5).fill(1)]);
  // 13 tokens into 9: A 6 -> 5 -> 4, tie -> B 3, A 4 -> 3.
  const [t] = featurizeText(tok, [ex(A, B, 0)], { maxSeqLength: 9 });
  assert.deepEqual(t.ids, [tok.clsId, ...w(A).slice(0, 3), tok.sepId, ...w(B).slice(0, 3), tok.sepId]);
  assert.deepEqual(t.typeIds, [0, 0, 0, 0, 0, 1, 1, 1, 1]);
  const [s] = featurizeText(tok, [ex(A, null, 0)], { maxSeqLength: 5 });
  assert.deepEqual(s.ids, [tok.clsId, ...w(A).slice(0, 3), tok.sepId]);
  assert.throws(() => featurizeText(tok, [ex(A, B, 0)], { maxSeqLength: 2 }), /maxSeqLength must be an integer of at least 3/);
});

test('batches: (B, S) padded to max length or to the longest, labels per problem type', () => {
  const tok = tinyTokenizer();
  const examples = [ex('the cat', null, 1), ex('the cat sat on the mat', 'red', 0)];
  const feats = featurizeText(tok, examples, { maxSeqLength: 16 });
  const { inputs, labels } = textBatch(feats, examples, { problemType: 'single_label_classification', numLabels: 2, seq: 16, padId: tok.padId });
  assert.deepEqual([inputs.batch, inputs.seq, inputs.inputIds.length], [2, 16, 32]);
  assert.deepEqual([...inputs.inputIds.subarray(0, 16)], [...feats[0].ids, ...Array(12).fill(tok.padId)]);
  assert.deepEqual([...inputs.attentionMask!.subarray(16)], [...Array(10).fill(1), ...Array(6).fill(0)]);
  assert.deepEqual([...inputs.tokenTypeIds!.subarray(16)], [...Array(8).fill(0), 1, 1, ...Array(6).fill(0)]);
  assert.ok(labels!.labels instanceof Int32Array);
  assert.deepEqual([...labels!.labels!], [1, 0]);
  const longest = textBatch(feats, examples, { problemType: 'single_label_classification', numLabels: 2, seq: 'longest', padId: tok.padId });
  assert.equal(longest.inputs.seq, 10);

  const reg = [ex('the cat', null, 0.5), ex('red', null, -2)];
  const r = textBatch(featurizeText(tok, reg, { maxSeqLength: 8 }), reg, { problemType: 'regression', numLabels: 1, seq: 8, padId: 0 });
  assert.ok(r.labels!.labels instanceof Float32Array);
  assert.deepEqual([...r.labels!.labels!], [0.5, -2]);
  const ml = [ex('the cat', null, [0, 2]), ex('red', null, [])];
  const m = textBatch(featurizeText(tok, ml, { maxSeqLength: 8 }), ml, { problemType: 'multi_label_classification', numLabels: 3, seq: 8, padId: 0 });
  assert.deepEqual([...m.labels!.labels!], [1, 0, 1, 0, 0, 0]);
  const unlabelled = [ex('the cat', null, null)];
  assert.equal(textBatch(featurizeText(tok, unlabelled, { maxSeqLength: 8 }), unlabelled, { problemType: 'regression', numLabels: 1, seq: 8, padId: 0 }).labels, null);
});
