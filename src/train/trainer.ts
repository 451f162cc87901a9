// The training loop every task shares (pretraining, fine-tuning): a Task (task.ts) gives batches,
// statistics, evaluation and curves; the Trainer does the rest. Per update: zero the gradients,
// lossAndBackward over gradAccum micro-batches (their mean), clip to the global norm, skip the
// update when the loss or the norm is NaN/Inf (stopping after maxBadSteps in a row), step the
// optimizer at the schedule's rate. Around it: metrics.jsonl and the curves, evaluation and
// checkpoints at their cadence (atomic; the newest `keep`, and with keepBest the best by the task's
// main metric beside them, as google-research/albert keeps best-of-dev), a checkpoint when aborted
// (SIGINT), and the summary said before the first step.
//
// Exactness: everything random is a function of (seed, step): the data order is the task's saved
// position, dropout seeds are derived from the step. A resumed run therefore computes the same
// losses, bit for bit at the same thread count, as an uninterrupted one.
//
// Data parallel (mpirun -np N, src/parallel/comm.ts): batchSize stays the global batch. Every rank
// draws the whole batch's data positions and trains on its part (1/N of it); the gradients and the
// statistics are summed over the ranks (the pretraining losses divide by the whole batch's counts,
// MeanOver, so the parts' shares sum to the one-process mean; the others' equal-sized parts are
// averaged), then every rank clips and steps on the same global gradient, so the weights stay the
// same on all ranks (checked at every checkpoint). Only rank 0 writes files and reports progress.
// The data position and the optimizer are global, so a checkpoint resumes with any N dividing the batch.
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { describeBackend } from '../backend/index.js';
import { deriveSeed } from '../data/rng.js';
import { UserError } from '../errors.js';
import { copyFileAtomic } from '../io/atomic.js';
import type { AlbertModel } from '../model/albert.js';
import type { MeanOver } from '../model/heads/head.js';
import { worldComm, type Communicator } from '../parallel/comm.js';
import { checkpointName, removeStalePartials, saveCheckpoint } from './checkpoint.js';
import { clipGradNorm, type Optimizer } from './optim.js';
import { runOptimizer, type Restored } from './resume.js';
import type { RunSummary } from './run_summary.js';
import { SCHEDULES } from './schedule.js';
import type { Task } from './task.js';
import { emptyWindow, type BestCheckpoint, type TrainerRun, type TrainerSession, type TrainerState } from './trainer_state.js';

/** The learning rate of update `step` under the run's schedule. */
export const runLearningRate = (step: number, run: TrainerRun): number =>
  SCHEDULES[run.schedule ?? 'warmup-poly'](step, { lr: run.lr, totalSteps: run.steps, warmupSteps: run.warmupSteps, power: run.decayPower });

/** The warning of a resumed run given more steps (`run.steps`) than the `from` it had, at `step`. */
export function extensionWarning(output: string, from: number, run: TrainerRun, step: number): string {
  return `extending the run in ${output} from ${from} to ${run.steps} steps: the learning rate now follows the schedule of ${run.steps} steps `
    + `(warmup ${run.warmupSteps} unchanged, decay to 0 at step ${run.steps}), so from step ${step} it is `
    + `${runLearningRate(step, run).toExponential(2)}, not what the shorter run's schedule gave`;
}

/** A metrics.jsonl line: { type: 'train', step, epoch, loss, <task's fields>, lr, grad_norm, ... } or { type: 'eval', step, <record> }. */
export type TrainerRecord = { type: 'train' | 'eval'; step: number } & Record<string, unknown>;

export interface TrainStepInfo {
  step: number; totalSteps: number;
  /** The update's mean loss over its micro-batches, and its task statistics likewise. */
  loss: number; stats: Record<string, number>;
  lr: number; tokensPerSecond: number;
}

export interface TrainerOptions<R extends object> {
  /** Run directory: checkpoints, metrics.jsonl, curves.svg, spiece.model. */
  output: string;
  task: Task<R>;
  model: AlbertModel;
  backend: Backend;
  /** The run's settings, saved with every checkpoint as they are (a task's record has more). */
  run: TrainerRun;
  session: TrainerSession;
  /** The checkpoint a resumed run continues from (its optimizer, step, window, best). */
  restored?: Restored<unknown>;
  /** SentencePiece model: copied into the run directory and every checkpoint. */
  tokenizer: string;
  /** Keep the best checkpoint by the task's main metric beside the newest `keep` (default off). */
  keepBest?: boolean;
  /** Aborting saves a checkpoint after the current step and returns. */
  signal?: AbortSignal;
  onStart?: (s: RunSummary) => void;
  onRecord?: (r: TrainerRecord) => void;
  onStep?: (s: TrainStepInfo) => void;
  /** Testing hook: at these update numbers the gradients are poisoned with NaN. */
  injectNanAtSteps?: number[];
  /** The ranks training together (default worldComm(): one process unless started by mpirun). */
  comm?: Communicator;
}

export interface TrainResult<R> {
  steps: number;
  /** The last checkpoint saved. */
  checkpoint: string;
  interrupted: boolean;
  /** The last evaluation's records. */
  eval: R[];
  skippedSteps: number;
  tokensPerSecond: number;
  /** With keepBest, once an evaluation gave the main metric: the best, and its checkpoint's folder. */
  best?: BestCheckpoint & { dir: string };
}

export class Trainer<R extends object> {
  constructor(private readonly o: TrainerOptions<R>) {}

  async run(): Promise<TrainResult<R>> {
    const { o } = this;
    const { task, model, backend, run, session, restored, output } = o;
    const { batchSize: B, gradAccum: accum, steps, seed } = run;
    const state = restored?.state;
    const comm = o.comm ?? worldComm(), N = comm.size, lead = comm.rank === 0;
    if (B % N !== 0) throw new UserError(`--batch-size ${B} is the global batch: it must split evenly over the ${N} ranks (a multiple of ${N})`);
    const part = { index: comm.rank, count: N };
    model.checkpointActivations = session.checkpointActivations;
    model.precision = run.precision ?? 'fp32';
    const params = model.params();
    const opt = restored?.opt ?? runOptimizer(params, run, backend);
    if (N > 1) startTogether(comm, run, model, opt);
    let step = 0, skipped = 0, badInARow = 0, tokens = 0, elapsedBefore = 0;
    let win = emptyWindow(task.statKeys);
    let best: BestCheckpoint | undefined;
    if (state) {
      ({ step, skipped, badInARow, tokens } = state);
      win = state.window;
      elapsedBefore = state.elapsedS;
      best = state.best;
    }
    if (lead) o.onStart?.({
      output, parameters: params.reduce((a, p) => a + p.data.length, 0), objective: task.name, optimizer: run.optimizer, lr: run.lr,
      batchSize: B, gradAccum: accum, trainInstances: task.trainExamples, evalSets: task.evalSets,
      stepsPerEpoch: Math.ceil(task.trainExamples / (B * accum)), steps, warmupSteps: run.warmupSteps, backend: describeBackend(backend) + (run.precision === 'bf16' ? '; precision bf16 (GEMMs on bf16 operands, fp32 sums and weights)' : ''),
      resumedFrom: restored && { dir: restored.dir, step },
      ...(N > 1 ? { ranks: { size: N, library: comm.library } } : {}),
    });

    // The run's files are written from here on only, by rank 0 only.
    if (lead) fs.mkdirSync(output, { recursive: true });
    if (lead) removeStalePartials(output);
    // A run-level copy: the checkpoint it came from may be pruned (--keep) while the run goes on.
    const tokenizer = path.join(output, 'spiece.model');
    if (lead && path.resolve(o.tokenizer) !== path.resolve(tokenizer)) copyFileAtomic(o.tokenizer, tokenizer);

    // Metrics: on resume, drop what the interrupted run logged after its checkpoint.
    const metricsFile = path.join(output, 'metrics.jsonl');
    const records: TrainerRecord[] = [];
    if (state && fs.existsSync(metricsFile)) {
      for (const line of fs.readFileSync(metricsFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try { const r = JSON.parse(line) as TrainerRecord; if (r.step <= step) records.push(r); } catch { /* a torn last line */ }
      }
    }
    if (lead) fs.writeFileSync(metricsFile, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const emit = (r: TrainerRecord) => {
      records.push(r);
      if (!lead) return;
      fs.appendFileSync(metricsFile, JSON.stringify(r) + '\n');
      o.onRecord?.(r);
    };
    const writeCurves = () => lead && task.writeCurves(path.join(output, 'curves.svg'), records,
      { name: path.basename(path.resolve(output)), optimizer: run.optimizer, batchSize: B, gradAccum: accum, lr: run.lr, steps });

    const { logEvery, evalEvery, saveEvery, keep, maxBadSteps: maxBad } = session;
    const nanSteps = new Set(o.injectNanAtSteps ?? []);
    const started = Date.now();
    let sessionTokens = 0;
    let lastEval: R[] = [];
    let checkpoint = restored?.dir ?? '';

    const trainerState = (): TrainerState => ({
      version: 2, step, run, session, head: task.head, loader: task.dataState(), window: win, skipped, badInARow, tokens,
      elapsedS: elapsedBefore + (Date.now() - started) / 1000, ...(best ? { best } : {}),
    });
    const save = () => {
      if (N > 1) checkSameWeights(comm, model, opt, step);
      if (lead) checkpoint = saveCheckpoint(output, step, model, opt, trainerState(), tokenizer, keep, best?.step);
      else checkpoint = path.join(output, checkpointName(step));
      writeCurves();
    };
    /** Evaluate (every rank alike: they stay in step) and record; true when this is the best evaluation so far (keepBest): its step must be saved. */
    const runEval = (): boolean => {
      const ev = task.evaluate(model, B);
      lastEval = ev.records;
      for (const r of ev.records) emit({ type: 'eval', step, ...r });
      writeCurves();
      const value = ev.metrics[ev.main], greaterIsBetter = ev.greaterIsBetter ?? true;
      if (!o.keepBest || !Number.isFinite(value)) return false;
      if (best && !(greaterIsBetter ? value > best.value : value < best.value)) return false;
      best = { step, metric: ev.main, value, greaterIsBetter, checkpoint: checkpointName(step) };
      return true;
    };

    // Data parallel: the loss and the statistics of this rank's parts (and its tokens), summed over the ranks with the gradients.
    // Its last entry: whether any rank was interrupted (SIGINT reaches each rank; all stop after the same step).
    const K = task.statKeys.length, shares = new Float64Array(K + 3), counts = new Float64Array(2);
    let anyAborted = false;
    const grads = params.map((p) => p.grad);
    const meanCounts = N > 1 && task.meanCounts ? task.meanCounts.bind(task) : undefined;
    // Data parallel: what the all-reduces cost per step since the last record (this session's, not saved).
    let commMark = { ...comm.stats, step };
    const commRecord = () => {
      const s = comm.stats, n = Math.max(1, step - commMark.step);
      const r = { allreduce_mib_per_step: (s.allreduceBytes - commMark.allreduceBytes) / 2 ** 20 / n, allreduce_s_per_step: (s.allreduceSeconds - commMark.allreduceSeconds) / n };
      commMark = { ...s, step };
      return r;
    };
    let interrupted = false;
    while (step < steps) {
      model.zeroGrad();
      let loss = 0;
      const stats: Record<string, number> = Object.fromEntries(task.statKeys.map((k) => [k, 0]));
      let stepTokens = 0;
      for (let micro = 0; micro < accum; micro++) {
        const batch = task.nextBatch(part);
        let meanOver: MeanOver | undefined;
        if (meanCounts) {
          const c = meanCounts(batch);
          counts[0] = c.labelled; counts[1] = c.sequences;
          comm.allreduceSum([counts]);
          meanOver = { labelled: counts[0], sequences: counts[1] };
        }
        // Each rank's part gets its own dropout masks (one process: the seed of today).
        const dropoutSeed = deriveSeed(seed, 3, step * accum + micro);
        const r = model.lossAndBackward(batch.inputs, batch.labels, { train: true, seed: N > 1 ? deriveSeed(dropoutSeed, 5, comm.rank) : dropoutSeed, meanOver });
        loss += r.loss / accum;
        const s = task.microStats(r);
        for (const k of task.statKeys) stats[k] += s[k] / accum;
        stepTokens += batch.tokens;
      }
      if (N > 1) {
        // One collective for the gradients and the statistics: the sum of the parts' shares (MeanOver), or of their means / N.
        shares[0] = loss; shares[K + 1] = stepTokens; shares[K + 2] = o.signal?.aborted ? 1 : 0;
        for (let k = 0; k < K; k++) shares[k + 1] = stats[task.statKeys[k]];
        comm.allreduceSum([...grads, shares]);
        const w = meanCounts ? 1 : 1 / N;
        if (w !== 1) for (const g of grads) backend.scale(g, w, g.length);
        loss = shares[0] * w;
        for (let k = 0; k < K; k++) stats[task.statKeys[k]] = shares[k + 1] * w;
        stepTokens = shares[K + 1];
        anyAborted = shares[K + 2] > 0;
      }
      tokens += stepTokens;
      sessionTokens += stepTokens;
      if (accum > 1) for (const p of params) backend.scale(p.grad, 1 / accum, p.grad.length);
      if (nanSteps.has(step)) params[0].grad[0] = NaN;
      const gradNorm = clipGradNorm(params, run.clipNorm, backend);
      const lr = runLearningRate(step, run);
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
        win.n++; win.loss += loss;
        for (const k of task.statKeys) win[k] += stats[k];
        win.gradNorm += gradNorm;
      }
      step++;
      const elapsed = (Date.now() - started) / 1000;
      const tps = sessionTokens / Math.max(elapsed, 1e-9);
      if (lead) o.onStep?.({ step, totalSteps: steps, loss, stats, lr, tokensPerSecond: tps });
      if (step % logEvery === 0 || step === steps) {
        emit({
          type: 'train', step, epoch: task.epoch, loss: win.loss / (win.n || NaN), ...task.trainRecord(win),
          lr, grad_norm: win.gradNorm / (win.n || NaN), skipped, tokens_per_s: Math.round(tps), elapsed_s: Math.round(elapsedBefore + elapsed),
          ...(N > 1 ? commRecord() : {}),
        });
        win = emptyWindow(task.statKeys);
        writeCurves();
      }
      const newBest = evalEvery > 0 && step % evalEvery === 0 && step < steps && sameOnAllRanks(comm, runEval());
      if ((saveEvery > 0 && step % saveEvery === 0 && step < steps) || newBest) save();
      // Let signal handlers (SIGINT) run between steps.
      await new Promise((r) => setImmediate(r));
      if ((N > 1 ? anyAborted : o.signal?.aborted) && step < steps) { interrupted = true; break; }
    }
    if (!interrupted) runEval();
    save();
    // Every rank returns once the last checkpoint is on disk.
    comm.barrier();
    const b = best as BestCheckpoint | undefined;
    return {
      steps: step, checkpoint, interrupted, eval: lastEval, skippedSteps: skipped,
      tokensPerSecond: sessionTokens / Math.max((Date.now() - started) / 1000, 1e-9),
      ...(b ? { best: { ...b, dir: path.join(output, b.checkpoint) } } : {}),
    };
  }
}

/**
 * Before the first step of a data-parallel run: every rank must run the same settings, and starts from
 * rank 0's weights and optimizer state (a new model is initialized alike everywhere anyway; this makes
 * it so whatever each rank loaded).
 */
function startTogether(comm: Communicator, run: TrainerRun, model: AlbertModel, opt: Optimizer): void {
  const mine = Buffer.from(JSON.stringify(run));
  const len = new Float64Array([mine.length]);
  comm.broadcast(len);
  const theirs = new Uint8Array(len[0]);
  if (comm.rank === 0) theirs.set(mine);
  comm.broadcast(theirs);
  if (!mine.equals(Buffer.from(theirs))) {
    throw new UserError(`rank ${comm.rank} of ${comm.size} was given other settings than rank 0 (every rank must run the same command): `
      + `rank 0 has ${Buffer.from(theirs).toString()}, this rank ${mine.toString()}`);
  }
  for (const p of model.params()) comm.broadcast(p.data);
  for (const m of [...opt.m, ...opt.v]) comm.broadcast(m);
}

/**
 * The ranks' weights must be the same (the same global gradient, the same step); compared by a checksum
 * at every checkpoint. Should a reduction ever give ranks different bits, rank 0's state is sent to all.
 */
function checkSameWeights(comm: Communicator, model: AlbertModel, opt: Optimizer, step: number): void {
  let sum = 0, weighted = 0, i = 0;
  for (const p of model.params()) for (const v of p.data) { sum += v; weighted += v * ((i++ % 7) + 1); }
  const mine = new Float64Array([sum, weighted]), all = new Float64Array(comm.size * 2);
  all.set(mine, comm.rank * 2);
  comm.allreduceSum([all]);
  for (let r = 0; r < comm.size; r++) {
    if (all[2 * r] !== mine[0] || all[2 * r + 1] !== mine[1]) {
      if (comm.rank === 0) process.stderr.write(`albert: warning: at step ${step} the ranks' weights differ (rank ${r}); rank 0's weights and optimizer state are sent to every rank\n`);
      for (const p of model.params()) comm.broadcast(p.data);
      for (const m of [...opt.m, ...opt.v]) comm.broadcast(m);
      return;
    }
  }
}

/** Rank 0's decision (saving a best checkpoint) for every rank: the checkpoint's collectives must run on all or none. */
function sameOnAllRanks(comm: Communicator, decision: boolean): boolean {
  if (comm.size === 1) return decision;
  const flag = new Float64Array([decision ? 1 : 0]);
  comm.broadcast(flag);
  return flag[0] === 1;
}
