// Finite-difference gradient checks of every layer and head, and of each sharing strategy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGradsMatch, gradCheck, makeInputs, makeModel, mlmLabels, rng, smallConfig } from './model_util.js';

test('pretraining (MLM + SOP), all layers shared, gelu_new, dropout on: every tensor', () => {
  const c = smallConfig();
  const m = makeModel(c, 'pretraining');
  const inputs = makeInputs(c, 2, 5);
  const results = gradCheck(m, inputs, { labels: mlmLabels(c, 10), sentenceOrderLabel: new Int32Array([1, 0]) });
  assert.equal(results.length, m.params().length);
  assertGradsMatch(results);
});

// Without hidden dropout the last layer call runs its FFN only at the rows the loss reads (lossRows).
test('HF groups (2 groups x 2 inner layers, 5 layers), erf gelu, NSP head, no hidden dropout', () => {
  const c = smallConfig({ num_hidden_layers: 5, num_hidden_groups: 2, inner_group_num: 2, hidden_act: 'gelu', hidden_dropout_prob: 0 });
  const m = makeModel(c, 'pretraining-nsp');
  assertGradsMatch(gradCheck(m, makeInputs(c, 2, 4), { labels: mlmLabels(c, 8), sentenceOrderLabel: new Int32Array([0, 1]) }));
});

for (const sharing of ['attention', 'ffn', 'none'] as const) {
  test(`sharing '${sharing}' (masked-LM head, relu)`, () => {
    const c = smallConfig({ num_hidden_groups: 3, albert_ts_sharing: sharing === 'none' ? undefined : sharing, hidden_act: 'relu' });
    assert.equal(c.sharing, sharing);
    const m = makeModel(c, 'masked-lm');
    assertGradsMatch(gradCheck(m, makeInputs(c, 2, 4, 7), { labels: mlmLabels(c, 8, 8) }));
  });
}

test('sequence classification: single-label CE, regression MSE, multi-label BCE', () => {
  const c3 = smallConfig({ num_labels: 3 });
  const inputs = makeInputs(c3, 3, 4);
  assertGradsMatch(gradCheck(makeModel(c3, 'sequence-classification'), inputs, { labels: new Int32Array([2, 0, 1]) }));
  const multi = makeModel(smallConfig({ num_labels: 3 }), 'sequence-classification');
  assertGradsMatch(gradCheck(multi, inputs, { labels: new Float32Array([1, 0, 1, 0, 0, 1, 1, 1, 0]) }));
  assert.equal(multi.config.problem_type, 'multi_label_classification');
  const c1 = smallConfig({ num_labels: 1 });
  const reg = makeModel(c1, 'sequence-classification');
  assertGradsMatch(gradCheck(reg, inputs, { labels: new Float32Array([0.5, -1, 2]) }));
  assert.equal(reg.config.problem_type, 'regression');
});

test('token classification (labels with -100) and question answering (positions clamped / ignored)', () => {
  const c = smallConfig({ num_labels: 3, classifier_dropout_prob: null });
  const inputs = makeInputs(c, 2, 5);
  const r = rng(4);
  const tokLabels = new Int32Array(10).map(() => (r() < 0.3 ? -100 : Math.floor(r() * 3)));
  assertGradsMatch(gradCheck(makeModel(c, 'token-classification'), inputs, { labels: tokLabels }));
  const qa = makeModel(smallConfig(), 'question-answering');
  // start 7 is clamped to S = 5 and ignored; end -3 is clamped to 0
  assertGradsMatch(gradCheck(qa, inputs, { startPositions: new Int32Array([1, 7]), endPositions: new Int32Array([-3, 4]) }));
});

test('multiple choice (2 questions x 3 choices), no hidden dropout', () => {
  const c = smallConfig({ hidden_dropout_prob: 0 });
  const inputs = makeInputs(c, 2, 4, 11, 3);
  assertGradsMatch(gradCheck(makeModel(c, 'multiple-choice'), inputs, { labels: new Int32Array([2, 0]) }));
});

test('a length-1 sequence (no padding) through the base encoder of a classifier', () => {
  const c = smallConfig();
  const inputs = { inputIds: new Int32Array([5, 9]), batch: 2, seq: 1 };
  assertGradsMatch(gradCheck(makeModel(c, 'sequence-classification'), inputs, { labels: new Int32Array([1, 0]) }));
});
