// SQuAD scores with the semantics of the official evaluate-v1.1.py and evaluate-v2.0.py: the same
// per-question maxima, the same denominators, the same no-answer threshold and best-threshold search,
// values in percent and (v2.0) the keys in the order that script prints them.
import { f1V1Of, f1V2Of, normalized } from './squad_answer.js';
import { checkCoverage, type SourceNames } from './coverage.js';
import { UserError } from '../errors.js';

/** One question of a SQuAD file: its id and its gold answer texts (none: unanswerable, SQuAD 2.0). */
export interface SquadQuestion {
  id: string;
  answers: string[];
}

export interface SquadV1Scores {
  exact_match: number;
  f1: number;
}

export interface SquadV2Scores {
  exact: number;
  f1: number;
  total: number;
  HasAns_exact?: number;
  HasAns_f1?: number;
  HasAns_total?: number;
  NoAns_exact?: number;
  NoAns_f1?: number;
  NoAns_total?: number;
  best_exact?: number;
  best_exact_thresh?: number;
  best_f1?: number;
  best_f1_thresh?: number;
}

/** Scores and the notices the official script prints to stderr while scoring (unanswered questions). */
export interface Scored<S> {
  scores: S;
  warnings: string[];
}

/**
 * evaluate-v1.1.py: per question the maximum EM and F1 over its gold answers; a question without a
 * prediction scores 0 (with a notice) and still counts in the denominator. Predictions for ids not in
 * `questions` are an error.
 */
export function evaluateSquadV1(questions: readonly SquadQuestion[], predictions: ReadonlyMap<string, string>, names: SourceNames = {}): Scored<SquadV1Scores> {
  checkCoverage(names.source ?? 'predictions', 'question', questions.map((q) => q.id), predictions, false, names.dataName);
  let em = 0, f1 = 0;
  const warnings: string[] = [];
  for (const q of questions) {
    if (q.answers.length === 0) {
      throw new UserError(`${names.dataName ? `${names.dataName}: ` : ''}question ${q.id} has no gold answers: SQuAD 1.1 scores answerable questions only (a SQuAD 2.0 file? use squad2)`);
    }
    const predicted = predictions.get(q.id);
    if (predicted === undefined) {
      warnings.push(`Unanswered question ${q.id} will receive score 0.`);
      continue;
    }
    const p = normalized(predicted), golds = q.answers.map(normalized);
    em += Math.max(...golds.map((g) => Number(g.text === p.text)));
    f1 += Math.max(...golds.map((g) => f1V1Of(g, p)));
  }
  return { scores: { exact_match: (100 * em) / questions.length, f1: (100 * f1) / questions.length }, warnings };
}

export interface SquadV2Options extends SourceNames {
  /** Question id -> probability that it has no answer (null_odds.json). Absent: all 0, and no best_* keys (as the official script). */
  naProbs?: ReadonlyMap<string, number>;
  /** A question whose na_prob exceeds this is predicted unanswerable (`--na-prob-thresh`, default 1.0). */
  naProbThreshold?: number;
  /** How to name the na_probs in error messages (their file). */
  naProbsSource?: string;
}

/**
 * evaluate-v2.0.py: gold answers that normalize to "" are dropped and a question left without any has
 * the gold [""]; every question needs a prediction (the official script fails on a missing one). With
 * `naProbs`, also the best exact/F1 over all thresholds and the thresholds that reach them.
 */
export function evaluateSquadV2(questions: readonly SquadQuestion[], predictions: ReadonlyMap<string, string>, options: SquadV2Options = {}): SquadV2Scores {
  const ids = questions.map((q) => q.id);
  checkCoverage(options.source ?? 'predictions', 'question', ids, predictions, true, options.dataName);
  if (options.naProbs) checkCoverage(options.naProbsSource ?? 'na_probs', 'question', ids, options.naProbs, true, options.dataName);
  const threshold = options.naProbThreshold ?? 1.0;
  const exactRaw = new Map<string, number>(), f1Raw = new Map<string, number>(), hasAnswer = new Map<string, boolean>();
  for (const q of questions) {
    const p = normalized(predictions.get(q.id)!);
    const gold = q.answers.map(normalized).filter((g) => g.text !== '');
    if (gold.length === 0) gold.push(normalized(''));
    exactRaw.set(q.id, Math.max(...gold.map((g) => Number(g.text === p.text))));
    f1Raw.set(q.id, Math.max(...gold.map((g) => f1V2Of(g, p))));
    // Answerable means "has gold answers", before normalization drops any.
    hasAnswer.set(q.id, q.answers.length > 0);
  }
  const naProb = (id: string) => options.naProbs?.get(id) ?? 0;
  const applyThreshold = (raw: Map<string, number>) =>
    new Map([...raw].map(([id, s]) => [id, naProb(id) > threshold ? Number(!hasAnswer.get(id)) : s]));
  const exact = applyThreshold(exactRaw), f1 = applyThreshold(f1Raw);
  const out: SquadV2Scores = { exact: percentOf(exact, ids), f1: percentOf(f1, ids), total: ids.length };
  const answerable = ids.filter((id) => hasAnswer.get(id)), unanswerable = ids.filter((id) => !hasAnswer.get(id));
  if (answerable.length) {
    out.HasAns_exact = percentOf(exact, answerable); out.HasAns_f1 = percentOf(f1, answerable); out.HasAns_total = answerable.length;
  }
  if (unanswerable.length) {
    out.NoAns_exact = percentOf(exact, unanswerable); out.NoAns_f1 = percentOf(f1, unanswerable); out.NoAns_total = unanswerable.length;
  }
  if (options.naProbs) {
    const bestExact = findBestThreshold(predictions, exactRaw, options.naProbs, hasAnswer);
    const bestF1 = findBestThreshold(predictions, f1Raw, options.naProbs, hasAnswer);
    out.best_exact = bestExact.score; out.best_exact_thresh = bestExact.threshold;
    out.best_f1 = bestF1.score; out.best_f1_thresh = bestF1.threshold;
  }
  return out;
}

/** write_predictions_v2's rule: the best text unless a threshold is given and the null score is at or above it (then ""). */
export function answerAtThreshold(text: string, nullScore: number, threshold: number | null): string {
  return threshold === null || nullScore < threshold ? text : '';
}

export interface TunedSquadV2Scores extends SquadV2Scores {
  /** The threshold tuned on these questions (the first pass's best_f1_thresh) that the scores were taken at. */
  null_score_diff_threshold: number;
}

/**
 * google-research/albert's evaluate_v2 (squad-v2 head): score the best texts answered everywhere, with
 * the null scores as na_probs; take that pass's best_f1_thresh; answer "" where the null score is at or
 * above it; report the official scores of this second pass (na_probs still the null scores, so those
 * above the official --na-prob-thresh 1.0 count as predicted unanswerable, as there) and the threshold.
 * find_best_thresh switches a question to its answer at na_prob <= threshold, the writer at < threshold:
 * Google's tie inconsistency, kept. The null scores are read in the questions' order (ties in the search).
 */
export function evaluateSquadV2Tuned(
  questions: readonly SquadQuestion[], best: ReadonlyMap<string, string>, nullScores: ReadonlyMap<string, number>, names: Omit<SquadV2Options, 'naProbs' | 'naProbThreshold'> = {},
): TunedSquadV2Scores {
  const naProbs = new Map<string, number>();
  for (const q of questions) if (nullScores.has(q.id)) naProbs.set(q.id, nullScores.get(q.id)!);
  const first = evaluateSquadV2(questions, best, { ...names, naProbs });
  const threshold = first.best_f1_thresh!;
  const predictions = new Map([...best].map(([id, text]) => [id, answerAtThreshold(text, naProbs.get(id) ?? 0, threshold)]));
  return { ...evaluateSquadV2(questions, predictions, { ...names, naProbs }), null_score_diff_threshold: threshold };
}

/**
 * find_best_thresh: start from "every question unanswered" (the unanswerable ones right), then switch
 * questions to their prediction in ascending na_prob (ties in na_probs' own order); each answerable
 * one adds its score, each unanswerable one with a non-empty prediction costs 1. The best running
 * total, in percent of the scored questions, and the na_prob where it was reached (0 if never better).
 */
export function findBestThreshold(
  predictions: ReadonlyMap<string, string>,
  scores: ReadonlyMap<string, number>,
  naProbs: ReadonlyMap<string, number>,
  hasAnswer: ReadonlyMap<string, boolean>,
): { score: number; threshold: number } {
  let current = 0;
  for (const has of hasAnswer.values()) if (!has) current++;
  let best = current, threshold = 0.0;
  const order = [...naProbs.keys()].sort((a, b) => naProbs.get(a)! - naProbs.get(b)!); // stable, as Python's sorted
  for (const id of order) {
    const s = scores.get(id);
    if (s === undefined) continue;
    current += hasAnswer.get(id) ? s : predictions.get(id) ? -1 : 0;
    if (current > best) { best = current; threshold = naProbs.get(id)!; }
  }
  return { score: (100 * best) / scores.size, threshold };
}

function percentOf(scores: ReadonlyMap<string, number>, ids: readonly string[]): number {
  let sum = 0;
  for (const id of ids) sum += scores.get(id)!;
  return (100 * sum) / ids.length;
}
