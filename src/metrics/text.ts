// Metrics of the user's own text tasks, named as HF evaluate's metrics name them: classification
// `accuracy` (+ binary `f1` of class 1 for two classes, sklearn's default), regression `pearson`,
// `spearmanr` (scipy) and `mse` (sklearn's mean_squared_error), multi-label `f1` (sklearn's
// average='micro' over every (example, class) decision) and `accuracy` (exact match of the label set,
// sklearn's accuracy_score on multi-label input). Values in [0, 1] except mse.
import { accuracy, checkPaired, f1, pearson, spearman } from './glue.js';

/** Class ids: accuracy, and F1 of class 1 when the task has exactly two classes. */
export function scoreClassification(gold: readonly number[], predicted: readonly number[], numLabels: number): Record<string, number> {
  const out: Record<string, number> = { accuracy: accuracy(gold, predicted) };
  if (numLabels === 2) out.f1 = f1(gold, predicted, 1);
  return out;
}

/** Targets against predicted values: pearson, spearmanr, mse. */
export function scoreRegression(gold: readonly number[], predicted: readonly number[]): Record<string, number> {
  return { pearson: pearson(gold, predicted), spearmanr: spearman(gold, predicted), mse: meanSquaredError(gold, predicted) };
}

export function meanSquaredError(gold: readonly number[], predicted: readonly number[]): number {
  checkPaired(gold, predicted);
  let s = 0;
  for (let i = 0; i < gold.length; i++) s += (gold[i] - predicted[i]) ** 2;
  return s / gold.length;
}

/** Label-id sets: micro F1 (0 when there is no positive decision at all, as sklearn) and exact-match accuracy. */
export function scoreMultiLabel(gold: readonly (readonly number[])[], predicted: readonly (readonly number[])[]): Record<string, number> {
  checkPaired(gold, predicted);
  let tp = 0, fp = 0, fn = 0, exact = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = new Set(gold[i]), p = new Set(predicted[i]);
    let hit = 0;
    for (const c of p) if (g.has(c)) hit++;
    tp += hit; fp += p.size - hit; fn += g.size - hit;
    if (hit === g.size && hit === p.size) exact++;
  }
  return { f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), accuracy: exact / gold.length };
}
