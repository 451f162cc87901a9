// What a downstream task family (GLUE and the user's text data, SQuAD, RACE) gives fine-tuning,
// evaluation and prediction: its head and the config fields that head needs, its training features
// as batches, and its evaluation / prediction splits, each able to run a model, score the
// predictions with the official metrics and write them in the official file formats. The shared
// machinery (sampling, the Trainer, checkpoints, report.json, the CLI) is finetune.ts's; a family
// only knows its data.
import type { AlbertModel } from '../model/albert.js';
import type { AlbertConfig } from '../model/config.js';
import type { HeadKind } from '../model/types.js';
import type { AlbertTokenizer } from '../tokenizer/albert.js';
import type { TaskBatch } from '../train/task.js';

export const GLUE_TASK_IDS = ['glue/cola', 'glue/sst2', 'glue/mrpc', 'glue/stsb', 'glue/qqp', 'glue/mnli', 'glue/qnli', 'glue/rte', 'glue/wnli'] as const;
export const TEXT_TASK_IDS = ['classification', 'regression', 'multi-label'] as const;
export const TASK_IDS = [...GLUE_TASK_IDS, 'squad1', 'squad2', 'race', ...TEXT_TASK_IDS] as const;
export type TaskId = (typeof TASK_IDS)[number];

export const SQUAD_HEADS = ['span', 'xlnet'] as const;
export type SquadHead = (typeof SQUAD_HEADS)[number];

/** What the command is doing with the data: it decides which files `data` / `evalData` name. */
export type TaskRole = 'finetune' | 'evaluate' | 'predict';

/**
 * How a family reads its data (the CLI's flags). `data` is:
 * - finetune: GLUE the task's folder (train.tsv; dev*.tsv evaluated); SQuAD the train JSON; RACE the
 *   unpacked folder (train/, dev/); own data the train file.
 * - evaluate: GLUE the folder (its dev split(s)); SQuAD the dev JSON; RACE the folder (dev/); own data the file.
 * - predict: GLUE the folder (test split unless `split`); SQuAD the JSON; RACE the folder (test, else `split`); own data the file.
 */
export interface TaskDataOptions {
  role: TaskRole;
  data: string;
  /** finetune: the evaluation data where it is not beside `data` (SQuAD's dev JSON, own data's dev file). */
  evalData?: string;
  /** A split by name instead of the role's default (GLUE: train, dev, test, dev_mismatched...; RACE: train, dev, test). */
  split?: string;
  tokenizer: AlbertTokenizer;
  /** Longest input with specials (default per family: 128 for text, 384 SQuAD, 512 RACE). */
  maxSeqLength?: number;
  /**
   * The labels of a fine-tuned model (its config's id2label in id order): evaluate / predict map
   * labels through them, and finetune from a classifier keeps them. Absent: the family's own (GLUE's
   * fixed lists) or those discovered from the train file (own data).
   */
  labels?: readonly string[];
  // The user's own data (classification, regression, multi-label).
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  format?: 'tsv' | 'csv' | 'jsonl';
  // SQuAD.
  /** HF's stride: tokens two consecutive windows overlap by (default 128). */
  docStride?: number;
  maxQueryLength?: number;
  nBest?: number;
  maxAnswerLength?: number;
  /**
   * v2: predict "" when the null score beats the best span by more than this (HF's null_score_diff_threshold, default 0).
   * With squadHead 'xlnet': "" when the null score (the smallest cls logit) is at or above it; evaluation then
   * takes it instead of tuning one on the data.
   */
  nullThreshold?: number;
  /**
   * v2's head: 'span' (default), HF's AlbertForQuestionAnswering with the null-score-difference rule; 'xlnet',
   * google-research/albert's SQuAD 2.0 head (squad-v2: 5 x 5 beam and answer class), its threshold tuned on the
   * evaluated data as that script does.
   */
  squadHead?: SquadHead;
  // RACE.
  maxQaLength?: number;
  levels?: readonly ('middle' | 'high')[];
}

/** The training side: features (examples; SQuAD: windows) drawn by index, and batches of them. */
export interface TrainFeatures {
  /** Training units; the sampler draws indices in [0, size) (epochs count passes over them). */
  readonly size: number;
  /** The examples behind them (the start summary). */
  readonly examples: number;
  /** Inputs and labels of these units, padded to the family's training length. */
  batch(indices: readonly number[]): TaskBatch;
}

/** An evaluation or prediction split. `P` is the family's predictions (label ids, span texts...). */
export interface SplitData<P = unknown> {
  /** 'dev', 'dev_mismatched', 'test', 'train'... (metrics of a second split are suffixed with it in report.json). */
  readonly name: string;
  /** The file it was read from (messages, report.json). */
  readonly file: string;
  readonly examples: number;
  /** Whether the split has gold labels: score() is only called on a labelled split. */
  readonly labelled: boolean;
  /** Run the model over the split in eval mode, `batchSize` examples (or windows) per forward. */
  predict(model: AlbertModel, batchSize: number): P;
  /** The official metrics under the official names (GLUE as HF evaluate, SQuAD's scripts, RACE accuracy). */
  score(predictions: P): Record<string, number>;
  /**
   * Write the predictions in the official format at `output` (GLUE / own data: `index<TAB>prediction`
   * TSV; SQuAD: predictions.json, and null_odds.json beside it for v2; RACE: JSON id -> letter),
   * atomically; returns the files written.
   */
  writePredictions(predictions: P, output: string): string[];
}

export interface DownstreamTask<P = unknown> {
  readonly id: TaskId;
  readonly head: HeadKind;
  /** Config fields the head needs on top of the model's (num_labels, problem_type, id2label, label2id). */
  readonly config: Partial<AlbertConfig>;
  /** The metric that picks the best checkpoint (google-research/albert's: accuracy, matthews_correlation, pearson, f1). */
  readonly mainMetric: string;
  /** The training features (finetune only; reads the train data on first call). */
  train(): TrainFeatures;
  /** finetune / evaluate: the labelled splits evaluated, the first deciding the best checkpoint (MNLI: matched, then mismatched). */
  evalSplits(): SplitData<P>[];
  /** predict: the split predicted. */
  predictSplit(): SplitData<P>;
}

/** A family's constructor: reads nothing until asked, except what the config needs (labels of own data). */
export type OpenTask = (id: TaskId, opts: TaskDataOptions) => DownstreamTask;
