// Which substrings may become pieces (SentencePiece's IsValidSentencePiece): at most
// `maxPieceLength` characters, ▁ only first, no ▅, and one Unicode script per piece (Hiragana and
// Katakana count as Han; digits are their own class when splitByNumber).
import { UNK_CHAR, WS } from './words.js';

const SCRIPTS = ['Latin', 'Common', 'Inherited', 'Greek', 'Cyrillic', 'Han', 'Hiragana', 'Katakana', 'Hangul', 'Arabic', 'Hebrew',
  'Devanagari', 'Bengali', 'Thai', 'Armenian', 'Georgian', 'Ethiopic', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Gujarati',
  'Gurmukhi', 'Oriya', 'Sinhala', 'Khmer', 'Lao', 'Myanmar', 'Tibetan', 'Mongolian', 'Cherokee', 'Runic', 'Ogham', 'Syriac', 'Thaana',
  'Coptic', 'Gothic', 'Braille', 'Bopomofo', 'Yi', 'Tifinagh', 'Canadian_Aboriginal'];
const SCRIPT_RES = SCRIPTS.map((s) => new RegExp(`^\\p{Script=${s}}$`, 'u'));
const HAN = SCRIPTS.indexOf('Han');
const NUMBER = -2, OTHER = -3;
const DIGIT = /^\p{Nd}$/u;
const cache = new Map<number, number>();

/** A small integer naming the character's script class. */
export function scriptClass(ch: string, splitByNumber: boolean): number {
  if (splitByNumber && DIGIT.test(ch)) return NUMBER;
  const cp = ch.codePointAt(0)!;
  let s = cache.get(cp);
  if (s === undefined) {
    s = SCRIPT_RES.findIndex((re) => re.test(ch));
    if (s < 0) s = OTHER - cp; // an unlisted script: one class per character (never merged)
    const name = SCRIPTS[s];
    if (name === 'Hiragana' || name === 'Katakana' || cp === 0x30fc) s = HAN;
    cache.set(cp, s);
  }
  return s;
}

export interface PieceRules { maxPieceLength: number; splitByUnicodeScript: boolean; splitByNumber: boolean }

/** Whether the characters may form one piece. */
export function isValidPiece(chars: string[], r: PieceRules): boolean {
  if (chars.length === 0 || chars.length > r.maxPieceLength) return false;
  let prev: number | null = null;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === UNK_CHAR || c === '\0' || c === '\t' || c === ' ') return false;
    if (c === WS) { if (i > 0) return false; continue; }
    const s = r.splitByUnicodeScript || r.splitByNumber ? scriptClass(c, r.splitByNumber) : 0;
    if (prev !== null && prev !== s && (r.splitByUnicodeScript || s === NUMBER || prev === NUMBER)) return false;
    prev = s;
  }
  return true;
}
