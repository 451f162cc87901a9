// Shared by the data tests: a word-level tokenizer over the synthetic corpus's words (one piece
// per word, ALBERT's special ids 0..4), independent of src/tokenizer.
import { syntheticWords } from '../src/data/synthetic.js';
import type { DataTokenizer } from '../src/data/vocab.js';

export const SPECIALS = ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]'];

export function wordTokenizer(): DataTokenizer & { pieces: string[] } {
  const pieces = [...SPECIALS, ...syntheticWords().map((w) => '\u2581' + w)];
  const ids = new Map(pieces.map((p, i) => [p, i]));
  return {
    pieces, vocabSize: pieces.length, padId: 0, unkId: 1, clsId: 2, sepId: 3, maskId: 4,
    idToPiece: (id) => pieces[id],
    isSpecial: (id) => id < SPECIALS.length,
    encodeText: (text) => text.split(/\s+/).filter(Boolean).map((w) => ids.get('\u2581' + w) ?? 1),
  };
}
