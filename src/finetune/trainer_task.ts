// A downstream task as the Trainer's Task (train/task.ts): batches from the sampler over the
// family's training features, the data position for exact --resume, and evaluation = every eval
// split's predictions and official metrics, in inference mode (packed weights) while it runs.
import type { AlbertModel } from '../model/albert.js';
import type { HeadKind, LossResult } from '../model/types.js';
import type { BatchPart, CurvesInfo, Evaluation, Task, TaskBatch } from '../train/task.js';
import type { DownstreamTask, SplitData, TrainFeatures } from './downstream.js';
import { writeFinetuneCurves } from './curves.js';
import type { Sampler } from './sampler.js';

/** One split's evaluation, as metrics.jsonl gets it (with type and step added). */
export type SplitRecord = { split: string } & Record<string, number | string>;

/** Every split's predictions scored, in inference mode; the model is trainable again afterwards. */
export function evaluateSplits(model: AlbertModel, splits: readonly SplitData[], batchSize: number): SplitRecord[] {
  // Held over all splits (forwardInBatches alone would switch it per split), so the weights are packed once for all of them.
  const was = model.inferenceOnly;
  model.inferenceOnly = true;
  try {
    return splits.map((s) => ({ split: s.name, ...s.score(s.predict(model, batchSize)) }));
  } finally {
    model.inferenceOnly = was;
  }
}

export class FinetuneTask implements Task<SplitRecord> {
  readonly name: string;
  readonly head: HeadKind;
  readonly trainExamples: number;
  readonly evalSets: { name: string; instances: number }[];
  readonly statKeys = [] as const;

  constructor(private readonly task: DownstreamTask, private readonly features: TrainFeatures, private readonly splits: SplitData[],
    private readonly sampler: Sampler, private readonly batchSize: number, private readonly evalBatchSize: number) {
    this.name = task.id;
    this.head = task.head;
    this.trainExamples = features.size;
    this.evalSets = splits.map((s) => ({ name: s.name, instances: s.examples }));
  }

  get epoch(): number { return Math.round(this.sampler.epoch * 1000) / 1000; }

  /** Every rank draws the whole batch (the sampler's position stays the same on all) and featurizes its part. */
  nextBatch(part: BatchPart): TaskBatch {
    const n = this.batchSize / part.count;
    return this.features.batch(this.sampler.take(this.batchSize).slice(part.index * n, (part.index + 1) * n));
  }

  dataState(): unknown { return this.sampler.state(); }

  microStats(_r: LossResult): Record<string, number> { return {}; }

  trainRecord(): Record<string, number | null> { return {}; }

  /** The first split decides the best checkpoint (MNLI: matched). */
  evaluate(model: AlbertModel): Evaluation<SplitRecord> {
    const records = evaluateSplits(model, this.splits, this.evalBatchSize);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(records[0] ?? {})) if (typeof v === 'number') metrics[k] = v;
    return { records, metrics, main: this.task.mainMetric };
  }

  writeCurves(file: string, records: object[], run: CurvesInfo): void {
    writeFinetuneCurves(file, records, { ...run, task: this.task.id, main: this.task.mainMetric });
  }

  close(): void {}
}
