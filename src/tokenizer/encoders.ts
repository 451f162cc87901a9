// The segmentation algorithms over normalized UTF-8 bytes: unigram Viterbi (SentencePiece's
// optimized encoder), BPE merges, WORD and CHAR. Each writes raw pieces (id + normalized byte span)
// into a `Segments` buffer; merging unknowns and byte fallback happen afterwards, in the model.
import { PieceTrie } from './double_array.js';
import { ONE_CHAR_LEN } from './utf8.js';

/** Growable parallel arrays: piece id and its normalized byte span [start, end). */
export class Segments {
  ids = new Int32Array(256);
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  count = 0;

  clear(): void { this.count = 0; }

  push(id: number, start: number, end: number): void {
    if (this.count === this.ids.length) this.grow(this.count * 2);
    const i = this.count++;
    this.ids[i] = id; this.starts[i] = start; this.ends[i] = end;
  }

  grow(cap: number): void {
    const a = new Int32Array(cap); a.set(this.ids.subarray(0, this.count)); this.ids = a;
    const b = new Int32Array(cap); b.set(this.starts.subarray(0, this.count)); this.starts = b;
    const c = new Int32Array(cap); c.set(this.ends.subarray(0, this.count)); this.ends = c;
  }
}

/** What the encoders need to know about the vocabulary. */
export interface VocabView {
  trie: PieceTrie;
  scores: Float32Array;
  /** 1 = user-defined, 2 = unused, 0 otherwise (indexed by id). */
  kind: Uint8Array;
  /** Byte length of each piece. */
  pieceLength: Int32Array;
  unkId: number;
  /** Id of an exact piece given as normalized bytes, unk id when absent (PieceToId). */
  pieceToIdBytes(bytes: Uint8Array, start: number, end: number): number;
  /** Longest user-defined symbol at bytes[pos..end), 0 if none. */
  userPrefix(bytes: Uint8Array, pos: number, end: number): number;
}

export const KIND_USER = 1;
export const KIND_UNUSED = 2;
const UNK_PENALTY = 10;

export class UnigramEncoder {
  private bestScore = new Float32Array(1024);
  private startsAt = new Int32Array(1024);
  private bestId = new Int32Array(1024);
  private readonly unkScore: number;
  /** Per id: the score Viterbi adds (user-defined symbols get SentencePiece's bonus). */
  private readonly pathScore: Float64Array;
  /** The vocabulary trie's units (see PieceTrie; unused pieces are hidden keys). */
  private readonly units: Int32Array;

  constructor(private readonly v: VocabView, minScore: number, maxScore: number) {
    this.unkScore = Math.fround(minScore - UNK_PENALTY);
    const scores = v.scores, kind = v.kind, lengths = v.pieceLength;
    const n = scores.length;
    const path = new Float64Array(n);
    for (let id = 0; id < n; id++) {
      // C++ computes the bonus in double: `length * max_score - 0.1` (length in bytes, float product).
      path[id] = kind[id] === KIND_USER ? Math.fround(lengths[id] * maxScore) - 0.1 : scores[id];
    }
    this.pathScore = path;
    this.units = v.trie.units;
  }

  /**
   * Best segmentation of s[0..size) (the lattice is walked on the fly: for each character start,
   * every vocabulary piece starting there updates the best path ending where it ends). Ties keep
   * the first candidate, as SentencePiece does; scores accumulate in float32 like its C++.
   */
  encode(s: Uint8Array, size: number, out: Segments): void {
    out.clear();
    if (size === 0) return;
    if (size + 1 > this.bestScore.length) {
      const cap = Math.max(size + 1, this.bestScore.length * 2);
      this.bestScore = new Float32Array(cap); this.startsAt = new Int32Array(cap); this.bestId = new Int32Array(cap);
    }
    const best = this.bestScore, from = this.startsAt, ids = this.bestId;
    // -Infinity stands for "no path yet" (SentencePiece's starts_at == -1): any finite score beats it.
    best.fill(-Infinity, 1, size + 1);
    best[0] = 0;
    const unkId = this.v.unkId;
    const units = this.units, pathScore = this.pathScore;
    const unkScore = this.unkScore;
    let start = 0;
    while (start < size) {
      const here = best[start];
      const mblen = Math.min(ONE_CHAR_LEN[s[start] >> 4], size - start);
      const single = start + mblen;
      let hasSingle = false;
      let node = 0;
      for (let k = start; k < size; k++) {
        const nx = units[3 * node] + s[k];
        if (units[3 * nx + 1] !== node + 1) break;
        node = nx;
        const v1 = units[3 * nx + 2]; // id + 1; 0 none, < 0 unused
        if (v1 <= 0) continue;
        const id = v1 - 1;
        const end = k + 1;
        // Compared in double against the float32 best (as the C++ does), stored as float32.
        const cand = pathScore[id] + here;
        if (cand > best[end]) { best[end] = cand; from[end] = start; ids[end] = id; }
        if (end === single) hasSingle = true;
      }
      if (!hasSingle) {
        const cand = Math.fround(unkScore + here);
        if (cand > best[single]) { best[single] = cand; from[single] = start; ids[single] = unkId; }
      }
      start = single;
    }
    // Backtrack, then reverse in place.
    let end = size;
    while (end > 0) { const st = from[end]; out.push(ids[end], st, end); end = st; }
    const n = out.count;
    for (let i = 0, j = n - 1; i < j; i++, j--) {
      let t = out.ids[i]; out.ids[i] = out.ids[j]; out.ids[j] = t;
      t = out.starts[i]; out.starts[i] = out.starts[j]; out.starts[j] = t;
      t = out.ends[i]; out.ends[i] = out.ends[j]; out.ends[j] = t;
    }
  }
}

/** SentencePiece BPE: repeatedly merge the adjacent pair whose merged piece scores highest. */
export class BpeEncoder {
  constructor(private readonly v: VocabView) {}

  encode(s: Uint8Array, size: number, out: Segments): void {
    out.clear();
    if (size === 0) return;
    const v = this.v;
    // Symbols: [start, end), prev/next links, frozen (user-defined symbols never merge).
    const symStart: number[] = [], symEnd: number[] = [], prev: number[] = [], next: number[] = [], frozen: boolean[] = [];
    for (let p = 0; p < size;) {
      const u = v.userPrefix(s, p, size);
      const len = u > 0 ? u : Math.min(ONE_CHAR_LEN[s[p] >> 4], size - p);
      const i = symStart.length;
      symStart.push(p); symEnd.push(p + len); prev.push(i - 1); frozen.push(u > 0);
      p += len;
      next.push(p < size ? i + 1 : -1);
    }
    // Agenda: max-heap on (score desc, left asc) of candidate pairs.
    const heap: Array<{ left: number; right: number; score: number; size: number }> = [];
    const less = (a: typeof heap[0], b: typeof heap[0]) => a.score < b.score || (a.score === b.score && a.left > b.left);
    const push = (h: typeof heap[0]) => {
      heap.push(h);
      let i = heap.length - 1;
      while (i > 0) { const p = (i - 1) >> 1; if (!less(heap[p], heap[i])) break; [heap[p], heap[i]] = [heap[i], heap[p]]; i = p; }
    };
    const pop = () => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[m], heap[l])) m = l;
          if (r < heap.length && less(heap[m], heap[r])) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i], heap[m]]; i = m;
        }
      }
      return top;
    };
    // Pieces merged although unused: remembered to split them back afterwards (by id).
    const revMerge = new Map<number, [number, number, number, number]>();
    const maybeAdd = (left: number, right: number) => {
      if (left === -1 || right === -1 || frozen[left] || frozen[right]) return;
      const st = symStart[left], en = symEnd[right];
      const id = v.trie.exact(s, st, en);
      if (id < 0) return;
      push({ left, right, score: v.scores[id], size: en - st });
      if (v.kind[id] === KIND_UNUSED) revMerge.set(id, [st, symEnd[left], symStart[right], en]);
    };
    for (let i = 1; i < symStart.length; i++) maybeAdd(i - 1, i);
    while (heap.length > 0) {
      const top = pop();
      const l = top.left, r = top.right;
      const ll = symEnd[l] - symStart[l], rl = symEnd[r] - symStart[r];
      if (ll === 0 || rl === 0 || ll + rl !== top.size) continue;
      symEnd[l] = symEnd[r];
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      symEnd[r] = symStart[r]; // empty
      maybeAdd(prev[l], l);
      maybeAdd(l, next[l]);
    }
    const resegment = (st: number, en: number) => {
      const id = v.pieceToIdBytes(s, st, en);
      const rm = v.kind[id] === KIND_UNUSED ? revMerge.get(id) : undefined;
      if (rm === undefined) { out.push(id, st, en); return; }
      resegment(rm[0], rm[1]);
      resegment(rm[2], rm[3]);
    };
    for (let i = 0; i !== -1; i = next[i]) resegment(symStart[i], symEnd[i]);
  }
}

/** CHAR models: one piece per character. */
export function encodeChars(v: VocabView, s: Uint8Array, size: number, out: Segments): void {
  out.clear();
  for (let p = 0; p < size;) {
    const len = Math.min(ONE_CHAR_LEN[s[p] >> 4], size - p);
    out.push(v.pieceToIdBytes(s, p, p + len), p, p + len);
    p += len;
  }
}

/** WORD models: one piece per whitespace-delimited word (the ▁ starts or, as suffix, ends a word). */
export function encodeWords(v: VocabView, s: Uint8Array, size: number, out: Segments, wsSuffix: boolean): void {
  out.clear();
  const isWs = (p: number) => p + 3 <= size && s[p] === 0xe2 && s[p + 1] === 0x96 && s[p + 2] === 0x81;
  let wordStart = 0;
  for (let p = 0; p < size;) {
    const len = Math.min(ONE_CHAR_LEN[s[p] >> 4], size - p);
    const ws = len === 3 && isWs(p);
    if (!wsSuffix && ws && p > wordStart) { out.push(v.pieceToIdBytes(s, wordStart, p), wordStart, p); wordStart = p; }
    p += len;
    if (wsSuffix && ws) { out.push(v.pieceToIdBytes(s, wordStart, p), wordStart, p); wordStart = p; }
  }
  if (wordStart < size) out.push(v.pieceToIdBytes(s, wordStart, size), wordStart, size);
}
