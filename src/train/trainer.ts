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
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { describeBackend } from '../backend/index.js';
import { deriveSeed } from '../data/rng.js';
import { UserError } from '../errors.js';
import { copyFileAtomic } from '../io/atomic.js';
import type { AlbertModel } from '../model/albert.js';
import { checkpointName, removeStalePartials, saveCheckpoint } from './checkpoint.js';
import { clipGradNorm } from './optim.js';
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
    model.checkpointActivations = session.checkpointActivations;
    model.precision = run.precision ?? 'fp32';
    const params = model.params();
    const opt = restored?.opt ?? runOptimizer(params, run, backend);
    let step = 0, skipped = 0, badInARow = 0, tokens = 0, elapsedBefore = 0;
    let win = emptyWindow(task.statKeys);
    let best: BestCheckpoint | undefined;
    if (state) {
      ({ step, skipped, badInARow, tokens } = state);
      win = state.window;
      elapsedBefore = state.elapsedS;
      best = state.best;
    }
    o.onStart?.({
      output, parameters: params.reduce((a, p) => a + p.data.length, 0), objective: task.name, optimizer: run.optimizer, lr: run.lr,
      batchSize: B, gradAccum: accum, trainInstances: task.trainExamples, evalSets: task.evalSets,
      stepsPerEpoch: Math.ceil(task.trainExamples / (B * accum)), steps, warmupSteps: run.warmupSteps, backend: describeBackend(backend) + (run.precision === 'bf16' ? '; precision bf16 (GEMMs on bf16 operands, fp32 sums and weights)' : ''),
      resumedFrom: restored && { dir: restored.dir, step },
    });

    // The run's files are written from here on only.
    fs.mkdirSync(output, { recursive: true });
    removeStalePartials(output);
    // A run-level copy: the checkpoint it came from may be pruned (--keep) while the run goes on.
    const tokenizer = path.join(output, 'spiece.model');
    if (path.resolve(o.tokenizer) !== path.resolve(tokenizer)) copyFileAtomic(o.tokenizer, tokenizer);

    // Metrics: on resume, drop what the interrupted run logged after its checkpoint.
    const metricsFile = path.join(output, 'metrics.jsonl');
    const records: TrainerRecord[] = [];
    if (state && fs.existsSync(metricsFile)) {
      for (const line of fs.readFileSync(metricsFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try { const r = JSON.parse(line) as TrainerRecord; if (r.step <= step) records.push(r); } catch { /* a torn last line */ }
      }
    }
    fs.writeFileSync(metricsFile, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const emit = (r: TrainerRecord) => {
      records.push(r);
      fs.appendFileSync(metricsFile, JSON.stringify(r) + '\n');
      o.onRecord?.(r);
    };
    const writeCurves = () => task.writeCurves(path.join(output, 'curves.svg'), records,
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
    const save = () => { checkpoint = saveCheckpoint(output, step, model, opt, trainerState(), tokenizer, keep, best?.step); writeCurves(); };
    /** Evaluate and record; true when this is the best evaluation so far (keepBest): its step must be saved. */
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

    let interrupted = false;
    while (step < steps) {
      model.zeroGrad();
      let loss = 0;
      const stats: Record<string, number> = Object.fromEntries(task.statKeys.map((k) => [k, 0]));
      for (let micro = 0; micro < accum; micro++) {
        const batch = task.nextBatch();
        const r = model.lossAndBackward(batch.inputs, batch.labels, { train: true, seed: deriveSeed(seed, 3, step * accum + micro) });
        loss += r.loss / accum;
        const s = task.microStats(r);
        for (const k of task.statKeys) stats[k] += s[k] / accum;
        tokens += batch.tokens;
        sessionTokens += batch.tokens;
      }
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
      o.onStep?.({ step, totalSteps: steps, loss, stats, lr, tokensPerSecond: tps });
      if (step % logEvery === 0 || step === steps) {
        emit({
          type: 'train', step, epoch: task.epoch, loss: win.loss / (win.n || NaN), ...task.trainRecord(win),
          lr, grad_norm: win.gradNorm / (win.n || NaN), skipped, tokens_per_s: Math.round(tps), elapsed_s: Math.round(elapsedBefore + elapsed),
        });
        win = emptyWindow(task.statKeys);
        writeCurves();
      }
      const newBest = evalEvery > 0 && step % evalEvery === 0 && step < steps && runEval();
      if ((saveEvery > 0 && step % saveEvery === 0 && step < steps) || newBest) save();
      // Let signal handlers (SIGINT) run between steps.
      await new Promise((r) => setImmediate(r));
      if (o.signal?.aborted && step < steps) { interrupted = true; break; }
    }
    if (!interrupted) runEval();
    save();
    const b = best as BestCheckpoint | undefined;
    return {
      steps: step, checkpoint, interrupted, eval: lastEval, skippedSteps: skipped,
      tokensPerSecond: sessionTokens / Math.max((Date.now() - started) / 1000, 1e-9),
      ...(b ? { best: { ...b, dir: path.join(output, b.checkpoint) } } : {}),
    };
  }
}
