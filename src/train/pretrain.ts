// The pretraining loop: MLM + SOP (default), MLM + NSP, or MLM only, over shard data, with LAMB or
// AdamW, global-norm clipping, warmup + polynomial decay, gradient accumulation, held-out
// evaluation, JSON-lines metrics, an SVG of the curves, atomic checkpoints and exact resume.
//
// Exactness: everything random is a function of (seed, step): the data order is a saved Rng plus
// the loader position, dropout seeds are derived from the step. A resumed run therefore computes
// the same losses, bit for bit at the same thread count, as an uninterrupted one.
import fs from 'node:fs';
import path from 'node:path';
import { loadBackend } from '../backend/index.js';
import type { Backend } from '../backend/backend.js';
import { UserError, fileError } from '../errors.js';
import { InstanceLoader, type LoaderState } from '../data/loader.js';
import { deriveSeed } from '../data/rng.js';
import { ShardDataset, type StoredInstance } from '../data/shards.js';
import { fileSha256 } from '../data/tokenizer.js';
import { loadPretrained } from '../io/hf_dir.js';
import { AlbertModel, type HeadKind } from '../model/albert.js';
import { readConfigFile, withConfig, type AlbertConfig } from '../model/config.js';
import { presetConfig, presetKey } from '../model/presets.js';
import { BatchBuilder } from './batch.js';
import { listCheckpoints, loadOptimizerState, readTrainerState, removeStalePartials, saveCheckpoint } from './checkpoint.js';
import { writePretrainingCurves } from './curves.js';
import { evaluate, type EvalResult, type EvalSet } from './evaluate.js';
import { clipGradNorm, Optimizer, type OptimizerKind } from './optim.js';
import { learningRate } from './schedule.js';

export type PretrainObjective = 'sop' | 'nsp' | 'mlm';

export interface PretrainOptions {
  /** Shard directory made by create-pretraining-data. */
  data: string;
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
  /** Updates to make; default from `epochs` (default 1). */
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
  evalEvery?: number; logEvery?: number; saveEvery?: number;
  /** Checkpoints kept (newest). */
  keep?: number;
  /** Continue from the newest checkpoint in `output`. */
  resume?: boolean;
  /** Consecutive NaN/Inf steps after which the run stops. */
  maxBadSteps?: number;
  threads?: number;
  /** Gradient checkpointing (recompute activations in backward: less memory, more time; same gradients). */
  checkpointActivations?: boolean;
  backend?: Backend;
  quiet?: boolean;
  /** Aborting saves a checkpoint after the current step and returns (SIGINT in the CLI). */
  signal?: AbortSignal;
  /** Called with every metrics record (also written to metrics.jsonl). */
  onRecord?: (r: MetricsRecord) => void;
  /** Called after every update (progress display). */
  onStep?: (s: StepInfo) => void;
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
  eval: EvalResult[];
  skippedSteps: number;
  tokensPerSecond: number;
}

/** Options that must not change across --resume (they decide what the next step computes). */
const RUN_KEYS = ['objective', 'optimizer', 'lr', 'warmupSteps', 'decayPower', 'steps', 'batchSize', 'gradAccum', 'clipNorm',
  'weightDecay', 'beta1', 'beta2', 'eps', 'seed', 'shuffleBuffer', 'evalInstances'] as const;

interface Window { n: number; loss: number; mlmLoss: number; sentLoss: number; mlmAcc: number; sentAcc: number; gradNorm: number; }
const emptyWindow = (): Window => ({ n: 0, loss: 0, mlmLoss: 0, sentLoss: 0, mlmAcc: 0, sentAcc: 0, gradNorm: 0 });

interface TrainerState {
  version: 1;
  step: number;
  run: Record<string, unknown>;
  head: HeadKind;
  loader: LoaderState;
  window: Window;
  skipped: number;
  badInARow: number;
  tokens: number;
  elapsedS: number;
}

const headOf = (o: PretrainObjective): HeadKind => (o === 'sop' ? 'pretraining' : o === 'nsp' ? 'pretraining-nsp' : 'masked-lm');

/** A new model's config: preset or config.json, overrides, vocabulary and length from the data. */
function newConfig(spec: string, set: Record<string, unknown>, ds: ShardDataset): AlbertConfig {
  let c = presetKey(spec) !== undefined && !fs.existsSync(spec) ? presetConfig(spec) : readConfigFile(spec);
  const changes: Record<string, unknown> = { ...set };
  if (changes.vocab_size !== undefined && changes.vocab_size !== ds.index.vocab_size) {
    throw new UserError(`vocab_size ${changes.vocab_size} does not match the data's tokenizer (${ds.index.vocab_size} pieces)`);
  }
  changes.vocab_size = ds.index.vocab_size;
  changes.pad_token_id = ds.index.pad_id;
  if ((changes.max_position_embeddings ?? c.max_position_embeddings) as number < ds.index.max_seq_length) {
    changes.max_position_embeddings = ds.index.max_seq_length;
  }
  c = withConfig(c, changes as Partial<AlbertConfig>);
  return c;
}

export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  const ds = ShardDataset.open(o.data);
  const objective: PretrainObjective = o.objective ?? ds.index.objective;
  if (objective !== 'mlm' && objective !== ds.index.objective) {
    throw new UserError(`--objective ${objective} needs ${objective} data, but ${o.data} holds ${ds.index.objective} instances`);
  }
  const B = o.batchSize ?? 32, accum = o.gradAccum ?? 1;
  const evalInstances = o.evalInstances ?? Math.min(500, Math.floor(ds.count * 0.05));
  const trainCount = ds.count - evalInstances;
  if (trainCount < B) throw new UserError(`${o.data}: ${ds.count} instances leave ${trainCount} for training after holding out ${evalInstances}; need at least a batch (${B})`);
  const epochs = o.epochs ?? 1;
  const steps = o.steps ?? Math.max(1, Math.ceil((epochs * trainCount) / (B * accum)));
  const run: Record<string, unknown> = {
    objective, optimizer: o.optimizer ?? 'lamb', lr: o.lr ?? ((o.optimizer ?? 'lamb') === 'lamb' ? 0.00176 : 1e-4),
    warmupSteps: o.warmupSteps ?? Math.round(0.05 * steps), decayPower: o.decayPower ?? 1, steps, batchSize: B, gradAccum: accum,
    clipNorm: o.clipNorm ?? 1, weightDecay: o.weightDecay ?? 0.01, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-6,
    seed: o.seed ?? 12345, shuffleBuffer: o.shuffleBuffer ?? 10_000, evalInstances,
  };
  const seed = run.seed as number;
  const backend = o.backend ?? loadBackend({ threads: o.threads });
  const head = headOf(objective);
  fs.mkdirSync(o.output, { recursive: true });
  removeStalePartials(o.output);

  // Model, tokenizer and (on resume) the saved state.
  let model: AlbertModel;
  let tokenizer = o.tokenizer;
  let state: TrainerState | null = null;
  const resumeFrom = o.resume ? listCheckpoints(o.output).at(-1) : undefined;
  if (o.resume && !resumeFrom) throw fileError(o.output, 'no checkpoint to resume from');
  if (!o.resume && listCheckpoints(o.output).length) {
    throw fileError(o.output, 'already holds checkpoints: pass --resume to continue that run, or choose another --output');
  }
  if (resumeFrom) {
    state = readTrainerState<TrainerState>(resumeFrom.dir);
    const changed = RUN_KEYS.filter((k) => JSON.stringify(state!.run[k]) !== JSON.stringify(run[k]));
    if (changed.length) {
      throw new UserError(`--resume: these settings differ from the run in ${o.output}: ${changed.map((k) => `${k} (was ${JSON.stringify(state!.run[k])}, now ${JSON.stringify(run[k])})`).join(', ')}`);
    }
    model = loadPretrained(resumeFrom.dir, { backend, head: state.head });
    tokenizer = path.join(resumeFrom.dir, 'spiece.model');
  } else if (o.model && fs.existsSync(o.model) && fs.statSync(o.model).isDirectory()) {
    model = loadPretrained(o.model, { backend, head });
    tokenizer ??= path.join(o.model, 'spiece.model');
    if (model.config.vocab_size !== ds.index.vocab_size) {
      throw new UserError(`${o.model}: vocab_size ${model.config.vocab_size} does not match the data's tokenizer (${ds.index.vocab_size} pieces)`);
    }
  } else {
    model = new AlbertModel(newConfig(o.model ?? 'tiny', o.set ?? {}, ds), head, backend);
    model.initWeights(seed);
  }
  model.checkpointActivations = o.checkpointActivations ?? false;
  if (!tokenizer || !fs.existsSync(tokenizer)) {
    throw new UserError(`a tokenizer model is needed to ship with the checkpoints: pass --tokenizer (the .model the data was made with)${tokenizer ? `; ${tokenizer} does not exist` : ''}`);
  }
  const tokSha = fileSha256(tokenizer);
  if (ds.index.tokenizer_sha256 && ds.index.tokenizer_sha256 !== tokSha) {
    throw fileError(tokenizer, `is not the tokenizer ${o.data} was made with (sha256 differs)`);
  }
  // A run-level copy: the checkpoint it came from may be pruned (--keep) while the run goes on.
  const runTokenizer = path.join(o.output, 'spiece.model');
  if (path.resolve(tokenizer) !== path.resolve(runTokenizer)) fs.copyFileSync(tokenizer, runTokenizer);
  tokenizer = runTokenizer;
  if (model.config.max_position_embeddings < ds.index.max_seq_length) {
    throw new UserError(`the model's max_position_embeddings (${model.config.max_position_embeddings}) is below the data's max_seq_length (${ds.index.max_seq_length})`);
  }

  // Evaluation sets.
  const evalSets: EvalSet[] = [];
  if (evalInstances > 0) evalSets.push({ name: 'heldout', ds, first: trainCount, end: ds.count });
  for (const dir of o.evalData ?? []) {
    const e = ShardDataset.open(dir);
    if (e.index.vocab_size !== ds.index.vocab_size || (e.index.tokenizer_sha256 && e.index.tokenizer_sha256 !== tokSha)) {
      throw fileError(dir, 'was made with another tokenizer than the training data');
    }
    evalSets.push({ name: path.basename(path.resolve(dir)), ds: e, first: 0, end: Math.min(e.count, o.evalLimit ?? 1000) });
  }

  const params = model.params();
  const opt = new Optimizer(params, backend, {
    kind: run.optimizer as OptimizerKind, beta1: run.beta1 as number, beta2: run.beta2 as number, eps: run.eps as number,
    weightDecay: run.weightDecay as number,
  });
  const loader = new InstanceLoader(ds, { first: 0, end: trainCount, bufferSize: run.shuffleBuffer as number, seed: deriveSeed(seed, 2) });
  let step = 0, skipped = 0, badInARow = 0, tokens = 0, elapsedBefore = 0;
  let win = emptyWindow();
  if (state && resumeFrom) {
    loadOptimizerState(resumeFrom.dir, opt);
    loader.setState(state.loader);
    ({ step, skipped, badInARow, tokens } = state);
    win = state.window;
    elapsedBefore = state.elapsedS;
  }

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

  const logEvery = o.logEvery ?? 10, evalEvery = o.evalEvery ?? 0, saveEvery = o.saveEvery ?? 0, keep = o.keep ?? 3;
  const maxBad = o.maxBadSteps ?? 5;
  const nanSteps = new Set(o.injectNanAtSteps ?? []);
  const builder = new BatchBuilder(B, ds.index.max_seq_length, ds.index.pad_id);
  const batchInsts: StoredInstance[] = new Array(B);
  const started = Date.now();
  let sessionTokens = 0;
  let lastEval: EvalResult[] = [];
  const sentence = head !== 'masked-lm';
  let checkpoint = resumeFrom?.dir ?? '';

  const trainerState = (): TrainerState => ({
    version: 1, step, run, head, loader: loader.getState(), window: win, skipped, badInARow, tokens,
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
    const gradNorm = clipGradNorm(params, run.clipNorm as number, backend);
    const lr = learningRate(step, { lr: run.lr as number, totalSteps: steps, warmupSteps: run.warmupSteps as number, power: run.decayPower as number });
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
  return { steps: step, checkpoint, interrupted, eval: lastEval, skippedSteps: skipped, tokensPerSecond: sessionTokens / Math.max((Date.now() - started) / 1000, 1e-9) };
}
