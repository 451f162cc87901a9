// The metrics of the user's own text tasks (src/metrics/text.ts) against sklearn and scipy
// (tools/metrics/make_text_metric_refs.py): accuracy and binary F1, pearson / spearmanr / mse with
// ties and constant inputs, multi-label micro F1 and exact-match accuracy.
import { test } from 'node:test';
import { scoreClassification, scoreMultiLabel, scoreRegression } from '../src/index.js';
import { fixture, sameMetrics } from './metrics_util.js';

type Expected = Array<[string, number | null]>;
interface TextFixture {
  classification: Array<{ num_labels: number; gold: number[]; predicted: number[]; expected: Expected }>;
  regression: Array<{ gold: number[]; predicted: number[]; expected: Expected }>;
  multi_label: Array<{ gold: number[][]; predicted: number[][]; expected: Expected }>;
}
const refs = fixture<TextFixture>('text.json');

test('scoreClassification equals sklearn accuracy_score, and f1_score of class 1 for two classes only', () => {
  refs.classification.forEach((c, i) => sameMetrics(scoreClassification(c.gold, c.predicted, c.num_labels), c.expected, `case ${i}`));
});

test('scoreRegression equals scipy pearsonr / spearmanr (NaN for a constant input) and sklearn mean_squared_error', () => {
  refs.regression.forEach((c, i) => sameMetrics(scoreRegression(c.gold, c.predicted), c.expected, `case ${i}`));
});

test('scoreMultiLabel equals sklearn f1_score(average=micro) and accuracy_score on indicator rows', () => {
  refs.multi_label.forEach((c, i) => sameMetrics(scoreMultiLabel(c.gold, c.predicted), c.expected, `case ${i}`));
});
