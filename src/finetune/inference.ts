// What the SQuAD and RACE families' evaluation and prediction share: running a model over a split in
// inference mode, a batch at a time; flags that make featurization impossible as one-line errors;
// their JSON predictions files written.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlbertModel } from '../model/albert.js';
import type { ModelInputs, ModelOutputs } from '../model/types.js';
import { UserError } from '../errors.js';
import { writeJsonAtomic } from './report.js';

/**
 * Forward items [0, n) through `model` in eval mode, `batchSize` at a time, handing each batch's
 * outputs to `consume` with the first item's index. The weights are fixed over the split, so they
 * are packed once for all its batches (inferenceOnly), and the model's mode is restored after.
 */
export function forwardInBatches(
  model: AlbertModel, n: number, batchSize: number,
  inputsOf: (from: number, to: number) => ModelInputs, consume: (out: ModelOutputs, from: number, to: number) => void,
): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const was = model.inferenceOnly;
  model.inferenceOnly = true;
  try {
    for (let from = 0; from < n; from += batchSize) {
      const to = Math.min(n, from + batchSize);
      consume(model.forward(inputsOf(from, to), { train: false, headOutputsOnly: true }), from, to);
    }
  } finally {
    model.inferenceOnly = was;
  }
}

/** Non-padding tokens of a batch (throughput). */
export function realTokens(inputs: ModelInputs): number {
  let n = 0;
  if (!inputs.attentionMask) return inputs.inputIds.length;
  for (const m of inputs.attentionMask) n += m;
  return n;
}

/**
 * Featurize `file`'s examples, turning the featurizer's RangeErrors (lengths the flags make
 * impossible) into one-line errors that name the file and the flags to change.
 */
export function featurizeChecked<T>(file: string, flags: string, featurize: () => T): T {
  try {
    return featurize();
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`${file}: ${e.message} (set by ${flags})`);
    throw e;
  }
}

/** A predictions JSON file at `file`, atomically, its folder made if missing (as HF's scripts make output_dir). */
export function writePredictionsJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeJsonAtomic(file, value);
}
