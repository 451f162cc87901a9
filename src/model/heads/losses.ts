// The losses HF's heads use, with their gradients (PyTorch's default 'mean' reductions).
import type { Backend } from '../../backend/backend.js';
import { UserError } from '../../errors.js';

export const IGNORE_INDEX = -100;

/** markLossRows for a loss over labelled positions (-100 ignored); every row when the labels do not fit
 *  (the loss reports them). */
export function markLabelledRows(labels: ArrayLike<number> | undefined, marked: Uint8Array): void {
  if (!labels || labels.length !== marked.length) {
    marked.fill(1);
    return;
  }
  for (let i = 0; i < marked.length; i++) if (labels[i] !== IGNORE_INDEX) marked[i] = 1;
}

/**
 * nn.CrossEntropyLoss(ignore_index): mean over rows whose label is not ignored; NaN when every row
 * is ignored (as PyTorch), with zero gradient then. dlogits (rows, V) = d(mean)/d(logits).
 * `over`: divide by this count instead of the rows counted here (data parallel: the count of the whole
 * batch over every rank, so each rank's loss and gradient are its part of the global mean); `den` is
 * the divisor used.
 */
export function meanCrossEntropy(
  be: Backend, logits: Float32Array, labels: Int32Array, rows: number, V: number,
  dlogits: Float32Array | null, ignoreIndex = IGNORE_INDEX, over?: number,
): { loss: number; count: number; correct: number; den: number } {
  let count = 0, correct = 0;
  for (let r = 0; r < rows; r++) {
    const label = labels[r];
    if (label === ignoreIndex) continue;
    count++;
    let best = 0;
    for (let j = 1; j < V; j++) if (logits[r * V + j] > logits[r * V + best]) best = j;
    if (best === label) correct++;
  }
  const den = over ?? count;
  const sum = be.crossEntropy(logits, labels, rows, V, dlogits, den > 0 ? 1 / den : 0, ignoreIndex);
  return { loss: den > 0 ? sum / den : NaN, count, correct, den };
}

/** nn.MSELoss: mean of (pred - target)^2 over n; dpred = 2 (pred - target) / n. */
export function mseLoss(pred: Float32Array, target: ArrayLike<number>, n: number, dpred: Float32Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i] - target[i];
    s += d * d;
    dpred[i] = (2 * d) / n;
  }
  return s / n;
}

/** nn.BCEWithLogitsLoss: mean of max(x,0) - x y + log(1 + e^-|x|); dx = (sigmoid(x) - y) / n. */
export function bceWithLogitsLoss(logits: Float32Array, target: ArrayLike<number>, n: number, dlogits: Float32Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = logits[i], y = target[i];
    s += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    dlogits[i] = (1 / (1 + Math.exp(-x)) - y) / n;
  }
  return s / n;
}

/** Labels must be class ids in [0, classes) or the ignore index: one clear error otherwise. */
export function checkClassLabels(name: string, labels: ArrayLike<number>, n: number, classes: number, allowIgnore = true): Int32Array {
  if (labels.length !== n) throw new UserError(`${name}: expected ${n} labels, got ${labels.length}`);
  const out = labels instanceof Int32Array ? labels : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || ((v < 0 || v >= classes) && !(allowIgnore && v === IGNORE_INDEX))) {
      throw new UserError(`${name}: label ${v} at index ${i} is not a class id in 0..${classes - 1}${allowIgnore ? ' or -100' : ''}`);
    }
    out[i] = v;
  }
  return out;
}
