// The squad-v2 head's beam -> one answer per question, as google-research/albert's
// accumulate_predictions_v2 + write_predictions_v2: per window its 5 x 5 (start, end) candidates,
// kept when the span lies in the window's context, starts where its first token has the most
// context, ends at or after its start and is at most maxAnswerLength tokens; scored start log-prob +
// end log-prob; pooled over the question's windows and sorted; the n-best are the first nBest
// DIFFERENT texts (cut from the original context and stripped); none at all: "" with log-probs -1e6.
// The question's null score is the smallest cls logit over its windows (null_odds.json); its answer is
// the best text unless a threshold is given and the null score is at or above it (then "").
// The threshold google-research/albert reports with is tuned on the evaluated set: evaluateSquadV2Tuned
// (src/metrics/squad.ts).
import { answerAtThreshold } from '../metrics/squad.js';
import { pythonStrip } from '../metrics/squad_answer.js';
import { END_N_TOP, START_N_TOP } from '../model/heads/squad_v2.js';
import { softmax } from '../model/top_k.js';
import type { ModelOutputs } from '../model/types.js';
import { featuresByExample, spanFits, spanOffsets, type QaExample } from './qa_decode.js';
import type { SquadFeature } from './squad.js';

/** One window's share of the squad-v2 head's outputs (Google's RawResultV2). */
export interface QaBeamResult {
  startTopLogProbs: ArrayLike<number>;
  startTopIndex: ArrayLike<number>;
  /** Candidate k * END_N_TOP + j: end j of start k. */
  endTopLogProbs: ArrayLike<number>;
  endTopIndex: ArrayLike<number>;
  clsLogit: number;
}

export interface QaBeamCandidate {
  text: string;
  /** [start, end) in the context (before stripping); [0, 0] for the fallback. */
  offsets: [number, number];
  startLogProb: number;
  endLogProb: number;
  /** Softmax of start + end log-prob over the n-best. */
  probability: number;
}

export interface QaBeamPredictions {
  /** Question id -> answer text at the threshold decoded with (predictions.json). */
  predictions: Record<string, string>;
  /** Question id -> the best text whatever the null score (Google's best_non_null_entry). */
  best: Record<string, string>;
  /** Question id -> its n-best, best first (nbest_predictions.json). */
  nbest: Record<string, QaBeamCandidate[]>;
  /** Question id -> null score: the smallest cls logit over its windows (null_odds.json). */
  nullOdds: Record<string, number>;
}

export interface QaBeamDecodeOptions {
  /** Texts kept per question (20). */
  nBest?: number;
  /** Longest answer in tokens (30). */
  maxAnswerLength?: number;
  /** "" when the null score is >= this; null (default): always the best text, as Google's first pass. */
  nullThreshold?: number | null;
}

/** The per-window results of one forward of a squad-v2 model over `rows` windows (views into `out`). */
export function beamResultsOf(out: ModelOutputs, rows: number): QaBeamResult[] {
  return Array.from({ length: rows }, (_, b) => beamRow(out, b, false));
}

/** Window b's result of one forward, copied (the outputs are the batch's, reused by the next forward). */
export function beamResultAt(out: ModelOutputs, b: number): QaBeamResult {
  return beamRow(out, b, true);
}

function beamRow(out: ModelOutputs, b: number, copy: boolean): QaBeamResult {
  const cut = (x: Float32Array | Int32Array, from: number, to: number) => (copy ? x.slice(from, to) : x.subarray(from, to));
  const { startTopLogProbs: stl, startTopIndex: sti, endTopLogProbs: etl, endTopIndex: eti, clsLogits: cls } = out;
  if (!stl || !sti || !etl || !eti || !cls) throw new RangeError('these outputs are not the squad-v2 head\'s (no start_top_log_probs / cls_logits)');
  const K = START_N_TOP, KJ = START_N_TOP * END_N_TOP;
  return {
    startTopLogProbs: cut(stl, b * K, (b + 1) * K), startTopIndex: cut(sti, b * K, (b + 1) * K),
    endTopLogProbs: cut(etl, b * KJ, (b + 1) * KJ), endTopIndex: cut(eti, b * KJ, (b + 1) * KJ),
    clsLogit: cls[b],
  };
}

/** Decodes every example from its windows' beam results (`results[f]` belongs to `features[f]`). */
export function decodeQaBeam(
  examples: readonly QaExample[], features: readonly SquadFeature[], results: readonly QaBeamResult[], opts: QaBeamDecodeOptions = {},
): QaBeamPredictions {
  const nBest = opts.nBest ?? 20, maxLen = opts.maxAnswerLength ?? 30;
  if (results.length !== features.length) throw new RangeError(`${features.length} features but ${results.length} beam results`);
  const byExample = featuresByExample(examples, features);
  const out: QaBeamPredictions = { predictions: {}, best: {}, nbest: {}, nullOdds: {} };
  examples.forEach((ex, e) => {
    type Scored = { offsets: [number, number]; startLogProb: number; endLogProb: number };
    const prelim: Scored[] = [];
    let nullScore = 1e6; // Google's starting value ("large and positive")
    for (const fi of byExample[e]) {
      const f = features[fi], r = results[fi];
      nullScore = Math.min(nullScore, r.clsLogit);
      for (let k = 0; k < START_N_TOP; k++) {
        const a = r.startTopIndex[k];
        for (let j = 0; j < END_N_TOP; j++) {
          const c = k * END_N_TOP + j, b = r.endTopIndex[c];
          if (!spanFits(f, a, b, maxLen, true)) continue;
          prelim.push({ offsets: spanOffsets(f, a, b), startLogProb: r.startTopLogProbs[k], endLogProb: r.endTopLogProbs[c] });
        }
      }
    }
    prelim.sort((x, y) => y.startLogProb + y.endLogProb - (x.startLogProb + x.endLogProb)); // stable, as Python's sorted
    const seen = new Set<string>(), kept: (Scored & { text: string })[] = [];
    for (const c of prelim) {
      if (kept.length >= nBest) break;
      const text = pythonStrip(ex.context.slice(c.offsets[0], c.offsets[1]));
      if (seen.has(text)) continue;
      seen.add(text);
      kept.push({ ...c, text });
    }
    if (kept.length === 0) kept.push({ offsets: [0, 0], startLogProb: -1e6, endLogProb: -1e6, text: '' });
    const probability = softmax(kept.map((c) => c.startLogProb + c.endLogProb));
    out.nbest[ex.id] = kept.map((c, k) => ({ text: c.text, offsets: c.offsets, startLogProb: c.startLogProb, endLogProb: c.endLogProb, probability: probability[k] }));
    out.best[ex.id] = kept[0].text;
    out.nullOdds[ex.id] = nullScore;
    out.predictions[ex.id] = answerAtThreshold(kept[0].text, nullScore, opts.nullThreshold ?? null);
  });
  return out;
}
