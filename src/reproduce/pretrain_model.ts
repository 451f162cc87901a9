// One compared model of an analysis: pretrained with the analysis's shared settings (same data,
// steps, seed), resumed exactly where it stopped, and its intrinsic accuracies read back from the
// run's held-out evaluations (MLM, SOP, NSP) with the MLM accuracy curve over steps.
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { writeTextAtomic } from '../io/atomic.js';
import { countParameters } from '../model/albert.js';
import { readConfigFile } from '../model/config.js';
import { listCheckpoints } from '../train/checkpoint.js';
import { pretrain, type StepInfo } from '../train/pretrain.js';
import { modelConfig, type ModelPlan } from './analyses.js';
import type { Plan } from './plan.js';
import type { AnalysisData } from './data.js';

export interface Intrinsic { mlm_acc: number | null; mlm_loss: number | null; sop_acc: number | null; nsp_acc: number | null }

export interface PretrainedModel {
  name: string; objective: string; embedding: number; sharing: string;
  checkpoint: string; parameters: number; steps: number; tokens: number; wall_s: number;
  intrinsic: Intrinsic;
  /** Held-out MLM accuracy and loss at each evaluation. */
  curve: { step: number; mlm_acc: number; mlm_loss: number }[];
}

interface EvalLine { type: string; step: number; set: string; mlm_acc: number; mlm_loss: number; sentence_acc: number | null; elapsed_s?: number }

function readMetrics(dir: string): EvalLine[] {
  const f = path.join(dir, 'metrics.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EvalLine) : [];
}

export interface PretrainHooks { backend: Backend; signal?: AbortSignal; onStep?: (s: StepInfo) => void }

/** Train (or continue) one model; null when interrupted. */
export async function pretrainModel(p: ModelPlan, plan: Plan, data: AnalysisData, dir: string, h: PretrainHooks): Promise<PretrainedModel | null> {
  const out = path.join(dir, 'models', p.name);
  const done = path.join(out, 'result.json');
  if (fs.existsSync(done)) return JSON.parse(fs.readFileSync(done, 'utf8')) as PretrainedModel;
  const objective = p.objective === 'nsp' ? 'nsp' : 'sop';
  const evalData = plan.objectives.map((o) => data.heldout[o]!);
  const r = await pretrain({
    data: data.train[objective], output: out, tokenizer: data.tokenizer, model: 'tiny', set: modelConfig(p, plan.scale),
    objective: p.objective, optimizer: 'lamb', lr: plan.lr, warmupSteps: plan.warmupSteps, steps: plan.pretrainSteps,
    batchSize: plan.scale.batchSize, seed: plan.seed, evalInstances: 0, evalData, evalLimit: plan.scale.evalLimit,
    evalEvery: plan.evalEvery, saveEvery: plan.saveEvery, keep: 2, logEvery: plan.logEvery, quiet: true,
    resume: listCheckpoints(out).length > 0, backend: h.backend, signal: h.signal, onStep: h.onStep, onWarning: () => {},
  });
  if (r.interrupted) return null;
  const lines = readMetrics(out);
  const last = lines.filter((l) => l.type === 'eval' && l.step === r.steps);
  const bySet = (o: 'sop' | 'nsp') => last.find((l) => l.set === path.basename(data.heldout[o] ?? ''));
  const first = bySet(plan.objectives[0]);
  const checkpoint = listCheckpoints(out).at(-1)!.dir;
  const trainLines = lines.filter((l) => l.type === 'train');
  const result: PretrainedModel = {
    name: p.name, objective: p.objective, embedding: p.embedding, sharing: p.sharing, checkpoint,
    parameters: countParameters(readConfigFile(path.join(checkpoint, 'config.json')), 'base'),
    steps: r.steps, tokens: Math.round(r.steps * plan.scale.batchSize * plan.meanTokens),
    wall_s: Math.round(trainLines.at(-1)?.elapsed_s ?? 0),
    intrinsic: {
      mlm_acc: first?.mlm_acc ?? null, mlm_loss: first?.mlm_loss ?? null,
      sop_acc: bySet('sop')?.sentence_acc ?? null, nsp_acc: bySet('nsp')?.sentence_acc ?? null,
    },
    curve: lines.filter((l) => l.type === 'eval' && l.set === first?.set).map((l) => ({ step: l.step, mlm_acc: l.mlm_acc, mlm_loss: l.mlm_loss })),
  };
  writeTextAtomic(done, JSON.stringify(result, null, 2) + '\n');
  return result;
}
