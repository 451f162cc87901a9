// RACE as a fine-tuning family: a tiny model learns to choose the option the passage names, from the
// unpacked folder layout, through finetune(); accuracy overall and per level; albert predict's JSON
// (id -> letter) scored by albert evaluate --predictions as in memory; --levels; HF jsonl; the real
// race.tar.gz; bad input at the command level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { finetune } from '../src/finetune/finetune.js';
import { Rng } from '../src/data/rng.js';
import { RACE_CHOICES } from '../src/index.js';
import { albert } from './finetune_helpers.js';
import { put, scratch, tinyTokenizerFile } from './tasks_helpers.js';
import { ALBERT_MODEL, SHARED } from './tokenizer_helpers.js';

const dir = scratch('finetune-race');
const tok = tinyTokenizerFile(dir);
const quiet = { onWarning: () => {} };
/** Small enough to train in seconds; initializer_range 0.1 keeps it off the ln(4) plateau a 0.02 init sits on for hundreds of steps at this size. */
const SMALL = { embedding_size: 16, hidden_size: 64, num_attention_heads: 2, intermediate_size: 128, num_hidden_layers: 2, initializer_range: 0.1 };
const LENGTHS = ['--max-seq-length', '64', '--max-qa-length', '16'];
const TINY_FLAGS = Object.entries({ ...SMALL, num_hidden_layers: 1 }).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

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

const TAR = path.join(SHARED, 'race.tar.gz');
const REAL = !fs.existsSync(TAR) || !fs.existsSync(ALBERT_MODEL) ? 'needs ../shared/data (race.tar.gz and the ALBERT tokenizer); not present' : false;

test('real RACE (race.tar.gz unpacked into a scratch folder): a few steps on dev/middle passages with --levels middle; predict and score the HF jsonl', { skip: REAL }, async () => {
  const tmp = scratch('race-real');
  execFileSync('tar', ['xzf', TAR, '-C', tmp, 'race/RACE/dev/middle', 'race/RACE_test_middle_hf_jsonl']);
  // A train/dev layout of its own from the first dev/middle passages (train/high is partial, and the test is small).
  const src = path.join(tmp, 'race', 'RACE', 'dev', 'middle');
  const files = fs.readdirSync(src).filter((f) => f.endsWith('.txt')).sort((a, b) => parseInt(a) - parseInt(b)).slice(0, 10);
  const data = path.join(tmp, 'mine');
  files.forEach((f, k) => put(data, `RACE/${k < 6 ? 'train' : 'dev'}/middle/${f}`, fs.readFileSync(path.join(src, f))));
  const count = (fs: string[]) => fs.reduce((n, f) => n + JSON.parse(readFileSyncUtf8(path.join(src, f))).questions.length, 0);
  const out = path.join(tmp, 'out');
  const run = ['--model', 'tiny', '--tokenizer', ALBERT_MODEL, '--threads', '1', '--max-seq-length', '128', '--max-qa-length', '64', '--quiet', ...TINY_FLAGS];
  const f = albert(['finetune', '--task', 'race', '--data', data, '--output', out, '--levels', 'middle', '--steps', '2', '--batch-size', '2', ...run]);
  assert.equal(f.status, 0, f.stderr);
  const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.deepEqual([rep.train.examples, rep.eval_splits[0].examples], [count(files.slice(0, 6)), count(files.slice(6))]);
  // Middle passages only: no accuracy_high.
  assert.deepEqual(Object.keys(rep.final.metrics), ['accuracy', 'accuracy_middle']);
  assert.equal(rep.final.metrics.accuracy, rep.final.metrics.accuracy_middle);
  // Without --levels the folder's missing high/ is one clear error.
  const e = albert(['finetune', '--task', 'race', '--data', data, '--output', path.join(tmp, 'out2'), '--steps', '1', ...run]);
  assert.equal(e.status, 1);
  assert.equal(e.stderr.trim(), `albert: ${path.join(data, 'RACE', 'train', 'high')}: no such folder (RACE's layout is RACE/train/high/<n>.txt)`);

  // HF jsonl (test-middle, its first rows): predict, then score that file against the jsonl's answers, as evaluate --model does.
  const rows = readFileSyncUtf8(path.join(tmp, 'race', 'RACE_test_middle_hf_jsonl', 'test_middle.jsonl')).split('\n').slice(0, 12);
  const jsonl = put(tmp, 'test12.jsonl', rows.join('\n') + '\n');
  const preds = path.join(tmp, 'preds.json');
  const p = albert(['predict', '--task', 'race', '--data', jsonl, '--model', path.join(out, 'model'), '--output', preds, '--max-seq-length', '128', '--max-qa-length', '64']);
  assert.equal(p.status, 0, p.stderr);
  const predicted = JSON.parse(readFileSyncUtf8(preds));
  const perPassage = new Map<string, number>();
  const ids = rows.map((l) => { const r = JSON.parse(l); const k = perPassage.get(r.example_id) ?? 0; perPassage.set(r.example_id, k + 1); return `${r.example_id}-${k}`; });
  assert.deepEqual(Object.keys(predicted), ids);
  const answers = rows.map((l) => JSON.parse(l).answer);
  const right = ids.filter((id, i) => predicted[id] === answers[i]).length / ids.length;
  const s = albert(['evaluate', '--task', 'race', '--data', jsonl, '--predictions', preds, '--json']);
  assert.equal(s.status, 0, s.stderr);
  assert.deepEqual(lastJson(s.stdout), { accuracy: right, accuracy_middle: right });
  const m = albert(['evaluate', '--task', 'race', '--data', jsonl, '--model', path.join(out, 'model'), '--max-seq-length', '128', '--max-qa-length', '64', '--json']);
  assert.equal(m.status, 0, m.stderr);
  assert.deepEqual(lastJson(m.stdout), { accuracy: right, accuracy_middle: right });
});

const readFileSyncUtf8 = (file: string) => fs.readFileSync(file, 'utf8');

/** `albert ARGS` that must fail with one line naming the problem. */
function fails(args: string[], message: string): void {
  const r = albert(args);
  assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  assert.equal(r.stderr.trim(), `albert: ${message}`);
}

test('bad input at the command level: one line naming the file and line or question, exit 1', () => {
  const bad = path.join(dir, 'bad');
  const run = (data: string, ...more: string[]) => ['finetune', '--task', 'race', '--data', data, '--model', 'tiny', '--tokenizer', tok, '--output', path.join(bad, 'out'),
    '--steps', '1', '--threads', '1', '--max-seq-length', '64', '--max-qa-length', '16', '--levels', 'middle', ...more];
  const uneq = put(bad, 'a/RACE/train/middle/1.txt', JSON.stringify({ answers: ['A', 'B'], options: [['a', 'b', 'c', 'd']], questions: ['q1', 'q2'], article: 'x', id: 'middle1.txt' }));
  fails(run(path.join(bad, 'a')), `${uneq}: line 1: 2 questions, 1 option lists and 2 answers: they must be as many`);
  const empty = put(bad, 'b/RACE/train/middle/1.txt', '');
  fails(run(path.join(bad, 'b')), `${empty}: is empty`);
  // Two passages under one id would make their questions' ids collide in the predictions.
  const p = passages('middle', 1, 9)[0];
  put(bad, 'c/RACE/train/middle/1.txt', JSON.stringify(p));
  const twice = put(bad, 'c/RACE/train/middle/2.txt', JSON.stringify(p));
  fails(run(path.join(bad, 'c')), `${twice}: line 1: question middle1.txt-0 again (first at ${path.join(bad, 'c/RACE/train/middle/1.txt')}:1)`);
  // --levels needs ids that tell the level in a jsonl file.
  const nolevel = put(bad, 'd.jsonl', `${JSON.stringify({ example_id: 'p7', article: 'x', question: 'q', options: ['a', 'b', 'c', 'd'], answer: 'A' })}\n`);
  fails(run(nolevel), `${nolevel}: line 1: passage "p7": its id does not tell its level (middle... or high...), so --levels cannot select it`);
  writeLayout(path.join(bad, 'e'), 'train', 'middle', [p]);
  fails(run(path.join(bad, 'e'), '--max-seq-length', '16'), `${path.join(bad, 'e')}: maxSeqLength (with maxQaLength 16) must be an integer of at least 19, got 16 (set by --max-seq-length and --max-qa-length)`);
  assert.ok(!fs.existsSync(path.join(bad, 'out')), 'nothing written');

  // Predictions files: an id the data lacks, a question without a prediction, a value that is not a letter.
  const dev = path.join(bad, 'dev');
  writeLayout(dev, 'dev', 'middle', passages('middle', 2, 10));
  const ids = passages('middle', 2, 10).flatMap((x) => x.questions.map((_, q) => `${x.id}-${q}`));
  const score = (preds: Record<string, unknown>, name: string) => {
    const file = put(bad, name, JSON.stringify(preds));
    return { file, args: ['evaluate', '--task', 'race', '--data', dev, '--levels', 'middle', '--predictions', file] };
  };
  const all = Object.fromEntries(ids.map((id) => [id, 'A']));
  const unknown = score({ ...all, 'middle9.txt-0': 'B' }, 'unknown.json');
  fails(unknown.args, `${unknown.file}: question "middle9.txt-0" is not in ${dev}`);
  const missing = score(Object.fromEntries(ids.slice(1).map((id) => [id, 'A'])), 'missing.json');
  fails(missing.args, `${missing.file}: no entry for question "${ids[0]}" of ${dev} (1 of ${ids.length} missing)`);
  const letter = score({ ...all, [ids[0]]: 'E' }, 'letter.json');
  fails(letter.args, `${letter.file}: question "${ids[0]}": expected an option letter A, B, C or D, got "E"`);
  const ok = albert(score(all, 'ok.json').args.concat('--json'));
  assert.equal(ok.status, 0, ok.stderr);
});
