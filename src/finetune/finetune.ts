// Fine-tuning: a downstream task (tasks.ts) on the shared Trainer. This file decides the run (its
// settings, saved or given; the data; the model) and hands it to the Trainer as a FinetuneTask; the
// loop, accumulation, clipping, NaN skipping, checkpoints with the best kept, exact --resume,
// metrics.jsonl and curves are the Trainer's. At the end: OUT/model (the best checkpoint's HF
// directory) and OUT/report.json.
import fs from 'node:fs';
import path from 'node:path';
import { loadBackend } from '../backend/index.js';
import { fileError, UserError } from '../errors.js';
import { TOKENIZER_FILE } from '../io/hf_dir.js';
import { AlbertTokenizer } from '../tokenizer/albert.js';
import { checkpointName, listCheckpoints } from '../train/checkpoint.js';
import { restoreNewestIntact, resumeCandidates, savedSettings, type Restored, type RestoreHooks } from '../train/resume.js';
import type { RunHooks } from '../train/run_hooks.js';
import { worldComm } from '../parallel/comm.js';
import { extensionWarning, Trainer, type TrainerRecord, type TrainStepInfo } from '../train/trainer.js';
import type { SamplerState } from './sampler.js';
import { Sampler } from './sampler.js';
import { buildFinetuneModel, modelTokenizer } from './model.js';
import { evalRecordsAt, flatMetrics, installModel, splitMetrics, writeJsonAtomic, type SplitMetrics } from './report.js';
import { FINETUNE_STATE, resolveFinetuneSettings, resolveTaskSettings, type FinetuneRun, type FinetuneSession, type FinetuneSettingsOptions } from './settings.js';
import { openTask } from './tasks.js';
import { FinetuneTask } from './trainer_task.js';

export interface FinetuneOptions extends FinetuneSettingsOptions, RunHooks<TrainerRecord, TrainStepInfo> {
  /** Run directory: checkpoints, metrics.jsonl, curves.svg, report.json, model/. */
  output: string;
  /** A model directory (HF: config.json, model.safetensors, spiece.model), a config.json or a preset name (random weights). */
  model?: string;
  /** SentencePiece model (default: the model directory's spiece.model). */
  tokenizer?: string;
  /** Continue the run in `output` from its newest intact checkpoint; flags given must agree with the saved run (steps may grow). */
  resume?: boolean;
  /** Continue from this checkpoint folder. */
  resumeFrom?: string;
  /** Examples per forward when evaluating (default: the batch size). */
  evalBatchSize?: number;
}

export interface FinetuneReport {
  task: string;
  model: string;
  output: string;
  settings: { run: FinetuneRun; session: FinetuneSession };
  steps: number;
  interrupted: boolean;
  skipped_steps: number;
  train: { examples: number; units: number; file: string };
  eval_splits: { name: string; file: string; examples: number }[];
  main_metric: string;
  /** The best evaluation by the main metric (null when nothing was evaluated). */
  best: { step: number; checkpoint: string; value: number; metrics: Record<string, number>; splits: SplitMetrics } | null;
  /** The last evaluation (at the last step). */
  final: { step: number; metrics: Record<string, number>; splits: SplitMetrics } | null;
  wall_s: number;
  tokens_per_s: number;
}

export interface FinetuneResult {
  steps: number;
  interrupted: boolean;
  /** A resumed run that had already made all its steps: nothing was trained or written. */
  alreadyComplete: boolean;
  /** The last checkpoint saved. */
  checkpoint: string;
  /** OUT/model (written when the run completes). */
  modelDir: string;
  /** OUT/report.json. */
  reportFile: string;
  report: FinetuneReport | null;
  skippedSteps: number;
  tokensPerSecond: number;
}

export const REPORT_FILE = 'report.json';
export const MODEL_DIR = 'model';

const stderrWarning = (m: string) => process.stderr.write(`albert: warning: ${m}\n`);

export async function finetune(o: FinetuneOptions): Promise<FinetuneResult> {
  const started = Date.now();
  const warn = o.onWarning ?? stderrWarning;
  const resuming = Boolean(o.resume || o.resumeFrom);
  const candidates = resuming ? resumeCandidates(o.output, o.resumeFrom) : [];
  if (!resuming && listCheckpoints(o.output).length) {
    throw fileError(o.output, 'already holds checkpoints: pass --resume to continue that run, or choose another --output');
  }
  const saved = resuming ? savedSettings(candidates) as { run?: FinetuneRun; session?: FinetuneSession } : {};
  const savedPair = saved.run && saved.session ? { run: saved.run, session: saved.session } : undefined;
  const t = resolveTaskSettings(o, savedPair);
  const modelSpec = o.model ?? savedPair?.run.model;
  if (!resuming && modelSpec === undefined) throw new UserError('missing required flag --model (see --help)');
  // On resume the run's own copy of the tokenizer (the Trainer keeps one in the run directory).
  const runTokenizer = path.join(o.output, TOKENIZER_FILE);
  const tokFile = resuming && o.tokenizer === undefined && fs.existsSync(runTokenizer) ? runTokenizer : modelTokenizer(modelSpec ?? '', o.tokenizer);
  const tokenizer = AlbertTokenizer.load(tokFile);
  const task = openTask(t.task, { role: 'finetune', data: t.data, evalData: t.evalData ?? undefined, tokenizer, maxSeqLength: t.maxSeqLength, ...t.taskOptions });
  const features = task.train();
  const backend = o.backend ?? loadBackend({ threads: o.threads });
  const hooks: RestoreHooks<Sampler> = {
    schema: FINETUNE_STATE,
    restoreData: (st) => new Sampler(features.size, st.run.seed, (st.run as FinetuneRun).shuffle, st.loader as SamplerState),
  };
  const restored: Restored<Sampler> | undefined = resuming ? restoreNewestIntact(candidates, backend, hooks, warn, o.maxMemory) : undefined;
  const state = restored?.state;
  const { run, session, extendedFrom } = resolveFinetuneSettings(o, t, features.size,
    state && { run: state.run as FinetuneRun, session: state.session as FinetuneSession });
  const result = (r: Partial<FinetuneResult>): FinetuneResult => ({
    steps: 0, interrupted: false, alreadyComplete: false, checkpoint: '', modelDir: path.join(o.output, MODEL_DIR),
    reportFile: path.join(o.output, REPORT_FILE), report: null, skippedSteps: 0, tokensPerSecond: 0, ...r,
  });
  if (state && state.step >= run.steps) return result({ steps: state.step, checkpoint: restored!.dir, alreadyComplete: true, skippedSteps: state.skipped });
  if (extendedFrom !== undefined) warn(extensionWarning(o.output, extendedFrom, run, state!.step));
  if (restored && restored.model.head !== task.head) throw fileError(restored.dir, `holds a ${restored.model.head} model, but ${task.id} trains ${task.head}`);

  const model = restored?.model ?? buildFinetuneModel({
    spec: run.model, task, set: run.set, dropout: run.dropout, classifierDropout: run.classifierDropout, seed: run.seed,
    vocabSize: tokenizer.vocabSize, maxSeqLength: run.maxSeqLength, backend, maxMemory: o.maxMemory, onWarning: warn,
  });
  const splits = task.evalSplits();
  const sampler = restored?.data ?? new Sampler(features.size, run.seed, run.shuffle);
  const trainerTask = new FinetuneTask(task, features, splits, sampler, run.batchSize, o.evalBatchSize ?? run.batchSize);
  const r = await new Trainer({
    output: o.output, task: trainerTask, model, backend, run, session, restored, tokenizer: tokFile, keepBest: true, signal: o.signal,
    onStart: o.onStart && ((s) => o.onStart!({ ...s, command: 'finetune' })), onRecord: o.onRecord, onStep: o.onStep, injectNanAtSteps: o.injectNanAtSteps,
  }).run();

  const metricsFile = path.join(o.output, 'metrics.jsonl');
  const at = (step: number) => { const bySplit = splitMetrics(evalRecordsAt(metricsFile, step)); return { metrics: flatMetrics(bySplit), splits: bySplit }; };
  const report: FinetuneReport = {
    task: task.id, model: run.model, output: path.resolve(o.output), settings: { run, session }, steps: r.steps, interrupted: r.interrupted,
    skipped_steps: r.skippedSteps, train: { examples: features.examples, units: features.size, file: t.data },
    eval_splits: splits.map((s) => ({ name: s.name, file: s.file, examples: s.examples })), main_metric: task.mainMetric,
    best: r.best ? { step: r.best.step, checkpoint: r.best.checkpoint, value: r.best.value, ...at(r.best.step) } : null,
    final: splits.length && !r.interrupted ? { step: r.steps, ...at(r.steps) } : null,
    wall_s: Math.round(((state?.elapsedS ?? 0) + (Date.now() - started) / 1000) * 10) / 10, tokens_per_s: Math.round(r.tokensPerSecond),
  };
  // Rank 0 writes (data parallel: every rank has the same result).
  if (worldComm().rank === 0) {
    if (!r.interrupted) installModel(r.best?.dir ?? path.join(o.output, checkpointName(r.steps)), path.join(o.output, MODEL_DIR));
    writeJsonAtomic(path.join(o.output, REPORT_FILE), report);
  }
  return result({ steps: r.steps, interrupted: r.interrupted, checkpoint: r.checkpoint, report, skippedSteps: r.skippedSteps, tokensPerSecond: r.tokensPerSecond });
}
