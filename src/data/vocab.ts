// The tokenizer as data creation sees it: text -> ids, plus the id tables masking needs.
import type { InstanceVocab } from './instances.js';
import { isWordStartPiece } from './masking.js';

export interface DataTokenizer {
  readonly vocabSize: number;
  readonly clsId: number; readonly sepId: number; readonly maskId: number; readonly padId: number;
  /** The unknown piece (<unk>): what text outside the vocabulary becomes. */
  readonly unkId: number;
  idToPiece(id: number): string;
  /** Control or unknown pieces: never masked, never a random replacement. */
  isSpecial(id: number): boolean;
  /** Ids of one sentence, no special tokens. */
  encodeText(text: string): ArrayLike<number>;
}

/** Id-indexed tables for instance creation and masking. */
export function instanceVocab(tok: DataTokenizer): InstanceVocab {
  const V = tok.vocabSize;
  const wordStart = new Uint8Array(V), special = new Uint8Array(V);
  const randomIds: number[] = [];
  for (let id = 0; id < V; id++) {
    special[id] = tok.isSpecial(id) ? 1 : 0;
    wordStart[id] = isWordStartPiece(tok.idToPiece(id)) ? 1 : 0;
    if (!special[id]) randomIds.push(id);
  }
  for (const id of [tok.clsId, tok.sepId, tok.maskId, tok.padId]) special[id] = 1;
  return { clsId: tok.clsId, sepId: tok.sepId, maskId: tok.maskId, wordStart, special, randomIds: Int32Array.from(randomIds.filter((id) => !special[id])) };
}
