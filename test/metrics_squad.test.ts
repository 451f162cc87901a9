// SQuAD metrics against a Python re-implementation of the official evaluate-v1.1.py / evaluate-v2.0.py
// (tools/metrics/make_metric_refs.py): normalization (incl. where Python's and JS's regexes and
// whitespace differ), EM/F1, both aggregates, the no-answer threshold, find_best_thresh, and the real
// dev sets with synthetic predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateSquadV2, exactMatch, normalizeAnswer, readSquadGold, scorePredictions, tokenF1, tokenF1V2, type SquadV2Options } from '../src/index.js';
import { isPythonWordChar, pythonSplit } from '../src/metrics/squad_answer.js';
import { SQUAD_DATA, close, fixture, sameMetrics, tempFiles } from './metrics_util.js';

type Pairs = Array<[string, number | null]>;
interface SquadFixture {
  normalize: Array<[string, string]>;
  pairs: Array<{ gold: string; predicted: string; exact: number; f1_v1: number; f1_v2: number }>;
  evaluations: Array<{ version: string; dataset: unknown; predictions: Record<string, string>; na_probs?: Record<string, number> | null; na_prob_thresh?: number; expected: Pairs; warnings?: string[] }>;
  real: Record<string, Pairs> & { v1_synthetic: { expected: Pairs; warnings: number; first_warning: string } };
}
interface PythonText { unicode_version: string; word: Array<[number, number]>; space: number[]; lower: Array<[number, string]>; unassigned: Array<[number, number]> }
const refs = fixture<SquadFixture>('squad.json');

test('normalizeAnswer equals normalize_answer on tricky strings (punctuation, articles, Unicode, Python whitespace)', () => {
  for (const [s, expected] of refs.normalize) assert.equal(normalizeAnswer(s), expected, JSON.stringify(s));
});

test('exact match and token F1 (v1.1 and v2.0 flavours) equal the official scripts on answer pairs', () => {
  refs.pairs.forEach((p, i) => {
    const what = `pair ${i} ${JSON.stringify([p.gold, p.predicted])}`;
    assert.equal(exactMatch(p.gold, p.predicted), p.exact, what);
    close(tokenF1(p.gold, p.predicted), p.f1_v1, `${what} v1`);
    close(tokenF1V2(p.gold, p.predicted), p.f1_v2, `${what} v2`);
  });
});

test("Python's word characters, whitespace and lower() agree with ours on every code point Python's Unicode assigns", () => {
  const py = fixture<PythonText>('python_text.json');
  const flags = (rs: Array<[number, number]>) => { const f = new Uint8Array(0x110000); for (const [a, b] of rs) f.fill(1, a, b + 1); return f; };
  const word = flags(py.word), unassigned = flags(py.unassigned), space = new Set(py.space), lower = new Map(py.lower);
  const bad: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (unassigned[cp]) continue;
    const ch = String.fromCodePoint(cp);
    if (isPythonWordChar(ch) !== (word[cp] === 1)) bad.push(`U+${cp.toString(16)} word`);
    if ((pythonSplit(`a${ch}b`).length === 2) !== space.has(cp)) bad.push(`U+${cp.toString(16)} space`);
    if (ch.toLowerCase() !== (lower.get(cp) ?? ch)) bad.push(`U+${cp.toString(16)} lower`);
  }
  assert.deepEqual(bad.slice(0, 20), [], `${bad.length} code points differ from Python ${py.unicode_version}`);
});

test('scorePredictions on small SQuAD files equals the official v1.1/v2.0 semantics: missing answers, no-answer threshold, best thresholds, key order', () => {
  refs.evaluations.forEach((c, i) => {
    const files = tempFiles({ 'data.json': c.dataset, 'predictions.json': c.predictions, ...(c.na_probs ? { 'null_odds.json': c.na_probs } : {}) });
    const task = c.version === '1.1' ? 'squad1' : 'squad2';
    const r = scorePredictions({ task, data: files['data.json'], predictions: files['predictions.json'], naProbs: files['null_odds.json'], naProbThreshold: c.na_prob_thresh });
    sameMetrics(r.metrics, c.expected, `evaluation ${i} (${task})`);
    if (c.warnings) assert.deepEqual(r.warnings, c.warnings, `evaluation ${i} warnings`);
  });
});

/** The rule tools/metrics/make_metric_refs.py (synthetic_prediction, synthetic_na_prob) makes predictions with. */
interface RawQa { id: string; question: string; answers: Array<{ text: string }>; plausible_answers?: Array<{ text: string }> }
function synthetic(file: string, skip?: (i: number) => boolean): { predictions: Record<string, string>; naProbs: Record<string, number>; gold: Record<string, string> } {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { data: Array<{ paragraphs: Array<{ context: string; qas: RawQa[] }> }> };
  const predictions: Record<string, string> = {}, naProbs: Record<string, number> = {}, gold: Record<string, string> = {};
  let i = 0;
  for (const article of data.data) for (const p of article.paragraphs) for (const qa of p.qas) {
    const answers = qa.answers.map((a) => a.text), plausible = (qa.plausible_answers ?? []).map((a) => a.text);
    const first = answers[0] ?? '';
    const rules = [
      () => first, () => '', () => `"${answers.length ? answers[answers.length - 1] : qa.question}!!`, () => `The  ${first} .`,
      () => p.context.split(' ').slice(0, 6).join(' '), () => plausible[0] ?? (answers.length ? first.split(' ')[0] : 'no'),
      () => `${first} ${qa.question.split(' ')[0]}`, () => qa.question,
    ];
    if (!skip?.(i)) predictions[qa.id] = rules[i % 8]();
    naProbs[qa.id] = ((i * 37) % 101) / (answers.length && (i % 8 === 0 || i % 8 === 3) ? 1000 : 100);
    gold[qa.id] = first;
    i++;
  }
  return { predictions, naProbs, gold };
}

const V1 = join(SQUAD_DATA, 'dev-v1.1.json'), V2 = join(SQUAD_DATA, 'dev-v2.0.json');
const skipReal = !(existsSync(V1) && existsSync(V2)) && 'needs ../shared/data/squad (the SQuAD dev sets); not present';

test('real SQuAD 1.1 dev, synthetic predictions with some missing: the official exact_match/f1 and one notice per unanswered question', { skip: skipReal }, () => {
  const s = synthetic(V1, (i) => i % 50 === 7);
  const files = tempFiles({ 'p.json': s.predictions, 'gold.json': s.gold });
  const r = scorePredictions({ task: 'squad1', data: V1, predictions: files['p.json'] });
  sameMetrics(r.metrics, refs.real.v1_synthetic.expected, 'v1 synthetic');
  assert.equal(r.warnings.length, refs.real.v1_synthetic.warnings);
  assert.equal(r.warnings[0], refs.real.v1_synthetic.first_warning);
  sameMetrics(scorePredictions({ task: 'squad1', data: V1, predictions: files['gold.json'] }).metrics, refs.real.v1_gold, 'v1 gold');
});

test('real SQuAD 2.0 dev, synthetic predictions and na_probs: every official key, thresholds 1.0 and 0.5; all-empty gives 50.07, gold gives 100', { skip: skipReal }, () => {
  const s = synthetic(V2);
  const files = tempFiles({ 'p.json': s.predictions, 'na.json': s.naProbs });
  sameMetrics(scorePredictions({ task: 'squad2', data: V2, predictions: files['p.json'], naProbs: files['na.json'] }).metrics, refs.real.v2_synthetic, 'v2 synthetic');
  // The same scorer without the files (read once), for the other settings.
  const { questions } = readSquadGold(V2);
  const predictions = new Map(Object.entries(s.predictions)), naProbs = new Map(Object.entries(s.naProbs));
  const score = (p: Map<string, string>, options: SquadV2Options = {}) => evaluateSquadV2(questions, p, options);
  sameMetrics(score(predictions, { naProbs, naProbThreshold: 0.5 }), refs.real['v2_synthetic_thresh_0.5'], 'v2 synthetic, threshold 0.5');
  sameMetrics(score(predictions), refs.real.v2_synthetic_no_na, 'v2 synthetic, no na_probs');
  const empties = score(new Map(questions.map((q) => [q.id, ''])));
  sameMetrics(empties, refs.real.v2_empty, 'v2 all empty');
  assert.equal(empties.exact.toFixed(2), '50.07');
  sameMetrics(score(new Map(Object.entries(s.gold))), refs.real.v2_gold, 'v2 gold');
});
