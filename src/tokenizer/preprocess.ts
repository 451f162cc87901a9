// HF AlbertTokenizer's text preprocessing (remove_space, `` and '' to ", NFKD + drop combining
// marks, lower-case), done code point by code point so every output UTF-16 unit remembers the span
// of the ORIGINAL text it came from.
import { COMBINING_RANGES, DIGIT_RANGES } from './unicode_tables.js';

export interface PreprocessOptions { removeSpace: boolean; keepAccents: boolean; doLowerCase: boolean }

/** Text plus, for each UTF-16 unit i of it, the original span [start[i], end[i]). */
export interface Aligned { text: string; start: Int32Array; end: Int32Array }

/** Python's str.isspace() set (what str.split()/strip() use), which differs from JS's \s. */
export function isPythonSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** unicodedata.combining(c) != 0 */
export function isCombining(c: number): boolean {
  return c >= 0x300 && inRanges(COMBINING_RANGES, c);
}

/** Python's str.isdigit() for one code point. */
export function isPythonDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x80 && inRanges(DIGIT_RANGES, c));
}

function inRanges(r: Uint32Array, c: number): boolean {
  let lo = 0, hi = (r.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < r[2 * mid]) hi = mid - 1;
    else if (c > r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

class Builder {
  parts: string[] = [];
  start: number[] = [];
  end: number[] = [];
  push(s: string, a: number, b: number): void {
    this.parts.push(s);
    for (let k = 0; k < s.length; k++) { this.start.push(a); this.end.push(b); }
  }
  finish(): Aligned {
    return { text: this.parts.join(''), start: Int32Array.from(this.start), end: Int32Array.from(this.end) };
  }
}

/** Iterates code points of a.text as [codePointString, unitIndex]. */
function* codePoints(text: string): Generator<[string, number]> {
  for (let i = 0; i < text.length;) {
    const c = text.codePointAt(i)!;
    const n = c > 0xffff ? 2 : 1;
    yield [text.slice(i, i + n), i];
    i += n;
  }
}

/** Text aligned to itself (starting at `offset` of the original). */
export function identity(text: string, offset = 0): Aligned {
  const start = new Int32Array(text.length), end = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const pair = i + 1 < text.length && (text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const prevPair = i > 0 && (text.charCodeAt(i) & 0xfc00) === 0xdc00 && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800;
    start[i] = offset + (prevPair ? i - 1 : i);
    end[i] = offset + (pair ? i + 2 : i + 1);
  }
  return { text, start, end };
}

/** " ".join(text.strip().split()) with Python's whitespace set. */
function removeSpace(a: Aligned): Aligned {
  const b = new Builder();
  const t = a.text;
  let i = 0;
  while (i < t.length) {
    if (isPythonSpace(t.charCodeAt(i))) {
      // A run between words becomes one space spanning the run; leading/trailing runs vanish.
      const runStart = i;
      while (i < t.length && isPythonSpace(t.charCodeAt(i))) i++;
      if (b.parts.length > 0 && i < t.length) b.push(' ', a.start[runStart], a.end[i - 1]);
      continue;
    }
    b.push(t[i], a.start[i], a.end[i]);
    i++;
  }
  return b.finish();
}

/** text.replace(pattern, '"') with the replacement spanning the matched units. */
function replaceQuotes(a: Aligned, pattern: string): Aligned {
  if (!a.text.includes(pattern)) return a;
  const b = new Builder();
  const t = a.text;
  for (let i = 0; i < t.length;) {
    if (t.startsWith(pattern, i)) { b.push('"', a.start[i], a.end[i + pattern.length - 1]); i += pattern.length; }
    else { b.push(t[i], a.start[i], a.end[i]); i++; }
  }
  return b.finish();
}

/** NFKD, dropping characters with a non-zero combining class (reordering cannot matter then). */
function stripAccents(a: Aligned): Aligned {
  const b = new Builder();
  for (const [ch, i] of codePoints(a.text)) {
    const s = ch.charCodeAt(0) < 0x80 ? ch : ch.normalize('NFKD');
    if (s.length === 1 && !isCombining(s.charCodeAt(0))) { b.push(s, a.start[i], a.end[i + ch.length - 1]); continue; }
    let kept = '';
    for (const [d] of codePoints(s)) if (!isCombining(d.codePointAt(0)!)) kept += d;
    if (kept) b.push(kept, a.start[i], a.end[i + ch.length - 1]);
  }
  return b.finish();
}

/**
 * Lower-cases code point by code point (as HF does before splitting out special tokens, so there
 * is no final-sigma context), leaving the units for which keep(i) returns a length untouched.
 */
export function lowerCase(a: Aligned, keep?: (text: string, i: number) => number): Aligned {
  const b = new Builder();
  const t = a.text;
  for (let i = 0; i < t.length;) {
    const k = keep ? keep(t, i) : 0;
    if (k > 0) { for (let j = i; j < i + k; j++) b.push(t[j], a.start[j], a.end[j]); i += k; continue; }
    const c = t.codePointAt(i)!;
    const n = c > 0xffff ? 2 : 1;
    const ch = t.slice(i, i + n);
    b.push(ch.toLowerCase(), a.start[i], a.end[i + n - 1]);
    i += n;
  }
  return b.finish();
}

/** The units [from, to) of an aligned text. */
export function sliceAligned(a: Aligned, from: number, to: number): Aligned {
  return { text: a.text.slice(from, to), start: a.start.slice(from, to), end: a.end.slice(from, to) };
}

/** Runs HF's preprocess_text on an aligned chunk. */
export function preprocess(input: Aligned, opts: PreprocessOptions): Aligned {
  let a = input;
  if (opts.removeSpace) a = removeSpace(a);
  a = replaceQuotes(a, '``');
  a = replaceQuotes(a, "''");
  if (!opts.keepAccents) a = stripAccents(a);
  if (opts.doLowerCase) a = lowerCase(a);
  return a;
}

// The same steps without alignment, for callers that need no offsets (encodeIds, tokenize): whole-
// string operations instead of per-unit bookkeeping.
const PY_SPACE_RUN = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Per-code-point lower-casing (no final-sigma context), like lowerCase() on an Aligned. */
export function lowerText(t: string): string {
  if (!t.includes('\u03a3')) return t.toLowerCase(); // final sigma is JS's only context-dependent mapping
  let out = '';
  for (const ch of t) out += ch.toLowerCase();
  return out;
}

/** HF's preprocess_text as a plain string function (equal to preprocess(...).text). */
export function preprocessText(text: string, opts: PreprocessOptions): string {
  let t = text;
  if (opts.removeSpace) {
    t = t.replace(PY_SPACE_RUN, ' ');
    const a = t.charCodeAt(0) === 0x20 ? 1 : 0;
    const b = t.length > a && t.charCodeAt(t.length - 1) === 0x20 ? t.length - 1 : t.length;
    if (a > 0 || b < t.length) t = t.slice(a, b);
  }
  if (t.includes('``')) t = t.replaceAll('``', '"');
  if (t.includes("''")) t = t.replaceAll("''", '"');
  if (!opts.keepAccents && NON_ASCII.test(t)) {
    // Whole-string NFKD only reorders combining marks, which are all dropped.
    let out = '';
    for (const ch of t.normalize('NFKD')) if (!isCombining(ch.codePointAt(0)!)) out += ch;
    t = out;
  }
  if (opts.doLowerCase) t = lowerText(t);
  return t;
}
