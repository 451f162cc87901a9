// trainer_state.json: what a checkpoint holds besides weights and moments (the step, the run's
// settings, the data position, the running metrics window). Every field is checked when read, so a
// damaged one is one line naming the file and the field, not a stack trace or a silently wrong run.
import { fileError } from '../errors.js';
import type { LoaderState } from '../data/loader.js';
import type { HeadKind } from '../model/albert.js';
import { headOf, limitProblem, RUN_KEYS, type LimitedOption, type RunRecord, type SessionRecord } from './run_settings.js';

/** Sums over the updates since the last metrics record. */
export interface Window { n: number; loss: number; mlmLoss: number; sentLoss: number; mlmAcc: number; sentAcc: number; gradNorm: number; }
export const emptyWindow = (): Window => ({ n: 0, loss: 0, mlmLoss: 0, sentLoss: 0, mlmAcc: 0, sentAcc: 0, gradNorm: 0 });

export interface TrainerState {
  /** 1: before the session settings were saved. */
  version: 1 | 2;
  step: number;
  run: RunRecord;
  session?: SessionRecord;
  head: HeadKind;
  loader: LoaderState;
  window: Window;
  skipped: number;
  badInARow: number;
  tokens: number;
  elapsedS: number;
}

const shown = (v: unknown) => JSON.stringify(v) ?? 'nothing';
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** Why the parsed trainer_state.json is not a usable one: "<field> <problem>", or undefined. */
function stateProblem(j: unknown): string | undefined {
  if (!isObject(j)) return `must hold a JSON object, got ${shown(j)}`;
  if (j.version !== 1 && j.version !== 2) return `version must be 1 or 2, got ${shown(j.version)}`;
  if (!isCount(j.step)) return `step must be an integer >= 0, got ${shown(j.step)}`;
  const run = j.run;
  if (!isObject(run)) return `run must be an object (the run's settings), got ${shown(run)}`;
  for (const k of RUN_KEYS) {
    if (k === 'objective' || k === 'optimizer') continue;
    const p = limitProblem(k as LimitedOption, run[k]);
    if (p) return `run.${k} ${p}`;
  }
  if (run.objective !== 'sop' && run.objective !== 'nsp' && run.objective !== 'mlm') return `run.objective must be sop, nsp or mlm, got ${shown(run.objective)}`;
  if (run.optimizer !== 'lamb' && run.optimizer !== 'adamw') return `run.optimizer must be lamb or adamw, got ${shown(run.optimizer)}`;
  if ((j.step as number) > (run.steps as number)) return `step ${j.step} is past the run's ${run.steps} steps (run.steps)`;
  if (j.head !== headOf(run.objective)) return `head must be ${headOf(run.objective)} for objective ${run.objective}, got ${shown(j.head)}`;
  if (j.version === 2) {
    const s = j.session;
    if (!isObject(s)) return `session must be an object (data folder and cadence), got ${shown(s)}`;
    if (typeof s.data !== 'string' || !s.data) return `session.data must be the data folder's path, got ${shown(s.data)}`;
    if (!Array.isArray(s.evalData) || s.evalData.some((d) => typeof d !== 'string')) return `session.evalData must be a list of paths, got ${shown(s.evalData)}`;
    for (const k of ['evalLimit', 'evalEvery', 'logEvery', 'saveEvery', 'keep', 'maxBadSteps'] as const) {
      const p = limitProblem(k, s[k]);
      if (p) return `session.${k} ${p}`;
    }
    if (typeof s.checkpointActivations !== 'boolean') return `session.checkpointActivations must be true or false, got ${shown(s.checkpointActivations)}`;
  }
  if (!isObject(j.loader)) return `loader must be the saved data position (an object), got ${shown(j.loader)}`;
  const w = j.window;
  if (!isObject(w)) return `window must be an object (the metrics since the last record), got ${shown(w)}`;
  if (!isCount(w.n, j.step as number)) return `window.n must be an integer in 0..${j.step}, got ${shown(w.n)}`;
  for (const k of ['loss', 'mlmLoss', 'sentLoss', 'mlmAcc', 'sentAcc', 'gradNorm'] as const) {
    if (typeof w[k] !== 'number' || !Number.isFinite(w[k])) return `window.${k} must be a finite number, got ${shown(w[k])}`;
  }
  if (!isCount(j.skipped, j.step as number)) return `skipped must be an integer in 0..${j.step} (steps skipped so far), got ${shown(j.skipped)}`;
  if (!isCount(j.badInARow, j.skipped as number)) return `badInARow must be an integer in 0..${j.skipped}, got ${shown(j.badInARow)}`;
  if (!isCount(j.tokens)) return `tokens must be an integer >= 0, got ${shown(j.tokens)}`;
  if (typeof j.elapsedS !== 'number' || !(j.elapsedS >= 0) || !Number.isFinite(j.elapsedS)) return `elapsedS must be a number >= 0, got ${shown(j.elapsedS)}`;
  return undefined;
}

/** `raw` (the parsed `file`) as a TrainerState, or one error naming the file and the field. */
export function checkTrainerState(raw: unknown, file: string): TrainerState {
  const problem = stateProblem(raw);
  if (problem) throw fileError(file, problem);
  return raw as TrainerState;
}
