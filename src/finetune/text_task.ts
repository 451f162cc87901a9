// The sentence (pair) family of downstream tasks: GLUE's nine tasks (glue_data's layout, read by
// tasks/glue.ts) and the user's own classification / regression / multi-label data (TSV, CSV or
// JSONL, tasks/tabular.ts), on HF's AlbertForSequenceClassification head. Predictions are class
// ids, regression values or lists of class ids; they are scored with the official metrics (GLUE as
// HF evaluate's glue metric; own data: metrics/text.ts) and written as GLUE's submission TSV
// (`index<TAB>prediction`, label names or values).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeTextAtomic } from '../io/atomic.js';
import type { AlbertModel } from '../model/albert.js';
import type { AlbertConfig } from '../model/config.js';
import { topIndices } from '../model/top_k.js';
import { scoreGlue } from '../metrics/glue.js';
import { scoreClassification, scoreMultiLabel, scoreRegression } from '../metrics/text.js';
import { featurizeText, textBatch, type TextFeature } from '../tasks/features.js';
import { glueTask, readGlue, readGlueFile, type GlueSplit, type GlueTask } from '../tasks/glue.js';
import { readTabular } from '../tasks/tabular.js';
import { labelMaps, type ProblemType, type TextDataset, type TextExample } from '../tasks/text_examples.js';
import type { DownstreamTask, SplitData, TaskDataOptions, TaskId, TrainFeatures } from './downstream.js';
import { forwardInBatches, realTokens } from './inference.js';

/** One example's prediction: a class id (classification), a value (regression) or class ids (multi-label). */
export type TextPrediction = number | number[];

/** The longest input a text task reads by default (HF run_glue's max_seq_length). */
export const TEXT_MAX_SEQ_LENGTH = 128;

/** The user's own task ids' problem types. */
export const OWN_PROBLEM: Record<string, ProblemType> = {
  classification: 'single_label_classification', regression: 'regression', 'multi-label': 'multi_label_classification',
};
const OWN_MAIN: Record<ProblemType, string> = { single_label_classification: 'accuracy', regression: 'pearson', multi_label_classification: 'f1' };

/** What every split of one task shares: how to featurize, batch, decode and score. */
interface TextSpec {
  problemType: ProblemType;
  /** Class names in id order (empty for regression). */
  labels: readonly string[];
  /** GLUE's task, else the user's own data. */
  glue: GlueTask | null;
  opts: TaskDataOptions;
  maxSeqLength: number;
}

const numLabels = (s: TextSpec) => (s.problemType === 'regression' ? 1 : s.labels.length);

/** The prediction a row of logits gives: argmax, the value, or every class whose logit is above 0 (sigmoid > 0.5). */
function decodeLogits(row: ArrayLike<number>, problemType: ProblemType): TextPrediction {
  if (problemType === 'regression') return row[0];
  if (problemType === 'multi_label_classification') {
    const on: number[] = [];
    for (let k = 0; k < row.length; k++) if (row[k] > 0) on.push(k);
    return on;
  }
  return topIndices(row, row.length, 1)[0]; // ties: the lower id, as argmax
}

/** The text a predictions file holds for one prediction: label names (comma-joined for multi-label) or the value. */
function formatPrediction(p: TextPrediction, spec: Pick<TextSpec, 'problemType' | 'labels'>): string {
  if (spec.problemType === 'regression') return String(p);
  return Array.isArray(p) ? p.map((k) => spec.labels[k]).join(',') : spec.labels[p];
}

/** The official metrics of predictions against the examples' gold labels. */
export function scoreText(examples: readonly TextExample[], predictions: readonly TextPrediction[], spec: Pick<TextSpec, 'problemType' | 'labels' | 'glue'>): Record<string, number> {
  const gold = examples.map((e) => e.label);
  if (gold.some((g) => g === null)) throw new UserError('the split has no gold labels to score against');
  if (spec.glue) {
    const name = (x: TextPrediction) => (spec.problemType === 'regression' ? (x as number) : spec.labels[x as number]);
    return scoreGlue(spec.glue, gold.map((g) => name(g!)), predictions.map(name)) as Record<string, number>;
  }
  if (spec.problemType === 'regression') return scoreRegression(gold as number[], predictions as number[]);
  if (spec.problemType === 'multi_label_classification') return scoreMultiLabel(gold as number[][], predictions as number[][]);
  return scoreClassification(gold as number[], predictions as number[], spec.labels.length);
}

class TextSplit implements SplitData<TextPrediction[]> {
  readonly file: string;
  readonly examples: number;
  readonly labelled: boolean;
  private features: TextFeature[] | null = null;

  constructor(readonly name: string, readonly data: TextDataset, private readonly spec: TextSpec) {
    this.file = data.file;
    this.examples = data.examples.length;
    this.labelled = data.examples.every((e) => e.label !== null);
  }

  predict(model: AlbertModel, batchSize: number): TextPrediction[] {
    const { spec } = this, K = numLabels(spec);
    if (model.config.num_labels !== K) {
      throw new UserError(`the model has ${model.config.num_labels} output${model.config.num_labels === 1 ? '' : 's'} (num_labels), but ${this.file} needs ${K}`);
    }
    const tok = spec.opts.tokenizer;
    this.features ??= featurizeText(tok, this.data.examples, { maxSeqLength: spec.maxSeqLength });
    const out: TextPrediction[] = [], features = this.features;
    const batch = { problemType: spec.problemType, numLabels: K, seq: 'longest' as const, padId: tok.padId };
    forwardInBatches(model, features.length, batchSize, (from, to) => textBatch(features.slice(from, to), this.data.examples, batch).inputs, (o, from, to) => {
      for (let b = 0; b < to - from; b++) out.push(decodeLogits(o.logits!.subarray(b * K, (b + 1) * K), spec.problemType));
    });
    return out;
  }

  score(predictions: TextPrediction[]): Record<string, number> {
    return scoreText(this.data.examples, predictions, this.spec);
  }

  writePredictions(predictions: TextPrediction[], output: string): string[] {
    if (predictions.length !== this.examples) throw new Error(`${predictions.length} predictions for ${this.examples} examples`);
    const rows = predictions.map((p, i) => `${i}\t${formatPrediction(p, this.spec)}\n`);
    writeTextAtomic(output, 'index\tprediction\n' + rows.join(''));
    return [output];
  }
}

const isFile = (p: string) => fs.existsSync(p) && fs.statSync(p).isFile();

class TextTask implements DownstreamTask<TextPrediction[]> {
  readonly head = 'sequence-classification' as const;
  readonly config: Partial<AlbertConfig>;
  readonly mainMetric: string;
  private readonly spec: TextSpec;
  /** Own data's train file, read at construction when its labels decide the config. */
  private ownTrain: TextDataset | null = null;

  constructor(readonly id: TaskId, private readonly opts: TaskDataOptions) {
    const maxSeqLength = opts.maxSeqLength ?? TEXT_MAX_SEQ_LENGTH;
    let problemType: ProblemType, labels: readonly string[], glue: GlueTask | null = null;
    if (id.startsWith('glue/')) {
      const info = glueTask(id.slice(5));
      glue = info.task;
      problemType = info.problemType;
      labels = info.labels;
      this.mainMetric = info.mainMetric;
      const want = problemType === 'regression' ? 1 : labels.length;
      if (opts.labels && opts.labels.length > 0 && opts.labels.length !== want) {
        throw new UserError(`${id} has ${want} output${want === 1 ? '' : 's'}, but the model has ${opts.labels.length} labels (${opts.labels.join(', ')})`);
      }
    } else {
      problemType = OWN_PROBLEM[id];
      if (!problemType) throw new UserError(`${id} is not a text task`);
      this.mainMetric = OWN_MAIN[problemType];
      if (problemType === 'regression') labels = [];
      else if (opts.labels && opts.labels.length > 0) labels = opts.labels;
      else if (opts.role !== 'predict') {
        // Discovered from the train file (finetune) or the file evaluated (a model without labels).
        this.ownTrain = this.readOwn(opts.data, problemType, true);
        labels = this.ownTrain.labels;
      } else throw new UserError(`predicting ${id} needs the model's labels (config.json id2label)`);
      if (problemType === 'single_label_classification' && labels.length < 2) {
        throw new UserError(`${opts.data}: classification needs at least 2 labels, found ${labels.length} (${labels.join(', ')})`);
      }
    }
    this.spec = { problemType, labels, glue, opts, maxSeqLength };
    this.config = problemType === 'regression'
      ? { num_labels: 1, problem_type: 'regression' }
      : { num_labels: labels.length, problem_type: problemType, ...labelMaps(labels) };
  }

  private readOwn(file: string, problemType: ProblemType, requireLabels: boolean, labels?: readonly string[]): TextDataset {
    const o = this.opts;
    return readTabular(file, {
      problemType, format: o.format, textColumn: o.textColumn, textPairColumn: o.textPairColumn, labelColumn: o.labelColumn, labels, requireLabels,
    });
  }

  /** A GLUE split from the task's folder, or from a file given directly (its layout told by its name: test*.tsv or train/dev). */
  private readGlueSplit(where: string, split: GlueSplit): TextDataset {
    const glue = this.spec.glue!;
    if (!isFile(where)) return readGlue(glue, where, split);
    const kind = path.basename(where).startsWith('test') ? 'test' : 'labelled';
    return readGlueFile(glue, where, kind, split);
  }

  private split(name: string, data: TextDataset): TextSplit {
    return new TextSplit(name, data, this.spec);
  }

  train(): TrainFeatures {
    const { spec, opts } = this;
    const data = spec.glue ? this.readGlueSplit(opts.data, 'train')
      : this.ownTrain && this.ownTrain.file === opts.data ? this.ownTrain : this.readOwn(opts.data, spec.problemType, true, spec.labels);
    const tok = opts.tokenizer, K = numLabels(spec);
    const features = featurizeText(tok, data.examples, { maxSeqLength: spec.maxSeqLength });
    return {
      size: features.length,
      examples: data.examples.length,
      batch: (indices) => {
        const rows = indices.map((i) => features[i]);
        const { inputs, labels } = textBatch(rows, data.examples, { problemType: spec.problemType, numLabels: K, seq: spec.maxSeqLength, padId: tok.padId });
        return { inputs, labels: labels!, tokens: realTokens(inputs) };
      },
    };
  }

  evalSplits(): TextSplit[] {
    const { spec, opts } = this;
    if (spec.glue) {
      const where = opts.role === 'finetune' ? (opts.evalData ?? opts.data) : opts.data;
      // A split named (evaluate), else a file's one split, else the folder's dev splits (MNLI: matched, mismatched).
      const given = opts.role === 'finetune' ? undefined : opts.split as GlueSplit | undefined;
      const splits = given ? [given] : isFile(where) ? ['dev' as const] : glueTask(spec.glue).devSplits;
      return splits.map((s) => this.split(s, this.readGlueSplit(where, s)));
    }
    const file = opts.role === 'finetune' ? opts.evalData : opts.data;
    if (file === undefined) return [];
    const data = this.ownTrain && this.ownTrain.file === file && opts.role === 'evaluate' ? this.ownTrain : this.readOwn(file, spec.problemType, true, spec.labels);
    return [this.split(opts.split ?? 'dev', data)];
  }

  predictSplit(): TextSplit {
    const { spec, opts } = this;
    if (spec.glue) {
      const split = (opts.split ?? glueTask(spec.glue).testSplits[0]) as GlueSplit;
      return this.split(split, this.readGlueSplit(opts.data, split));
    }
    return this.split(opts.split ?? 'test', this.readOwn(opts.data, spec.problemType, false, spec.labels));
  }
}

/** The text family's constructor (GLUE's nine tasks, classification, regression, multi-label). */
export const openTextTask = (id: TaskId, opts: TaskDataOptions): DownstreamTask<TextPrediction[]> => new TextTask(id, opts);
