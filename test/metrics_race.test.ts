// RACE accuracy (overall, middle, high) against sklearn's accuracy_score, and RACE predictions files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scorePredictions, scoreRace, UserError, type RaceGold } from '../src/index.js';
import { fixture, sameMetrics, tempFiles } from './metrics_util.js';

interface RaceFixture { cases: Array<{ gold: Record<string, RaceGold>; predicted: Record<string, string>; expected: Array<[string, number]> }> }
const refs = fixture<RaceFixture>('race.json');

test('scoreRace equals sklearn accuracy overall and per level; a level appears only when the gold has it', () => {
  refs.cases.forEach((c, i) => {
    const gold = new Map(Object.entries(c.gold).map(([id, g]) => [id, g.level ? g : { answer: g.answer }]));
    sameMetrics(scoreRace(gold, new Map(Object.entries(c.predicted))), c.expected, `case ${i}`);
  });
});

test('a RACE predictions file (JSON id -> letter) is scored; missing or unknown ids and non-letters are one error naming the file and question', () => {
  const gold = new Map<string, RaceGold>([['m1.txt-0', { answer: 'A', level: 'middle' }], ['h7.txt-1', { answer: 'C', level: 'high' }]]);
  const ok = tempFiles({ 'p.json': { 'h7.txt-1': 'C', 'm1.txt-0': 'B' } });
  sameMetrics(scorePredictions({ task: 'race', gold, predictions: ok['p.json'] }).metrics, { accuracy: 0.5, accuracy_middle: 0, accuracy_high: 1 }, 'file');
  const cases: Array<[unknown, RegExp]> = [
    [{ 'm1.txt-0': 'A' }, /no entry for question "h7\.txt-1" of dev \(1 of 2 missing\)/],
    [{ 'm1.txt-0': 'A', 'h7.txt-1': 'C', 'x.txt-9': 'D' }, /question "x\.txt-9" is not in dev/],
    [{ 'm1.txt-0': 'a', 'h7.txt-1': 'C' }, /question "m1\.txt-0": expected an option letter A, B, C or D, got "a"/],
    [{ 'm1.txt-0': 0, 'h7.txt-1': 'C' }, /question "m1\.txt-0": expected a string, got a number/],
    [['A', 'C'], /expected a JSON object of question id -> string, got an array/],
    ['{"m1.txt-0": "A"\n "h7.txt-1": "C"}', /line 2: not valid JSON \(Expected ',' or '}' after property value/],
    ['{"m1.txt-0": "A",\n "h7.txt-1": }', /not valid JSON \(Unexpected token/],
  ];
  for (const [content, message] of cases) {
    const { p } = tempFiles({ p: content });
    assert.throws(() => scorePredictions({ task: 'race', gold, predictions: p, data: 'dev' }),
      (e: Error) => e instanceof UserError && e.message.startsWith(`${p}: `) && message.test(e.message), String(message));
  }
});
