// UTF-8 helpers that follow SentencePiece's rules (util.h): a malformed byte is one character.

/** Byte length of the character starting with lead byte b, by its high nibble (OneCharLen). */
export const ONE_CHAR_LEN = new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4]);

/**
 * Length of the well-formed character at bytes[p] (1..4), or 0 when malformed: bad trail bytes,
 * overlong forms, surrogates, > U+10FFFF, truncated at `end`.
 */
export function validCharLen(bytes: Uint8Array, p: number, end: number): number {
  const c = bytes[p];
  if (c < 0x80) return 1;
  const avail = end - p;
  if ((c & 0xe0) === 0xc0) {
    if (avail < 2) return 0;
    const c1 = bytes[p + 1];
    if ((c1 & 0xc0) !== 0x80) return 0;
    return (((c & 0x1f) << 6) | (c1 & 0x3f)) >= 0x80 ? 2 : 0;
  }
  if ((c & 0xf0) === 0xe0) {
    if (avail < 3) return 0;
    const c1 = bytes[p + 1], c2 = bytes[p + 2];
    if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return 0;
    const cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
    return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? 3 : 0;
  }
  if ((c & 0xf8) === 0xf0) {
    if (avail < 4) return 0;
    const c1 = bytes[p + 1], c2 = bytes[p + 2], c3 = bytes[p + 3];
    if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) return 0;
    const cp = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
    return cp >= 0x10000 && cp <= 0x10ffff ? 4 : 0;
  }
  return 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true }); // keep a leading U+FEFF, as SentencePiece does

/** A reusable UTF-8 buffer for strings (avoids an allocation per call). */
export class Utf8Buffer {
  bytes = new Uint8Array(4096);
  encode(text: string): number {
    if (text.length * 3 > this.bytes.length) this.bytes = new Uint8Array(text.length * 3 + 16);
    return encoder.encodeInto(text, this.bytes).written;
  }
}

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * utf16Index[i] for every byte offset i of the UTF-8 encoding of `text` (and i = length): the
 * index of the UTF-16 code unit where the character containing byte i starts (or text.length).
 */
export function byteToUtf16Map(text: string, byteLength: number): Int32Array {
  const map = new Int32Array(byteLength + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let n: number;
    let units = 1;
    if (c < 0x80) n = 1;
    else if (c < 0x800) n = 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n = 4; units = 2; }
    else n = 3; // BMP char, or a lone surrogate that TextEncoder writes as U+FFFD
    for (let k = 0; k < n; k++) map[b + k] = i;
    b += n;
    i += units - 1;
  }
  map[byteLength] = text.length;
  return map;
}
