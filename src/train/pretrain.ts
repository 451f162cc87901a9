// Pretraining: MLM + SOP (default), MLM + NSP, or MLM only, over shard data, with LAMB or AdamW.
// This file decides the run (its settings, saved or given; the data; the model: a checkpoint's, a
// model directory's or a new one; the evaluation sets) and hands it to the Trainer (trainer.ts) as a
// PretrainingTask (pretraining_task.ts): the loop, checkpoints, exact resume, metrics and curves are
// the Trainer's.
import fs from 'node:fs';
import path from 'node:path';
import type { Precision } from '../backend/bf16.js';
import { loadBackend } from '../backend/index.js';
import { UserError, fileError } from '../errors.js';
import { INDEX_FILE, ShardDataset } from '../data/shards.js';
import { fileSha256 } from '../data/tokenizer.js';
import { loadPretrained } from '../io/hf_dir.js';
import { AlbertModel } from '../model/albert.js';
import { checkOverrideKeys, withConfig, type AlbertConfig } from '../model/config.js';
import type { MemoryBudget } from '../model/limits.js';
import { configFromSpec, specSource } from '../model/presets.js';
import { listCheckpoints } from './checkpoint.js';
import type { EvalResult, EvalSet } from './evaluate.js';
import type { OptimizerKind } from './optim.js';
import { PretrainingTask, runLoader } from './pretraining_task.js';
import { pretrainingRestore, restoreNewestIntact, resumeCandidates, savedSession, type Restored } from './resume.js';
import { checkLimits, dataFolder, headOf, resolveSettings, type PretrainObjective, type RunRecord, type SessionRecord } from './run_settings.js';
import type { RunHooks } from './run_hooks.js';
import { Trainer, extensionWarning } from './trainer.js';

export type { PretrainObjective } from './run_settings.js';

export interface PretrainOptions extends RunHooks<MetricsRecord, StepInfo> {
  /** Shard directory made by create-pretraining-data (on resume: default the run's). */
  data?: string;
  /** Run directory: checkpoints, metrics.jsonl, curves.svg. */
  output: string;
  /** Preset name, config.json path, or an HF model directory to continue from. Default 'tiny'. */
  model?: string;
  /** Config overrides for a new model (HF keys), e.g. { hidden_size: 256 }. */
  set?: Record<string, unknown>;
  /** SentencePiece model copied into every checkpoint (default: the model directory's spiece.model). */
  tokenizer?: string;
  /** Default: the data's objective. 'mlm' trains the masked LM alone. */
  objective?: PretrainObjective;
  /** The GEMMs' precision (default fp32): 'bf16' is mixed-precision training (backend/bf16.ts). Kept by resume. */
  precision?: Precision;
  optimizer?: OptimizerKind;
  lr?: number; warmupSteps?: number; decayPower?: number;
  /**
   * Updates to make; default from `epochs` (default 1). On resume, more steps than the run had extend it:
   * the learning-rate schedule is then the one of the new length (warmup unchanged, decay to 0 at the new
   * last step), so the rate rises again from where the old schedule ended.
   */
  steps?: number; epochs?: number;
  batchSize?: number; gradAccum?: number;
  clipNorm?: number; weightDecay?: number; beta1?: number; beta2?: number; eps?: number;
  seed?: number;
  shuffleBuffer?: number;
  /** Instances held out from the end of `data` for evaluation (default min(500, 5%)). */
  evalInstances?: number;
  /** More evaluation data sets (e.g. one per sentence objective, for Table 5); at most evalLimit instances each. */
  evalData?: string[];
  evalLimit?: number;
  /** 0: only at the end. */
  evalEvery?: number; logEvery?: number; saveEvery?: number;
  /** Checkpoints kept (newest). */
  keep?: number;
  /**
   * Continue from the newest intact checkpoint in `output` (a damaged newer one is skipped with a warning).
   * Options not given are the run's saved ones; given ones must agree with them (steps may grow).
   */
  resume?: boolean;
  /** Continue from this checkpoint folder (implies resume; refused if damaged). */
  resumeFrom?: string;
  /** Consecutive NaN/Inf steps after which the run stops. */
  maxBadSteps?: number;
  /** Gradient checkpointing (recompute activations in backward: less memory, more time; same gradients). */
  checkpointActivations?: boolean;
  quiet?: boolean;
}

export interface StepInfo {
  step: number; totalSteps: number; loss: number; mlmAcc: number; sentenceAcc: number; lr: number; tokensPerSecond: number;
}

export type MetricsRecord =
  | { type: 'train'; step: number; epoch: number; loss: number; mlm_loss: number; sentence_loss: number | null;
      mlm_acc: number; sentence_acc: number | null; lr: number; grad_norm: number; skipped: number;
      tokens_per_s: number; elapsed_s: number }
  | ({ type: 'eval'; step: number } & EvalResult);

export interface PretrainResult {
  steps: number;
  checkpoint: string;
  interrupted: boolean;
  /** A resumed run that had already made all its steps: nothing was trained or written. */
  alreadyComplete: boolean;
  eval: EvalResult[];
  skippedSteps: number;
  tokensPerSecond: number;
}

/** A new model's config: preset or config.json, overrides, vocabulary and length from the data
 *  (`fromData`: the fields the data's index.json decided, under its names, for messages). */
function newConfig(spec: string, set: Record<string, unknown>, ds: ShardDataset, fromData: NonNullable<MemoryBudget['fieldSources']>): AlbertConfig {
  let c = configFromSpec(spec);
  const changes: Record<string, unknown> = { ...set };
  if (changes.vocab_size !== undefined && changes.vocab_size !== ds.index.vocab_size) {
    throw new UserError(`vocab_size ${changes.vocab_size} does not match the data's tokenizer (${ds.index.vocab_size} pieces)`);
  }
  changes.vocab_size = ds.index.vocab_size;
  changes.pad_token_id = ds.index.pad_id;
  const file = path.join(ds.dir, INDEX_FILE);
  fromData.vocab_size = { file, field: 'vocab_size' };
  if ((changes.max_position_embeddings ?? c.max_position_embeddings) as number < ds.index.max_seq_length) {
    changes.max_position_embeddings = ds.index.max_seq_length;
    fromData.max_position_embeddings = { file, field: 'max_seq_length' };
  }
  c = withConfig(c, changes as Partial<AlbertConfig>);
  return c;
}

const stderrWarning = (m: string) => process.stderr.write(`albert: warning: ${m}\n`);

export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  checkOverrideKeys(o.set ?? {});
  checkLimits(o);
  const warn = o.onWarning ?? stderrWarning;
  const resuming = Boolean(o.resume || o.resumeFrom);
  // On resume the data folder may come from the saved run: from the first checkpoint that can say.
  const candidates = resuming ? resumeCandidates(o.output, o.resumeFrom) : [];
  if (!resuming && listCheckpoints(o.output).length) {
    throw fileError(o.output, 'already holds checkpoints: pass --resume to continue that run, or choose another --output');
  }
  const dataDir = dataFolder(o, resuming ? savedSession(candidates) : undefined);
  const ds = ShardDataset.open(dataDir);
  const backend = o.backend ?? loadBackend({ threads: o.threads });
  const restored: Restored | undefined = resuming ? restoreNewestIntact(candidates, backend, pretrainingRestore(ds), warn, o.maxMemory) : undefined;
  const state = restored?.state;
  const { run, session, extendedFrom } = resolveSettings({ ...o, data: dataDir }, { dir: dataDir, count: ds.count, objective: ds.index.objective },
    state && { run: state.run as RunRecord, session: state.session as SessionRecord | undefined });
  const { objective, steps, evalInstances, seed } = run;
  if (objective !== 'mlm' && objective !== ds.index.objective) {
    throw new UserError(`--objective ${objective} needs ${objective} data, but ${dataDir} holds ${ds.index.objective} instances`);
  }
  const trainCount = ds.count - evalInstances;
  const head = headOf(objective);
  if (state && state.step >= steps) {
    // Nothing to do, and nothing is written: the run's files stay as they are.
    ds.close();
    return { steps: state.step, checkpoint: restored!.dir, interrupted: false, alreadyComplete: true, eval: [], skippedSteps: state.skipped, tokensPerSecond: 0 };
  }
  if (extendedFrom !== undefined) warn(extensionWarning(o.output, extendedFrom, run, state!.step));

  // Model and tokenizer: the checkpoint's, a model directory's, or a new model.
  let model: AlbertModel;
  let tokenizer = o.tokenizer;
  if (restored) {
    model = restored.model;
    if (tokenizer !== undefined && (!fs.existsSync(tokenizer) || fileSha256(tokenizer) !== fileSha256(restored.tokenizer))) {
      throw fileError(tokenizer, fs.existsSync(tokenizer) ? `--resume: is not the tokenizer of the run (${restored.tokenizer} differs)` : 'does not exist');
    }
    tokenizer = restored.tokenizer;
  } else if (o.model && fs.existsSync(o.model) && fs.statSync(o.model).isDirectory()) {
    model = loadPretrained(o.model, { backend, head, maxMemory: o.maxMemory });
    tokenizer ??= path.join(o.model, 'spiece.model');
  } else {
    const spec = o.model ?? 'tiny', fieldSources: MemoryBudget['fieldSources'] = {};
    const config = newConfig(spec, o.set ?? {}, ds, fieldSources);
    model = new AlbertModel(config, head, backend, { maxMemory: o.maxMemory, source: specSource(spec), fieldSources });
    model.initWeights(seed);
  }
  if (model.config.vocab_size !== ds.index.vocab_size) {
    throw new UserError(`${restored?.dir ?? o.model}: vocab_size ${model.config.vocab_size} does not match the data's tokenizer (${ds.index.vocab_size} pieces)`);
  }
  if (!tokenizer || !fs.existsSync(tokenizer)) {
    throw new UserError(`a tokenizer model is needed to ship with the checkpoints: pass --tokenizer (the .model the data was made with)${tokenizer ? `; ${tokenizer} does not exist` : ''}`);
  }
  const tokSha = fileSha256(tokenizer);
  if (ds.index.tokenizer_sha256 && ds.index.tokenizer_sha256 !== tokSha) {
    throw fileError(tokenizer, `is not the tokenizer ${dataDir} was made with (sha256 differs)`);
  }
  if (model.config.max_position_embeddings < ds.index.max_seq_length) {
    throw new UserError(`the model's max_position_embeddings (${model.config.max_position_embeddings}) is below the data's max_seq_length (${ds.index.max_seq_length})`);
  }

  // Evaluation sets.
  const evalSets: EvalSet[] = [];
  if (evalInstances > 0) evalSets.push({ name: 'heldout', ds, first: trainCount, end: ds.count });
  for (const dir of session.evalData) {
    const e = ShardDataset.open(dir);
    if (e.index.vocab_size !== ds.index.vocab_size || (e.index.tokenizer_sha256 && e.index.tokenizer_sha256 !== tokSha)) {
      throw fileError(dir, 'was made with another tokenizer than the training data');
    }
    evalSets.push({ name: path.basename(path.resolve(dir)), ds: e, first: 0, end: Math.min(e.count, session.evalLimit) });
  }

  const task = new PretrainingTask({ ds, loader: restored?.data ?? runLoader(ds, run), objective, trainInstances: trainCount, evalSets, batchSize: run.batchSize });
  try {
    const r = await new Trainer({
      output: o.output, task, model, backend, run, session, restored, tokenizer, signal: o.signal, onStart: o.onStart,
      onRecord: o.onRecord as ((r: object) => void) | undefined, injectNanAtSteps: o.injectNanAtSteps,
      onStep: o.onStep && ((s) => o.onStep!({ step: s.step, totalSteps: s.totalSteps, loss: s.loss, mlmAcc: s.stats.mlmAcc, sentenceAcc: s.stats.sentAcc, lr: s.lr, tokensPerSecond: s.tokensPerSecond })),
    }).run();
    return { steps: r.steps, checkpoint: r.checkpoint, interrupted: r.interrupted, alreadyComplete: false, eval: r.eval, skippedSteps: r.skippedSteps, tokensPerSecond: r.tokensPerSecond };
  } finally {
    task.close();
  }
}
