// SentencePiece's normalizer over UTF-8 bytes: user-defined symbols copied whole, then the
// precompiled charsmap (longest match in a darts trie -> replacement string), malformed bytes as
// U+FFFD, then whitespace handling (drop leading/trailing/repeated spaces) and the ▁ escape.
import { DartsTrie, PieceTrie } from './double_array.js';
import type { NormalizerSpec } from './model_proto.js';
import { validCharLen } from './utf8.js';

const SPACE = 0x20;
// U+2581 LOWER ONE EIGHTH BLOCK in UTF-8.
const WS0 = 0xe2, WS1 = 0x96, WS2 = 0x81;

export class NormalizerError extends Error {}

export class Normalizer {
  private readonly trie: DartsTrie | null = null;
  /** The replacement strings (NUL-terminated) that trie values point into. */
  private readonly table: Uint8Array = new Uint8Array(0);
  /** Longest-match matcher over user-defined symbols (copied verbatim), or null. */
  private readonly userTrie: PieceTrie | null;
  private readonly userFirst = new Uint8Array(256);
  /**
   * asciiKeep[b * 257 + c] = 1 when ASCII byte b followed by byte c (256 = end of input) normalizes
   * to itself, one byte consumed: the fast path, decided without walking the tries.
   */
  private readonly asciiKeep = new Uint8Array(128 * 257);

  // Output of the last normalize(): bytes[0..length) and normToOrig[0..length] (input byte offsets).
  out = new Uint8Array(1024);
  length = 0;
  normToOrig = new Int32Array(1025);

  // Result slot of prefix(): the piece is src[start..start+len), `consumed` input bytes.
  private pSrc: Uint8Array = new Uint8Array(0);
  private pStart = 0;
  private pLen = 0;

  constructor(readonly spec: NormalizerSpec, userDefined: Uint8Array[], readonly treatWhitespaceAsSuffix = false) {
    const blob = spec.precompiledCharsmap;
    if (blob.length > 0) {
      if (blob.length < 4) throw new NormalizerError('precompiled_charsmap is truncated');
      const trieSize = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0, true);
      if (trieSize >= blob.length - 4 + 1 || trieSize % 4 !== 0) throw new NormalizerError(`precompiled_charsmap trie size ${trieSize} does not fit the ${blob.length}-byte blob`);
      this.trie = new DartsTrie(blob.subarray(4, 4 + trieSize));
      this.table = blob.subarray(4 + trieSize);
    }
    this.userTrie = userDefined.length > 0 ? PieceTrie.of(userDefined) : null;
    for (const u of userDefined) this.userFirst[u[0]] = 1;
    this.fillAsciiKeep();
  }

  private fillAsciiKeep(): void {
    const keep = this.asciiKeep, trie = this.trie, user = this.userTrie;
    for (let b = 0; b < 0x80; b++) {
      const row = b * 257;
      if (this.userFirst[b]) {
        // A user-defined symbol is copied verbatim: fine when [b] is one and no longer one starts with b.
        const node = user!.child(0, b);
        let single = node >= 0 && user!.isKey(node);
        for (let c = 0; single && c < 256; c++) if (user!.child(node, c) >= 0) single = false;
        if (single) keep.fill(1, row, row + 257);
        continue;
      }
      if (trie === null || !trie.rootChild[b]) { keep.fill(1, row, row + 257); continue; }
      // The charsmap has keys starting with b: safe only if [b] itself is not one and c cannot follow.
      const pos = trie.step(trie.rootPos(), b);
      if (pos < 0 || trie.lastLeaf) continue;
      for (let c = 0; c < 256; c++) keep[row + c] = trie.step(pos, c) < 0 ? 1 : 0;
      keep[row + 256] = 1;
    }
  }

  /** NormalizePrefix: sets pSrc/pStart/pLen to the normalized text of the next unit; returns bytes consumed. */
  private prefix(input: Uint8Array, pos: number, end: number): number {
    const b = input[pos];
    if (this.userTrie !== null && this.userFirst[b]) {
      const n = this.userTrie.longestPrefix(input, pos, end);
      if (n > 0) { this.pSrc = input; this.pStart = pos; this.pLen = n; return n; }
    }
    if (this.trie !== null && this.trie.rootChild[b]) {
      const n = this.trie.longestPrefix(input, pos, end);
      if (n > 0) {
        const v = this.trie.lastValue;
        const t = this.table;
        if (v >= t.length) throw new NormalizerError(`precompiled_charsmap points outside its string table (${v})`);
        let e = v;
        while (e < t.length && t[e] !== 0) e++;
        this.pSrc = t; this.pStart = v; this.pLen = e - v;
        return n;
      }
    }
    const n = validCharLen(input, pos, end);
    if (n === 0) {
      // Malformed byte: emit U+FFFD, consume just this byte.
      this.pSrc = REPLACEMENT; this.pStart = 0; this.pLen = 3;
      return 1;
    }
    this.pSrc = input; this.pStart = pos; this.pLen = n;
    return n;
  }

  private reserve(n: number): void {
    if (n <= this.out.length) return;
    const cap = Math.max(n, this.out.length * 2);
    const o = new Uint8Array(cap); o.set(this.out.subarray(0, this.length)); this.out = o;
    const m = new Int32Array(cap + 1); m.set(this.normToOrig.subarray(0, this.length)); this.normToOrig = m;
  }

  /** Normalizes input[start..end) into this.out[0..this.length); normToOrig maps back (relative to start). */
  normalize(input: Uint8Array, start: number, end: number): void {
    const spec = this.spec;
    const removeWs = spec.removeExtraWhitespaces, escape = spec.escapeWhitespaces;
    this.length = 0;
    let pos = start;
    if (removeWs) {
      while (pos < end) {
        const n = this.prefix(input, pos, end);
        if (!(this.pLen === 1 && this.pSrc[this.pStart] === SPACE)) break;
        pos += n;
      }
    }
    if (pos >= end) { this.reserve(1); this.normToOrig[0] = 0; return; }
    // Worst case: every input byte becomes a long replacement; grow on demand below.
    this.reserve((end - pos) * 3 + 8);
    let out = this.out, map = this.normToOrig, len = 0;
    if (!this.treatWhitespaceAsSuffix && spec.addDummyPrefix) len = writeWs(out, map, len, pos - start, escape);
    let prevSpace = removeWs;
    const keep = this.asciiKeep;
    while (pos < end) {
      const b = input[pos];
      const consumed = pos - start;
      if (b < 0x80 && keep[b * 257 + (pos + 1 < end ? input[pos + 1] : 256)] === 1) {
        // Fast path: ASCII that maps to itself.
        if (b === SPACE) {
          if (!prevSpace) { if (escape) { out[len] = WS0; out[len + 1] = WS1; out[len + 2] = WS2; map[len] = map[len + 1] = map[len + 2] = consumed; len += 3; } else { out[len] = SPACE; map[len] = consumed; len++; } }
          prevSpace = removeWs;
        } else {
          out[len] = b; map[len] = consumed; len++;
          prevSpace = false;
        }
        pos++;
        continue;
      }
      const n = this.prefix(input, pos, end);
      const src = this.pSrc;
      let s = this.pStart;
      const e = s + this.pLen;
      if (prevSpace) while (s < e && src[s] === SPACE) s++;
      if (s < e) {
        if (len + (e - s) * 3 + (end - pos) * 3 + 8 > out.length) { this.length = len; this.reserve(len + (e - s) * 3 + (end - pos) * 3 + 8); out = this.out; map = this.normToOrig; }
        for (let k = s; k < e; k++) {
          const c = src[k];
          if (escape && c === SPACE) { out[len] = WS0; out[len + 1] = WS1; out[len + 2] = WS2; map[len] = map[len + 1] = map[len + 2] = consumed; len += 3; }
          else { out[len] = c; map[len] = consumed; len++; }
        }
        prevSpace = removeWs && src[e - 1] === SPACE;
      } else if (!removeWs) prevSpace = false;
      pos += n;
    }
    let consumedEnd = pos - start;
    if (removeWs) {
      if (escape) {
        while (len >= 3 && out[len - 1] === WS2 && out[len - 2] === WS1 && out[len - 3] === WS0) { len -= 3; consumedEnd = map[len]; }
      } else {
        while (len >= 1 && out[len - 1] === SPACE) { len -= 1; consumedEnd = map[len]; }
      }
    }
    if (this.treatWhitespaceAsSuffix && spec.addDummyPrefix) {
      if (len + 4 > out.length) { this.length = len; this.reserve(len + 8); out = this.out; map = this.normToOrig; }
      len = writeWs(out, map, len, consumedEnd, escape);
    }
    map[len] = consumedEnd;
    this.length = len;
  }
}

/** Writes one (escaped) space at out[len]; returns the new length. */
function writeWs(out: Uint8Array, map: Int32Array, len: number, consumed: number, escape: boolean): number {
  if (escape) { out[len] = WS0; out[len + 1] = WS1; out[len + 2] = WS2; map[len] = map[len + 1] = map[len + 2] = consumed; return len + 3; }
  out[len] = SPACE; map[len] = consumed; return len + 1;
}

const REPLACEMENT = new Uint8Array([0xef, 0xbf, 0xbd]);
