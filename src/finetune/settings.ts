// The settings of a fine-tuning run, as pretraining's (train/run_settings.ts): the run's decide what
// each step computes and must agree on --resume (only steps may grow); the session's (data paths,
// cadence) are reused unless given again. Precedence: a flag, else the saved run (resume), else the
// recipe (--recipe paper), else the defaults (HF Trainer's: AdamW lr 5e-5, no weight decay, no
// warmup, linear decay, clipping 1.0, batch 32, 3 epochs, seed 42).
import type { Precision } from '../backend/bf16.js';
import path from 'node:path';
import { UserError } from '../errors.js';
import { HEAD_KINDS } from '../model/albert.js';
import { defaultEps, OPTIMIZER_KINDS, type OptimizerKind } from '../train/optim.js';
import { checkLimits, checkPrecision, limitProblem, resumeDifferences, withSavedPrecision, type LimitedOption } from '../train/run_settings.js';
import { warmupStepsFor, type ScheduleKind } from '../train/schedule.js';
import { shown, type StateSchema, type TrainerRun, type TrainerSession } from '../train/trainer_state.js';
import { TASK_IDS, type TaskDataOptions, type TaskId } from './downstream.js';
import { recipeFor, type RecipeName } from './recipes.js';
import { defaultMaxSeqLength, taskId } from './tasks.js';

/** The family's reading options (TaskDataOptions' names), saved with the run. */
export const TASK_OPTION_KEYS = ['textColumn', 'textPairColumn', 'labelColumn', 'format', 'docStride', 'maxQueryLength', 'nBest',
  'maxAnswerLength', 'nullThreshold', 'squadHead', 'maxQaLength', 'levels'] as const;
export type TaskOptionKey = (typeof TASK_OPTION_KEYS)[number];
export type TaskOptions = Pick<TaskDataOptions, TaskOptionKey>;

export interface FinetuneRun extends TrainerRun {
  task: TaskId;
  schedule: ScheduleKind;
  maxSeqLength: number;
  /** false: units in file order (--no-shuffle). */
  shuffle: boolean;
  /** --dropout / --classifier-dropout; null: the model's config.json values. */
  dropout: number | null;
  classifierDropout: number | null;
  recipe: RecipeName | null;
  /** What the model was made from (--model) and the config overrides (--set). */
  model: string;
  set: Record<string, unknown>;
  /** Training units of the data: other data under the same path is refused on resume. */
  trainUnits: number;
  /** Family options given (TASK_OPTION_KEYS). */
  taskOptions: TaskOptions;
}

export interface FinetuneSession extends TrainerSession {
  /** Absolute paths. */
  data: string;
  evalData: string | null;
}

/** What the caller may give; anything absent comes from the saved run, the recipe or the defaults. */
export interface FinetuneSettingsOptions extends TaskOptions {
  task?: string; data?: string; evalData?: string; model?: string; set?: Record<string, unknown>; recipe?: string;
  /** The GEMMs' precision (default fp32): 'bf16' is mixed-precision training (backend/bf16.ts). */
  precision?: Precision;
  optimizer?: OptimizerKind; lr?: number; warmupSteps?: number; warmupRatio?: number; weightDecay?: number; clipNorm?: number;
  steps?: number; epochs?: number; batchSize?: number; gradAccum?: number; seed?: number; maxSeqLength?: number;
  shuffle?: boolean; dropout?: number; classifierDropout?: number; beta1?: number; beta2?: number; eps?: number;
  evalEvery?: number; logEvery?: number; saveEvery?: number; keep?: number; maxBadSteps?: number; checkpointActivations?: boolean;
}

/** Compared on resume (steps may grow). */
const RUN_KEYS = ['task', 'precision', 'optimizer', 'lr', 'warmupSteps', 'steps', 'batchSize', 'gradAccum', 'clipNorm', 'weightDecay', 'beta1', 'beta2',
  'eps', 'seed', 'maxSeqLength', 'shuffle', 'dropout', 'classifierDropout', 'recipe', 'model', 'set', 'taskOptions'] as const;

/** The task, data and family options of a run: what opening its data needs (before its size is known). */
export interface TaskSettings {
  task: TaskId; data: string; evalData: string | null; maxSeqLength: number; taskOptions: TaskOptions;
}

/** The family options among `o` (those given). */
export const taskOptionsOf = (o: TaskOptions): TaskOptions =>
  Object.fromEntries(TASK_OPTION_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as TaskOptions;

/** Step one: the task and its data, from the options or the saved run. */
export function resolveTaskSettings(o: FinetuneSettingsOptions, saved?: { run: FinetuneRun; session: FinetuneSession }): TaskSettings {
  const s = saved?.run, ss = saved?.session;
  const taskName = o.task ?? s?.task;
  if (taskName === undefined) throw new UserError('missing required flag --task (see --help)');
  const task = taskId(taskName);
  const data = o.data ?? ss?.data;
  if (data === undefined) throw new UserError('missing required flag --data (see --help)');
  checkLimits(o);
  checkPrecision(o.precision);
  checkOptimizer(o.optimizer);
  const recipe = recipeFor(o.recipe ?? s?.recipe, task);
  const given = taskOptionsOf(o);
  return {
    task, data: path.resolve(data), evalData: o.evalData !== undefined ? path.resolve(o.evalData) : ss?.evalData ?? null,
    maxSeqLength: o.maxSeqLength ?? s?.maxSeqLength ?? recipe?.maxSeqLength ?? defaultMaxSeqLength(task),
    taskOptions: s && Object.keys(given).length === 0 ? s.taskOptions : given,
  };
}

/** Fine-tuning's optimizers (LAMB is pretraining's); checked before any data is read. */
function checkOptimizer(optimizer: string | undefined): void {
  if (optimizer !== undefined && optimizer !== 'adamw' && optimizer !== 'adamw-google') throw new UserError(`--optimizer must be adamw or adamw-google, got "${optimizer}"`);
}

export interface ResolvedFinetune {
  run: FinetuneRun;
  session: FinetuneSession;
  /** A resumed run given more steps: the steps it had. */
  extendedFrom?: number;
}

/** Step two (after resolveTaskSettings, which checked `o`): every setting, once the data's training units are known. */
export function resolveFinetuneSettings(o: FinetuneSettingsOptions, t: TaskSettings, units: number, saved?: { run: FinetuneRun; session: FinetuneSession }): ResolvedFinetune {
  const s = saved?.run, ss = saved?.session;
  const recipeName = (o.recipe ?? s?.recipe ?? null) as RecipeName | null;
  const r = recipeFor(recipeName, t.task);
  // Given: checked by resolveTaskSettings; saved: by FINETUNE_STATE; the recipe's: typed.
  const optimizer = o.optimizer ?? s?.optimizer ?? r?.optimizer ?? 'adamw';
  const batchSize = o.batchSize ?? s?.batchSize ?? r?.batchSize ?? 32, gradAccum = o.gradAccum ?? s?.gradAccum ?? 1;
  // --steps wins over --epochs; either given wins over the recipe's steps.
  const fromEpochs = (epochs: number) => Math.ceil((epochs * units) / (batchSize * gradAccum));
  const givenSteps = o.steps ?? (o.epochs !== undefined ? fromEpochs(o.epochs) : undefined);
  const steps = givenSteps ?? s?.steps ?? r?.steps ?? fromEpochs(3);
  const givenWarmup = o.warmupSteps !== undefined || o.warmupRatio !== undefined ? warmupStepsFor(steps, { steps: o.warmupSteps, ratio: o.warmupRatio }) : undefined;
  const warmupSteps = givenWarmup ?? s?.warmupSteps ?? r?.warmupSteps ?? 0;
  if (warmupSteps > steps) {
    throw new UserError(`warmup of ${warmupSteps} steps${givenWarmup === undefined && r ? ' (from --recipe paper)' : ''} is more than the run's ${steps} steps: give --warmup-steps or --warmup-ratio`);
  }
  const run: FinetuneRun = {
    task: t.task, optimizer, schedule: optimizer === 'adamw-google' ? 'google' : 'linear',
    lr: o.lr ?? s?.lr ?? r?.lr ?? 5e-5, warmupSteps, decayPower: 1, steps, batchSize, gradAccum,
    clipNorm: o.clipNorm ?? s?.clipNorm ?? 1, weightDecay: o.weightDecay ?? s?.weightDecay ?? r?.weightDecay ?? (optimizer === 'adamw-google' ? 0.01 : 0),
    beta1: o.beta1 ?? s?.beta1 ?? 0.9, beta2: o.beta2 ?? s?.beta2 ?? 0.999, eps: o.eps ?? s?.eps ?? defaultEps(optimizer),
    seed: o.seed ?? s?.seed ?? 42, maxSeqLength: t.maxSeqLength, shuffle: o.shuffle ?? s?.shuffle ?? true,
    dropout: o.dropout ?? s?.dropout ?? r?.dropout ?? null, classifierDropout: o.classifierDropout ?? s?.classifierDropout ?? r?.classifierDropout ?? null,
    precision: o.precision ?? s?.precision ?? 'fp32', recipe: recipeName, model: o.model ?? s?.model ?? '', set: o.set ?? s?.set ?? {}, trainUnits: units, taskOptions: t.taskOptions,
  };
  const session: FinetuneSession = {
    data: t.data, evalData: t.evalData,
    evalEvery: o.evalEvery ?? ss?.evalEvery ?? r?.evalEvery ?? 0, logEvery: o.logEvery ?? ss?.logEvery ?? 10,
    saveEvery: o.saveEvery ?? ss?.saveEvery ?? 0, keep: o.keep ?? ss?.keep ?? 1, maxBadSteps: o.maxBadSteps ?? ss?.maxBadSteps ?? 5,
    checkpointActivations: o.checkpointActivations ?? ss?.checkpointActivations ?? false,
  };
  checkLimits(session);
  if (!s) return { run, session };
  const given: Record<string, unknown> = {
    ...o, steps: givenSteps, warmupSteps: givenWarmup, maxSeqLength: o.maxSeqLength,
    taskOptions: Object.keys(taskOptionsOf(o)).length ? taskOptionsOf(o) : undefined,
  };
  const differ = resumeDifferences(given, withSavedPrecision(s), RUN_KEYS, o.epochs);
  if (s.trainUnits !== units) differ.push(`the data (${t.data} now has ${units} training units, the run trained on ${s.trainUnits})`);
  if (differ.length) throw new UserError(`--resume: these settings differ from the saved run: ${differ.join(', ')}`);
  return steps > s.steps ? { run, session, extendedFrom: s.steps } : { run, session };
}

/** What a fine-tuning checkpoint's trainer_state.json must hold beyond the Trainer's fields. */
export const FINETUNE_STATE: StateSchema = {
  runProblem(run) {
    if (!(TASK_IDS as readonly unknown[]).includes(run.task)) return `run.task must be one of ${TASK_IDS.join(', ')}, got ${shown(run.task)}`;
    if (!OPTIMIZER_KINDS.includes(run.optimizer as OptimizerKind) || run.optimizer === 'lamb') return `run.optimizer must be adamw or adamw-google, got ${shown(run.optimizer)}`;
    for (const k of ['lr', 'warmupSteps', 'steps', 'batchSize', 'gradAccum', 'clipNorm', 'weightDecay', 'beta1', 'beta2', 'eps', 'seed', 'maxSeqLength'] as LimitedOption[]) {
      const p = limitProblem(k, run[k]);
      if (p) return `run.${k} ${p}`;
    }
    for (const k of ['dropout', 'classifierDropout'] as const) {
      const p = run[k] === null ? undefined : limitProblem(k, run[k]);
      if (p) return `run.${k} ${p} (or null)`;
    }
    if (typeof run.shuffle !== 'boolean') return `run.shuffle must be true or false, got ${shown(run.shuffle)}`;
    if (!Number.isInteger(run.trainUnits) || (run.trainUnits as number) < 1) return `run.trainUnits must be an integer >= 1, got ${shown(run.trainUnits)}`;
    return undefined;
  },
  headProblem: (head) => ((HEAD_KINDS as readonly unknown[]).includes(head) ? undefined : `head must be one of ${HEAD_KINDS.join(', ')}, got ${shown(head)}`),
  sessionProblem(s) {
    if (typeof s.data !== 'string' || !s.data) return `session.data must be the data's path, got ${shown(s.data)}`;
    if (s.evalData !== null && typeof s.evalData !== 'string') return `session.evalData must be a path or null, got ${shown(s.evalData)}`;
    return undefined;
  },
  windowKeys: [],
};
