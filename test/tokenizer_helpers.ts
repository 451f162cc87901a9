// Shared paths and readers for the tokenizer tests.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Repository root (this file runs from dist/test/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'tokenizer');
export const SHARED = join(ROOT, '..', 'shared', 'data');
export const TOKENIZERS = join(SHARED, 'tokenizers');
export const ALBERT_MODEL = join(TOKENIZERS, 'albert-30k-clean.model');
export const TEST_MODEL = join(TOKENIZERS, 'test_sentencepiece.model');
export const BOOKS = join(SHARED, 'corpus', 'gutenberg');

export function hasSharedData(): boolean {
  return existsSync(ALBERT_MODEL) && existsSync(TEST_MODEL);
}

export const SKIP_SHARED = 'needs ../shared/data (the ALBERT SentencePiece models and books); not present';

export function readGz(path: string): Buffer {
  return gunzipSync(readFileSync(path));
}

/** Lines of a file as [start, end) byte ranges split on "\n" (no trailing empty line), like getline. */
export function lineRanges(buf: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) { out.push([s, i]); s = i + 1; }
  if (s < buf.length) out.push([s, buf.length]);
  return out;
}
