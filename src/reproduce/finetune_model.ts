// Downstream scores of one pretrained model: each task fine-tuned with the same recipe for every
// model (AdamW, warmup 10%, sequence 128, the plan's steps and seed), evaluated once at the end on the
// task's evaluation cut; a run stopped midway resumes exactly.
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { finetune, REPORT_FILE, type FinetuneReport } from '../finetune/finetune.js';
import { listCheckpoints } from '../train/checkpoint.js';
import type { TrainStepInfo } from '../train/trainer.js';
import type { DownstreamData } from './downstream_data.js';
import type { Plan } from './plan.js';

export interface TaskScore { task: string; metric: string; value: number; metrics: Record<string, number>; steps: number; wall_s: number }

const TASK_OPTIONS: Record<string, Record<string, unknown>> = {
  squad1: { docStride: 64, maxQueryLength: 32 },
  race: { levels: ['middle'], maxQaLength: 64 },
};

/** Fine-tune `checkpoint` on one task under DIR; null when interrupted. */
export async function finetuneTask(checkpoint: string, d: DownstreamData, plan: Plan, out: string,
  h: { backend: Backend; signal?: AbortSignal; onStep?: (s: TrainStepInfo) => void }): Promise<TaskScore | null> {
  const reportFile = path.join(out, REPORT_FILE);
  let report: FinetuneReport | null = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) as FinetuneReport : null;
  if (!report) {
    const r = await finetune({
      task: d.task, data: d.data!, evalData: d.evalData, model: checkpoint, output: out, optimizer: 'adamw', lr: plan.finetuneLr,
      warmupRatio: 0.1, steps: plan.finetuneSteps, batchSize: plan.finetuneBatch, seed: plan.seed, maxSeqLength: 128, dropout: 0,
      classifierDropout: 0.1, evalEvery: 0, saveEvery: plan.finetuneSaveEvery, keep: 1, logEvery: plan.logEvery,
      ...TASK_OPTIONS[d.task], resume: listCheckpoints(out).length > 0, backend: h.backend, signal: h.signal, onStep: h.onStep, onWarning: () => {},
    });
    if (r.interrupted) return null;
    report = r.report;
  }
  const m = report?.final?.metrics ?? {};
  return { task: d.task, metric: report!.main_metric, value: m[report!.main_metric] ?? NaN, metrics: m, steps: report!.steps, wall_s: report!.wall_s };
}
