// Examples -> model inputs for sentence (pair) tasks, as classifier_utils' convert_single_example:
// [CLS] A [SEP] (B [SEP]), segment 0 up to the first [SEP], 1 after it; a pair over the limit loses
// its last token from the longer side (B when equal), a single text keeps its head. And the one
// place where tokenized rows become (B, S) arrays, for every task.
import type { AlbertTokenizer } from '../tokenizer/albert.js';
import type { Labels, ModelInputs } from '../model/types.js';
import type { ProblemType, TextExample } from './text_examples.js';

/** One tokenized sequence, unpadded. */
export interface TokenRow {
  ids: number[];
  /** Segment ids, same length as ids. */
  typeIds: number[];
}

export interface TextFeature extends TokenRow {
  /** The example it came from (index into the examples array). */
  example: number;
}

export interface TextFeatureOptions {
  /** Longest sequence with specials (classifier_utils' max_seq_length; HF run_glue's default 128). */
  maxSeqLength: number;
}

/** Tokenizes each example; the result keeps the order of `examples`. */
export function featurizeText(tok: AlbertTokenizer, examples: readonly Pick<TextExample, 'textA' | 'textB'>[], opts: TextFeatureOptions): TextFeature[] {
  checkLength(opts.maxSeqLength, 3);
  return examples.map((ex, example) => {
    const e = tok.encode(ex.textA, ex.textB, { truncation: 'longest_first', maxLength: opts.maxSeqLength });
    return { ids: e.ids, typeIds: e.typeIds, example };
  });
}

export function checkLength(maxSeqLength: number, least: number, what = 'maxSeqLength'): void {
  if (!Number.isInteger(maxSeqLength) || maxSeqLength < least) throw new RangeError(`${what} must be an integer of at least ${least}, got ${maxSeqLength}`);
}

/** Rows -> (N, S) input_ids / attention_mask / token_type_ids, padded with `padId` (segment 0, mask 0) to `seq`. */
export function packRows(rows: readonly TokenRow[], seq: number, padId: number): Required<Pick<ModelInputs, 'inputIds' | 'attentionMask' | 'tokenTypeIds'>> {
  const n = rows.length;
  const inputIds = new Int32Array(n * seq).fill(padId), attentionMask = new Int32Array(n * seq), tokenTypeIds = new Int32Array(n * seq);
  for (let r = 0; r < n; r++) {
    const { ids, typeIds } = rows[r];
    if (ids.length > seq) throw new RangeError(`a row of ${ids.length} tokens does not fit a sequence of ${seq}`);
    const off = r * seq;
    inputIds.set(ids, off);
    tokenTypeIds.set(typeIds, off);
    attentionMask.fill(1, off, off + ids.length);
  }
  return { inputIds, attentionMask, tokenTypeIds };
}

/** The length a batch pads to: `seq` (a number; the references pad to max_seq_length) or its longest row. */
export function batchSeq(rows: readonly TokenRow[], seq: number | 'longest'): number {
  if (seq !== 'longest') return seq;
  let longest = 1;
  for (const r of rows) longest = Math.max(longest, r.ids.length);
  return longest;
}

export interface TextBatchOptions {
  problemType: ProblemType;
  /** Classes (the head's num_labels); multi-label targets are multi-hot over them. */
  numLabels: number;
  /** Pad to this length, or to the batch's longest row. */
  seq: number | 'longest';
  padId: number;
}

/** A batch of text features as the model's inputs and (where every example has one) its labels. */
export function textBatch(features: readonly TextFeature[], examples: readonly TextExample[], opts: TextBatchOptions): { inputs: ModelInputs; labels: Labels | null } {
  const seq = batchSeq(features, opts.seq);
  const inputs: ModelInputs = { ...packRows(features, seq, opts.padId), batch: features.length, seq };
  const targets = features.map((f) => examples[f.example].label);
  if (targets.some((t) => t === null)) return { inputs, labels: null };
  const B = features.length;
  let labels: Int32Array | Float32Array;
  if (opts.problemType === 'regression') {
    labels = Float32Array.from(targets as number[]);
  } else if (opts.problemType === 'multi_label_classification') {
    labels = new Float32Array(B * opts.numLabels);
    targets.forEach((t, b) => { for (const c of t as number[]) labels[b * opts.numLabels + c] = 1; });
  } else {
    labels = Int32Array.from(targets as number[]);
  }
  return { inputs, labels: { labels } };
}
