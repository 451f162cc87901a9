// SentencePiece's BPE trainer, over the counted words: start from the required characters and
// repeatedly merge the most frequent adjacent pair whose merge is a valid piece. The merged pieces
// get scores -0, -1, -2, ... in merge order (the BPE encoder merges the highest score first), the
// characters come after them.
import { isValidPiece, type PieceRules } from './pieces.js';
import type { ScoredPiece } from './unigram.js';
import type { WordTable } from './words.js';

export interface BpeOptions extends PieceRules { pieceCount: number; onProgress?: (stage: string, pieces: number) => void }

const KEY = 2 ** 21;

export function trainBpe(t: WordTable, required: Map<string, number>, o: BpeOptions): ScoredPiece[] {
  const symbols: string[] = [...required.keys()];
  const symChars: string[][] = symbols.map((s) => [s]);
  const symId = new Map(symbols.map((s, i) => [s, i]));
  // Words as symbol sequences (-1 for a character outside the vocabulary: never merged).
  const seqs: number[][] = t.words.map((w) => [...w].map((c) => symId.get(c) ?? -1));
  const freq = t.freq;
  const counts = new Map<number, number>();
  const where = new Map<number, number[]>();
  const valid = new Map<number, boolean>();
  const isValid = (a: number, b: number, k: number) => {
    let v = valid.get(k);
    if (v === undefined) { v = isValidPiece([...symChars[a], ...symChars[b]], o); valid.set(k, v); }
    return v;
  };
  const addPairs = (w: number, sign: number) => {
    const s = seqs[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const a = s[i], b = s[i + 1];
      if (a < 0 || b < 0) continue;
      const k = a * KEY + b;
      if (!isValid(a, b, k)) continue;
      const c = (counts.get(k) ?? 0) + sign * freq[w];
      counts.set(k, c);
      if (sign > 0) { let l = where.get(k); if (!l) where.set(k, l = []); if (l[l.length - 1] !== w) l.push(w); }
      if (c > 0) push(c, k);
    }
  };
  // Max-heap of (count, pair) entries; stale entries (count changed) are skipped when popped.
  const hc: number[] = [], hk: number[] = [];
  const better = (i: number, j: number) => hc[i] > hc[j] || (hc[i] === hc[j] && hk[i] < hk[j]);
  const swap = (i: number, j: number) => { [hc[i], hc[j]] = [hc[j], hc[i]]; [hk[i], hk[j]] = [hk[j], hk[i]]; };
  function push(c: number, k: number): void {
    hc.push(c); hk.push(k);
    for (let i = hc.length - 1; i > 0;) { const p = (i - 1) >> 1; if (!better(i, p)) break; swap(i, p); i = p; }
  }
  const pop = () => {
    const last = hc.length - 1;
    swap(0, last);
    const c = hc.pop()!, k = hk.pop()!;
    for (let i = 0; ;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < hc.length && better(l, m)) m = l;
      if (r < hc.length && better(r, m)) m = r;
      if (m === i) break;
      swap(i, m); i = m;
    }
    return [c, k];
  };
  for (let w = 0; w < seqs.length; w++) addPairs(w, 1);
  const merges: string[] = [];
  const maxMerges = o.pieceCount - symbols.length;
  while (merges.length < maxMerges && hc.length > 0) {
    const [c, k] = pop();
    if (counts.get(k) !== c || c <= 0) continue;
    const a = Math.floor(k / KEY), b = k % KEY;
    const id = symbols.length;
    const piece = symbols[a] + symbols[b];
    symbols.push(piece); symChars.push([...symChars[a], ...symChars[b]]);
    merges.push(piece);
    if (merges.length % 100 === 0) o.onProgress?.('BPE merges', merges.length);
    for (const w of where.get(k) ?? []) {
      const s = seqs[w];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) { has = true; break; }
      if (!has) continue;
      addPairs(w, -1);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { out.push(id); i++; } else out.push(s[i]);
      }
      seqs[w] = out;
      addPairs(w, 1);
    }
    where.delete(k);
    counts.delete(k);
  }
  const pieces: ScoredPiece[] = merges.map((p, i) => [p, -i]);
  for (const c of required.keys()) pieces.push([c, -pieces.length]);
  return pieces;
}
