// Training checkpoints: an HF model directory (config.json, model.safetensors, spiece.model) plus
// optimizer.safetensors (Adam moments) and trainer_state.json (step, data position, RNG states...).
// Written into a hidden ".partial" sibling and renamed into place, so a crash at any moment leaves
// either a complete checkpoint or none; only the newest `keep` are kept.
//
// trainer_state.json records the sha256 of every other file, and the step is in the folder name,
// trainer_state.json and optimizer.safetensors: a checkpoint whose files do not belong together
// (damaged, truncated, or copied from another checkpoint) is refused instead of resumed.
import fs from 'node:fs';
import path from 'node:path';
import { fileSha256 } from '../data/tokenizer.js';
import { fileError } from '../errors.js';
import { fsyncDir, writeTextAtomic } from '../io/atomic.js';
import { CONFIG_FILE, savePretrained, TOKENIZER_FILE, WEIGHTS_FILE } from '../io/hf_dir.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import type { AlbertModel } from '../model/albert.js';
import type { Optimizer } from './optim.js';

export const STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** The files whose sha256 trainer_state.json records. */
export const CHECKPOINT_FILES = [CONFIG_FILE, WEIGHTS_FILE, OPTIMIZER_FILE, TOKENIZER_FILE] as const;
const NAME_RE = /^checkpoint-(\d+)$/;

export const checkpointName = (step: number) => `checkpoint-${String(step).padStart(7, '0')}`;

/** The step in a checkpoint folder's name, or undefined when it is not named checkpoint-N. */
export const stepOfName = (dir: string): number | undefined => {
  const m = NAME_RE.exec(path.basename(path.resolve(dir)));
  return m ? Number(m[1]) : undefined;
};

/** Checkpoint folders under `output` (intact or not: readCheckpointState tells), oldest first. */
export function listCheckpoints(output: string): { step: number; dir: string }[] {
  if (!fs.existsSync(output)) return [];
  return fs.readdirSync(output, { withFileTypes: true })
    .filter((e) => e.isDirectory() && NAME_RE.test(e.name))
    .map((e) => ({ step: stepOfName(e.name)!, dir: path.join(output, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/** Remove what an interrupted save left behind (hidden partial/temporary directories). */
export function removeStalePartials(output: string): void {
  if (!fs.existsSync(output)) return;
  for (const n of fs.readdirSync(output)) {
    if (/^\.+checkpoint-\d+\.partial/.test(n)) fs.rmSync(path.join(output, n), { recursive: true, force: true });
  }
}

/**
 * Save the checkpoint of `step` (its trainer state gets `files`, the sha256 of each other file) and
 * prune to the newest `keep` at or before `step`, besides the checkpoint of step `protect` (the best
 * one). Newer folders are left alone: they are what a resume skipped as damaged, and are replaced when
 * the run reaches their step.
 */
export function saveCheckpoint(
  output: string, step: number, model: AlbertModel, opt: Optimizer, state: object, tokenizerModel: string, keep: number, protect?: number,
): string {
  const final = path.join(output, checkpointName(step));
  const partial = path.join(output, `.${checkpointName(step)}.partial`);
  fs.rmSync(partial, { recursive: true, force: true });
  savePretrained(model, partial, { tokenizerModel });
  const tensors = new Map<string, Tensor>();
  opt.params.forEach((p, i) => {
    tensors.set(`m.${p.name}`, { shape: [p.data.length], data: opt.m[i] });
    tensors.set(`v.${p.name}`, { shape: [p.data.length], data: opt.v[i] });
  });
  writeSafetensors(path.join(partial, OPTIMIZER_FILE), tensors, { kind: opt.kind, t: String(opt.t), step: String(step) });
  const files = Object.fromEntries(CHECKPOINT_FILES.map((f) => [f, fileSha256(path.join(partial, f))]));
  writeTextAtomic(path.join(partial, STATE_FILE), JSON.stringify({ ...state, files }, null, 1) + '\n');
  fsyncDir(partial);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(partial, final);
  fsyncDir(output);
  const all = listCheckpoints(output).filter((c) => c.step <= step && c.step !== protect);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(old.dir, { recursive: true, force: true });
  return final;
}

/** Restore the optimizer moments and update count from the checkpoint of `step`. */
export function loadOptimizerState(dir: string, opt: Optimizer, step: number): void {
  const file = path.join(dir, OPTIMIZER_FILE);
  if (!fs.existsSync(file)) throw fileError(dir, `no ${OPTIMIZER_FILE}: not a training checkpoint`);
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.kind !== opt.kind) throw fileError(file, `was written by the ${metadata.kind} optimizer, this run uses ${opt.kind}`);
  const t = Number(metadata.t);
  if (!Number.isInteger(t) || t < 0 || t > step) throw fileError(file, `update count t ${JSON.stringify(metadata.t)} is not an integer in 0..${step} (the step)`);
  if (metadata.step !== undefined && metadata.step !== String(step)) {
    throw fileError(file, `was saved at step ${metadata.step}, but ${STATE_FILE} says step ${step}`);
  }
  opt.params.forEach((p, i) => {
    for (const [k, dst] of [['m', opt.m[i]], ['v', opt.v[i]]] as const) {
      const t = tensors.get(`${k}.${p.name}`);
      if (!t || t.data.length !== dst.length) throw fileError(file, `missing or mis-shaped moment ${k}.${p.name}`);
      dst.set(t.data);
    }
  });
  opt.t = t;
}

/**
 * The parsed trainer_state.json of a checkpoint, once the folder's files are known to belong
 * together: its step is the folder name's, and every file it records has that sha256 (checkpoints of
 * older albert-ts versions record none). Anything else is one error naming the file.
 */
export function readCheckpointState(dir: string): { file: string; state: Record<string, unknown> } {
  const file = path.join(dir, STATE_FILE);
  let state: Record<string, unknown>;
  try { state = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    throw fileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(e as Error).message})`);
  }
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw fileError(file, 'must hold a JSON object');
  const named = stepOfName(dir);
  if (named !== undefined && state.step !== named) throw fileError(file, `step is ${JSON.stringify(state.step)}, but the folder is named for step ${named}`);
  const files = state.files as Record<string, unknown> | undefined;
  if (files === undefined && state.version === 1) return { file, state };
  if (files === null || typeof files !== 'object' || CHECKPOINT_FILES.some((f) => typeof files[f] !== 'string')) {
    throw fileError(file, `files must record the sha256 of ${CHECKPOINT_FILES.join(', ')}`);
  }
  for (const f of CHECKPOINT_FILES) {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) throw fileError(p, 'missing');
    if (fileSha256(p) !== files[f]) throw fileError(p, `does not match ${STATE_FILE} (sha256 differs: damaged, truncated or from another checkpoint)`);
  }
  return { file, state };
}
