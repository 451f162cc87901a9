// SentencePiece ModelProto (sentencepiece_model.proto): the subset of fields the encoder needs,
// read from and written to the protobuf wire format with our own small codec.
import { decodeUtf8, ProtoError, ProtoReader, ProtoWriter, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './protobuf.js';

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
  return protoFromCompact(parseCompactVocab(bytes));
}

/** The pieces of a CompactVocab as objects with strings. */
export function protoFromCompact(v: CompactVocab): ModelProto {
  const pieces: Piece[] = [];
  for (let i = 0; i < v.count; i++) {
    const bytes = v.bytes.subarray(v.start[i], v.end[i]);
    pieces.push({ piece: decodeUtf8(bytes), score: v.score[i], type: v.type[i] as PieceType, bytes });
  }
  return { pieces, trainerSpec: v.trainerSpec, normalizerSpec: v.normalizerSpec, denormalizerSpec: v.denormalizerSpec };
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

/**
 * The vocabulary as parallel typed arrays over one byte buffer (piece i is bytes[start[i]..end[i])):
 * what the encoder needs, read without creating an object or string per piece (fast model loading).
 */
export interface CompactVocab {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  score: Float32Array;
  type: Uint8Array;
  count: number;
  trainerSpec: TrainerSpec;
  normalizerSpec: NormalizerSpec;
  denormalizerSpec: NormalizerSpec | null;
}

/**
 * Parses ModelProto bytes into a CompactVocab (same checks as parseModelProto). The piece loop reads
 * the wire format inline, with no allocation per piece: it runs once per vocabulary entry at load.
 */
export function parseCompactVocab(bytes: Uint8Array): CompactVocab {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let cap = 1024;
  let start = new Int32Array(cap), end = new Int32Array(cap), score = new Float32Array(cap), type = new Uint8Array(cap);
  let count = 0;
  let trainerSpec = defaultTrainerSpec(), normalizerSpec = defaultNormalizerSpec();
  let denormalizerSpec: NormalizerSpec | null = null;
  let p = 0;
  while (p < n) {
    const key = varintAt(bytes, p, n); p = varintEnd;
    const f = Math.floor(key / 8), w = key & 7;
    if (f === 0) throw new ProtoError(`invalid field number 0 at byte ${p}`);
    if (f >= 1 && f <= 5 && f !== 4 && w !== WIRE_LEN) throw new ProtoError(`field ${f} has wire type ${w}, expected ${WIRE_LEN}`);
    if (f < 1 || f > 5 || f === 4) {
      const r = new ProtoReader(bytes, p, n, view);
      r.skip(w);
      p = r.pos;
      continue;
    }
    const len = varintAt(bytes, p, n); p = varintEnd;
    if (len > n - p) throw new ProtoError(`field length ${len} runs past the end of its message at byte ${p}`);
    const s = p, e = p + len;
    p = e;
    if (f === 1) {
      if (count === cap) {
        cap *= 2;
        const s2 = new Int32Array(cap); s2.set(start); start = s2;
        const e2 = new Int32Array(cap); e2.set(end); end = e2;
        const c2 = new Float32Array(cap); c2.set(score); score = c2;
        const t2 = new Uint8Array(cap); t2.set(type); type = t2;
      }
      // SentencePiece message: 1 piece (bytes), 2 score (float), 3 type (enum).
      let q = s, hasPiece = false, t = PieceType.NORMAL as number, sc = 0;
      while (q < e) {
        // One-byte varints (all keys, most lengths) are read inline.
        let k = bytes[q];
        if (k < 0x80) q++; else { k = varintAt(bytes, q, e); q = varintEnd; }
        const kw = k & 7, kf = Math.floor(k / 8);
        if (kw === WIRE_LEN) {
          let l = q < e ? bytes[q] : 0x80;
          if (l < 0x80) q++; else { l = varintAt(bytes, q, e); q = varintEnd; }
          if (l > e - q) throw new ProtoError(`field length ${l} runs past the end of its message at byte ${q}`);
          if (kf === 1) { start[count] = q; end[count] = q + l; hasPiece = true; }
          q += l;
        } else if (kw === WIRE_I32) {
          if (q + 4 > e) throw new ProtoError(`truncated float at byte ${q}`);
          if (kf === 2) sc = view.getFloat32(q, true);
          q += 4;
        } else if (kw === WIRE_VARINT) {
          const v = varintAt(bytes, q, e); q = varintEnd;
          if (kf === 3) t = v >= 2 ** 31 ? v - 2 ** 64 : v;
        } else if (kw === WIRE_I64) {
          if (q + 8 > e) throw new ProtoError(`truncated field at byte ${q}`);
          q += 8;
        } else throw new ProtoError(`unsupported wire type ${kw} at byte ${q}`);
      }
      if (!hasPiece) throw new ProtoError(`piece ${count} has no text`);
      if (!(t in PieceType)) throw new ProtoError(`piece ${count} has unknown type ${t}`);
      score[count] = sc; type[count] = t;
      count++;
    } else if (f === 2) trainerSpec = readTrainer(new ProtoReader(bytes, s, e, view));
    else if (f === 3) normalizerSpec = readNormalizer(new ProtoReader(bytes, s, e, view));
    else denormalizerSpec = readNormalizer(new ProtoReader(bytes, s, e, view));
  }
  if (count === 0) throw new ProtoError('no pieces (not a SentencePiece model?)');
  return { bytes, start, end, score, type, count, trainerSpec, normalizerSpec, denormalizerSpec };
}

/** Position after the varint read by varintAt (a module slot, so reading allocates nothing). */
let varintEnd = 0;

function varintAt(b: Uint8Array, p: number, end: number): number {
  let result = 0, mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= end) throw new ProtoError(`truncated varint at byte ${p}`);
    const c = b[p++];
    result += (c & 0x7f) * mul;
    if (c < 0x80) { varintEnd = p; return result; }
    mul *= 128;
  }
  throw new ProtoError(`varint longer than 10 bytes at byte ${p}`);
}

/** A CompactVocab for pieces given as strings (tokenizer.json, models built in memory). */
export function compactFromProto(m: ModelProto): CompactVocab {
  const enc = new TextEncoder();
  const keys = m.pieces.map((p) => p.bytes ?? enc.encode(p.piece));
  let total = 0;
  for (const k of keys) total += k.length;
  const bytes = new Uint8Array(total);
  const n = keys.length;
  const start = new Int32Array(n), end = new Int32Array(n), score = new Float32Array(n), type = new Uint8Array(n);
  let pos = 0;
  keys.forEach((k, i) => {
    bytes.set(k, pos); start[i] = pos; pos += k.length; end[i] = pos;
    score[i] = m.pieces[i].score; type[i] = m.pieces[i].type;
  });
  return { bytes, start, end, score, type, count: n, trainerSpec: m.trainerSpec, normalizerSpec: m.normalizerSpec, denormalizerSpec: m.denormalizerSpec };
}
