// What every task runs on: the loaded model and tokenizer, and the forward of many token rows in
// batches sorted by length (each padded to its longest row, so short inputs do not pay for long ones),
// each row's outputs handed back in the order the rows were given.
import { UserError } from '../errors.js';
import type { AlbertModel } from '../model/albert.js';
import type { ModelOutputs } from '../model/types.js';
import { batchSeq, packRows, type TokenRow } from '../tasks/features.js';
import type { AlbertTokenizer } from '../tokenizer/albert.js';

export interface Engine {
  model: AlbertModel;
  tokenizer: AlbertTokenizer;
  /** Sequences per forward. */
  maxBatchSize: number;
  /** Longest sequence, specials included. */
  maxLength: number;
}

/**
 * Reads one row of a batch's outputs: `b` is the row (for multiple choice, the question) in the batch,
 * `seq` the batch's padded length, `index` the row's place in the rows given. It must copy what it
 * keeps (the outputs are the batch's).
 */
export type TakeRow<T> = (out: ModelOutputs, b: number, seq: number, index: number) => T;

export interface ForwardOptions {
  /** Rows of this padded length a batch may hold, below maxBatchSize (fill-mask's (B, S, V) logits). */
  rowsAt?: (seq: number) => number;
}

/** Each row through the model; take's result per row, in row order. */
export function forwardRows<T>(e: Engine, rows: readonly TokenRow[], take: TakeRow<T>, opts: ForwardOptions = {}): T[] {
  return forwardUnits(e, rows.map((r) => [r]), false, take, opts);
}

/** Multiple choice: each question's choices as one (C, S) unit of the (B, C, S) input; take's result per question. */
export function forwardChoices<T>(e: Engine, questions: readonly TokenRow[][], take: TakeRow<T>): T[] {
  return forwardUnits(e, questions, true, take, {});
}

function forwardUnits<T>(e: Engine, units: readonly TokenRow[][], choices: boolean, take: TakeRow<T>, opts: ForwardOptions): T[] {
  const lengths = units.map((u) => batchSeq(u, 'longest'));
  for (const n of lengths) {
    if (n > e.maxLength) throw new UserError(`an input is ${n} tokens, more than the pipeline's maxLength ${e.maxLength}`);
  }
  // Longest first, so that each batch pads to about its own length; one number of choices per batch.
  const order = units.map((_, i) => i).sort((a, b) => units[a].length - units[b].length || lengths[b] - lengths[a] || a - b);
  const out: T[] = new Array(units.length);
  for (let k = 0; k < order.length;) {
    const C = units[order[k]].length;
    const seq = lengths[order[k]];
    const rowCap = Math.min(e.maxBatchSize, opts.rowsAt ? opts.rowsAt(seq) : Infinity);
    const per = Math.max(1, Math.floor(rowCap / C));
    const batch: number[] = [];
    while (k < order.length && batch.length < per && units[order[k]].length === C) batch.push(order[k++]);
    const rows = batch.flatMap((u) => units[u]);
    const inputs = { ...packRows(rows, seq, e.tokenizer.padId), batch: batch.length, seq, ...(choices ? { numChoices: C } : {}) };
    // Only what the head's outputs read (a classifier's last layer at token 0 alone): no task reads more.
    const o = e.model.forward(inputs, { headOutputsOnly: true });
    batch.forEach((u, b) => { out[u] = take(o, b, seq, u); });
  }
  return out;
}
