// The nmt_nfkc precompiled_charsmap, built from the JavaScript engine's own Unicode NFKC
// (String.prototype.normalize) and SentencePiece's NMT rules (extra whitespace, control characters
// removed, full-width tilde kept), in SentencePiece's blob layout: uint32 trie size, the darts-clone
// trie, then the NUL-terminated replacement strings the trie's values point at.
import { buildDartsTrie } from './darts_builder.js';

/** Source sequence -> replacement, as code point strings. */
export function nmtNfkcRules(): Map<string, string> {
  const rules = new Map<string, string>();
  for (let cp = 1; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const nfkc = c.normalize('NFKC');
    if (nfkc !== c) rules.set(c, nfkc);
    // A decomposed spelling (base + combining marks, in canonical order) maps to the composed form.
    const nfd = c.normalize('NFD');
    if (nfd !== c && nfd !== nfkc) rules.set(nfd, nfkc);
  }
  for (const cp of [0x09, 0x0a, 0x0c, 0x0d, 0x1680, 0x200b, 0x200c, 0x200e, 0x200f, 0x2028, 0x2029, 0x2581, 0xfeff, 0xfffd]) rules.set(String.fromCodePoint(cp), ' ');
  for (let cp = 0x01; cp <= 0x1f; cp++) if (cp !== 0x09 && cp !== 0x0a && cp !== 0x0c && cp !== 0x0d) rules.set(String.fromCodePoint(cp), '');
  for (const cp of [0x7f, 0x8f, 0x9f]) rules.set(String.fromCodePoint(cp), '');
  rules.delete('\uff5e');
  // A multi-character rule that the single-character rules already give is redundant.
  for (const [src, dst] of rules) {
    if ([...src].length < 2) continue;
    let viaSingles = '';
    for (const ch of src) viaSingles += rules.get(ch) ?? ch;
    if (viaSingles === dst) rules.delete(src);
  }
  return rules;
}

let cached: Uint8Array | null = null;

/** The precompiled_charsmap blob for nmt_nfkc (built once per process, ~0.5 s). */
export function nmtNfkcCharsmap(): Uint8Array {
  if (cached) return cached;
  const enc = new TextEncoder();
  const keys: Uint8Array[] = [], values: number[] = [];
  const strings: number[] = [];
  const offsets = new Map<string, number>();
  for (const [src, dst] of nmtNfkcRules()) {
    let off = offsets.get(dst);
    if (off === undefined) {
      off = strings.length;
      offsets.set(dst, off);
      for (const b of enc.encode(dst)) strings.push(b);
      strings.push(0);
    }
    keys.push(enc.encode(src));
    values.push(off);
  }
  const trie = buildDartsTrie(keys, values);
  const blob = new Uint8Array(4 + trie.length + strings.length);
  new DataView(blob.buffer).setUint32(0, trie.length, true);
  blob.set(trie, 4);
  blob.set(strings, 4 + trie.length);
  cached = blob;
  return blob;
}
