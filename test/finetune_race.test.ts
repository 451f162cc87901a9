// RACE as a fine-tuning family: a tiny model learns to choose the option the passage names, from the
// unpacked folder layout, through finetune(); accuracy overall and per level; albert predict's JSON
// (id -> letter) scored by albert evaluate --predictions as in memory; --levels; HF jsonl; the real
// race.tar.gz; bad input at the command level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { finetune } from '../src/finetune/finetune.js';
import { Rng } from '../src/data/rng.js';
import { RACE_CHOICES } from '../src/index.js';
import { albert } from './finetune_helpers.js';
import { put, scratch, tinyTokenizerFile } from './tasks_helpers.js';

const dir = scratch('finetune-race');
const tok = tinyTokenizerFile(dir);
const quiet = { onWarning: () => {} };
/** Small enough to train in seconds; initializer_range 0.1 keeps it off the ln(4) plateau a 0.02 init sits on for hundreds of steps at this size. */
const SMALL = { embedding_size: 16, hidden_size: 64, num_attention_heads: 2, intermediate_size: 128, num_hidden_layers: 2, initializer_range: 0.1 };
const LENGTHS = ['--max-seq-length', '64', '--max-qa-length', '16'];

const CONTENT = ['cat', 'dog', 'mat', 'paris', 'france', 'city', 'river', 'blue', 'red', 'capital'];
const FRAMES = ['the _ sat on the _', 'a _ was in the _', 'the _ of the _', 'where is the _'];
const QUESTIONS = ['which is in the text?', 'the text is about the _ .'];

interface Passage { answers: string[]; options: string[][]; questions: string[]; article: string; id: string }

/** Passages that name one content word (several times); each question's right option is that word, the other three are not in the text. */
function passages(level: 'middle' | 'high', n: number, seed: number): Passage[] {
  const r = new Rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[r.randint(0, xs.length - 1)];
  const shuffled = <T>(xs: readonly T[]) => { const a = [...xs]; for (let i = a.length - 1; i > 0; i--) { const j = r.randint(0, i); [a[i], a[j]] = [a[j], a[i]]; } return a; };
  return Array.from({ length: n }, (_, k) => {
    const [named, ...others] = shuffled(CONTENT);
    const article = `${Array.from({ length: 3 }, () => pick(FRAMES)).join(' . ').replaceAll('_', named)} .`;
    const p: Passage = { answers: [], options: [], questions: [], article, id: `${level}${k + 1}.txt` };
    for (let q = r.randint(1, 3); q > 0; q--) {
      const at = r.randint(0, 3);
      const options = shuffled(others).slice(0, 3);
      options.splice(at, 0, named);
      p.questions.push(pick(QUESTIONS)); p.options.push(options); p.answers.push(RACE_CHOICES[at]);
    }
    return p;
  });
}

/** Passages at root/RACE/split/level/<n>.txt, as race.tar.gz unpacks. */
function writeLayout(root: string, split: string, level: 'middle' | 'high', ps: Passage[]): void {
  ps.forEach((p, k) => put(root, `RACE/${split}/${level}/${k + 1}.txt`, JSON.stringify(p)));
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

test('race: a tiny model fine-tuned from scratch chooses the option the passage names (>= 95% dev accuracy, per level); predict\'s JSON scores as in memory', async () => {
  const data = path.join(dir, 'learn');
  writeLayout(data, 'train', 'middle', passages('middle', 300, 1));
  writeLayout(data, 'train', 'high', passages('high', 300, 2));
  const dev = { middle: passages('middle', 30, 3), high: passages('high', 30, 4) };
  writeLayout(data, 'dev', 'middle', dev.middle);
  writeLayout(data, 'dev', 'high', dev.high);
  const out = path.join(dir, 'learn-out');
  const t0 = Date.now();
  const r = await finetune({
    task: 'race', data, output: out, model: 'tiny', tokenizer: tok, set: SMALL, threads: 1, maxSeqLength: 64, maxQaLength: 16,
    steps: 1000, batchSize: 8, lr: 1e-3, warmupSteps: 20, classifierDropout: 0, logEvery: 100, ...quiet,
  });
  const rep = r.report!;
  console.log('race', rep.final!.metrics, `${Date.now() - t0} ms`);
  assert.equal(rep.main_metric, 'accuracy');
  const questions = (ps: Passage[]) => ps.reduce((n, p) => n + p.questions.length, 0);
  assert.deepEqual(rep.eval_splits, [{ name: 'dev', file: data, examples: questions(dev.middle) + questions(dev.high) }]);
  assert.equal(rep.train.units, rep.train.examples);
  const scores = rep.final!.metrics;
  assert.deepEqual(Object.keys(scores), ['accuracy', 'accuracy_middle', 'accuracy_high']);
  assert.ok(scores.accuracy >= 0.95, JSON.stringify(scores));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(r.modelDir, 'config.json'), 'utf8')).architectures, ['AlbertForMultipleChoice']);

  // albert predict on dev: a JSON object question id -> letter, counted here against the passages' answers.
  const preds = path.join(dir, 'race-preds.json');
  const p = albert(['predict', '--task', 'race', '--data', data, '--split', 'dev', '--model', r.modelDir, '--output', preds, ...LENGTHS]);
  assert.equal(p.status, 0, p.stderr);
  const predicted = JSON.parse(fs.readFileSync(preds, 'utf8'));
  const gold = (['middle', 'high'] as const).flatMap((level) => dev[level].flatMap((ps) => ps.answers.map((a, q) => ({ id: `${ps.id}-${q}`, a, level }))));
  assert.deepEqual(Object.keys(predicted), gold.map((g) => g.id));
  const acc = (gs: typeof gold) => gs.filter((g) => predicted[g.id] === g.a).length / gs.length;
  assert.deepEqual([acc(gold), acc(gold.filter((g) => g.level === 'middle')), acc(gold.filter((g) => g.level === 'high'))],
    [scores.accuracy, scores.accuracy_middle, scores.accuracy_high]);
  // The file scored without the model, and the model evaluated again: both as finetune's final evaluation.
  const s = albert(['evaluate', '--task', 'race', '--data', data, '--predictions', preds, '--json']);
  assert.equal(s.status, 0, s.stderr);
  assert.deepEqual(lastJson(s.stdout), scores);
  const e = albert(['evaluate', '--task', 'race', '--data', data, '--model', r.modelDir, ...LENGTHS, '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.deepEqual(lastJson(e.stdout), scores);
});
