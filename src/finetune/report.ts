// report.json and the model a fine-tuning run leaves: the metrics of each split in one flat object
// (the first split's under the official names, a later split's suffixed with its name:
// accuracy_dev_mismatched), the best and final evaluations as metrics.jsonl recorded them, and
// OUT/model, the best checkpoint's HF directory.
import fs from 'node:fs';
import path from 'node:path';
import { copyFileAtomic, installDir, makeTempDir, writeTextAtomic } from '../io/atomic.js';
import { CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE } from '../io/hf_dir.js';

/** An eval record's metrics (its numbers but the example count) by split. */
export type SplitMetrics = Record<string, Record<string, number>>;

export function splitMetrics(records: readonly Record<string, unknown>[]): SplitMetrics {
  const out: SplitMetrics = {};
  for (const r of records) {
    const m: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && k !== 'examples' && k !== 'step') m[k] = v;
    out[String(r.split)] = m;
  }
  return out;
}

/** Every split's metrics in one object: the first split's names as they are, later ones suffixed `_<split>`. */
export function flatMetrics(bySplit: SplitMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  Object.entries(bySplit).forEach(([split, m], i) => {
    for (const [k, v] of Object.entries(m)) out[i === 0 ? k : `${k}_${split}`] = v;
  });
  return out;
}

/** The eval records of `step` in a run's metrics.jsonl (the last evaluation at that step). */
export function evalRecordsAt(metricsFile: string, step: number): Record<string, unknown>[] {
  if (!fs.existsSync(metricsFile)) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of fs.readFileSync(metricsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let r: Record<string, unknown>;
    try { r = JSON.parse(line); } catch { continue; }
    if (r.type === 'eval' && r.step === step) out.push(r);
  }
  // An evaluation is one record per split; a later evaluation at the same step replaces an earlier one.
  const seen = new Map<string, Record<string, unknown>>();
  for (const r of out) seen.set(String(r.split), r);
  return [...seen.values()];
}

/** OUT/model: the HF files of `checkpoint` (config.json, model.safetensors, spiece.model), installed atomically. */
export function installModel(checkpoint: string, target: string): void {
  const tmp = makeTempDir(target);
  try {
    for (const f of [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE]) copyFileAtomic(path.join(checkpoint, f), path.join(tmp, f));
    installDir(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeTextAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
