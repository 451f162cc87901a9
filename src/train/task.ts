// What a training task gives the Trainer (trainer.ts): its data as batches for its head, the
// statistics its metrics records hold, its evaluation, and its curves. Pretraining is one task
// (pretraining_task.ts); fine-tuning tasks (classification, regression, span QA, multiple choice)
// plug in the same way: a batch is model inputs plus the labels the head's loss takes.
import type { AlbertModel } from '../model/albert.js';
import type { HeadKind, Labels, LossResult, ModelInputs } from '../model/types.js';
import type { MeanOver } from '../model/heads/head.js';
import type { Window } from './trainer_state.js';

/**
 * Which part of the batch this process trains on: the next global batch is drawn whole (the same data
 * order whatever the number of ranks) and split into `count` equal parts, of which this is `index`.
 */
export interface BatchPart { index: number; count: number }
export const WHOLE_BATCH: BatchPart = { index: 0, count: 1 };

export interface TaskBatch {
  inputs: ModelInputs;
  /** What the head's loss takes (labels, sentenceOrderLabel, startPositions/endPositions...). */
  labels: Labels;
  /** Non-padding tokens (throughput). */
  tokens: number;
}

/** One evaluation: the records metrics.jsonl gets, and the metrics the best checkpoint is chosen by. */
export interface Evaluation<R extends object = object> {
  /** Each is written as { type: 'eval', step, ...record }. */
  records: R[];
  /** Named metrics of the main evaluation set (empty when there was nothing to evaluate). */
  metrics: Record<string, number>;
  /** The name in `metrics` that decides the best checkpoint (accuracy, matthews_correlation, f1...). */
  main: string;
  /** false for a loss-like main metric (default true). */
  greaterIsBetter?: boolean;
}

/** The run's facts a task's curves title may state. */
export interface CurvesInfo { name: string; optimizer: string; batchSize: number; gradAccum: number; lr: number; steps: number }

export interface Task<R extends object = object> {
  /** What the start summary calls the task ('sop', 'glue/sst2'...). */
  readonly name: string;
  readonly head: HeadKind;
  /** Training examples in one epoch (steps per epoch, the summary). */
  readonly trainExamples: number;
  /** The evaluation sets and their sizes, for the summary. */
  readonly evalSets: { name: string; instances: number }[];
  /** The statistics each update's window sums besides loss and gradient norm, in record order. */
  readonly statKeys: readonly string[];
  /** Passes over the training data so far. */
  readonly epoch: number;
  /** The next micro-batch of training data (`batchSize` examples), or its `part` (batchSize / part.count examples). */
  nextBatch(part: BatchPart): TaskBatch;
  /**
   * A task whose loss is a mean over a count that varies between parts (masked positions): that count
   * in this part, summed over the ranks and passed to the loss (MeanOver). Without it the parts' mean
   * losses are averaged (each part has the same number of examples).
   */
  meanCounts?(batch: TaskBatch): MeanOver;
  /** The data position saved with each checkpoint (JSON); resuming restores it (see resume.ts). */
  dataState(): unknown;
  /** The statistics of one micro-batch's loss, under statKeys. */
  microStats(r: LossResult): Record<string, number>;
  /** The task's fields of a train record, from a window of n > 0 updates (or n = 0: NaN). */
  trainRecord(w: Window): Record<string, number | null>;
  /** Evaluate the model, `batchSize` examples at a time. */
  evaluate(model: AlbertModel, batchSize: number): Evaluation<R>;
  /** Redraw the run's curves (atomically) from its metrics records. */
  writeCurves(file: string, records: object[], run: CurvesInfo): void;
  /** Release the data files. */
  close(): void;
}
