// `--budget`: a wall time ("45m", "90s", "1h30m") and the model scale it affords. The scale is a table
// by budget (a model that cannot leave the unigram plateau in the time is no better for being larger);
// the steps come from a short measured calibration (plan.ts).
import { UserError } from '../errors.js';

/** Seconds in a budget string: 45m, 90s, 2h, 1h30m, or a bare number of minutes. */
export function parseBudget(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 60;
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!m || t === '') throw new UserError(`--budget must be a wall time such as 45m, 90s or 1h30m, got "${text}"`);
  const s = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (!(s >= 1)) throw new UserError(`--budget must be at least 1s, got "${text}"`);
  return s;
}

/** The model family one analysis trains at a budget (E is per model; these are the rest). */
export interface Scale {
  name: 'tiny' | 'small' | 'default';
  hidden: number; layers: number; heads: number; intermediate: number;
  /** E of models that do not vary it (Table 4, 5, Figure 1's ALBERT). */
  embedding: number;
  /** Table 3's E values (the last equals H: the BERT-like factorization-free size). */
  embeddings: number[];
  batchSize: number;
  /** Instances of each held-out set scored (MLM, SOP, NSP). */
  evalLimit: number;
  /** Downstream examples: training rows kept at most, evaluation rows kept. */
  downstreamTrain: number; downstreamEval: number;
}

const SCALES: Scale[] = [
  { name: 'tiny', hidden: 32, layers: 2, heads: 2, intermediate: 64, embedding: 16, embeddings: [8, 16, 32], batchSize: 8,
    evalLimit: 32, downstreamTrain: 64, downstreamEval: 16 },
  { name: 'small', hidden: 128, layers: 4, heads: 2, intermediate: 512, embedding: 64, embeddings: [32, 64, 128], batchSize: 32,
    evalLimit: 512, downstreamTrain: 4000, downstreamEval: 200 },
  { name: 'default', hidden: 256, layers: 4, heads: 4, intermediate: 1024, embedding: 128, embeddings: [64, 128, 256], batchSize: 32,
    evalLimit: 1000, downstreamTrain: 8000, downstreamEval: 400 },
];

/** Budgets up to 3 minutes: tiny models (tests, smoke runs); up to 40: H = 128; beyond: the default (H = 256). */
export function scaleFor(seconds: number, name?: Scale['name']): Scale {
  if (name) {
    const s = SCALES.find((x) => x.name === name);
    if (!s) throw new UserError(`unknown scale "${name}" (${SCALES.map((x) => x.name).join(', ')})`);
    return s;
  }
  return seconds <= 180 ? SCALES[0] : seconds <= 40 * 60 ? SCALES[1] : SCALES[2];
}
