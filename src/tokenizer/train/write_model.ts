// The trained pieces as a SentencePiece ModelProto: ALBERT's special pieces first (<pad> 0,
// <unk> 1, [CLS] [SEP] [MASK] as control pieces), then the pieces in score order; the nmt_nfkc
// normalizer with our own precompiled charsmap.
import { ModelType, PieceType, writeSentencePieceModel } from '../model_proto.js';
import { nmtNfkcCharsmap } from './charsmap.js';
import type { ScoredPiece } from './unigram.js';

export const ALBERT_SPECIALS: Array<{ piece: string; type: PieceType }> = [
  { piece: '<pad>', type: PieceType.CONTROL },
  { piece: '<unk>', type: PieceType.UNKNOWN },
  { piece: '[CLS]', type: PieceType.CONTROL },
  { piece: '[SEP]', type: PieceType.CONTROL },
  { piece: '[MASK]', type: PieceType.CONTROL },
];

export function trainedModelBytes(pieces: ScoredPiece[], modelType: ModelType): Uint8Array {
  const all = [...ALBERT_SPECIALS.map((s) => ({ piece: s.piece, score: 0, type: s.type })), ...pieces.map(([piece, score]) => ({ piece, score, type: PieceType.NORMAL }))];
  return writeSentencePieceModel({
    pieces: all,
    trainerSpec: { modelType, vocabSize: all.length, unkId: 1, bosId: -1, eosId: -1, padId: 0 },
    normalizerSpec: { name: 'nmt_nfkc', precompiledCharsmap: nmtNfkcCharsmap(), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  });
}
