// RACE as a fine-tuning family: a tiny model learns to choose the option the passage names, from the
// unpacked folder layout; accuracy overall and per level; --levels; HF jsonl; predictions JSON
// (id -> letter) scored from the file as from memory; the real race.tar.gz; bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRaceTask } from '../src/finetune/race_task.js';
import { RACE_CHOICES, scoreRaceFile, type RaceGold } from '../src/index.js';
import { put, scratch, tinyTokenizer } from './tasks_helpers.js';
import { pick, seeded, tinyModel, trainLoop } from './finetune_helpers.js';

const CONTENT = ['cat', 'dog', 'mat', 'paris', 'france', 'city', 'river', 'blue', 'red', 'capital'];
const FRAMES = ['the _ sat on the _', 'a _ was in the _', 'the _ of the _', 'where is the _'];
const QUESTIONS = ['which is in the text?', 'the text is about the _ .'];

/** Passages that name one content word (several times); each question's right option is that word, the others are not in the text. */
function writePassages(dir: string, split: string, level: 'middle' | 'high', n: number, seed: number): void {
  const r = seeded(seed);
  for (let k = 1; k <= n; k++) {
    const words = [...CONTENT].sort(() => r() - 0.5);
    const article = `${Array.from({ length: 3 }, () => pick(r, FRAMES)).join(' . ').replaceAll('_', words[0])} .`;
    const questions: string[] = [], options: string[][] = [], answers: string[] = [];
    for (let q = 0; q < 1 + Math.floor(r() * 3); q++) {
      const at = Math.floor(r() * 4);
      const opts = words.slice(1).sort(() => r() - 0.5).slice(0, 3);
      opts.splice(at, 0, words[0]);
      questions.push(pick(r, QUESTIONS)); options.push(opts); answers.push(RACE_CHOICES[at]);
    }
    put(dir, `RACE/${split}/${level}/${k}.txt`, JSON.stringify({ answers, options, questions, article, id: `${level}${k}.txt` }));
  }
}

test('race: a tiny model fine-tuned from scratch chooses the option the passage names (>= 95% dev accuracy), per level, written and scored as the file', () => {
  const dir = scratch('race-learn');
  writePassages(dir, 'train', 'middle', 300, 1);
  writePassages(dir, 'train', 'high', 300, 2);
  writePassages(dir, 'dev', 'middle', 30, 3);
  writePassages(dir, 'dev', 'high', 30, 4);
  const tokenizer = tinyTokenizer();
  const task = openRaceTask('race', { role: 'finetune', data: dir, tokenizer, maxSeqLength: 64, maxQaLength: 16 });
  assert.deepEqual([task.head, task.mainMetric, task.config], ['multiple-choice', 'accuracy', {}]);
  const model = tinyModel(tokenizer.vocabSize, task.head, task.config, { hidden_size: 64, intermediate_size: 128 });
  const t0 = Date.now();
  const losses = trainLoop(model, task, { steps: 600, batch: 8, lr: 1e-3, warmup: 20 });
  const [dev] = task.evalSplits();
  assert.deepEqual([dev.name, dev.file, dev.labelled], ['dev', dir, true]);
  const predictions = dev.predict(model, 16);
  const scores = dev.score(predictions);
  console.log('race loss', losses[0].toFixed(3), '->', losses.at(-1)!.toFixed(3), scores, `${Date.now() - t0} ms`);
  assert.deepEqual(Object.keys(scores), ['accuracy', 'accuracy_middle', 'accuracy_high']);
  assert.ok(scores.accuracy >= 0.95, JSON.stringify(scores));
  const out = join(dir, 'preds', 'race.json');
  assert.deepEqual(dev.writePredictions(predictions, out), [out]);
  const written = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(Object.keys(written).length, dev.examples);
  assert.match(Object.keys(written)[0], /^middle1\.txt-0$/);
  assert.ok(Object.values(written).every((l) => /^[ABCD]$/.test(l as string)));
  // The file scored without the model, against gold read independently of the family.
  const gold = new Map<string, RaceGold>();
  for (const level of ['middle', 'high'] as const) {
    for (let k = 1; k <= 30; k++) {
      const p = JSON.parse(readFileSync(join(dir, 'RACE/dev', level, `${k}.txt`), 'utf8'));
      p.answers.forEach((a: string, q: number) => gold.set(`${level}${k}.txt-${q}`, { answer: a, level }));
    }
  }
  assert.deepEqual(scoreRaceFile({ task: 'race', gold, predictions: out }).metrics, scores);
});
