// Start/end logits of every window -> one answer text per question, as HF's utils_qa
// postprocess_qa_predictions: per window the top n-best starts x top n-best ends, spans inside the
// context, end >= start, at most maxAnswerLength tokens, scored start + end logit; pooled over all
// windows of the question; the text cut out of the ORIGINAL context by the tokens' offsets.
// SQuAD 2.0: the null score is the smallest CLS score (start[0] + end[0]) over the windows, and the
// answer is "" when null score - best non-null score > nullScoreDiffThreshold (the value null_odds.json holds).
import { topIndices } from '../model/top_k.js';
import type { SquadFeature } from './squad.js';

export interface QaDecodeOptions {
  /** Candidates kept per question, and starts / ends tried per window (20). */
  nBest?: number;
  /** Longest answer in tokens (30). */
  maxAnswerLength?: number;
  /** SQuAD 2.0: questions may have no answer (false). */
  version2?: boolean;
  /** Answer "" when null score - best span score exceeds this (0). */
  nullScoreDiffThreshold?: number;
  /** Only spans starting in the window where their first token has the most context (squad_utils; HF's run_qa does not ask). */
  useMaxContext?: boolean;
}

export interface QaCandidate {
  text: string;
  /** [start, end) in the context; [0, 0] for the null answer and the "empty" fallback. */
  offsets: [number, number];
  startLogit: number;
  endLogit: number;
  /** Softmax of start + end logit over the kept candidates. */
  probability: number;
}

export interface QaPredictions {
  /** Question id -> answer text (predictions.json). */
  predictions: Record<string, string>;
  /** Question id -> its best candidates, best first (nbest_predictions.json). */
  nbest: Record<string, QaCandidate[]>;
  /** SQuAD 2.0: question id -> null score - best span score (null_odds.json); empty for 1.1. */
  nullOdds: Record<string, number>;
}

/** What decoding needs of an example. */
export interface QaExample { id: string; context: string }

/**
 * Decodes every example from its features' logits. `startLogits[f]` / `endLogits[f]` belong to
 * `features[f]` (one row of the model's (B, S) start_logits / end_logits each).
 */
export function decodeQa(
  examples: readonly QaExample[], features: readonly SquadFeature[],
  startLogits: ReadonlyArray<ArrayLike<number>>, endLogits: ReadonlyArray<ArrayLike<number>>, opts: QaDecodeOptions = {},
): QaPredictions {
  const nBest = opts.nBest ?? 20, maxLen = opts.maxAnswerLength ?? 30, v2 = opts.version2 ?? false, threshold = opts.nullScoreDiffThreshold ?? 0;
  if (startLogits.length !== features.length || endLogits.length !== features.length) {
    throw new RangeError(`${features.length} features but ${startLogits.length} start and ${endLogits.length} end logit rows`);
  }
  const byExample = featuresByExample(examples, features);
  const out: QaPredictions = { predictions: {}, nbest: {}, nullOdds: {} };
  examples.forEach((ex, e) => {
    type Scored = { offsets: [number, number]; startLogit: number; endLogit: number; score: number; isNull: boolean };
    const prelim: Scored[] = [];
    let minNull: Scored | null = null;
    for (const fi of byExample[e]) {
      const f = features[fi], s = startLogits[fi], en = endLogits[fi];
      const nullScore = s[0] + en[0];
      if (minNull === null || minNull.score > nullScore) minNull = { offsets: [0, 0], startLogit: s[0], endLogit: en[0], score: nullScore, isNull: true };
      const n = Math.min(f.offsets.length, s.length, en.length);
      const starts = topIndices(s, n, nBest), ends = topIndices(en, n, nBest);
      for (const a of starts) {
        for (const b of ends) {
          if (!spanFits(f, a, b, maxLen, opts.useMaxContext ?? false)) continue;
          prelim.push({ offsets: spanOffsets(f, a, b), startLogit: s[a], endLogit: en[b], score: s[a] + en[b], isNull: false });
        }
      }
    }
    if (v2 && minNull) prelim.push(minNull);
    const kept = prelim.sort((x, y) => y.score - x.score).slice(0, nBest); // stable, as Python's sorted
    if (v2 && minNull && !kept.some((c) => c.isNull)) kept.push(minNull);
    const cands = kept.map((c) => ({ ...c, text: ex.context.slice(c.offsets[0], c.offsets[1]) }));
    const fallback = { offsets: [0, 0] as [number, number], startLogit: 0, endLogit: 0, score: 0, isNull: false, text: 'empty' };
    if (cands.length === 0 || (cands.length === 1 && cands[0].text === '')) cands.unshift(fallback);
    const probability = softmax(cands.map((c) => c.score));
    out.nbest[ex.id] = cands.map((c, k) => ({ text: c.text, offsets: c.offsets, startLogit: c.startLogit, endLogit: c.endLogit, probability: probability[k] }));
    if (!v2) { out.predictions[ex.id] = cands[0].text; return; }
    // The best candidate with text (HF's loop would run off the list when none has any: fall back to "empty").
    const best = cands.find((c) => c.text !== '') ?? fallback;
    const diff = minNull!.score - best.startLogit - best.endLogit;
    out.nullOdds[ex.id] = diff;
    out.predictions[ex.id] = diff > threshold ? '' : best.text;
  });
  return out;
}

// ---- the pieces every SQuAD decoder shares (this one and qa_beam_decode.ts) ----

/** Per example, the indices of its features (windows), in feature order. */
export function featuresByExample(examples: readonly unknown[], features: readonly SquadFeature[]): number[][] {
  const byExample: number[][] = examples.map(() => []);
  features.forEach((f, i) => {
    if (!(f.example >= 0 && f.example < examples.length)) throw new RangeError(`feature ${i} belongs to example ${f.example}, not one of the ${examples.length} given`);
    byExample[f.example].push(i);
  });
  return byExample;
}

/**
 * Whether tokens a..b of window f can be an answer: both in its context, b >= a, at most maxLen tokens,
 * and (maxContextOnly) a in the window where it has the most context.
 */
export function spanFits(f: SquadFeature, a: number, b: number, maxLen: number, maxContextOnly: boolean): boolean {
  if (!f.offsets[a] || !f.offsets[b] || b < a || b - a + 1 > maxLen) return false;
  return !maxContextOnly || f.maxContext[a];
}

/** [start, end) in the original context of tokens a..b of window f (a span that fits). */
export function spanOffsets(f: SquadFeature, a: number, b: number): [number, number] {
  return [f.offsets[a]![0], f.offsets[b]![1]];
}

/** Softmax of the candidates' scores (their n-best probabilities). */
export function softmax(scores: readonly number[]): number[] {
  const top = Math.max(...scores);
  const exp = scores.map((x) => Math.exp(x - top));
  const sum = exp.reduce((x, y) => x + y, 0);
  return exp.map((e) => e / sum);
}
