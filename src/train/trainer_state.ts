// trainer_state.json: what a checkpoint holds besides weights and moments (the step, the run's
// settings, the data position, the running metrics window, the best evaluation so far). Every field
// is checked when read, so a damaged one is one line naming the file and the field, not a stack
// trace or a silently wrong run. The Trainer checks its own fields; a task's StateSchema checks the
// task's settings, its head and its window statistics.
import { PRECISIONS, type Precision } from '../backend/bf16.js';
import { fileError } from '../errors.js';
import type { HeadKind } from '../model/albert.js';
import type { OptimizerKind } from './optim.js';
import { SCHEDULES, type ScheduleKind } from './schedule.js';
import { limitProblem } from './run_settings.js';

/** The run settings the Trainer reads (a task's saved run record has these and its own). */
export interface TrainerRun {
  optimizer: OptimizerKind; lr: number; warmupSteps: number; decayPower: number; steps: number;
  /** Default 'warmup-poly' (pretraining's). */
  schedule?: ScheduleKind;
  batchSize: number; gradAccum: number; clipNorm: number; weightDecay: number; beta1: number; beta2: number; eps: number; seed: number;
  /** The GEMMs' precision (backend/bf16.ts); absent in runs saved before it existed: fp32. */
  precision?: Precision;
}

/** The session settings the Trainer reads: cadence and limits. */
export interface TrainerSession {
  evalEvery: number; logEvery: number; saveEvery: number; keep: number; maxBadSteps: number; checkpointActivations: boolean;
}

/** Sums over the updates since the last metrics record: the loss, the gradient norm and the task's statistics. */
export interface Window { n: number; loss: number; gradNorm: number; [stat: string]: number }
/** An empty window; `keys` (the task's statistics) sit between loss and gradNorm, as trainer_state.json spells them. */
export const emptyWindow = (keys: readonly string[]): Window =>
  ({ n: 0, loss: 0, ...Object.fromEntries(keys.map((k) => [k, 0])), gradNorm: 0 });

/** The best evaluation so far by the task's main metric, and the checkpoint saved at its step. */
export interface BestCheckpoint { step: number; metric: string; value: number; greaterIsBetter: boolean; checkpoint: string }

export interface TrainerState<Run extends TrainerRun = TrainerRun, Session extends TrainerSession = TrainerSession> {
  /** 1: before the session settings were saved. */
  version: 1 | 2;
  step: number;
  run: Run;
  session?: Session;
  head: HeadKind;
  /** The task's data position (pretraining: the loader's). */
  loader: unknown;
  window: Window;
  skipped: number;
  badInARow: number;
  tokens: number;
  elapsedS: number;
  /** Only when the run keeps its best checkpoint. */
  best?: BestCheckpoint;
}

/** What a task checks of a saved state: each returns "<field> <problem>" or undefined. */
export interface StateSchema {
  /** The run's settings (`run` is an object). */
  runProblem(run: Record<string, unknown>): string | undefined;
  /** The head, for these settings. */
  headProblem(head: unknown, run: Record<string, unknown>): string | undefined;
  /** The task's session settings (data folders...); the Trainer checks the cadence. */
  sessionProblem(session: Record<string, unknown>): string | undefined;
  /** The window's statistics besides loss and gradNorm. */
  windowKeys: readonly string[];
}

export const shown = (v: unknown) => JSON.stringify(v) ?? 'nothing';
export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

function bestProblem(b: unknown, step: number): string | undefined {
  if (!isObject(b)) return `best must be an object (the best evaluation), got ${shown(b)}`;
  if (!isCount(b.step, step)) return `best.step must be an integer in 0..${step}, got ${shown(b.step)}`;
  if (typeof b.metric !== 'string' || !b.metric) return `best.metric must be a metric's name, got ${shown(b.metric)}`;
  if (typeof b.value !== 'number' || !Number.isFinite(b.value)) return `best.value must be a finite number, got ${shown(b.value)}`;
  if (typeof b.greaterIsBetter !== 'boolean') return `best.greaterIsBetter must be true or false, got ${shown(b.greaterIsBetter)}`;
  if (typeof b.checkpoint !== 'string' || !b.checkpoint) return `best.checkpoint must be a checkpoint's folder name, got ${shown(b.checkpoint)}`;
  return undefined;
}

/** Why the parsed trainer_state.json is not a usable one: "<field> <problem>", or undefined. */
function stateProblem(j: unknown, schema: StateSchema): string | undefined {
  if (!isObject(j)) return `must hold a JSON object, got ${shown(j)}`;
  if (j.version !== 1 && j.version !== 2) return `version must be 1 or 2, got ${shown(j.version)}`;
  if (!isCount(j.step)) return `step must be an integer >= 0, got ${shown(j.step)}`;
  const run = j.run;
  if (!isObject(run)) return `run must be an object (the run's settings), got ${shown(run)}`;
  const runP = schema.runProblem(run);
  if (runP) return runP;
  if (run.schedule !== undefined && !Object.hasOwn(SCHEDULES, run.schedule as string)) {
    return `run.schedule must be ${Object.keys(SCHEDULES).join(', ')}, got ${shown(run.schedule)}`;
  }
  if (run.precision !== undefined && !(PRECISIONS as readonly unknown[]).includes(run.precision)) {
    return `run.precision must be ${PRECISIONS.join(' or ')}, got ${shown(run.precision)}`;
  }
  if ((j.step as number) > (run.steps as number)) return `step ${j.step} is past the run's ${run.steps} steps (run.steps)`;
  const headP = schema.headProblem(j.head, run);
  if (headP) return headP;
  if (j.version === 2) {
    const s = j.session;
    if (!isObject(s)) return `session must be an object (data folder and cadence), got ${shown(s)}`;
    const sessionP = schema.sessionProblem(s);
    if (sessionP) return sessionP;
    for (const k of ['evalEvery', 'logEvery', 'saveEvery', 'keep', 'maxBadSteps'] as const) {
      const p = limitProblem(k, s[k]);
      if (p) return `session.${k} ${p}`;
    }
    if (typeof s.checkpointActivations !== 'boolean') return `session.checkpointActivations must be true or false, got ${shown(s.checkpointActivations)}`;
  }
  if (!isObject(j.loader)) return `loader must be the saved data position (an object), got ${shown(j.loader)}`;
  const w = j.window;
  if (!isObject(w)) return `window must be an object (the metrics since the last record), got ${shown(w)}`;
  if (!isCount(w.n, j.step as number)) return `window.n must be an integer in 0..${j.step}, got ${shown(w.n)}`;
  for (const k of ['loss', ...schema.windowKeys, 'gradNorm']) {
    if (typeof w[k] !== 'number' || !Number.isFinite(w[k])) return `window.${k} must be a finite number, got ${shown(w[k])}`;
  }
  if (!isCount(j.skipped, j.step as number)) return `skipped must be an integer in 0..${j.step} (steps skipped so far), got ${shown(j.skipped)}`;
  if (!isCount(j.badInARow, j.skipped as number)) return `badInARow must be an integer in 0..${j.skipped}, got ${shown(j.badInARow)}`;
  if (!isCount(j.tokens)) return `tokens must be an integer >= 0, got ${shown(j.tokens)}`;
  if (typeof j.elapsedS !== 'number' || !(j.elapsedS >= 0) || !Number.isFinite(j.elapsedS)) return `elapsedS must be a number >= 0, got ${shown(j.elapsedS)}`;
  if (j.best !== undefined) return bestProblem(j.best, j.step as number);
  return undefined;
}

/** `raw` (the parsed `file`) as a TrainerState, or one error naming the file and the field. */
export function checkTrainerState(raw: unknown, file: string, schema: StateSchema): TrainerState {
  const problem = stateProblem(raw, schema);
  if (problem) throw fileError(file, problem);
  return raw as TrainerState;
}
