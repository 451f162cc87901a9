// GLUE metrics against sklearn/scipy (HF evaluate's glue metric semantics), and GLUE submission files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, averageRanks, f1, matthewsCorrelation, pearson, scoreGlue, scorePredictions, spearman, UserError } from '../src/index.js';
import type { Label } from '../src/index.js';
import { close, fixture, sameMetrics, tempFiles } from './metrics_util.js';

interface GlueFixture {
  cases: Array<{ task: string; gold: Label[]; predicted: Label[]; expected: Record<string, number | null> }>;
  functions: {
    matthews: Array<{ gold: string[]; predicted: string[]; expected: number }>;
    f1: Array<{ gold: number[]; predicted: number[]; expected: number }>;
    correlation: Array<{ x: number[]; y: number[]; pearson: number | null; spearman: number | null }>;
    ranks: Array<{ values: number[]; ranks: number[] }>;
  };
}
const refs = fixture<GlueFixture>('glue.json');

test('scoreGlue equals HF evaluate glue (sklearn, scipy) on every reference case, keys in its order', () => {
  assert.ok(refs.cases.length > 100);
  refs.cases.forEach((c, i) => sameMetrics(scoreGlue(c.task, c.gold, c.predicted), c.expected, `case ${i} (${c.task}, n=${c.gold.length})`));
});

test('the metric functions equal sklearn/scipy: multi-class MCC, F1 of label 1, Pearson and Spearman with ties, average ranks', () => {
  refs.functions.matthews.forEach((c, i) => close(matthewsCorrelation(c.gold, c.predicted), c.expected, `mcc ${i}`));
  refs.functions.f1.forEach((c, i) => close(f1(c.gold, c.predicted), c.expected, `f1 ${i}`));
  refs.functions.correlation.forEach((c, i) => {
    close(pearson(c.x, c.y), c.pearson, `pearson ${i}`);
    close(spearman(c.x, c.y), c.spearman, `spearman ${i}`);
  });
  refs.functions.ranks.forEach((c, i) => assert.deepEqual(averageRanks(c.values), c.ranks, `ranks ${i}`));
});

test('labels compare as text (1 and "1" agree), the glue/ prefix is accepted, bad inputs are UserErrors', () => {
  assert.equal(accuracy([1, 0, '1'], ['1', '0', 1]), 1);
  assert.deepEqual(Object.keys(scoreGlue('glue/mrpc', ['1', '0'], [1, 1])), ['accuracy', 'f1']);
  assert.throws(() => scoreGlue('sst-2', [1], [1]), (e: Error) => e instanceof UserError && /unknown GLUE task 'sst-2'.*glue\/sst2/.test(e.message));
  assert.throws(() => scoreGlue('cola', [1, 0], [1]), /2 gold labels but 1 predictions/);
  assert.throws(() => scoreGlue('cola', [], []), /no examples/);
  assert.throws(() => scoreGlue('qqp', ['0', '2'], ['0', '1']), /binary F1 needs the labels to be 1 and one other; got 0, 1, 2/);
  assert.throws(() => scoreGlue('stsb', [1, 2], ['3.5', 'x']), /predicted value 1 is not a number: "x"/);
  assert.throws(() => scoreGlue('stsb', [1, 2], ['3.5', '']), /predicted value 1 is not a number/);
  assert.throws(() => pearson([1], [2]), /at least 2/);
});

test('scorePredictions reads a GLUE submission TSV (header, CRLF, any row order) and scores it against the gold labels', () => {
  const gold = ['1', '0', '1', '1'];
  const { tsv } = tempFiles({ tsv: 'index\tprediction\r\n2\t1\r\n0\t1\r\n1\t1\r\n3\t0\r\n' });
  const r = scorePredictions({ task: 'glue/mrpc', gold, predictions: tsv, labels: ['0', '1'] });
  sameMetrics(r.metrics, { accuracy: 0.5, f1: 2 / 3 }, 'mrpc file');
  const { plain } = tempFiles({ plain: '0\t3.250\n1\t1.000\n2\t0.500\n' });
  sameMetrics(scorePredictions({ task: 'glue/stsb', gold: ['3', '1', '1'], predictions: plain }).metrics, { pearson: pearson([3, 1, 1], [3.25, 1, 0.5]), spearmanr: spearman([3, 1, 1], [3.25, 1, 0.5]) }, 'stsb file');
});

test('a bad GLUE submission file is one error naming the file and the line or index', () => {
  const gold = ['entailment', 'not_entailment', 'entailment'];
  const labels = ['entailment', 'not_entailment'];
  const cases: Array<[string, RegExp]> = [
    ['index\tprediction\n0\tentailment\n1\tnot_entailment\n', /: no entry for index "2" of dev\.tsv \(1 of 3 missing\)/],
    ['index\tprediction\n0\tentailment\n1\tnot_entailment\n2\tentailment\n3\tentailment\n', /: index "3" is not in dev\.tsv/],
    ['index\tprediction\n0\tentailment\n1\tnot_entailment\n1\tentailment\n', /: line 4: index 1 again \(first on line 3\)/],
    ['index\tprediction\n0\tentailment\n1\n2\tentailment\n', /: line 3: expected 2 tab-separated columns \(index, prediction\), got 1/],
    ['index\tprediction\n0\tentailment\nx\tnot_entailment\n2\tentailment\n', /: line 3: index "x" is not a whole number/],
    ['index\tprediction\n0\tentailment\n1\tneutral\n2\tentailment\n', /: line 3: unknown label "neutral" \(rte labels: entailment, not_entailment\)/],
    ['index\tprediction\n', /: no predictions/],
    ['', /: no predictions/],
  ];
  for (const [text, message] of cases) {
    const { tsv } = tempFiles({ tsv: text });
    assert.throws(() => scorePredictions({ task: 'glue/rte', gold, labels, predictions: tsv, data: 'dev.tsv' }),
      (e: Error) => e instanceof UserError && e.message.startsWith(tsv) && message.test(e.message), `${JSON.stringify(text)} -> ${message}`);
  }
  const { stsb } = tempFiles({ stsb: '0\t1.5\n1\tabc\n' });
  assert.throws(() => scorePredictions({ task: 'glue/stsb', gold: [1, 2], predictions: stsb }), /line 2: prediction "abc" is not a number/);
  assert.throws(() => scorePredictions({ task: 'glue/stsb', gold: [1, 2], predictions: '/nonexistent/p.tsv' }), /\/nonexistent\/p\.tsv: cannot read: ENOENT/);
});
