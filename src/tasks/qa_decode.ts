// Start/end logits of every window -> one answer text per question, as HF's utils_qa
// postprocess_qa_predictions: per window the top n-best starts x top n-best ends, spans inside the
// context, end >= start, at most maxAnswerLength tokens, scored start + end logit; pooled over all
// windows of the question; the text cut out of the ORIGINAL context by the tokens' offsets.
// SQuAD 2.0: the null score is the smallest CLS score (start[0] + end[0]) over the windows, and the
// answer is "" when null score - best non-null score > nullScoreDiffThreshold (the value null_odds.json holds).
// HF's question-answering pipeline ranks the same candidates by probability instead (spanScore
// 'probability': each window's softmax of start and of end logits over its context and CLS, a span's
// p_start * p_end, the null p_start[0] * p_end[0]), trying every span that fits (allSpans).
import { softmax, topIndices } from '../model/top_k.js';
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
  /**
   * 'logits' (run_qa): a span scores start + end logit, comparable across windows as logits.
   * 'probability' (HF's question-answering pipeline): a span scores p_start * p_end, each a softmax over
   * its window's context tokens and CLS, so that windows are compared on their own probabilities.
   */
  spanScore?: 'logits' | 'probability';
  /** Try every span that fits, not only the nBest starts x nBest ends of each window (the pipeline ranks them all). */
  allSpans?: boolean;
}

export interface QaCandidate {
  text: string;
  /** [start, end) in the context; [0, 0] for the null answer and the "empty" fallback. */
  offsets: [number, number];
  startLogit: number;
  endLogit: number;
  /** What it was ranked by: start + end logit, or (spanScore 'probability') p_start * p_end. */
  score: number;
  /** Softmax of start + end logit over the kept candidates; with spanScore 'probability', the score itself. */
  probability: number;
  /** A span of the context, SQuAD 2.0's null answer, or run_qa's "empty" stand-in when no span fits. */
  kind: 'span' | 'null' | 'empty';
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
  const byProbability = opts.spanScore === 'probability';
  examples.forEach((ex, e) => {
    type Scored = { offsets: [number, number]; startLogit: number; endLogit: number; score: number; kind: QaCandidate['kind'] };
    const kept: Scored[] = []; // the nBest best so far, best first (ties: the earlier first, as Python's stable sorted)
    const keep = (c: Scored) => {
      if (kept.length === nBest && !(c.score > kept[nBest - 1].score)) return;
      let i = kept.length;
      while (i > 0 && kept[i - 1].score < c.score) i--;
      kept.splice(i, 0, c);
      if (kept.length > nBest) kept.pop();
    };
    let minNull: Scored | null = null;
    for (const fi of byExample[e]) {
      const f = features[fi], s = startLogits[fi], en = endLogits[fi];
      const n = Math.min(f.offsets.length, s.length, en.length);
      // Ranked by start + end logit; by probability, by log p_start + log p_end, log p = logit - logsumexp over
      // the window's context and CLS (exp'd at the end: the same order).
      const [zs, ze] = byProbability ? [windowLogSumExp(f, s, n), windowLogSumExp(f, en, n)] : [0, 0];
      const nullScore = s[0] - zs + en[0] - ze;
      if (minNull === null || minNull.score > nullScore) minNull = { offsets: [0, 0], startLogit: s[0], endLogit: en[0], score: nullScore, kind: 'null' };
      const add = (a: number, b: number) => {
        const score = s[a] - zs + en[b] - ze;
        if (kept.length === nBest && !(score > kept[nBest - 1].score)) return;
        if (spanFits(f, a, b, maxLen, opts.useMaxContext ?? false)) keep({ offsets: spanOffsets(f, a, b), startLogit: s[a], endLogit: en[b], score, kind: 'span' });
      };
      if (opts.allSpans) {
        for (let a = 0; a < n; a++) for (let b = a; b < Math.min(n, a + maxLen) && f.offsets[b]; b++) add(a, b);
      } else {
        const ends = topIndices(en, n, nBest);
        for (const a of topIndices(s, n, nBest)) for (const b of ends) add(a, b);
      }
    }
    if (v2 && minNull) keep(minNull);
    if (v2 && minNull && !kept.includes(minNull)) kept.push(minNull);
    const cands = kept.map((c) => ({ ...c, score: byProbability ? Math.exp(c.score) : c.score, text: ex.context.slice(c.offsets[0], c.offsets[1]) }));
    const fallback = { offsets: [0, 0] as [number, number], startLogit: 0, endLogit: 0, score: 0, kind: 'empty' as const, text: 'empty' };
    if (cands.length === 0 || (cands.length === 1 && cands[0].text === '')) cands.unshift(fallback);
    const probability = byProbability ? cands.map((c) => c.score) : softmax(cands.map((c) => c.score));
    out.nbest[ex.id] = cands.map((c, k) => ({
      text: c.text, offsets: c.offsets, startLogit: c.startLogit, endLogit: c.endLogit, score: c.score, probability: probability[k], kind: c.kind,
    }));
    if (!v2) { out.predictions[ex.id] = cands[0].text; return; }
    // The best candidate with text (HF's loop would run off the list when none has any: fall back to "empty").
    const best = cands.find((c) => c.text !== '') ?? fallback;
    const diff = (byProbability ? Math.exp(minNull!.score) : minNull!.score) - best.score;
    out.nullOdds[ex.id] = diff;
    out.predictions[ex.id] = diff > threshold ? '' : best.text;
  });
  return out;
}

/** log sum exp of a window's logits over its context tokens and CLS (position 0), what HF's pipeline softmaxes over. */
function windowLogSumExp(f: SquadFeature, x: ArrayLike<number>, n: number): number {
  let top = x[0];
  for (let i = 1; i < n; i++) if (f.offsets[i] && x[i] > top) top = x[i];
  let sum = Math.exp(x[0] - top);
  for (let i = 1; i < n; i++) if (f.offsets[i]) sum += Math.exp(x[i] - top);
  return top + Math.log(sum);
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

