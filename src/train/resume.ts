// --resume: pick the checkpoint to continue from and restore everything it holds. The newest
// checkpoint that is intact is taken (a damaged newer one is skipped with a warning naming it);
// `resumeFrom` takes one folder and refuses it if damaged. Intact means: its files belong together
// (checkpoint.ts), its trainer state is well-formed (the Trainer's fields and the task's
// StateSchema), the weights load, the optimizer's update count fits the step, and the data position
// fits the data (the task's restoreData).
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import type { InstanceLoader, LoaderState } from '../data/loader.js';
import type { ShardDataset } from '../data/shards.js';
import { fileError, UserError } from '../errors.js';
import { loadPretrained, TOKENIZER_FILE } from '../io/hf_dir.js';
import type { AlbertModel } from '../model/albert.js';
import type { TrainableParam } from './optim.js';
import { listCheckpoints, loadOptimizerState, readCheckpointState, STATE_FILE } from './checkpoint.js';
import { Optimizer } from './optim.js';
import { PRETRAINING_STATE, runLoader } from './pretraining_task.js';
import type { RunRecord } from './run_settings.js';
import { checkTrainerState, type StateSchema, type TrainerRun, type TrainerState } from './trainer_state.js';

/** The optimizer of a run (a new one and a resumed one are built alike). */
export const runOptimizer = (params: TrainableParam[], run: TrainerRun, backend: Backend) =>
  new Optimizer(params, backend, { kind: run.optimizer, beta1: run.beta1, beta2: run.beta2, eps: run.eps, weightDecay: run.weightDecay });

/** A restored checkpoint; `data` is the task's restored data position (pretraining: its loader). */
export interface Restored<D = InstanceLoader> {
  dir: string; state: TrainerState; model: AlbertModel; opt: Optimizer; data: D;
  /** The checkpoint's spiece.model. */
  tokenizer: string;
}

/** What restoring needs of the task: its state checks and its data position. */
export interface RestoreHooks<D> {
  schema: StateSchema;
  /** The data position saved in `state` (state.loader) for the task's data; a UserError when it does not fit. */
  restoreData(state: TrainerState): D;
}

/**
 * The saved session settings of the newest candidate that has them, read without checks: they name the
 * data folder, which checking a checkpoint needs (a damaged one is then skipped by restoreNewestIntact).
 */
export function savedSession(candidates: string[]): Record<string, unknown> & { data?: string } {
  return savedSettings(candidates).session ?? {};
}

/** The saved run and session settings of the newest candidate whose session names its data, read without checks (as savedSession). */
export function savedSettings(candidates: string[]): { run?: Record<string, unknown>; session?: Record<string, unknown> & { data?: string } } {
  for (const dir of candidates) {
    let j: { run?: Record<string, unknown>; session?: Record<string, unknown> & { data?: string } } | null;
    try { j = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')); } catch { continue; }
    if (typeof j?.session?.data === 'string') return { run: j.run, session: j.session };
  }
  return {};
}

/** Everything the checkpoint in `dir` holds, restored for a task; any problem is one UserError naming the file. */
export function restoreTrainingCheckpoint<D>(dir: string, backend: Backend, hooks: RestoreHooks<D>, maxMemory?: number): Restored<D> {
  const { file, state: raw } = readCheckpointState(dir);
  const state = checkTrainerState(raw, file, hooks.schema);
  const model = loadPretrained(dir, { backend, head: state.head, maxMemory });
  const opt = runOptimizer(model.params(), state.run, backend);
  loadOptimizerState(dir, opt, state.step);
  // Skipped (NaN) steps make no update, so the optimizer has made exactly the others.
  if (opt.t !== state.step - state.skipped) {
    throw fileError(file, `step ${state.step} with ${state.skipped} skipped needs ${state.step - state.skipped} optimizer updates, but optimizer.safetensors has made ${opt.t}`);
  }
  let data: D;
  try { data = hooks.restoreData(state); } catch (e) {
    throw e instanceof UserError ? fileError(file, e.message) : e;
  }
  return { dir, state, model, opt, data, tokenizer: path.join(dir, TOKENIZER_FILE) };
}

/** Restoring a pretraining checkpoint: the data position is the loader's over `ds`. */
export const pretrainingRestore = (ds: ShardDataset): RestoreHooks<InstanceLoader> => ({
  schema: PRETRAINING_STATE,
  restoreData(state) {
    const loader = runLoader(ds, state.run as RunRecord);
    loader.setState(state.loader as LoaderState);
    return loader;
  },
});

/** A pretraining checkpoint in `dir`, restored for `ds` (restoreTrainingCheckpoint with pretraining's hooks). */
export const restoreCheckpoint = (dir: string, ds: ShardDataset, backend: Backend, maxMemory?: number): Restored =>
  restoreTrainingCheckpoint(dir, backend, pretrainingRestore(ds), maxMemory);

/**
 * The folders to try, best first: `resumeFrom` alone, or every checkpoint in `output`, newest first.
 * The caller reads the data folder from the first that names one.
 */
export function resumeCandidates(output: string, resumeFrom?: string): string[] {
  if (resumeFrom !== undefined) return [resumeFrom];
  const all = listCheckpoints(output).map((c) => c.dir).reverse();
  if (!all.length) throw fileError(output, 'no checkpoint to resume from');
  return all;
}

/**
 * Restore the first intact candidate. Each damaged one before it is reported through `warn`; with a
 * single candidate (`--resume-from`), or when none is intact, the problem is the error.
 */
export function restoreNewestIntact<D>(candidates: string[], backend: Backend, hooks: RestoreHooks<D>, warn: (m: string) => void, maxMemory?: number): Restored<D> {
  const problems: string[] = [];
  for (const dir of candidates) {
    try {
      const r = restoreTrainingCheckpoint(dir, backend, hooks, maxMemory);
      for (const p of problems) warn(`${p}; resuming from ${dir}`);
      return r;
    } catch (e) {
      if (!(e instanceof UserError) || candidates.length === 1) throw e;
      problems.push(`skipping ${dir}: ${e.message}`);
    }
  }
  throw new UserError(`no intact checkpoint to resume from: ${problems.join('; ')}`);
}
