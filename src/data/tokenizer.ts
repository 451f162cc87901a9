// Tokenizers for data creation: a SentencePiece .model file seen through the DataTokenizer interface,
// and the word-level model built for the synthetic corpus.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AlbertTokenizer, PieceType, writeSentencePieceModel } from '../tokenizer/index.js';
import { syntheticWords } from './synthetic.js';
import type { DataTokenizer } from './vocab.js';

/** ALBERT's special pieces and their ids, shared by the released model and ours. */
const SPECIAL_PIECES = [
  { piece: '<pad>', type: PieceType.CONTROL }, { piece: '<unk>', type: PieceType.UNKNOWN },
  { piece: '[CLS]', type: PieceType.CONTROL }, { piece: '[SEP]', type: PieceType.CONTROL }, { piece: '[MASK]', type: PieceType.CONTROL },
];

/** A DataTokenizer over an ALBERT tokenizer (HF AlbertTokenizer's preprocessing + SentencePiece). */
export function albertDataTokenizer(t: AlbertTokenizer): DataTokenizer {
  const sp = t.sp;
  return {
    vocabSize: t.vocabSize, clsId: t.clsId, sepId: t.sepId, maskId: t.maskId, padId: t.padId, unkId: t.unkId,
    idToPiece: (i) => sp.idToPiece(i),
    isSpecial: (i) => sp.isControl(i) || sp.isUnknown(i),
    encodeText: (text) => t.encodeIds(text),
  };
}

/** Load a .model (or tokenizer.json) for data creation, with its sha256 (recorded in the data's index). */
export function loadDataTokenizer(file: string): { tokenizer: DataTokenizer; albert: AlbertTokenizer; sha256: string } {
  const albert = AlbertTokenizer.load(file);
  return { tokenizer: albertDataTokenizer(albert), albert, sha256: fileSha256(file) };
}

export function fileSha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The synthetic corpus's tokenizer: one piece per word, ALBERT's special ids 0..4. */
export function syntheticTokenizerModel(): Uint8Array {
  return writeSentencePieceModel({
    pieces: [
      ...SPECIAL_PIECES.map((p) => ({ ...p, score: 0 })),
      ...syntheticWords().map((w) => ({ piece: '\u2581' + w, score: -1 })),
    ],
    trainerSpec: { unkId: 1, bosId: 2, eosId: 3, padId: 0, unkPiece: '<unk>', bosPiece: '[CLS]', eosPiece: '[SEP]', padPiece: '<pad>' },
  });
}
