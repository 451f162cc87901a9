// The official SQuAD scripts' answer comparison (evaluate-v1.1.py, evaluate-v2.0.py): normalize_answer,
// exact match and token F1. Written so that the JS regex engine behaves as Python's `re` and `str` do:
// - `\b` in a Python str pattern is Unicode-aware (word = alphanumeric of any script or "_"; combining
//   marks are not word characters); JS `\b` knows only ASCII, so the boundaries are spelled out.
// - `str.split()` splits on Python's whitespace, which has \x1c-\x1f and \x85 but not \ufeff (JS `\s`
//   is the reverse).
// - Punctuation is Python's `string.punctuation`: the 32 ASCII characters only; "—" or "«" stay.

/** Python's `string.punctuation` (ASCII, so a code-unit class is enough: no surrogate is ASCII). */
const PUNCTUATION = /[!-\/:-@\[-`{-~]/g;

/** Python's str.isspace(): what `str.split()` splits on. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPLIT = new RegExp(`[${PY_SPACE}]+`, 'u');

/** Python's `\w` in a str pattern (str.isalnum() or "_"). */
const PY_WORD = '\\p{L}\\p{N}_';
const PY_WORD_CHAR = new RegExp(`^[${PY_WORD}]$`, 'u');
const ARTICLES = new RegExp(`(?<![${PY_WORD}])(a|an|the)(?![${PY_WORD}])`, 'gu');

/** Whether `ch` (one code point) is a word character for Python's `re` (exported for the tests). */
export function isPythonWordChar(ch: string): boolean {
  return PY_WORD_CHAR.test(ch);
}

const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');

/** Python's `s.strip()`: leading and trailing whitespace (Python's) removed. */
export function pythonStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/** Python's `s.split()`: runs of whitespace separate, leading and trailing whitespace ignored. */
export function pythonSplit(s: string): string[] {
  return s.split(PY_SPLIT).filter((t) => t !== '');
}

/** normalize_answer: lower case, drop ASCII punctuation, replace the articles a/an/the by a space, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  return pythonSplit(s.toLowerCase().replace(PUNCTUATION, '').replace(ARTICLES, ' ')).join(' ');
}

/** An answer normalized once, to compare with many (the scorers compare each prediction with every gold answer). */
export interface NormalizedAnswer {
  text: string;
  tokens: string[];
}

export function normalized(s: string): NormalizedAnswer {
  const text = normalizeAnswer(s);
  return { text, tokens: text === '' ? [] : text.split(' ') };
}

/** Exact match of the normalized texts (1 or 0). */
export function exactMatch(gold: string, predicted: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(predicted) ? 1 : 0;
}

/**
 * Token F1 as evaluate-v1.1.py: precision and recall of the normalized tokens' multiset overlap; 0 when
 * nothing overlaps, so an empty prediction scores 0 even against an empty gold answer.
 */
export function tokenF1(gold: string, predicted: string): number {
  return overlapF1(normalized(gold).tokens, normalized(predicted).tokens);
}

/** Token F1 as evaluate-v2.0.py: as v1.1, except that when either side has no tokens it is 1 iff both have none. */
export function tokenF1V2(gold: string, predicted: string): number {
  return f1V2Of(normalized(gold), normalized(predicted));
}

export function f1V1Of(gold: NormalizedAnswer, predicted: NormalizedAnswer): number {
  return overlapF1(gold.tokens, predicted.tokens);
}

export function f1V2Of(gold: NormalizedAnswer, predicted: NormalizedAnswer): number {
  if (gold.tokens.length === 0 || predicted.tokens.length === 0) return gold.tokens.length === predicted.tokens.length ? 1 : 0;
  return overlapF1(gold.tokens, predicted.tokens);
}

function overlapF1(gold: string[], predicted: string[]): number {
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of predicted) {
    const c = counts.get(t) ?? 0;
    if (c > 0) { same++; counts.set(t, c - 1); }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length, recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}
