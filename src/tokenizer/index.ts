// Public API of the tokenizer room.
export { SentencePieceModel, ModelError, type EncodedPieces } from './sentencepiece.js';
export { writeSentencePieceModel, parseModelProto, PieceType, ModelType, type ModelSpec, type ModelProto, type Piece, type TrainerSpec, type NormalizerSpec } from './model_proto.js';
export { AlbertTokenizer, cleanUpTokenization, type Encoding, type EncodeOptions, type AlbertOptions, type TruncationStrategy, type PaddingStrategy } from './albert.js';
export { readTokenizerJson, fromTokenizerJson } from './hf_json.js';
export { preprocess, isPythonSpace, isCombining } from './preprocess.js';
