// Training checkpoints: an HF model directory (config.json, model.safetensors, spiece.model) plus
// optimizer.safetensors (Adam moments) and trainer_state.json (step, data position, RNG states...).
// Written into a hidden ".partial" sibling and renamed into place, so a crash at any moment leaves
// either a complete checkpoint or none; only the newest `keep` are kept.
import fs from 'node:fs';
import path from 'node:path';
import { fileError } from '../errors.js';
import { fsyncDir, writeTextAtomic } from '../io/atomic.js';
import { savePretrained } from '../io/hf_dir.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import type { AlbertModel } from '../model/albert.js';
import type { Optimizer } from './optim.js';

export const STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
const NAME_RE = /^checkpoint-(\d+)$/;

export const checkpointName = (step: number) => `checkpoint-${String(step).padStart(7, '0')}`;

/** Complete checkpoints under `output`, oldest first. */
export function listCheckpoints(output: string): { step: number; dir: string }[] {
  if (!fs.existsSync(output)) return [];
  return fs.readdirSync(output)
    .map((n) => ({ m: NAME_RE.exec(n), n }))
    .filter(({ m, n }) => m && fs.existsSync(path.join(output, n, STATE_FILE)))
    .map(({ m, n }) => ({ step: Number(m![1]), dir: path.join(output, n) }))
    .sort((a, b) => a.step - b.step);
}

/** Remove what an interrupted save left behind (hidden partial/temporary directories). */
export function removeStalePartials(output: string): void {
  if (!fs.existsSync(output)) return;
  for (const n of fs.readdirSync(output)) {
    if (/^\.+checkpoint-\d+\.partial/.test(n)) fs.rmSync(path.join(output, n), { recursive: true, force: true });
  }
}

export function saveCheckpoint(
  output: string, step: number, model: AlbertModel, opt: Optimizer, state: unknown, tokenizerModel: string, keep: number,
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
  writeSafetensors(path.join(partial, OPTIMIZER_FILE), tensors, { kind: opt.kind, t: String(opt.t) });
  writeTextAtomic(path.join(partial, STATE_FILE), JSON.stringify(state, null, 1) + '\n');
  fsyncDir(partial);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(partial, final);
  fsyncDir(output);
  const all = listCheckpoints(output);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(old.dir, { recursive: true, force: true });
  return final;
}

/** Restore the optimizer moments and step count from a checkpoint. */
export function loadOptimizerState(dir: string, opt: Optimizer): void {
  const file = path.join(dir, OPTIMIZER_FILE);
  if (!fs.existsSync(file)) throw fileError(dir, `no ${OPTIMIZER_FILE}: not a training checkpoint`);
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.kind !== opt.kind) throw fileError(file, `was written by the ${metadata.kind} optimizer, this run uses ${opt.kind}`);
  opt.params.forEach((p, i) => {
    for (const [k, dst] of [['m', opt.m[i]], ['v', opt.v[i]]] as const) {
      const t = tensors.get(`${k}.${p.name}`);
      if (!t || t.data.length !== dst.length) throw fileError(file, `missing or mis-shaped moment ${k}.${p.name}`);
      dst.set(t.data);
    }
  });
  opt.t = Number(metadata.t);
}

export function readTrainerState<T>(dir: string): T {
  const file = path.join(dir, STATE_FILE);
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch (e) { throw fileError(file, `unreadable (${(e as Error).message})`); }
}
