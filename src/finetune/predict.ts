// `predict()`: a fine-tuned model's predictions on a task's split (GLUE's test set by default, the
// user's file), written in the official format (GLUE / own data: the submission TSV
// `index<TAB>prediction`; SQuAD: predictions.json + null_odds.json; RACE: JSON id -> letter),
// atomically: a failed run leaves no half-written file.
import type { TaskId } from './downstream.js';
import { loadTaskModel, type LoadTaskModelOptions } from './load.js';
import { taskId } from './tasks.js';

export interface PredictOptions extends LoadTaskModelOptions {
  /** The predictions file (SQuAD 2.0 writes null_odds.json beside it). */
  output: string;
  /** Examples (SQuAD: windows) per forward (default 32). */
  batchSize?: number;
}

export interface PredictResult {
  task: TaskId;
  split: string;
  /** The data file predicted. */
  file: string;
  examples: number;
  /** The files written. */
  files: string[];
}

export async function predict(o: PredictOptions): Promise<PredictResult> {
  const id = taskId(o.task);
  const { task, model } = loadTaskModel(o, 'predict');
  const split = task.predictSplit();
  const predictions = split.predict(model, o.batchSize ?? 32);
  const files = split.writePredictions(predictions, o.output);
  return { task: id, split: split.name, file: split.file, examples: split.examples, files };
}
