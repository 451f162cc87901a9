// The pretraining loop: MLM + SOP (default), MLM + NSP, or MLM only, over shard data, with LAMB or
// AdamW, global-norm clipping, warmup + polynomial decay, gradient accumulation, held-out
// evaluation, JSON-lines metrics, an SVG of the curves, atomic checkpoints and exact resume.
//
// Exactness: everything random is a function of (seed, step): the data order is a saved Rng plus
// the loader position, dropout seeds are derived from the step. A resumed run therefore computes
// the same losses, bit for bit at the same thread count, as an uninterrupted one.
import fs from 'node:fs';
import path from 'node:path';
import { describeBackend, loadBackend } from '../backend/index.js';
import type { Backend } from '../backend/backend.js';
import { UserError, fileError } from '../errors.js';
import { deriveSeed } from '../data/rng.js';
import { INDEX_FILE, ShardDataset, type StoredInstance } from '../data/shards.js';
import { fileSha256 } from '../data/tokenizer.js';
import { copyFileAtomic } from '../io/atomic.js';
import { loadPretrained } from '../io/hf_dir.js';
import { AlbertModel } from '../model/albert.js';
import { checkOverrideKeys, withConfig, type AlbertConfig } from '../model/config.js';
import type { MemoryBudget } from '../model/limits.js';
import { configFromSpec, specSource } from '../model/presets.js';
import { BatchBuilder } from './batch.js';
import { listCheckpoints, removeStalePartials, saveCheckpoint } from './checkpoint.js';
import { writePretrainingCurves } from './curves.js';
import { evaluate, type EvalResult, type EvalSet } from './evaluate.js';
import { clipGradNorm, type OptimizerKind } from './optim.js';
import { restoreNewestIntact, resumeCandidates, runLoader, runOptimizer, savedSession, type Restored } from './resume.js';
import { checkLimits, dataFolder, headOf, resolveSettings, type PretrainObjective } from './run_settings.js';
import { type RunSummary } from './run_summary.js';
import { learningRate } from './schedule.js';
import { emptyWindow, type TrainerState } from './trainer_state.js';

export type { PretrainObjective } from './run_settings.js';

export interface PretrainOptions {
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
  threads?: number;
  /** Gradient checkpointing (recompute activations in backward: less memory, more time; same gradients). */
  checkpointActivations?: boolean;
  /** Bytes the model may use (default: this machine's memory); a model needing more is refused before it is built. */
  maxMemory?: number;
  backend?: Backend;
  quiet?: boolean;
  /** Aborting saves a checkpoint after the current step and returns (SIGINT in the CLI). */
  signal?: AbortSignal;
  /** Called once before the first step with what the run is about to do. */
  onStart?: (s: RunSummary) => void;
  /** Called with every metrics record (also written to metrics.jsonl). */
  onRecord?: (r: MetricsRecord) => void;
  /** Called after every update (progress display). */
  onStep?: (s: StepInfo) => void;
  /** Warnings (a skipped damaged checkpoint, an extended run); default: one line on stderr. */
  onWarning?: (message: string) => void;
  /** Testing hook: at these update numbers the gradients are poisoned with NaN. */
  injectNanAtSteps?: number[];
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
  const restored: Restored | undefined = resuming ? restoreNewestIntact(candidates, ds, backend, warn, o.maxMemory) : undefined;
  const state = restored?.state;
  const { run, session, extendedFrom } = resolveSettings({ ...o, data: dataDir }, { dir: dataDir, count: ds.count, objective: ds.index.objective },
    state && { run: state.run, session: state.session });
  const { objective, steps, batchSize: B, gradAccum: accum, evalInstances, seed } = run;
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
  if (extendedFrom !== undefined) {
    warn(`extending the run in ${o.output} from ${extendedFrom} to ${steps} steps: the learning rate now follows the schedule of ${steps} steps `
      + `(warmup ${run.warmupSteps} unchanged, decay to 0 at step ${steps}), so from step ${state!.step} it is `
      + `${learningRate(state!.step, { lr: run.lr, totalSteps: steps, warmupSteps: run.warmupSteps, power: run.decayPower }).toExponential(2)}, `
      + 'not what the shorter run\'s schedule gave');
  }

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
  model.checkpointActivations = session.checkpointActivations;
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

  const params = model.params();
  const opt = restored?.opt ?? runOptimizer(params, run, backend);
  const loader = restored?.loader ?? runLoader(ds, run);
  let step = 0, skipped = 0, badInARow = 0, tokens = 0, elapsedBefore = 0;
  let win = emptyWindow();
  if (state) {
    ({ step, skipped, badInARow, tokens } = state);
    win = state.window;
    elapsedBefore = state.elapsedS;
  }
  const stepsPerEpoch = Math.ceil(trainCount / (B * accum));
  o.onStart?.({
    output: o.output, parameters: params.reduce((a, p) => a + p.data.length, 0), objective, optimizer: run.optimizer, lr: run.lr,
    batchSize: B, gradAccum: accum, trainInstances: trainCount, evalSets: evalSets.map((e) => ({ name: e.name, instances: e.end - e.first })),
    stepsPerEpoch, steps, warmupSteps: run.warmupSteps, backend: describeBackend(backend),
    resumedFrom: restored && { dir: restored.dir, step },
  });

  // The run's files are written from here on only.
  fs.mkdirSync(o.output, { recursive: true });
  removeStalePartials(o.output);
  // A run-level copy: the checkpoint it came from may be pruned (--keep) while the run goes on.
  const runTokenizer = path.join(o.output, 'spiece.model');
  if (path.resolve(tokenizer) !== path.resolve(runTokenizer)) copyFileAtomic(tokenizer, runTokenizer);
  tokenizer = runTokenizer;

  // Metrics: on resume, drop what the interrupted run logged after its checkpoint.
  const metricsFile = path.join(o.output, 'metrics.jsonl');
  const records: MetricsRecord[] = [];
  if (state && fs.existsSync(metricsFile)) {
    for (const line of fs.readFileSync(metricsFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try { const r = JSON.parse(line) as MetricsRecord; if (r.step <= step) records.push(r); } catch { /* a torn last line */ }
    }
  }
  fs.writeFileSync(metricsFile, records.map((r) => JSON.stringify(r) + '\n').join(''));
  const emit = (r: MetricsRecord) => {
    records.push(r);
    fs.appendFileSync(metricsFile, JSON.stringify(r) + '\n');
    o.onRecord?.(r);
  };
  const writeCurves = () => writePretrainingCurves(path.join(o.output, 'curves.svg'), records,
    { name: path.basename(path.resolve(o.output)), objective, optimizer: run.optimizer as string, batchSize: B, gradAccum: accum, lr: run.lr as number, steps });

  const { logEvery, evalEvery, saveEvery, keep, maxBadSteps: maxBad } = session;
  const nanSteps = new Set(o.injectNanAtSteps ?? []);
  const builder = new BatchBuilder(B, ds.index.max_seq_length, ds.index.pad_id);
  const batchInsts: StoredInstance[] = new Array(B);
  const started = Date.now();
  let sessionTokens = 0;
  let lastEval: EvalResult[] = [];
  const sentence = head !== 'masked-lm';
  let checkpoint = restored?.dir ?? '';

  const trainerState = (): TrainerState => ({
    version: 2, step, run, session, head, loader: loader.getState(), window: win, skipped, badInARow, tokens,
    elapsedS: elapsedBefore + (Date.now() - started) / 1000,
  });
  const save = () => { checkpoint = saveCheckpoint(o.output, step, model, opt, trainerState(), tokenizer!, keep); writeCurves(); };
  const runEval = () => {
    lastEval = evalSets.map((s) => evaluate(model, s, B));
    for (const r of lastEval) emit({ type: 'eval', step, ...r });
    writeCurves();
  };

  let interrupted = false;
  while (step < steps) {
    model.zeroGrad();
    let loss = 0, mlmLoss = 0, sentLoss = 0, mlmAcc = 0, sentAcc = 0;
    for (let micro = 0; micro < accum; micro++) {
      for (let b = 0; b < B; b++) batchInsts[b] = loader.next();
      builder.fill(batchInsts);
      const labels = sentence ? builder.labels : { labels: builder.labels.labels };
      const r = model.lossAndBackward(builder.inputs, labels, { train: true, seed: deriveSeed(seed, 3, step * accum + micro) });
      loss += r.loss / accum;
      mlmLoss += (r.mlmLoss ?? 0) / accum;
      sentLoss += (r.sopLoss ?? r.nspLoss ?? 0) / accum;
      mlmAcc += (r.mlmAccuracy ?? 0) / accum;
      sentAcc += (r.sentenceAccuracy ?? 0) / accum;
      tokens += builder.tokens;
      sessionTokens += builder.tokens;
    }
    if (accum > 1) for (const p of params) backend.scale(p.grad, 1 / accum, p.grad.length);
    if (nanSteps.has(step)) params[0].grad[0] = NaN;
    const gradNorm = clipGradNorm(params, run.clipNorm, backend);
    const lr = learningRate(step, { lr: run.lr, totalSteps: steps, warmupSteps: run.warmupSteps, power: run.decayPower });
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      // Skip the update: the weights and moments stay as they were.
      skipped++;
      badInARow++;
      if (badInARow >= maxBad) {
        throw new UserError(`stopping: ${badInARow} steps in a row (up to step ${step + 1}) had a NaN or infinite loss/gradient `
          + `(${skipped} skipped in all); the weights were not updated by them. Lower --lr or check the data; `
          + `the last good checkpoint is ${checkpoint || '(none yet)'}`);
      }
    } else {
      opt.step(lr);
      badInARow = 0;
      win.n++; win.loss += loss; win.mlmLoss += mlmLoss; win.sentLoss += sentLoss; win.mlmAcc += mlmAcc; win.sentAcc += sentAcc; win.gradNorm += gradNorm;
    }
    step++;
    const elapsed = (Date.now() - started) / 1000;
    const tps = sessionTokens / Math.max(elapsed, 1e-9);
    o.onStep?.({ step, totalSteps: steps, loss, mlmAcc, sentenceAcc: sentAcc, lr, tokensPerSecond: tps });
    if (step % logEvery === 0 || step === steps) {
      const n = win.n || NaN;
      emit({
        type: 'train', step, epoch: loader.epoch, loss: win.loss / n, mlm_loss: win.mlmLoss / n,
        sentence_loss: sentence ? win.sentLoss / n : null, mlm_acc: win.mlmAcc / n, sentence_acc: sentence ? win.sentAcc / n : null,
        lr, grad_norm: win.gradNorm / n, skipped, tokens_per_s: Math.round(tps), elapsed_s: Math.round(elapsedBefore + elapsed),
      });
      win = emptyWindow();
      writeCurves();
    }
    if (evalEvery > 0 && step % evalEvery === 0 && step < steps) runEval();
    if (saveEvery > 0 && step % saveEvery === 0 && step < steps) save();
    // Let signal handlers (SIGINT) run between steps.
    await new Promise((r) => setImmediate(r));
    if (o.signal?.aborted && step < steps) { interrupted = true; break; }
  }
  if (!interrupted) runEval();
  save();
  ds.close();
  for (const s of evalSets) if (s.ds !== ds) s.ds.close();
  return { steps: step, checkpoint, interrupted, alreadyComplete: false, eval: lastEval, skippedSteps: skipped, tokensPerSecond: sessionTokens / Math.max((Date.now() - started) / 1000, 1e-9) };
}
