// The user's own data: the RFC 4180 CSV parser, TSV/CSV/JSONL readers, label discovery (HF's sorted
// order) and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, readTabular, discoverLabels, labelMaps } from '../src/index.js';
import { put, scratch } from './tasks_helpers.js';

test('CSV: RFC 4180 quoting, CRLF and LF, quoted line breaks, records keep their first line', () => {
  const text = 'text,label\r\n"a, b",x\r\n\r\n"say ""hi""\r\nthen go",y\nplain "quote" stays,z\n"",\n';
  assert.deepEqual(parseCsv(text, 'f.csv'), [
    { fields: ['text', 'label'], line: 1 },
    { fields: ['a, b', 'x'], line: 2 },
    { fields: ['say "hi"\r\nthen go', 'y'], line: 4 },
    { fields: ['plain "quote" stays', 'z'], line: 6 },
    { fields: ['', ''], line: 7 },
  ]);
  assert.deepEqual(parseCsv('a,b', 'f.csv'), [{ fields: ['a', 'b'], line: 1 }]); // no final line end
  assert.deepEqual(parseCsv('""\n', 'f.csv'), [{ fields: [''], line: 1 }]); // a quoted empty field is a record, a blank line is not
  assert.throws(() => parseCsv('t,l\n"open,1\nmore\n', 'f.csv'), { message: 'f.csv: line 2: a quoted field is never closed' });
  assert.throws(() => parseCsv('t,l\n"a\nb"x,1\n', 'f.csv'), { message: 'f.csv: line 3: unexpected "x" after a closing quote (a quote inside a quoted field is written "")' });
});

test('classification from TSV, CSV and JSONL: columns by name, labels discovered and sorted as HF run_glue', () => {
  const dir = scratch('tabular');
  const tsv = put(dir, 'train.tsv', 'id\ttext\tother\tlabel\na1\tgood "film"\tx\tpos\na2\tbad film\ty\tneg\na3\tmeh\tz\tneutral\n');
  const d = readTabular(tsv, { problemType: 'single_label_classification' });
  assert.deepEqual(d.labels, ['neg', 'neutral', 'pos']);
  assert.deepEqual(d.examples.map((e) => [e.id, e.textA, e.textB, e.label, e.source.line]), [['a1', 'good "film"', null, 2, 2], ['a2', 'bad film', null, 0, 3], ['a3', 'meh', null, 1, 4]]);
  assert.deepEqual(labelMaps(d.labels).id2label, { 0: 'neg', 1: 'neutral', 2: 'pos' });

  const csv = put(dir, 'pairs.csv', 'premise,hypothesis,y\n"A man, tall","He is ""tall""",10\nB,C,9\nD,E,2\n');
  const p = readTabular(csv, { problemType: 'single_label_classification', textColumn: 'premise', textPairColumn: 'hypothesis', labelColumn: 'y' });
  assert.deepEqual(p.labels, ['2', '9', '10']); // numeric labels sort as numbers
  assert.deepEqual(p.examples[0], { id: '0', textA: 'A man, tall', textB: 'He is "tall"', label: 2, source: { file: csv, line: 2 } });

  const jsonl = put(dir, 'dev.jsonl', '{"text": "x", "label": "pos"}\n\n{"text": "y", "label": "neg", "idx": 7}\n');
  const j = readTabular(jsonl, { problemType: 'single_label_classification', labels: d.labels });
  assert.deepEqual(j.examples.map((e) => [e.id, e.label, e.source.line]), [['0', 2, 1], ['1', 0, 3]]);
  assert.deepEqual(j.labels, ['neg', 'neutral', 'pos']); // the given (train's) list, not this file's

  // Code point order, as Python sorts str (JS's default sort puts U+FF5E before U+1F600).
  assert.deepEqual(discoverLabels(['\u{1F600}', '\uFF5E', 'b', 'B'], 'f'), ['B', 'b', '\uFF5E', '\u{1F600}']);
  // A file to predict on: no label column.
  const test_ = put(dir, 'test.csv', 'text\nhello\n');
  assert.deepEqual(readTabular(test_, { problemType: 'single_label_classification', labels: d.labels, requireLabels: false }).examples.map((e) => e.label), [null]);
});

test('regression and multi-label targets', () => {
  const dir = scratch('tabular-targets');
  const reg = put(dir, 'r.csv', 'text,score\na,3.5\nb, -1e-2 \nc,7\n');
  const r = readTabular(reg, { problemType: 'regression', labelColumn: 'score' });
  assert.deepEqual(r.examples.map((e) => e.label), [3.5, -0.01, 7]);
  assert.deepEqual(r.labels, []);
  const jr = put(dir, 'r.jsonl', '{"text": "a", "label": 0.25}\n');
  assert.equal(readTabular(jr, { problemType: 'regression' }).examples[0].label, 0.25);

  const ml = put(dir, 'm.tsv', 'text\tlabel\nx\tsports,news\ny\t\nz\tnews\n');
  const m = readTabular(ml, { problemType: 'multi_label_classification' });
  assert.deepEqual(m.labels, ['news', 'sports']);
  assert.deepEqual(m.examples.map((e) => e.label), [[1, 0], [], [0]]);
  const mj = put(dir, 'm.jsonl', '{"text": "x", "label": ["b", "a"]}\n{"text": "y", "label": "a|c"}\n');
  const mm = readTabular(mj, { problemType: 'multi_label_classification', labelSeparator: '|' });
  assert.deepEqual([mm.labels, mm.examples.map((e) => e.label)], [['a', 'b', 'c'], [[1, 0], [0, 2]]]);
});

test('bad user data: one error naming the file, the line and the problem', () => {
  const dir = scratch('tabular-bad');
  const cols = put(dir, 'a.tsv', 'text\tlabel\nfine\tx\ntoo\tmany\tcolumns\n');
  assert.throws(() => readTabular(cols, { problemType: 'single_label_classification' }), { message: `${cols}: line 3: 3 columns, expected 2 (as the header)` });
  const csvCols = put(dir, 'a.csv', 'text,label\n"one, two"\n');
  assert.throws(() => readTabular(csvCols, { problemType: 'single_label_classification' }), { message: `${csvCols}: line 2: 1 column, expected 2 (as the header)` });
  const dev = put(dir, 'dev.csv', 'text,label\na,pos\nb,"posi\ntive"\n');
  assert.throws(() => readTabular(dev, { problemType: 'single_label_classification', labels: ['neg', 'pos'] }),
    { message: `${dev}: line 3: unknown label "posi\\ntive" (the labels are "neg", "pos")` });
  const reg = put(dir, 'r.tsv', 'text\tlabel\na\t1.5\nb\thigh\n');
  assert.throws(() => readTabular(reg, { problemType: 'regression' }), { message: `${reg}: line 3: regression target "high" is not a number` });
  const nan = put(dir, 'n.tsv', 'text\tlabel\na\tnan\n');
  assert.throws(() => readTabular(nan, { problemType: 'regression' }), /line 2: regression target "nan" is not a number/);
  const missing = put(dir, 'c.csv', 'sentence,label\na,b\n');
  assert.throws(() => readTabular(missing, { problemType: 'single_label_classification' }), { message: `${missing}: has no text column "text" (its columns: sentence, label)` });
  const noLabel = put(dir, 'c.jsonl', '{"text": "a", "label": "x"}\n{"text": "b"}\n');
  assert.throws(() => readTabular(noLabel, { problemType: 'single_label_classification' }), { message: `${noLabel}: line 2: no label field "label"` });
  const badJson = put(dir, 'd.jsonl', '{"text": "a", "label": "x"}\n{"text": \n');
  assert.throws(() => readTabular(badJson, { problemType: 'single_label_classification' }), new RegExp(`^UserError: ${badJson}: line 2: not valid JSON`));
  const notText = put(dir, 'e.jsonl', '{"text": 5, "label": "x"}\n');
  assert.throws(() => readTabular(notText, { problemType: 'single_label_classification' }), { message: `${notText}: line 1: text field "text" is 5, not a string` });
  const empty = put(dir, 'empty.csv', '\n\n');
  assert.throws(() => readTabular(empty, { problemType: 'single_label_classification' }), { message: `${empty}: is empty` });
  const headerOnly = put(dir, 'h.csv', 'text,label\n');
  assert.throws(() => readTabular(headerOnly, { problemType: 'single_label_classification' }), { message: `${headerOnly}: has no examples (only a header)` });
  assert.throws(() => readTabular(put(dir, 'x.txt', 'a'), { problemType: 'regression' }), /cannot tell the format from the extension ".txt"/);
});
