// Whole-word n-gram masking, as ALBERT's create_pretraining_data.py does it, with its two known
// defects fixed: the n-gram length comes from the seeded RNG (the reference drew it from numpy's
// unseeded global RNG), and a candidate that overlaps an already-masked word is skipped (the
// reference's first overlap check was dead code). n-gram candidates never run past the last word
// (the reference could pick "3-grams" of fewer words at the end), and a random replacement is
// never a special token.
import type { Rng } from './rng.js';

/** What masking needs to know about the vocabulary, as id-indexed tables. */
export interface MaskVocab {
  maskId: number;
  /** 1 where the piece starts a word (▁-prefixed, `<...>`, or a lone punctuation piece). */
  wordStart: Uint8Array;
  /** 1 where the piece may never be masked nor used as a random replacement (control, unknown). */
  special: Uint8Array;
  /** Ids a random replacement is drawn from (every non-special id). */
  randomIds: Int32Array;
}

export interface MaskOptions {
  maskedLmProb: number;
  maxPredictionsPerSeq: number;
  /** Largest n of an n-gram span; p(n) ∝ 1/n for n = 1..ngram. */
  ngram: number;
}

export interface MaskResult {
  /** Sorted positions that carry a prediction. */
  positions: number[];
  /** The original ids at those positions. */
  ids: number[];
  /** Number of words in each chosen span (for the n-gram histogram). */
  spanWords: number[];
  /** The n drawn for every candidate span visited, before budget fallback and overlap skipping. */
  spanDrawn: number[];
}

const PUNCT = new Set('!"#$%&\'()*+,-./:;?@[\\]^_`{|}~');

/** The reference's word-start rule for a SentencePiece piece. */
export function isWordStartPiece(piece: string): boolean {
  return piece.startsWith('\u2581') || piece.startsWith('<') || PUNCT.has(piece);
}

/**
 * Mask `tokens` in place ([CLS] A [SEP] B [SEP] ids) and return what was masked.
 * Number of predictions = min(maxPredictionsPerSeq, max(1, round(len * maskedLmProb))).
 */
export function maskTokens(tokens: Int32Array, vocab: MaskVocab, opts: MaskOptions, rng: Rng): MaskResult {
  const empty: MaskResult = { positions: [], ids: [], spanWords: [], spanDrawn: [] };
  if (opts.maskedLmProb <= 0) return empty;
  // Whole words: a word is a start piece plus the following non-start pieces.
  const words: number[][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i];
    if (vocab.special[id]) continue;
    if (words.length > 0 && !vocab.wordStart[id] && !vocab.special[tokens[i - 1]]) words[words.length - 1].push(i);
    else words.push([i]);
  }
  const numToPredict = Math.min(opts.maxPredictionsPerSeq, Math.max(1, Math.round(tokens.length * opts.maskedLmProb)));
  const pvals: number[] = [];
  for (let n = 1; n <= opts.ngram; n++) pvals.push(1 / n);

  const starts: number[] = words.map((_, i) => i);
  rng.shuffle(starts);
  const covered = new Uint8Array(tokens.length);
  const chosen: number[] = [];
  const spanWords: number[] = [], spanDrawn: number[] = [];
  const original = Int32Array.from(tokens);
  const spanPositions = (start: number, n: number) => words.slice(start, start + n).flat();

  for (const start of starts) {
    if (chosen.length >= numToPredict) break;
    const maxN = Math.min(opts.ngram, words.length - start);
    let n = 1 + rng.weighted(pvals.slice(0, maxN));
    spanDrawn.push(n);
    let positions = spanPositions(start, n);
    // Too many pieces for the budget: fall back to shorter n-grams, as the reference does.
    while (chosen.length + positions.length > numToPredict && n > 1) positions = spanPositions(start, --n);
    if (chosen.length + positions.length > numToPredict) continue;
    if (positions.some((p) => covered[p])) continue;
    for (const p of positions) {
      covered[p] = 1;
      chosen.push(p);
      // 80% [MASK], 10% unchanged, 10% a random (non-special) token.
      if (rng.random() < 0.8) tokens[p] = vocab.maskId;
      else if (rng.random() < 0.5) tokens[p] = original[p];
      else tokens[p] = vocab.randomIds[rng.randint(0, vocab.randomIds.length - 1)];
    }
    spanWords.push(n);
  }
  chosen.sort((a, b) => a - b);
  return { positions: chosen, ids: chosen.map((p) => original[p]), spanWords, spanDrawn };
}
