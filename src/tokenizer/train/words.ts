// The training corpus as SentencePiece's trainer sees it after loading: normalized sentences split
// into words (each starting with ▁), counted; the characters that cover `characterCoverage` of the
// text are "required", every other character becomes ▅ (the trainer's unknown character).
import { Normalizer } from '../normalizer.js';
import type { NormalizerSpec } from '../model_proto.js';

export const WS = '\u2581';
export const UNK_CHAR = '\u2585';
const WS_BYTES = [0xe2, 0x96, 0x81];

/** Unique words (JS strings, ▁ included) with their counts. */
export interface WordTable { words: string[]; freq: Float64Array }

/**
 * Counts the words of normalized sentences. Keys are kept as latin1 strings of the UTF-8 bytes
 * while counting (no UTF-8 decoding per word); decoded once at the end.
 */
export class WordCounter {
  private readonly counts = new Map<string, number>();
  private readonly normalizer: Normalizer;
  private readonly enc = new TextEncoder();
  sentences = 0;

  constructor(spec: NormalizerSpec, private readonly maxSentenceBytes = 4192, private readonly controlSymbols: string[] = []) {
    this.normalizer = new Normalizer(spec, []);
  }

  /** Adds one raw line (too long lines and those holding ▅ are skipped, as spm_train does). */
  add(line: string): void {
    if (line.includes(UNK_CHAR)) return;
    for (const c of this.controlSymbols) if (line.includes(c)) line = line.split(c).join(' ');
    const bytes = this.enc.encode(line);
    if (bytes.length > this.maxSentenceBytes) return;
    const n = this.normalizer;
    n.normalize(bytes, 0, bytes.length);
    const out = n.out, len = n.length;
    if (len === 0) return;
    this.sentences++;
    const buf = Buffer.from(out.buffer, out.byteOffset, len);
    let start = 0;
    for (let i = 3; i + 3 <= len; i++) {
      if (out[i] === WS_BYTES[0] && out[i + 1] === WS_BYTES[1] && out[i + 2] === WS_BYTES[2]) {
        this.bump(buf.toString('latin1', start, i));
        start = i;
        i += 2;
      }
    }
    this.bump(buf.toString('latin1', start, len));
  }

  private bump(k: string): void { this.counts.set(k, (this.counts.get(k) ?? 0) + 1); }

  /** The words as UTF-8-decoded strings, most frequent first (ties: by string). */
  table(): WordTable {
    const entries: Array<[string, number]> = [];
    for (const [k, v] of this.counts) entries.push([Buffer.from(k, 'latin1').toString('utf8'), v]);
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { words: entries.map((e) => e[0]), freq: Float64Array.from(entries, (e) => e[1]) };
  }
}

/** Characters by frequency (desc, then code point) over the words, weighted by counts. */
export function charCounts(t: WordTable): Array<[string, number]> {
  const m = new Map<string, number>();
  t.words.forEach((w, i) => { for (const c of w) m.set(c, (m.get(c) ?? 0) + t.freq[i]); });
  return [...m].sort((a, b) => b[1] - a[1] || a[0].codePointAt(0)! - b[0].codePointAt(0)!);
}

/**
 * The most frequent characters until `coverage` of all characters is reached (spm_train's rule:
 * add while the coverage so far is below the target); a map char -> count, in frequency order.
 */
export function requiredChars(chars: Array<[string, number]>, coverage: number): Map<string, number> {
  let total = 0;
  for (const [, n] of chars) total += n;
  const req = new Map<string, number>();
  let acc = 0;
  for (const [c, n] of chars) {
    if (acc / total >= coverage) break;
    acc += n;
    req.set(c, n);
  }
  return req;
}

/** Replaces characters outside `keep` with ▅ and merges words that become equal. */
export function maskRareChars(t: WordTable, keep: Map<string, number>): WordTable {
  const m = new Map<string, number>();
  t.words.forEach((w, i) => {
    let s = w;
    for (const c of w) if (!keep.has(c)) { s = [...w].map((ch) => (keep.has(ch) ? ch : UNK_CHAR)).join(''); break; }
    m.set(s, (m.get(s) ?? 0) + t.freq[i]);
  });
  const entries = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { words: entries.map((e) => e[0]), freq: Float64Array.from(entries, (e) => e[1]) };
}
