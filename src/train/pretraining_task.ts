// Pretraining as a Task (task.ts): shard instances from a resumable shuffled loader, MLM + SOP/NSP
// (or MLM alone) labels, the held-out and extra evaluation sets, its statistics (MLM and sentence
// loss and accuracy), and its curves.
import { InstanceLoader } from '../data/loader.js';
import { deriveSeed } from '../data/rng.js';
import type { ShardDataset, StoredInstance } from '../data/shards.js';
import type { AlbertModel } from '../model/albert.js';
import type { MeanOver } from '../model/heads/head.js';
import { IGNORE_INDEX } from '../model/heads/losses.js';
import type { HeadKind, LossResult } from '../model/types.js';
import { BatchBuilder } from './batch.js';
import { writePretrainingCurves, type CurveRecord } from './curves.js';
import { evaluate, type EvalResult, type EvalSet } from './evaluate.js';
import { OPTIMIZER_KINDS, type OptimizerKind } from './optim.js';
import { headOf, limitProblem, RUN_KEYS, type LimitedOption, type PretrainObjective, type RunRecord } from './run_settings.js';
import type { BatchPart, CurvesInfo, Evaluation, Task, TaskBatch } from './task.js';
import { shown, type StateSchema, type Window } from './trainer_state.js';

/** The training data stream of a run: every instance but the held-out tail. */
export const runLoader = (ds: ShardDataset, run: RunRecord) =>
  new InstanceLoader(ds, { first: 0, end: ds.count - run.evalInstances, bufferSize: run.shuffleBuffer, seed: deriveSeed(run.seed, 2) });

const STAT_KEYS = ['mlmLoss', 'sentLoss', 'mlmAcc', 'sentAcc'] as const;

/** What a pretraining checkpoint's trainer_state.json must hold beyond the Trainer's fields. */
export const PRETRAINING_STATE: StateSchema = {
  runProblem(run) {
    for (const k of RUN_KEYS) {
      if (k === 'objective' || k === 'optimizer' || k === 'precision') continue; // precision: checked by the Trainer's schema
      const p = limitProblem(k as LimitedOption, run[k]);
      if (p) return `run.${k} ${p}`;
    }
    if (run.objective !== 'sop' && run.objective !== 'nsp' && run.objective !== 'mlm') return `run.objective must be sop, nsp or mlm, got ${shown(run.objective)}`;
    if (!OPTIMIZER_KINDS.includes(run.optimizer as OptimizerKind)) return `run.optimizer must be ${OPTIMIZER_KINDS.join(', ')}, got ${shown(run.optimizer)}`;
    return undefined;
  },
  headProblem(head, run) {
    const want = headOf(run.objective as PretrainObjective);
    return head === want ? undefined : `head must be ${want} for objective ${run.objective}, got ${shown(head)}`;
  },
  sessionProblem(s) {
    if (typeof s.data !== 'string' || !s.data) return `session.data must be the data folder's path, got ${shown(s.data)}`;
    if (!Array.isArray(s.evalData) || s.evalData.some((d) => typeof d !== 'string')) return `session.evalData must be a list of paths, got ${shown(s.evalData)}`;
    const p = limitProblem('evalLimit', s.evalLimit);
    return p && `session.evalLimit ${p}`;
  },
  windowKeys: STAT_KEYS,
};

export interface PretrainingTaskOptions {
  ds: ShardDataset; loader: InstanceLoader; objective: PretrainObjective;
  /** Instances [0, trainInstances) of ds train. */
  trainInstances: number;
  evalSets: EvalSet[];
  batchSize: number;
}

export class PretrainingTask implements Task<EvalResult> {
  readonly name: string;
  readonly head: HeadKind;
  readonly trainExamples: number;
  readonly evalSets: { name: string; instances: number }[];
  readonly statKeys = STAT_KEYS;
  private readonly sentence: boolean;

  constructor(private readonly o: PretrainingTaskOptions) {
    this.name = o.objective;
    this.head = headOf(o.objective);
    this.sentence = this.head !== 'masked-lm';
    this.trainExamples = o.trainInstances;
    this.evalSets = o.evalSets.map((e) => ({ name: e.name, instances: e.end - e.first }));
  }

  private builders = new Map<number, { builder: BatchBuilder; insts: StoredInstance[] }>();

  get epoch(): number { return this.o.loader.epoch; }

  nextBatch(part: BatchPart): TaskBatch {
    const B = this.o.batchSize, n = B / part.count, lo = part.index * n;
    let b = this.builders.get(n);
    if (!b) this.builders.set(n, b = { builder: new BatchBuilder(n, this.o.ds.index.max_seq_length, this.o.ds.index.pad_id), insts: new Array(n) });
    // Every rank draws the whole batch's instance numbers (the loader's position stays the same on all), and reads its part.
    for (let i = 0; i < B; i++) {
      const id = this.o.loader.nextIndex();
      if (i >= lo && i < lo + n) b.insts[i - lo] = this.o.ds.get(id);
    }
    const { builder } = b;
    builder.fill(b.insts);
    return { inputs: builder.inputs, labels: this.sentence ? builder.labels : { labels: builder.labels.labels }, tokens: builder.tokens };
  }

  meanCounts(batch: TaskBatch): MeanOver {
    let labelled = 0;
    const l = batch.labels.labels!;
    for (let i = 0; i < l.length; i++) if (l[i] !== IGNORE_INDEX) labelled++;
    return { labelled, sequences: batch.inputs.batch };
  }

  dataState(): unknown { return this.o.loader.getState(); }

  microStats(r: LossResult): Record<string, number> {
    return { mlmLoss: r.mlmLoss ?? 0, sentLoss: r.sopLoss ?? r.nspLoss ?? 0, mlmAcc: r.mlmAccuracy ?? 0, sentAcc: r.sentenceAccuracy ?? 0 };
  }

  trainRecord(w: Window): Record<string, number | null> {
    const n = w.n || NaN, s = this.sentence;
    return { mlm_loss: w.mlmLoss / n, sentence_loss: s ? w.sentLoss / n : null, mlm_acc: w.mlmAcc / n, sentence_acc: s ? w.sentAcc / n : null };
  }

  /** Every evaluation set; the first (held-out, when there is one) gives the metrics, by MLM accuracy. */
  evaluate(model: AlbertModel, batchSize: number): Evaluation<EvalResult> {
    const records = this.o.evalSets.map((s) => evaluate(model, s, batchSize));
    const first = records[0];
    const metrics: Record<string, number> = {};
    if (first) {
      metrics.mlm_loss = first.mlm_loss;
      metrics.mlm_acc = first.mlm_acc;
      if (first.sentence_acc !== null) metrics.sentence_acc = first.sentence_acc;
    }
    return { records, metrics, main: 'mlm_acc' };
  }

  writeCurves(file: string, records: object[], run: CurvesInfo): void {
    writePretrainingCurves(file, records as CurveRecord[], { ...run, objective: this.o.objective });
  }

  close(): void {
    for (const s of this.o.evalSets) if (s.ds !== this.o.ds) s.ds.close();
    this.o.ds.close();
  }
}
