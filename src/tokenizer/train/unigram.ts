// SentencePiece's unigram trainer: seed pieces from frequent substrings, EM over each word's
// lattice (forward-backward expected counts, then the Bayesian M-step with digamma), pruning by the
// likelihood lost when a piece is replaced by its second-best segmentation, until ~1.1 x the vocabulary
// size is left; then the required characters plus the best-scoring pieces make the final vocabulary.
import { PieceTrie } from '../double_array.js';
import { ONE_CHAR_LEN } from '../utf8.js';
import { isValidPiece, type PieceRules } from './pieces.js';
import { WS, type WordTable } from './words.js';

export interface UnigramOptions extends PieceRules {
  /** Pieces to produce, the special pieces not included. */
  pieceCount: number;
  seedSize: number;
  shrinkingFactor: number;
  numSubIterations: number;
  onProgress?: (stage: string, pieces: number) => void;
}

export type ScoredPiece = [string, number];

const UNK_PENALTY = 10;

/** Sorted as spm's Sorted(): score descending, then piece ascending. */
export function sortPieces(p: ScoredPiece[]): ScoredPiece[] {
  return p.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Seeds: every required character, then the substrings seen at least twice with the largest count x length. */
export function seedPieces(t: WordTable, required: Map<string, number>, o: UnigramOptions): ScoredPiece[] {
  const counts = new Map<string, number>();
  const { words, freq } = t;
  for (let w = 0; w < words.length; w++) {
    const chars = [...words[w]];
    const f = freq[w];
    for (let i = 0; i < chars.length; i++) {
      let s = chars[i];
      for (let j = i + 1; j < chars.length && j - i < o.maxPieceLength; j++) {
        s += chars[j];
        if (!isValidPiece(chars.slice(i, j + 1), o)) break; // any longer one would be invalid too
        counts.set(s, (counts.get(s) ?? 0) + f);
      }
    }
  }
  const cand: ScoredPiece[] = [];
  for (const [s, c] of counts) if (c >= 2) cand.push([s, c * [...s].length]);
  counts.clear();
  sortPieces(cand);
  const seeds: ScoredPiece[] = [...required].map(([c, n]) => [c, n]);
  for (const p of cand) { if (seeds.length >= o.seedSize + required.size) break; if (!required.has(p[0])) seeds.push(p); }
  let sum = 0;
  for (const p of seeds) sum += p[1];
  const logSum = Math.log(sum);
  for (const p of seeds) p[1] = Math.log(p[1]) - logSum;
  return seeds;
}

/** SentencePiece's digamma (asymptotic series after shifting x above 7). */
export function digamma(x: number): number {
  let r = 0;
  for (; x < 7; ++x) r -= 1 / x;
  x -= 0.5;
  const xx = 1 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
  return r + Math.log(x) + xx2 / 24 - (7 / 960) * xx4 + (31 / 8064) * xx4 * xx2 - (127 / 30720) * xx4 * xx4;
}

/** The words as one UTF-8 buffer. */
interface Corpus { bytes: Uint8Array; start: Int32Array; end: Int32Array; freq: Float64Array }

function corpusOf(t: WordTable): Corpus {
  const enc = new TextEncoder();
  const parts = t.words.map((w) => enc.encode(w));
  let total = 0;
  for (const p of parts) total += p.length;
  const bytes = new Uint8Array(total), start = new Int32Array(parts.length), end = new Int32Array(parts.length);
  let pos = 0;
  parts.forEach((p, i) => { bytes.set(p, pos); start[i] = pos; pos += p.length; end[i] = pos; });
  return { bytes, start, end, freq: t.freq };
}

/** The current pieces with a trie over them; walks each word's lattice. */
export class LatticeModel {
  readonly trie: PieceTrie;
  readonly scores: Float64Array;
  readonly unkScore: number;
  // Edges of the last lattice: start byte, end byte, piece id (-1 = unknown character).
  es = new Int32Array(1024); ee = new Int32Array(1024); eid = new Int32Array(1024); edges = 0;

  constructor(readonly pieces: ScoredPiece[]) {
    const enc = new TextEncoder();
    const keys = pieces.map((p) => enc.encode(p[0]));
    let total = 0;
    for (const k of keys) total += k.length;
    const bytes = new Uint8Array(total), start = new Int32Array(keys.length), end = new Int32Array(keys.length);
    let pos = 0;
    keys.forEach((k, i) => { bytes.set(k, pos); start[i] = pos; pos += k.length; end[i] = pos; });
    this.trie = new PieceTrie(bytes, start, end, Int32Array.from(keys.keys()));
    this.scores = Float64Array.from(pieces, (p) => p[1]);
    let min = Infinity;
    for (const s of this.scores) if (s < min) min = s;
    this.unkScore = min - UNK_PENALTY;
  }

  /** Fills the edge arrays for bytes[s..e), ordered by start; skips the edge (0, e - s, skipId). */
  populate(bytes: Uint8Array, s: number, e: number, skipId = -2): void {
    const units = this.trie.units;
    let n = 0;
    for (let p = s; p < e;) {
      const clen = Math.min(ONE_CHAR_LEN[bytes[p] >> 4], e - p);
      let hasSingle = false, node = 0;
      for (let k = p; k < e; k++) {
        const nx = units[3 * node] + bytes[k];
        if (units[3 * nx + 1] !== node + 1) break;
        node = nx;
        const v1 = units[3 * nx + 2];
        if (v1 <= 0) continue;
        if (v1 - 1 === skipId && p === s && k + 1 === e) continue;
        if (n === this.es.length) this.grow();
        this.es[n] = p - s; this.ee[n] = k + 1 - s; this.eid[n] = v1 - 1; n++;
        if (k + 1 === p + clen) hasSingle = true;
      }
      if (!hasSingle && !(skipId >= 0 && clen === e - s)) {
        if (n === this.es.length) this.grow();
        this.es[n] = p - s; this.ee[n] = p + clen - s; this.eid[n] = -1; n++;
      }
      p += clen;
    }
    this.edges = n;
  }

  private grow(): void {
    const g = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
    this.es = g(this.es); this.ee = g(this.ee); this.eid = g(this.eid);
  }

  score(id: number): number { return id < 0 ? this.unkScore : this.scores[id]; }

  // Viterbi over the last lattice (positions are byte offsets 0..len).
  private best = new Float64Array(256);
  private back = new Int32Array(256);

  /** Ids of the best path over the last lattice of `len` bytes (null when there is none). */
  viterbi(len: number): number[] | null {
    if (len + 1 > this.best.length) { this.best = new Float64Array(2 * len + 2); this.back = new Int32Array(2 * len + 2); }
    const best = this.best, back = this.back;
    best.fill(-Infinity, 0, len + 1);
    best[0] = 0;
    for (let i = 0; i < this.edges; i++) {
      const a = best[this.es[i]];
      if (a === -Infinity) continue;
      const c = a + this.score(this.eid[i]);
      if (c > best[this.ee[i]]) { best[this.ee[i]] = c; back[this.ee[i]] = i; }
    }
    if (best[len] === -Infinity) return null;
    const path: number[] = [];
    for (let p = len; p > 0;) { const i = back[p]; path.push(this.eid[i]); p = this.es[i]; }
    return path.reverse();
  }

  private alpha = new Float64Array(256);
  private beta = new Float64Array(256);

  /** Adds freq x each edge's posterior to expected[]; returns log Z. */
  marginal(len: number, freq: number, expected: Float64Array): number {
    if (len + 1 > this.alpha.length) { this.alpha = new Float64Array(2 * len + 2); this.beta = new Float64Array(2 * len + 2); }
    const alpha = this.alpha, beta = this.beta, es = this.es, ee = this.ee, eid = this.eid, n = this.edges;
    alpha.fill(-Infinity, 0, len + 1); beta.fill(-Infinity, 0, len + 1);
    alpha[0] = 0; beta[len] = 0;
    for (let i = 0; i < n; i++) {
      const a = alpha[es[i]] + this.score(eid[i]), b = alpha[ee[i]];
      alpha[ee[i]] = b === -Infinity ? a : a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
    }
    for (let i = n - 1; i >= 0; i--) {
      const a = beta[ee[i]] + this.score(eid[i]), b = beta[es[i]];
      beta[es[i]] = b === -Infinity ? a : a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
    }
    const z = alpha[len];
    for (let i = 0; i < n; i++) {
      const id = eid[i];
      if (id < 0) continue;
      expected[id] += freq * Math.exp(alpha[es[i]] + this.scores[id] + beta[ee[i]] - z);
    }
    return z;
  }
}

function eStep(m: LatticeModel, c: Corpus): { expected: Float64Array; objective: number } {
  const expected = new Float64Array(m.pieces.length);
  let obj = 0, all = 0;
  for (let w = 0; w < c.freq.length; w++) {
    m.populate(c.bytes, c.start[w], c.end[w]);
    obj -= m.marginal(c.end[w] - c.start[w], c.freq[w], expected) * c.freq[w];
    all += c.freq[w];
  }
  return { expected, objective: obj / all };
}

function mStep(m: LatticeModel, expected: Float64Array): ScoredPiece[] {
  const out: ScoredPiece[] = [];
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] < 0.5) continue; // infrequent pieces dropped
    out.push([m.pieces[i][0], expected[i]]);
    sum += expected[i];
  }
  const logSum = digamma(sum);
  for (const p of out) p[1] = digamma(p[1]) - logSum;
  return out;
}

function prune(m: LatticeModel, c: Corpus, desired: number, shrinking: number): ScoredPiece[] {
  const n = m.pieces.length;
  const enc = new TextEncoder();
  const keep = new Uint8Array(n).fill(1);
  const alternatives: Array<number[] | null> = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const b = enc.encode(m.pieces[i][0]);
    m.populate(b, 0, b.length);
    const best = m.viterbi(b.length);
    if (best === null) continue;
    if (best.length >= 2) { keep[i] = 0; continue; } // its own best segmentation is split: removable
    m.populate(b, 0, b.length, i);
    const second = m.viterbi(b.length);
    if (second !== null) alternatives[i] = second;
  }
  // Viterbi over the corpus: each piece's frequency, and F = how often the words holding it occur.
  const freq = new Float64Array(n), F = new Float64Array(n);
  let vsum = 0;
  for (let w = 0; w < c.freq.length; w++) {
    m.populate(c.bytes, c.start[w], c.end[w]);
    const path = m.viterbi(c.end[w] - c.start[w]);
    const f = c.freq[w];
    vsum += f;
    if (path === null) continue;
    for (const id of path) if (id >= 0) { freq[id] += f; F[id] += f; }
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += freq[i];
  const logSum = Math.log(sum);
  const kept: ScoredPiece[] = [];
  const cand: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    if (freq[i] === 0 || !keep[i]) continue;
    const alt = alternatives[i];
    if (alt === null) { kept.push(m.pieces[i]); continue; }
    const lpSp = Math.log(freq[i]) - logSum;
    const logSumAlt = Math.log(sum + freq[i] * (alt.length - 1));
    let lpAlt = 0;
    for (const a of alt) lpAlt += Math.log((a >= 0 ? freq[a] : 0) + freq[i]) - logSumAlt;
    cand.push([i, (F[i] / vsum) * (lpSp - lpAlt)]);
  }
  cand.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const target = Math.max(desired, Math.floor(shrinking * n));
  for (const [i] of cand) { if (kept.length >= target) break; kept.push(m.pieces[i]); }
  return kept;
}

/** Trains the pieces (special pieces excluded), returned in their final order with their scores. */
export function trainUnigram(t: WordTable, required: Map<string, number>, o: UnigramOptions): ScoredPiece[] {
  const progress = o.onProgress ?? (() => {});
  progress('seed pieces', 0);
  let model = new LatticeModel(seedPieces(t, required, o));
  const corpus = corpusOf(t);
  const desired = Math.floor(o.pieceCount * 1.1);
  for (;;) {
    for (let it = 0; it < o.numSubIterations; it++) {
      progress('EM', model.pieces.length);
      const { expected } = eStep(model, corpus);
      model = new LatticeModel(mStep(model, expected));
    }
    if (model.pieces.length <= desired) break;
    progress('pruning', model.pieces.length);
    model = new LatticeModel(prune(model, corpus, desired, o.shrinkingFactor));
  }
  return finalizePieces(model, required, o.pieceCount);
}

/** The required characters (missing ones get the lowest score, a little lower each), then the best pieces. */
export function finalizePieces(m: LatticeModel, required: Map<string, number>, count: number): ScoredPiece[] {
  const have = new Map(m.pieces);
  let minScore = Infinity;
  for (const [, s] of m.pieces) if (s < minScore) minScore = s;
  const final = new Map<string, number>();
  let penalty = 0;
  for (const [c] of required) {
    const s = have.get(c);
    if (s !== undefined) final.set(c, s);
    else { final.set(c, minScore + penalty); penalty += 0.0001; }
  }
  for (const [p, s] of sortPieces([...m.pieces])) {
    if (final.size >= count) break;
    if (!final.has(p)) final.set(p, s);
  }
  return sortPieces([...final]);
}

export { WS };
