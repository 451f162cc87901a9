// GLUE metrics as HF evaluate's `glue` metric computes them (sklearn's accuracy_score, f1_score and
// matthews_corrcoef; scipy's pearsonr and spearmanr), values in [0, 1]. Labels compare as strings,
// so 1 and "1" are the same label (a gold file read as text, predictions made as ids).
import { UserError } from '../errors.js';

export type Label = string | number;

export type GlueMetric = 'accuracy' | 'f1' | 'matthews_correlation' | 'pearson' | 'spearmanr';
export type GlueScores = Partial<Record<GlueMetric, number>>;

/** HF evaluate's glue configurations and the metrics each returns, in its key order. */
export const GLUE_TASK_METRICS: Readonly<Record<string, readonly GlueMetric[]>> = {
  cola: ['matthews_correlation'],
  sst2: ['accuracy'],
  mrpc: ['accuracy', 'f1'],
  stsb: ['pearson', 'spearmanr'],
  qqp: ['accuracy', 'f1'],
  mnli: ['accuracy'],
  mnli_matched: ['accuracy'],
  mnli_mismatched: ['accuracy'],
  qnli: ['accuracy'],
  rte: ['accuracy'],
  wnli: ['accuracy'],
  hans: ['accuracy'],
};

/** The GLUE task ids as the command line spells them: glue/cola, glue/sst2, ... */
export const GLUE_TASK_IDS: readonly string[] = Object.keys(GLUE_TASK_METRICS).map((t) => `glue/${t}`);

/** `cola` or `glue/cola` -> `cola`; an unknown task is a UserError listing the known ones. */
export function glueTaskName(task: string): string {
  const name = task.startsWith('glue/') ? task.slice(5) : task;
  if (!Object.hasOwn(GLUE_TASK_METRICS, name)) throw new UserError(`unknown GLUE task '${task}' (expected one of: ${GLUE_TASK_IDS.join(', ')})`);
  return name;
}

/** Whether the task's predictions are numbers (STS-B, a regression) rather than labels. */
export function isGlueRegression(task: string): boolean {
  return glueTaskName(task) === 'stsb';
}

/**
 * The metrics HF evaluate's glue metric returns for `task` (`cola`/`glue/cola`, ...), from the gold and
 * predicted labels of the same examples in the same order (STS-B: numbers, or strings holding numbers).
 */
export function scoreGlue(task: string, gold: readonly Label[], predicted: readonly Label[]): GlueScores {
  const name = glueTaskName(task);
  checkPaired(gold, predicted);
  const out: GlueScores = {};
  if (name === 'stsb') {
    const g = numbers(gold, 'gold'), p = numbers(predicted, 'predicted');
    out.pearson = pearson(g, p);
    out.spearmanr = spearman(g, p);
    return out;
  }
  for (const metric of GLUE_TASK_METRICS[name]) {
    if (metric === 'accuracy') out.accuracy = accuracy(gold, predicted);
    else if (metric === 'f1') out.f1 = f1(gold, predicted);
    else out.matthews_correlation = matthewsCorrelation(gold, predicted);
  }
  return out;
}

/** Fraction of examples whose predicted label equals the gold label. */
export function accuracy(gold: readonly Label[], predicted: readonly Label[]): number {
  checkPaired(gold, predicted);
  let right = 0;
  for (let i = 0; i < gold.length; i++) if (String(gold[i]) === String(predicted[i])) right++;
  return right / gold.length;
}

/**
 * Binary F1 of the `positive` class (sklearn's default average='binary', pos_label=1): 2TP / (2TP + FP + FN),
 * 0 when there is no positive at all. More than two labels, or two without `positive`, is an error, as in sklearn.
 */
export function f1(gold: readonly Label[], predicted: readonly Label[], positive: Label = 1): number {
  checkPaired(gold, predicted);
  const pos = String(positive);
  const labels = new Set([...gold, ...predicted].map(String));
  if (labels.size > 2 || (labels.size === 2 && !labels.has(pos))) {
    throw new UserError(`binary F1 needs the labels to be ${pos} and one other; got ${[...labels].sort().join(', ')}`);
  }
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = String(gold[i]) === pos, p = String(predicted[i]) === pos;
    if (g && p) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/**
 * Matthews correlation over any number of classes (sklearn's matthews_corrcoef: from the confusion
 * matrix's trace and row/column sums); 0 where it is undefined (one class in gold or in predictions).
 */
export function matthewsCorrelation(gold: readonly Label[], predicted: readonly Label[]): number {
  checkPaired(gold, predicted);
  const goldCount = new Map<string, number>(), predCount = new Map<string, number>();
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = String(gold[i]), p = String(predicted[i]);
    goldCount.set(g, (goldCount.get(g) ?? 0) + 1);
    predCount.set(p, (predCount.get(p) ?? 0) + 1);
    if (g === p) correct++;
  }
  const n = gold.length;
  let goldDotPred = 0, goldDotGold = 0, predDotPred = 0;
  for (const [label, c] of goldCount) { goldDotPred += c * (predCount.get(label) ?? 0); goldDotGold += c * c; }
  for (const c of predCount.values()) predDotPred += c * c;
  const covGP = correct * n - goldDotPred, covGG = n * n - goldDotGold, covPP = n * n - predDotPred;
  if (covGG * covPP === 0) return 0;
  return covGP / Math.sqrt(covGG * covPP);
}

/** Pearson's r (scipy.stats.pearsonr's statistic): NaN when either side is constant, as scipy. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y);
  if (x.length < 2) throw new UserError('a correlation needs at least 2 examples');
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) return NaN;
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Spearman's rho (scipy.stats.spearmanr): Pearson's r of the ranks, ties given their average rank. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

/** 1-based ranks, tied values sharing the mean of the ranks they span (scipy.stats.rankdata 'average'). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

function mean(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

export function checkPaired(gold: readonly unknown[], predicted: readonly unknown[]): void {
  if (gold.length !== predicted.length) throw new UserError(`${gold.length} gold labels but ${predicted.length} predictions`);
  if (gold.length === 0) throw new UserError('no examples to score');
}

/** A regression target or prediction as a number: a finite number, or a string that holds exactly one. */
export function parseNumber(v: Label): number | undefined {
  const x = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
  return Number.isFinite(x) ? x : undefined;
}

function numbers(values: readonly Label[], side: string): number[] {
  return values.map((v, i) => {
    const x = parseNumber(v);
    if (x === undefined) throw new UserError(`${side} value ${i} is not a number: ${JSON.stringify(v)}`);
    return x;
  });
}
