// Bad SQuAD inputs to scorePredictions: one UserError naming the file and the question (or JSON path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scorePredictions, UserError } from '../src/index.js';
import { tempFiles } from './metrics_util.js';

const data = { version: 'v2.0', data: [{ title: 't', paragraphs: [{ context: 'c', qas: [
  { id: 'q1', question: '?', answers: [{ text: 'x', answer_start: 0 }] },
  { id: 'q2', question: '?', answers: [] },
] }] }] };

function fails(files: Record<string, unknown>, request: { task: 'squad1' | 'squad2'; naProbs?: boolean }, file: string, message: RegExp): void {
  const paths = tempFiles({ 'data.json': data, ...files });
  assert.throws(
    () => scorePredictions({ task: request.task, data: paths['data.json'], predictions: paths['p.json'], naProbs: request.naProbs ? paths['na.json'] : undefined }),
    (e: Error) => e instanceof UserError && e.message.startsWith(`${paths[file]}: `) && message.test(e.message),
    `${file}: ${message}`,
  );
}

test('SQuAD predictions and null_odds files: unknown or (v2.0) missing ids, wrong types, non-JSON', () => {
  fails({ 'p.json': { q1: 'x' } }, { task: 'squad2' }, 'p.json', /no entry for question "q2" of .*data\.json \(1 of 2 missing\)$/);
  fails({ 'p.json': { q1: 'x', q2: '', q3: 'y', q4: 'z' } }, { task: 'squad2' }, 'p.json', /question "q3" is not in .*data\.json \(2 of the 4 entries are not\)$/);
  fails({ 'p.json': { q1: 'x', q3: '' } }, { task: 'squad1' }, 'p.json', /question "q3" is not in/);
  fails({ 'p.json': { q1: ['x'], q2: '' } }, { task: 'squad2' }, 'p.json', /question "q1": expected a string, got an array$/);
  fails({ 'p.json': 'not json' }, { task: 'squad2' }, 'p.json', /not valid JSON/);
  fails({ 'p.json': '' }, { task: 'squad2' }, 'p.json', /empty file/);
  fails({ 'p.json': {} }, { task: 'squad2' }, 'p.json', /no questions \(an empty JSON object\)/);
  fails({ 'p.json': { q1: 'x', q2: '' }, 'na.json': { q1: 0.5 } }, { task: 'squad2', naProbs: true }, 'na.json', /no entry for question "q2"/);
  fails({ 'p.json': { q1: 'x', q2: '' }, 'na.json': { q1: 0.5, q2: '0.1' } }, { task: 'squad2', naProbs: true }, 'na.json', /question "q2": expected a number, got a string/);
  fails({ 'p.json': { q1: 'x', q2: '' }, 'na.json': { q1: 0.5, q2: 0, q9: 1 } }, { task: 'squad2', naProbs: true }, 'na.json', /question "q9" is not in/);
  fails({ 'p.json': { q1: 'x' } }, { task: 'squad1' }, 'data.json', /question q2 has no gold answers: SQuAD 1.1 scores answerable questions only/);
});

test('a malformed SQuAD data file names its JSON path', () => {
  const bad = (d: unknown, message: RegExp) => {
    const paths = tempFiles({ 'd.json': d, 'p.json': { q1: 'x' } });
    assert.throws(() => scorePredictions({ task: 'squad2', data: paths['d.json'], predictions: paths['p.json'] }),
      (e: Error) => e instanceof UserError && e.message.startsWith(`${paths['d.json']}: `) && message.test(e.message), String(message));
  };
  bad({ version: '1.1' }, /: data: missing \(not a SQuAD file\?\)/);
  bad({ data: [{ paragraphs: [{ qas: [{ id: 7, answers: [] }] }] }] }, /data\[0\]\.paragraphs\[0\]\.qas\[0\]\.id: expected a string, got a number/);
  bad({ data: [{ paragraphs: [{ qas: [{ id: 'q1', answers: [{ text: 3 }] }] }] }] }, /qas\[0\]\.answers\[0\]\.text \(question q1\): expected a string/);
  bad({ data: [{ paragraphs: [{ qas: [{ id: 'q1', answers: [] }, { id: 'q1', answers: [] }] }] }] }, /qas\[1\]: question id "q1" again/);
  bad({ data: [{ paragraphs: [{ qas: [{ id: 'q1' }] }] }] }, /qas\[0\]\.answers: missing/);
  bad({ data: [] }, /no questions/);
});

test('SQuAD 1.1 notes a data file whose version is not 1.1, as the official script does; na_probs are for 2.0 only', () => {
  const v1 = { version: '2.0', data: [{ paragraphs: [{ qas: [{ id: 'q1', answers: [{ text: 'x' }] }] }] }] };
  const paths = tempFiles({ 'd.json': v1, 'p.json': { q1: 'x' }, 'na.json': { q1: 0 } });
  const r = scorePredictions({ task: 'squad1', data: paths['d.json'], predictions: paths['p.json'] });
  assert.deepEqual(r.warnings, ['Evaluation expects v-1.1, but got dataset with v-2.0']);
  assert.deepEqual(r.metrics, { exact_match: 100, f1: 100 });
  assert.throws(() => scorePredictions({ task: 'squad1', data: paths['d.json'], predictions: paths['p.json'], naProbs: paths['na.json'] }), /for squad2 only/);
  assert.throws(() => scorePredictions({ task: 'squad3' } as never), /cannot score task 'squad3'/);
});
