// The settings of a pretraining run: which values make sense, which are saved with every
// checkpoint, and how `--resume` takes them back. Two kinds are saved:
// - the run's (RUN_KEYS): they decide what each step computes, so flags given on resume must agree
//   with them (only `steps` may grow: that extends the run);
// - the session's (SESSION_KEYS): where the data is, evaluation, logging and saving cadence; a
//   resumed run reuses them unless a flag changes them.
import path from 'node:path';
import { UserError } from '../errors.js';
import type { HeadKind } from '../model/albert.js';
import { PRECISIONS, type Precision } from '../backend/bf16.js';
import type { OptimizerKind } from './optim.js';

export type PretrainObjective = 'sop' | 'nsp' | 'mlm';

export const headOf = (o: PretrainObjective): HeadKind => (o === 'sop' ? 'pretraining' : o === 'nsp' ? 'pretraining-nsp' : 'masked-lm');

/** What each numeric option may be; every option here is a count or a rate where 0 or less is meaningless unless `min` allows it. */
interface Limit { int?: true; min: number; above?: true; max?: number; below?: true; note?: string }
const LIMITS = {
  steps: { int: true, min: 1 }, epochs: { min: 0, above: true },
  batchSize: { int: true, min: 1 }, gradAccum: { int: true, min: 1 }, warmupSteps: { int: true, min: 0 },
  lr: { min: 0, above: true }, decayPower: { min: 0 }, clipNorm: { min: 0, note: '0 = off' }, weightDecay: { min: 0 },
  beta1: { min: 0, max: 1, below: true }, beta2: { min: 0, max: 1, below: true }, eps: { min: 0, above: true },
  seed: { int: true, min: 0, max: Number.MAX_SAFE_INTEGER }, shuffleBuffer: { int: true, min: 1 },
  evalInstances: { int: true, min: 0 }, evalLimit: { int: true, min: 1 },
  evalEvery: { int: true, min: 0, note: '0 = only at the end' }, logEvery: { int: true, min: 1 },
  saveEvery: { int: true, min: 0, note: '0 = only at the end' }, keep: { int: true, min: 1 }, maxBadSteps: { int: true, min: 1 },
  threads: { int: true, min: 1, max: 1024 },
  // fine-tuning's
  maxSeqLength: { int: true, min: 3 }, warmupRatio: { min: 0, max: 1 },
  dropout: { min: 0, max: 1, below: true }, classifierDropout: { min: 0, max: 1, below: true },
} satisfies Record<string, Limit>;
export type LimitedOption = keyof typeof LIMITS;

/** The CLI flag of an option: batchSize -> --batch-size. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;

/** Why `value` is not a valid `key`, or undefined when it is. */
export function limitProblem(key: LimitedOption, value: unknown): string | undefined {
  const l: Limit = LIMITS[key];
  const ok = typeof value === 'number' && Number.isFinite(value) && (!l.int || Number.isInteger(value))
    && (l.above ? value > l.min : value >= l.min) && (l.max === undefined || (l.below ? value < l.max : value <= l.max));
  if (ok) return undefined;
  const range = `${l.above ? '>' : '>='} ${l.min}${l.max === undefined ? '' : ` and ${l.below ? '<' : '<='} ${l.max}`}`;
  return `must be ${l.int ? 'an integer' : 'a number'} ${range}${l.note ? ` (${l.note})` : ''}, got ${JSON.stringify(value) ?? 'nothing'}`;
}

/** Refuse any given option outside its limits, naming the option and its flag. */
export function checkLimits(o: Partial<Record<LimitedOption, unknown>>): void {
  for (const key of Object.keys(LIMITS) as LimitedOption[]) {
    if (o[key] === undefined) continue;
    const problem = limitProblem(key, o[key]);
    if (problem) throw new UserError(`${key} (${flagOf(key)}) ${problem}`);
  }
}

/** Decide what each step computes; saved, and on resume compared with the flags given. */
export const RUN_KEYS = ['objective', 'precision', 'optimizer', 'lr', 'warmupSteps', 'decayPower', 'steps', 'batchSize', 'gradAccum', 'clipNorm',
  'weightDecay', 'beta1', 'beta2', 'eps', 'seed', 'shuffleBuffer', 'evalInstances'] as const;
/** Saved, and reused on resume unless given again. */
export const SESSION_KEYS = ['data', 'evalData', 'evalLimit', 'evalEvery', 'logEvery', 'saveEvery', 'keep', 'maxBadSteps', 'checkpointActivations'] as const;

export interface RunRecord {
  objective: PretrainObjective; optimizer: OptimizerKind; lr: number; warmupSteps: number; decayPower: number; steps: number;
  batchSize: number; gradAccum: number; clipNorm: number; weightDecay: number; beta1: number; beta2: number; eps: number;
  seed: number; shuffleBuffer: number; evalInstances: number;
  /** The GEMMs' precision (backend/bf16.ts). */
  precision: Precision;
  /** What the model was made from (compared when given again; the checkpoint's config.json is what is loaded). */
  model?: string; set?: Record<string, unknown>;
  /** Instances in the training data: other data under the same path is refused. */
  dataInstances?: number;
}

export interface SessionRecord {
  /** Absolute paths. */
  data: string; evalData: string[];
  evalLimit: number; evalEvery: number; logEvery: number; saveEvery: number; keep: number; maxBadSteps: number;
  checkpointActivations: boolean;
}

export type SettingsOptions = Partial<Omit<RunRecord, 'dataInstances'> & Omit<SessionRecord, 'data'>> & { data?: string; epochs?: number };

export interface ResolvedSettings {
  run: RunRecord;
  session: SessionRecord;
  /** Set when a resumed run was given more steps than it had: the steps it had. */
  extendedFrom?: number;
}

/** The data folder of a run: the flag, else (on resume) the saved one. */
export function dataFolder(o: { data?: string }, saved?: Partial<SessionRecord>): string {
  if (o.data !== undefined) return o.data;
  if (saved?.data) return saved.data;
  throw new UserError(saved ? 'missing --data: no checkpoint of the run records its data folder (written by an older albert-ts, or damaged)'
    : 'missing required flag --data (see --help)');
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The run's settings: the options given, else (on resume) the saved ones, else the defaults, which
 * depend on the data (`count` instances, objective `dataObjective`). A given option that disagrees
 * with the saved run is reported, all of them in one line.
 */
export function resolveSettings(
  o: SettingsOptions, data: { dir: string; count: number; objective: 'sop' | 'nsp' },
  saved?: { run: RunRecord; session?: Partial<SessionRecord> },
): ResolvedSettings {
  checkLimits(o);
  checkPrecision(o.precision);
  const s = saved?.run;
  const objective = o.objective ?? s?.objective ?? data.objective;
  const optimizer = o.optimizer ?? s?.optimizer ?? 'lamb';
  const batchSize = o.batchSize ?? s?.batchSize ?? 32, gradAccum = o.gradAccum ?? s?.gradAccum ?? 1;
  const evalInstances = o.evalInstances ?? s?.evalInstances ?? Math.min(500, Math.floor(data.count * 0.05));
  const trainCount = data.count - evalInstances;
  if (trainCount < batchSize) {
    throw new UserError(`${data.dir}: ${data.count} instances leave ${trainCount} for training after holding out ${evalInstances}; need at least a batch (${batchSize})`);
  }
  if (o.steps !== undefined && o.epochs !== undefined) throw new UserError('give steps (--steps) or epochs (--epochs), not both');
  const givenSteps = o.steps ?? (o.epochs !== undefined ? Math.ceil((o.epochs * trainCount) / (batchSize * gradAccum)) : undefined);
  const steps = givenSteps ?? s?.steps ?? Math.ceil(trainCount / (batchSize * gradAccum));
  const warmupSteps = o.warmupSteps ?? s?.warmupSteps ?? Math.round(0.05 * steps);
  if (warmupSteps > steps) throw new UserError(`warmupSteps (--warmup-steps) ${warmupSteps} is more than the run's ${steps} steps`);
  const run: RunRecord = {
    objective, optimizer, lr: o.lr ?? s?.lr ?? (optimizer === 'lamb' ? 0.00176 : 1e-4), warmupSteps,
    decayPower: o.decayPower ?? s?.decayPower ?? 1, steps, batchSize, gradAccum, clipNorm: o.clipNorm ?? s?.clipNorm ?? 1,
    weightDecay: o.weightDecay ?? s?.weightDecay ?? 0.01, beta1: o.beta1 ?? s?.beta1 ?? 0.9, beta2: o.beta2 ?? s?.beta2 ?? 0.999,
    eps: o.eps ?? s?.eps ?? 1e-6, seed: o.seed ?? s?.seed ?? 12345, shuffleBuffer: o.shuffleBuffer ?? s?.shuffleBuffer ?? 10_000,
    evalInstances, precision: o.precision ?? s?.precision ?? 'fp32', model: o.model ?? s?.model ?? 'tiny', set: o.set ?? s?.set ?? {}, dataInstances: data.count,
  };
  const ss = saved?.session;
  const session: SessionRecord = {
    data: path.resolve(data.dir), evalData: o.evalData?.map((d) => path.resolve(d)) ?? ss?.evalData ?? [],
    evalLimit: o.evalLimit ?? ss?.evalLimit ?? 1000, evalEvery: o.evalEvery ?? ss?.evalEvery ?? 0, logEvery: o.logEvery ?? ss?.logEvery ?? 10,
    saveEvery: o.saveEvery ?? ss?.saveEvery ?? 0, keep: o.keep ?? ss?.keep ?? 3, maxBadSteps: o.maxBadSteps ?? ss?.maxBadSteps ?? 5,
    checkpointActivations: o.checkpointActivations ?? ss?.checkpointActivations ?? false,
  };
  checkLimits(session);
  if (!s) return { run, session };

  // Resume: what was given must agree with what was saved.
  const differ = resumeDifferences({ ...o, steps: givenSteps }, withSavedPrecision(s), [...RUN_KEYS, 'model', 'set'], o.epochs);
  if (s.dataInstances !== undefined && s.dataInstances !== data.count) {
    differ.push(`the data (${data.dir} holds ${data.count} instances, the run trained on ${s.dataInstances})`);
  }
  if (differ.length) throw new UserError(`--resume: these settings differ from the saved run: ${differ.join(', ')}`);
  return steps > s.steps ? { run, session, extendedFrom: s.steps } : { run, session };
}

/** A saved run's settings for comparison; runs saved before --precision existed computed in fp32. */
export const withSavedPrecision = (s: object): Record<string, unknown> => ({ precision: 'fp32', ...s });

/** Checks a precision option (the API's; the CLI's flag is checked as a choice). */
export function checkPrecision(p: unknown): void {
  if (p !== undefined && !(PRECISIONS as readonly unknown[]).includes(p)) {
    throw new UserError(`precision (--precision) must be ${PRECISIONS.join(' or ')}, got ${JSON.stringify(p)}`);
  }
}

/**
 * The settings given to a resumed run (`given`, steps already worked out) that disagree with the saved
 * run's, among `keys`, as "key (was X, now Y)"; `steps` may grow (that extends the run), not shrink.
 */
export function resumeDifferences(given: Record<string, unknown>, saved: Record<string, unknown>, keys: readonly string[], epochs?: number): string[] {
  const differ: string[] = [];
  for (const k of keys) {
    if (k === 'steps' || given[k] === undefined || saved[k] === undefined || same(given[k], saved[k])) continue;
    differ.push(`${k} (was ${JSON.stringify(saved[k])}, now ${JSON.stringify(given[k])})`);
  }
  const steps = given.steps as number | undefined;
  if (steps !== undefined && steps < (saved.steps as number)) {
    differ.push(`steps (was ${saved.steps}, now ${steps}${epochs !== undefined ? ` from epochs ${epochs}` : ''}; a run can be extended, not shortened)`);
  }
  return differ;
}
