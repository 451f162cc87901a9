// Training instances from tokenized documents, following ALBERT's create_pretraining_data.py:
// segments A and B are runs of consecutive sentences of one document, packed up to a target length
// (max_seq_length - 3, or with probability short_seq_prob a random shorter one), then masked.
//   SOP: with p = 0.5 A and B are swapped (label 1), else kept in order (label 0).
//   NSP: with p = 0.5 B comes from another document (label 1, "random next"), else it is the real
//        continuation (label 0); unused sentences are put back, as the reference does.
// Deviation from the reference, on purpose: a chunk of a single sentence is split in two at a
// random word boundary where a real continuation is wanted (SOP always, NSP label 0), instead of
// borrowing B from another document: the reference's fallback mixes NSP negatives into SOP data
// and pushes NSP's label balance well above 50% on short documents.
import { maskTokens, type MaskOptions, type MaskVocab } from './masking.js';
import type { Rng } from './rng.js';

export type Objective = 'sop' | 'nsp';

/** A tokenized sentence. */
export type Sentence = Int32Array;
export type TokenizedDocument = Sentence[];

export interface InstanceVocab extends MaskVocab { clsId: number; sepId: number; }

export interface InstanceOptions extends MaskOptions {
  maxSeqLength: number;
  shortSeqProb: number;
  objective: Objective;
}

export interface Instance {
  /** [CLS] A [SEP] B [SEP], with the masked positions already replaced. */
  inputIds: Int32Array;
  /** Number of tokens of type 0: [CLS] A [SEP]. The rest are type 1. */
  lenA: number;
  maskedPositions: Int32Array;
  maskedIds: Int32Array;
  /** SOP: 1 = swapped. NSP: 1 = B is from another document. */
  label: number;
  /** Statistics only (not stored): words per masked span, short target, truncated. */
  spanWords: number[];
  spanDrawn: number[];
  short: boolean;
  truncated: boolean;
}

function concat(parts: Sentence[]): number[] {
  const out: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
  return out;
}

/** Trim the longer of A/B, one token at a time, from the front or back at random, until they fit. */
export function truncateSeqPair(a: number[], b: number[], maxTokens: number, rng: Rng): boolean {
  let truncated = false;
  while (a.length + b.length > maxTokens) {
    truncated = true;
    const longer = a.length > b.length ? a : b;
    if (rng.random() < 0.5) longer.shift();
    else longer.pop();
  }
  return truncated;
}

/** Split one sentence at a random word boundary (a position whose piece starts a word), else mid-way. */
function splitSentence(s: Sentence, vocab: InstanceVocab, rng: Rng): [number[], number[]] {
  const cuts: number[] = [];
  for (let i = 1; i < s.length; i++) if (vocab.wordStart[s[i]]) cuts.push(i);
  const cut = cuts.length ? cuts[rng.randint(0, cuts.length - 1)] : rng.randint(1, s.length - 1);
  return [Array.from(s.subarray(0, cut)), Array.from(s.subarray(cut))];
}

/**
 * All instances of documents[docIndex]. `documents` is the pool NSP draws random B segments from.
 */
export function createInstancesFromDocument(
  documents: TokenizedDocument[], docIndex: number, vocab: InstanceVocab, opts: InstanceOptions, rng: Rng,
): Instance[] {
  const doc = documents[docIndex];
  const maxNumTokens = opts.maxSeqLength - 3;
  // The reference draws the target once per document, which for book-length documents makes every
  // instance of 10% of the books short; here it is drawn again for every instance.
  let short = false, target = maxNumTokens;
  const drawTarget = () => {
    short = rng.random() < opts.shortSeqProb;
    target = short ? rng.randint(2, maxNumTokens) : maxNumTokens;
  };
  drawTarget();

  const instances: Instance[] = [];
  let chunk: Sentence[] = [];
  let chunkLen = 0;
  for (let i = 0; i < doc.length; i++) {
    chunk.push(doc[i]);
    chunkLen += doc[i].length;
    if (i !== doc.length - 1 && chunkLen < target) continue;
    let a: number[], b: number[], label = 0;
    const aEnd = chunk.length >= 2 ? rng.randint(1, chunk.length - 1) : 1;
    if (opts.objective === 'nsp' && rng.random() >= 0.5 && chunk.length === 1) {
      // real next wanted but the chunk is one sentence: its own continuation, as in SOP
      if (chunk[0].length < 2) { chunk = []; chunkLen = 0; continue; }
      [a, b] = splitSentence(chunk[0], vocab, rng);
    } else if (opts.objective === 'nsp') {
      a = concat(chunk.slice(0, aEnd));
      if (chunk.length === 1 || rng.random() < 0.5) {
        label = 1;
        b = [];
        const targetB = target - a.length;
        let r = docIndex;
        for (let t = 0; t < 10 && r === docIndex; t++) r = rng.randint(0, documents.length - 1);
        const other = documents[r];
        for (let j = rng.randint(0, other.length - 1); j < other.length && b.length < targetB; j++) b.push(...other[j]);
        i -= chunk.length - aEnd; // put the unused sentences back
      } else {
        b = concat(chunk.slice(aEnd));
      }
    } else if (chunk.length === 1) {
      if (chunk[0].length < 2) { chunk = []; chunkLen = 0; continue; }
      [a, b] = splitSentence(chunk[0], vocab, rng);
      if (rng.random() < 0.5) { [a, b] = [b, a]; label = 1; }
    } else {
      a = concat(chunk.slice(0, aEnd));
      b = concat(chunk.slice(aEnd));
      if (rng.random() < 0.5) { [a, b] = [b, a]; label = 1; }
    }
    chunk = [];
    chunkLen = 0;
    const truncated = truncateSeqPair(a, b, maxNumTokens, rng);
    if (a.length < 1 || b.length < 1) continue;
    const tokens = Int32Array.from([vocab.clsId, ...a, vocab.sepId, ...b, vocab.sepId]);
    const m = maskTokens(tokens, vocab, opts, rng);
    instances.push({
      inputIds: tokens, lenA: a.length + 2,
      maskedPositions: Int32Array.from(m.positions), maskedIds: Int32Array.from(m.ids),
      label, spanWords: m.spanWords, spanDrawn: m.spanDrawn, short, truncated,
    });
    drawTarget();
  }
  return instances;
}
