// `evaluate()`: a fine-tuned model's official metrics on every evaluation split of a task (GLUE's dev,
// MNLI's matched and mismatched, SQuAD's dev JSON, RACE's dev, the user's file), or, without a model,
// those of a predictions file made anywhere (score_file.ts). The report can be written as JSON,
// atomically.
import { UserError } from '../errors.js';
import type { TaskId } from './downstream.js';
import { loadTaskModel, type LoadTaskModelOptions } from './load.js';
import { flatMetrics, splitMetrics, writeJsonAtomic } from './report.js';
import { scorePredictionsFile } from './score_file.js';
import { taskId } from './tasks.js';
import { evaluateSplits } from './trainer_task.js';

export interface EvaluateOptions extends Omit<LoadTaskModelOptions, 'model'> {
  /** A fine-tuned model directory; or give `predictions` instead. */
  model?: string;
  /** A predictions file to score without a model (GLUE / own data: index<TAB>prediction TSV; SQuAD: predictions.json; RACE: JSON id -> letter). */
  predictions?: string;
  /** SQuAD 2.0 with `predictions`: null_odds.json. */
  naProbs?: string;
  /** Examples (SQuAD: windows) per forward (default 32). */
  batchSize?: number;
  /** Write the report here (JSON, atomically). */
  output?: string;
}

export interface EvaluateReport {
  task: TaskId;
  data: string;
  model: string | null;
  predictions: string | null;
  splits: { name: string; file: string; examples: number; metrics: Record<string, number> }[];
  /** Every split's metrics: the first split's under the official names, later ones suffixed `_<split>`. */
  metrics: Record<string, number>;
  /** What the official scripts say while scoring (SQuAD 1.1: unanswered questions...). */
  warnings: string[];
}

export async function evaluate(o: EvaluateOptions): Promise<EvaluateReport> {
  const id = taskId(o.task);
  if ((o.model === undefined) === (o.predictions === undefined)) throw new UserError('give --model (a fine-tuned model to run) or --predictions (a file to score), one of the two');
  let report: EvaluateReport;
  if (o.predictions !== undefined) {
    const s = scorePredictionsFile({ ...o, task: id, predictions: o.predictions });
    report = {
      task: id, data: o.data, model: null, predictions: o.predictions, warnings: s.warnings, metrics: s.metrics,
      splits: [{ name: s.split, file: s.file, examples: s.examples, metrics: s.metrics }],
    };
  } else {
    if (o.naProbs !== undefined) throw new UserError('--na-probs goes with --predictions (a model writes its own null odds)');
    const { task, model } = loadTaskModel({ ...o, model: o.model! }, 'evaluate');
    const splits = task.evalSplits();
    if (splits.length === 0) throw new UserError(`${o.data}: nothing to evaluate`);
    const unlabelled = splits.find((s) => !s.labelled);
    if (unlabelled) throw new UserError(`${unlabelled.file}: has no gold labels to evaluate against (predict writes predictions for it)`);
    const records = evaluateSplits(model, splits, o.batchSize ?? 32);
    const bySplit = splitMetrics(records);
    report = {
      task: id, data: o.data, model: o.model!, predictions: null, warnings: [], metrics: flatMetrics(bySplit),
      splits: splits.map((s) => ({ name: s.name, file: s.file, examples: s.examples, metrics: bySplit[s.name] })),
    };
  }
  if (o.output !== undefined) writeJsonAtomic(o.output, report);
  return report;
}
