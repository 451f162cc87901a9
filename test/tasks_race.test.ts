// RACE: the original layout (small files written here; the real race.tar.gz when present) and HF's
// jsonl, race_utils' question+option join and truncation, the (B, 4, S) batch, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { featurizeRace, raceBatch, raceQa, readRace, readRaceJsonl, type RaceExample } from '../src/index.js';
import { SHARED } from './tokenizer_helpers.js';
import { put, scratch, tinyTokenizer } from './tasks_helpers.js';

const passage = (id: string, article: string, questions: string[], options: string[][], answers: string[]) => JSON.stringify({ answers, options, questions, article, id });

test('reading the original layout (one passage per <n>.txt, or all.txt) and HF jsonl', () => {
  const dir = scratch('race');
  put(dir, 'RACE/dev/middle/10.txt', passage('middle10.txt', 'The cat sat.', ['Who sat?', 'The _ sat.'], [['cat', 'dog', 'red', 'blue'], ['cat', 'dog', 'a', 'b']], ['A', 'A']));
  put(dir, 'RACE/dev/middle/2.txt', passage('middle2.txt', 'Red.', ['Color?'], [['red', 'blue', 'a', 'b']], ['A']));
  put(dir, 'RACE/dev/high/1.txt', passage('high1.txt', 'Paris.', ['Where?'], [['a', 'b', 'Paris', 'd']], ['C']) + '\n');
  const all = readRace(dir, 'dev');
  assert.deepEqual(all.map((e) => [e.id, e.level, e.label]), [['middle2.txt-0', 'middle', 0], ['middle10.txt-0', 'middle', 0], ['middle10.txt-1', 'middle', 0], ['high1.txt-0', 'high', 2]]);
  assert.deepEqual(all[2], { id: 'middle10.txt-1', passage: 'middle10.txt', level: 'middle', article: 'The cat sat.', question: 'The _ sat.',
    options: ['cat', 'dog', 'a', 'b'], label: 0, source: { file: join(dir, 'RACE/dev/middle/10.txt'), line: 1 } });
  assert.deepEqual(readRace(join(dir, 'RACE'), 'dev', ['high']).map((e) => e.id), ['high1.txt-0']);
  // run_race's all.txt: a passage per line.
  put(dir, 'packed/dev/high/all.txt', `${passage('high1.txt', 'x', ['q'], [['a', 'b', 'c', 'd']], ['D'])}\n${passage('high5.txt', 'y', ['r'], [['a', 'b', 'c', 'd']], ['B'])}\n`);
  assert.deepEqual(readRace(join(dir, 'packed'), 'dev', ['high']).map((e) => [e.id, e.label, e.source.line]), [['high1.txt-0', 3, 1], ['high5.txt-0', 1, 2]]);
  // HF jsonl: a row per question, numbered within its example_id.
  const jsonl = put(dir, 'test_middle.jsonl', [
    { example_id: 'middle7.txt', article: 'A', answer: 'B', question: 'q1', options: ['a', 'b', 'c', 'd'] },
    { example_id: 'middle7.txt', article: 'A', answer: 'D', question: 'q2', options: ['a', 'b', 'c', 'd'] },
    { example_id: 'high3.txt', article: 'H', answer: 'A', question: 'q', options: ['a', 'b', 'c', 'd'] },
  ].map((r) => JSON.stringify(r)).join('\n'));
  assert.deepEqual(readRaceJsonl(jsonl).map((e) => [e.id, e.level, e.label, e.question]), [['middle7.txt-0', 'middle', 1, 'q1'], ['middle7.txt-1', 'middle', 3, 'q2'], ['high3.txt-0', 'high', 0, 'q']]);
});

test('race_utils: "_" replaced by the option, else appended; [CLS] article [SEP] qa [SEP] keeping the last qa tokens; (B, 4, S)', () => {
  assert.equal(raceQa('The _ sat on the _.', 'cat'), 'The cat sat on the cat.');
  assert.equal(raceQa('Who sat?', 'the cat'), 'Who sat? the cat');
  const tok = tinyTokenizer();
  const ex: RaceExample = { id: 'p-0', passage: 'p', level: 'middle', article: 'the cat sat on the mat in paris', question: 'who sat on the _', options: ['cat', 'dog', 'mat', 'red'], label: 1, source: { file: 'f', line: 1 } };
  const [f] = featurizeRace(tok, [ex], { maxSeqLength: 64, maxQaLength: 32 });
  assert.equal(f.choices.length, 4);
  const art = tok.encodeIds(ex.article);
  for (const [k, c] of f.choices.entries()) {
    const qa = tok.encodeIds(raceQa(ex.question, ex.options[k]));
    assert.deepEqual(c.ids, [tok.clsId, ...art, tok.sepId, ...qa, tok.sepId]);
    assert.deepEqual(c.typeIds, c.ids.map((_, i) => (i < art.length + 2 ? 0 : 1)));
  }
  // The qa keeps its LAST 3 tokens; the article its first ones, to fit 10 = 3 + 3 + 4.
  const [t] = featurizeRace(tok, [ex], { maxSeqLength: 10, maxQaLength: 3 });
  const qa0 = tok.encodeIds(raceQa(ex.question, 'cat'));
  assert.deepEqual(t.choices[0].ids, [tok.clsId, ...art.slice(0, 4), tok.sepId, ...qa0.slice(-3), tok.sepId]);
  assert.throws(() => featurizeRace(tok, [ex], { maxSeqLength: 5, maxQaLength: 3 }), /maxSeqLength \(with maxQaLength 3\) must be an integer of at least 6/);
  const feats = featurizeRace(tok, [ex, { ...ex, label: 3 }], { maxSeqLength: 32, maxQaLength: 16 });
  const { inputs, labels } = raceBatch(feats, [ex, { ...ex, label: 3 }], { seq: 32, padId: tok.padId });
  assert.deepEqual([inputs.batch, inputs.numChoices, inputs.seq, inputs.inputIds.length], [2, 4, 32, 2 * 4 * 32]);
  assert.deepEqual([...inputs.inputIds.subarray(32, 32 + feats[0].choices[1].ids.length)], feats[0].choices[1].ids);
  assert.deepEqual([...labels!.labels!], [1, 3]);
  assert.equal(raceBatch(feats, [{ ...ex, label: null }, ex], { seq: 'longest', padId: 0 }).labels, null);
});

test('bad RACE files: unequal questions / options / answers, bad answers and options, empty files, missing folders', () => {
  const dir = scratch('race-bad');
  const uneq = put(dir, 'RACE/train/middle/1.txt', passage('middle1.txt', 'A', ['q1', 'q2'], [['a', 'b', 'c', 'd']], ['A', 'B']));
  assert.throws(() => readRace(dir, 'train', ['middle']), { message: `${uneq}: line 1: 2 questions, 1 option lists and 2 answers: they must be as many` });
  const letter = put(dir, 'a/dev/high/1.txt', passage('high1.txt', 'A', ['q'], [['a', 'b', 'c', 'd']], ['E']));
  assert.throws(() => readRace(join(dir, 'a'), 'dev', ['high']), { message: `${letter}: line 1: question 0: answer "E" is not one of A, B, C, D` });
  const three = put(dir, 'b/dev/high/1.txt', passage('high1.txt', 'A', ['q'], [['a', 'b', 'c']], ['A']));
  assert.throws(() => readRace(join(dir, 'b'), 'dev', ['high']), { message: `${three}: line 1: question 0: needs 4 option strings, got ["a","b","c"]` });
  const empty = put(dir, 'c/dev/high/1.txt', '');
  assert.throws(() => readRace(join(dir, 'c'), 'dev', ['high']), { message: `${empty}: is empty` });
  assert.throws(() => readRace(join(dir, 'c'), 'test', ['high']), { message: `${join(dir, 'c/test/high')}: no such folder (RACE's layout is RACE/test/high/<n>.txt)` });
  put(dir, 'd/dev/high/notes.md', 'x');
  assert.throws(() => readRace(join(dir, 'd'), 'dev', ['high']), /d\/dev\/high: has no passages/);
  const rows = put(dir, 'x.jsonl', '{"example_id": "m1", "article": "A", "question": "q", "options": ["a", "b", "c", "d"], "answer": "A"}\n{"example_id": "m1", "article": "A", "options": []}\n');
  assert.throws(() => readRaceJsonl(rows), { message: `${rows}: line 2: the question is not a string` });
});

const TAR = join(SHARED, 'race.tar.gz');

test('the real RACE dev set and HF test-middle jsonl (race.tar.gz unpacked into a scratch folder)', { skip: !existsSync(TAR) && 'needs ../shared/data/race.tar.gz; not present' }, () => {
  const dir = scratch('race-real');
  execFileSync('tar', ['xzf', TAR, '-C', dir, 'race/RACE/dev', 'race/RACE_test_middle_hf_jsonl']);
  const middle = readRace(join(dir, 'race'), 'dev', ['middle']), high = readRace(join(dir, 'race', 'RACE'), 'dev', ['high']);
  assert.deepEqual([middle.length, new Set(middle.map((e) => e.passage)).size, high.length, new Set(high.map((e) => e.passage)).size], [1436, 368, 3451, 1021]);
  assert.ok([...middle, ...high].every((e) => e.options.length === 4 && e.label !== null && e.label >= 0 && e.label < 4));
  const hf = readRaceJsonl(join(dir, 'race', 'RACE_test_middle_hf_jsonl', 'test_middle.jsonl'));
  assert.deepEqual([hf.length, new Set(hf.map((e) => e.passage)).size], [1436, 362]);
  assert.ok(hf.every((e) => e.level === 'middle'));
  // Blanks are common: the join replaces them.
  assert.ok(middle.filter((e) => e.question.includes('_')).length > 100);
});
