// An analysis's plan: the scale, steps and settings every model of it shares, fixed once (from the
// budget and a short measured calibration) and saved as plan.json, so that --resume continues the
// same runs exactly whatever this machine's speed is later.
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { ShardDataset } from '../data/shards.js';
import { fileError, UserError } from '../errors.js';
import { writeTextAtomic } from '../io/atomic.js';
import { pretrain } from '../train/pretrain.js';
import { modelConfig, type Analysis } from './analyses.js';
import type { Scale } from './budget.js';
import type { AnalysisData } from './data.js';
import type { DownstreamTaskId } from './downstream_data.js';

export interface Plan {
  analysis: string;
  budget_s: number;
  scale: Scale;
  objectives: ('sop' | 'nsp')[];
  seed: number; vocabSize: number;
  lr: number; warmupSteps: number;
  pretrainSteps: number; evalEvery: number; saveEvery: number; logEvery: number;
  /** Mean tokens of a training instance (tokens seen = steps x batch x this). */
  meanTokens: number;
  tasks: DownstreamTaskId[];
  finetuneSteps: number; finetuneBatch: number; finetuneLr: number; finetuneSaveEvery: number;
  /** Measured pretraining throughput the steps were sized by (null when steps were given). */
  calibration: { tokens_per_s: number; steps: number } | null;
}

export const PLAN_FILE = 'plan.json';

export function readPlan(dir: string): Plan | null {
  const f = path.join(dir, PLAN_FILE);
  if (!fs.existsSync(f)) return null;
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8')) as Plan;
  } catch (e) {
    throw fileError(f, `is not a readable plan (${(e as Error).message})`);
  }
}

export interface PlanInputs {
  analysis: Analysis; dir: string; budgetS: number; elapsedS: number; scale: Scale; data: AnalysisData; seed: number; vocabSize: number;
  tasks: DownstreamTaskId[];
  /** Fixed steps instead of sizing them by the budget (tests; reruns of a published plan). */
  pretrainSteps?: number; finetuneSteps?: number;
  backend: Backend;
}

/** Pretraining tokens per second of the analysis's first model on this machine (a few steps). */
async function calibrate(i: PlanInputs, objective: 'sop' | 'nsp'): Promise<{ tokens_per_s: number; steps: number }> {
  const out = path.join(i.dir, 'calibration');
  fs.rmSync(out, { recursive: true, force: true });
  const steps = i.scale.name === 'tiny' ? 3 : 8;
  try {
    const r = await pretrain({
      data: i.data.train[objective], output: out, tokenizer: i.data.tokenizer, set: modelConfig(i.analysis.models(i.scale)[0], i.scale),
      steps, batchSize: i.scale.batchSize, evalInstances: 0, quiet: true, backend: i.backend, seed: i.seed, logEvery: 1, onWarning: () => {},
    });
    return { tokens_per_s: r.tokensPerSecond, steps };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

export async function makePlan(i: PlanInputs): Promise<Plan> {
  const objectives = i.analysis.objectives;
  const ds = ShardDataset.open(i.data.train[objectives[0]]!);
  const meanTokens = ds.index.tokens / ds.index.instances;
  ds.close();
  const models = i.analysis.models(i.scale).length;
  const s = i.scale;
  const finetuneBatch = s.name === 'tiny' ? 4 : 16;
  let calibration: Plan['calibration'] = null;
  let pretrainSteps = i.pretrainSteps, finetuneSteps = i.finetuneSteps ?? (i.pretrainSteps !== undefined ? 2 : undefined);
  if (pretrainSteps === undefined || finetuneSteps === undefined) {
    calibration = await calibrate(i, objectives[0]);
    const tps = calibration.tokens_per_s;
    const left = Math.max(i.budgetS - i.elapsedS, 1);
    // pretraining gets 70% (92% with no downstream tasks); evaluation (forward only, ~1/3 of a step's cost per token) comes out of it
    const pretrainS = left * (i.tasks.length ? 0.7 : 0.92) / models;
    const evals = s.name === 'tiny' ? 1 : 6;
    const evalS = (evals * objectives.length * s.evalLimit * meanTokens) / (3 * tps);
    pretrainSteps ??= Math.max(2, Math.floor(((pretrainS - evalS) * tps) / (s.batchSize * meanTokens)));
    const slot = (left * 0.3) / Math.max(1, models * i.tasks.length);
    const evalTokens = s.downstreamEval * 128 * 3; // RACE: 4 choices, SQuAD: ~3 windows; GLUE less
    finetuneSteps ??= Math.max(2, Math.floor((slot * tps * 0.8 - evalTokens / 3) / (finetuneBatch * 128)));
  }
  if (pretrainSteps < 1 || finetuneSteps < 1) throw new UserError('steps must be at least 1');
  const evalEvery = s.name === 'tiny' ? 0 : Math.max(1, Math.round(pretrainSteps / 6));
  return {
    analysis: i.analysis.name, budget_s: i.budgetS, scale: s, objectives, seed: i.seed, vocabSize: i.vocabSize,
    lr: s.name === 'tiny' ? 0.01 : 0.005, warmupSteps: Math.max(1, Math.round(pretrainSteps * 0.03)),
    pretrainSteps, evalEvery, saveEvery: Math.max(1, Math.round(pretrainSteps / 10)), logEvery: Math.max(1, Math.min(10, Math.round(pretrainSteps / 20))),
    meanTokens, tasks: i.tasks, finetuneSteps, finetuneBatch, finetuneLr: 1e-4, finetuneSaveEvery: Math.max(1, Math.round(finetuneSteps / 4)), calibration,
  };
}

export function savePlan(dir: string, p: Plan): void {
  writeTextAtomic(path.join(dir, PLAN_FILE), JSON.stringify(p, null, 2) + '\n');
}
