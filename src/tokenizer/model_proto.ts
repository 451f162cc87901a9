// SentencePiece ModelProto (sentencepiece_model.proto): the subset of fields the encoder needs,
// read from and written to the protobuf wire format with our own small codec.
import { decodeUtf8, ProtoError, ProtoReader, ProtoWriter, WIRE_I32, WIRE_LEN, WIRE_VARINT } from './protobuf.js';

export enum PieceType { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6 }
export enum ModelType { UNIGRAM = 1, BPE = 2, WORD = 3, CHAR = 4 }

export interface Piece {
  piece: string; score: number; type: PieceType;
  /** The piece's UTF-8 bytes when parsed from a file (saves re-encoding). */
  bytes?: Uint8Array;
}

export interface TrainerSpec {
  modelType: ModelType;
  vocabSize: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  unkId: number; bosId: number; eosId: number; padId: number;
  unkPiece: string; bosPiece: string; eosPiece: string; padPiece: string;
  unkSurface: string;
}

export interface NormalizerSpec {
  name: string;
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface ModelProto {
  pieces: Piece[];
  trainerSpec: TrainerSpec;
  normalizerSpec: NormalizerSpec;
  /** Present in the file (field 5) or null. Only decoding would use it. */
  denormalizerSpec: NormalizerSpec | null;
}

/** Defaults of sentencepiece_model.proto, used for fields absent from a file. */
export function defaultTrainerSpec(): TrainerSpec {
  return {
    modelType: ModelType.UNIGRAM, vocabSize: 8000, byteFallback: false, treatWhitespaceAsSuffix: false,
    unkId: 0, bosId: 1, eosId: 2, padId: -1,
    unkPiece: '<unk>', bosPiece: '<s>', eosPiece: '</s>', padPiece: '<pad>',
    unkSurface: ' \u2047 ',
  };
}

export function defaultNormalizerSpec(): NormalizerSpec {
  return { name: 'nmt_nfkc', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true };
}

function expectWire(r: ProtoReader, wire: number, want: number, what: string): boolean {
  if (wire === want) return true;
  throw new ProtoError(`${what} has wire type ${wire}, expected ${want}`);
}

function readPiece(r: ProtoReader): Piece {
  const p: Piece = { piece: '', score: 0, type: PieceType.NORMAL };
  let hasPiece = false;
  while (!r.done()) {
    const [f, w] = r.key();
    if (f === 1 && expectWire(r, w, WIRE_LEN, 'piece')) { p.bytes = r.bytes(); p.piece = decodeUtf8(p.bytes); hasPiece = true; }
    else if (f === 2 && expectWire(r, w, WIRE_I32, 'score')) p.score = r.float();
    else if (f === 3 && expectWire(r, w, WIRE_VARINT, 'type')) p.type = r.int32();
    else r.skip(w);
  }
  if (!hasPiece) throw new ProtoError('a piece has no text');
  if (!(p.type in PieceType)) throw new ProtoError(`piece "${p.piece}" has unknown type ${p.type}`);
  return p;
}

function readTrainer(r: ProtoReader): TrainerSpec {
  const t = defaultTrainerSpec();
  while (!r.done()) {
    const [f, w] = r.key();
    if (w === WIRE_VARINT) {
      const v = r.int32();
      switch (f) {
        case 3: t.modelType = v; break;
        case 4: t.vocabSize = v; break;
        case 24: t.treatWhitespaceAsSuffix = v !== 0; break;
        case 35: t.byteFallback = v !== 0; break;
        case 40: t.unkId = v; break;
        case 41: t.bosId = v; break;
        case 42: t.eosId = v; break;
        case 43: t.padId = v; break;
      }
    } else if (w === WIRE_LEN && f >= 44 && f <= 48) {
      const s = r.string();
      if (f === 44) t.unkSurface = s; else if (f === 45) t.unkPiece = s; else if (f === 46) t.bosPiece = s;
      else if (f === 47) t.eosPiece = s; else t.padPiece = s;
    } else r.skip(w);
  }
  if (!(t.modelType in ModelType)) throw new ProtoError(`unknown model_type ${t.modelType}`);
  return t;
}

function readNormalizer(r: ProtoReader): NormalizerSpec {
  const n = defaultNormalizerSpec();
  while (!r.done()) {
    const [f, w] = r.key();
    if (f === 1 && w === WIRE_LEN) n.name = r.string();
    else if (f === 2 && w === WIRE_LEN) n.precompiledCharsmap = r.bytes();
    else if (f === 3 && w === WIRE_VARINT) n.addDummyPrefix = r.varint() !== 0;
    else if (f === 4 && w === WIRE_VARINT) n.removeExtraWhitespaces = r.varint() !== 0;
    else if (f === 5 && w === WIRE_VARINT) n.escapeWhitespaces = r.varint() !== 0;
    else r.skip(w);
  }
  return n;
}

/** Parses ModelProto bytes; throws ProtoError with the problem (no file name). */
export function parseModelProto(bytes: Uint8Array): ModelProto {
  const r = new ProtoReader(bytes);
  const m: ModelProto = { pieces: [], trainerSpec: defaultTrainerSpec(), normalizerSpec: defaultNormalizerSpec(), denormalizerSpec: null };
  while (!r.done()) {
    const [f, w] = r.key();
    if (f >= 1 && f <= 5 && f !== 4) {
      expectWire(r, w, WIRE_LEN, `field ${f}`);
      const [s, e] = r.lengthDelimited();
      const sub = r.sub(s, e);
      if (f === 1) m.pieces.push(readPiece(sub));
      else if (f === 2) m.trainerSpec = readTrainer(sub);
      else if (f === 3) m.normalizerSpec = readNormalizer(sub);
      else m.denormalizerSpec = readNormalizer(sub);
    } else r.skip(w);
  }
  if (m.pieces.length === 0) throw new ProtoError('no pieces (not a SentencePiece model?)');
  return m;
}

/** What writeSentencePieceModel needs; anything omitted takes SentencePiece's defaults. */
export interface ModelSpec {
  pieces: Array<{ piece: string; score: number; type?: PieceType }>;
  trainerSpec?: Partial<TrainerSpec>;
  normalizerSpec?: Partial<NormalizerSpec>;
}

/**
 * Serializes a ModelProto (unigram by default) that SentencePiece itself can load, e.g. a
 * word-level vocabulary for a synthetic corpus. Pieces keep their order (= ids).
 */
export function writeSentencePieceModel(spec: ModelSpec): Uint8Array {
  const t = { ...defaultTrainerSpec(), vocabSize: spec.pieces.length, ...spec.trainerSpec };
  const n = { ...defaultNormalizerSpec(), name: 'identity', ...spec.normalizerSpec };
  const out = new ProtoWriter();
  for (const p of spec.pieces) {
    const w = new ProtoWriter();
    w.string(1, p.piece);
    w.float(2, p.score);
    w.varint(3, p.type ?? PieceType.NORMAL);
    out.bytes(1, w.finish());
  }
  const tw = new ProtoWriter();
  tw.varint(3, t.modelType);
  tw.varint(4, t.vocabSize);
  tw.bool(24, t.treatWhitespaceAsSuffix);
  tw.bool(35, t.byteFallback);
  tw.varint(40, t.unkId); tw.varint(41, t.bosId); tw.varint(42, t.eosId); tw.varint(43, t.padId);
  tw.string(44, t.unkSurface);
  tw.string(45, t.unkPiece); tw.string(46, t.bosPiece); tw.string(47, t.eosPiece); tw.string(48, t.padPiece);
  out.bytes(2, tw.finish());
  const nw = new ProtoWriter();
  nw.string(1, n.name);
  if (n.precompiledCharsmap.length > 0) nw.bytes(2, n.precompiledCharsmap);
  nw.bool(3, n.addDummyPrefix);
  nw.bool(4, n.removeExtraWhitespaces);
  nw.bool(5, n.escapeWhitespaces);
  out.bytes(3, nw.finish());
  return out.finish();
}
