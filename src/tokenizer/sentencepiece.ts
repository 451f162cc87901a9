// SentencePieceModel: loads a .model file and encodes/decodes exactly as SentencePiece does.
import { readFileSync } from 'node:fs';
import { fileError } from '../errors.js';
import { PieceTrie } from './double_array.js';
import { BpeEncoder, encodeChars, encodeWords, KIND_UNUSED, KIND_USER, Segments, UnigramEncoder, type VocabView } from './encoders.js';
import { compactFromProto, ModelType, parseCompactVocab, PieceType, protoFromCompact, type CompactVocab, type ModelProto, type NormalizerSpec, type TrainerSpec } from './model_proto.js';
import { Normalizer, NormalizerError } from './normalizer.js';
import { decodeUtf8, ProtoError } from './protobuf.js';
import { byteToUtf16Map, Utf8Buffer, utf8Decode, utf8Encode, validCharLen } from './utf8.js';

const SPACE_SYMBOL = '\u2581';

/** One encoded piece with its span in the input (byte offsets into the UTF-8 input). */
export interface EncodedPieces {
  ids: Int32Array;
  /** Byte spans of the input (UTF-8, relative to the encoded range's start) each piece covers; may be empty. */
  begins: Int32Array;
  ends: Int32Array;
  /** Normalized byte spans (for piece text). */
  normBegins: Int32Array;
  normEnds: Int32Array;
  count: number;
}

/** Whether bytes start like spm_train's .vocab output: UTF-8 lines "piece<TAB>score" (the first 4 KiB are read). */
export function isTextVocab(bytes: Uint8Array): boolean {
  const head = bytes.length > 4096 ? bytes.subarray(0, bytes.lastIndexOf(0x0a, 4095) + 1) : bytes; // whole lines only
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    return false;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  return lines.length > 0 && lines.every((l) => /^[^\t]+\t-?\d+(\.\d+)?([eE][-+]?\d+)?\r?$/.test(l));
}

export class SentencePieceModel implements VocabView {
  readonly vocab: CompactVocab;
  readonly trainerSpec: TrainerSpec;
  readonly normalizerSpec: NormalizerSpec;
  readonly vocabSize: number;
  readonly trie: PieceTrie;
  readonly scores: Float32Array;
  readonly kind: Uint8Array;
  readonly pieceLength: Int32Array;
  readonly unkId: number;
  readonly types: Uint8Array;
  /** Piece strings, decoded on first use (saves 30k strings at load). */
  private readonly pieceText: Array<string | undefined>;
  /** Control / unknown / byte pieces (SentencePiece's reserved_id_map). */
  private readonly reserved = new Map<string, number>();
  private readonly byteIds: Int32Array | null;
  readonly normalizer: Normalizer;
  private readonly userTrie: PieceTrie | null;
  private readonly encodeSegments: (s: Uint8Array, size: number, out: Segments) => void;
  private readonly raw = new Segments();
  private readonly buf = new Utf8Buffer();
  private readonly res: EncodedPieces = { ids: new Int32Array(256), begins: new Int32Array(256), ends: new Int32Array(256), normBegins: new Int32Array(256), normEnds: new Int32Array(256), count: 0 };
  private protoCache: ModelProto | null = null;

  /** Reads a .model file; a missing, corrupt or truncated file is a UserError naming it. */
  static load(path: string): SentencePieceModel {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw fileError(path, `cannot read SentencePiece model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return SentencePieceModel.fromBytes(bytes, path);
  }

  static fromBytes(bytes: Uint8Array, name = '<model bytes>'): SentencePieceModel {
    try {
      return new SentencePieceModel(parseCompactVocab(bytes));
    } catch (e) {
      if (e instanceof ProtoError || e instanceof NormalizerError || e instanceof ModelError) {
        if (isTextVocab(bytes)) {
          throw fileError(name, 'is a SentencePiece text vocabulary (.vocab: one "piece<TAB>score" per line), not a .model file; give the .model that spm_train wrote beside it');
        }
        throw fileError(name, `not a valid SentencePiece model: ${e.message}`);
      }
      throw e;
    }
  }

  /** A model from parsed or hand-built ModelProto data (throws ModelError / NormalizerError). */
  static fromProto(proto: ModelProto): SentencePieceModel {
    return new SentencePieceModel(compactFromProto(proto));
  }

  constructor(v: CompactVocab) {
    this.vocab = v;
    this.trainerSpec = v.trainerSpec;
    this.normalizerSpec = v.normalizerSpec;
    const n = v.count;
    const bytes = v.bytes, start = v.start, end = v.end;
    this.vocabSize = n;
    this.scores = v.score.subarray(0, n);
    this.types = v.type.subarray(0, n);
    this.kind = new Uint8Array(n);
    this.pieceLength = new Int32Array(n);
    this.pieceText = new Array<string | undefined>(n);
    const trieIds = new Int32Array(n);
    let trieCount = 0;
    const userKeys: Uint8Array[] = [];
    const byteFallback = v.trainerSpec.byteFallback;
    let unkId = -1;
    let minScore = Infinity, maxScore = -Infinity;
    const byteIds = byteFallback ? new Int32Array(256).fill(-1) : null;
    const types = this.types, scores = this.scores, kind = this.kind, lengths = this.pieceLength;
    let hasUnused = false;
    for (let i = 0; i < n; i++) {
      const type = types[i];
      const len = end[i] - start[i];
      lengths[i] = len;
      if (!Number.isFinite(scores[i])) throw new ModelError(`piece ${i} has a non-finite score (${scores[i]})`);
      if (type === PieceType.NORMAL && len > 0) {
        trieIds[trieCount++] = i;
        const sc = scores[i];
        if (sc < minScore) minScore = sc;
        if (sc > maxScore) maxScore = sc;
        continue;
      }
      if (len === 0) throw new ModelError(`piece ${i} is empty`);
      if (type === PieceType.USER_DEFINED || type === PieceType.UNUSED) {
        trieIds[trieCount++] = i;
        if (type === PieceType.USER_DEFINED) { kind[i] = KIND_USER; userKeys.push(bytes.subarray(start[i], end[i])); }
        else { kind[i] = KIND_UNUSED; hasUnused = true; }
        continue;
      }
      const piece = this.idToPiece(i);
      if (this.reserved.has(piece)) throw new ModelError(`piece "${piece}" is defined twice (ids ${this.reserved.get(piece)} and ${i})`);
      this.reserved.set(piece, i);
      if (type === PieceType.UNKNOWN) {
        if (unkId >= 0) throw new ModelError(`unknown piece defined twice (ids ${unkId} and ${i})`);
        unkId = i;
      }
      if (type === PieceType.BYTE) {
        if (!byteIds) throw new ModelError(`byte piece "${piece}" found although byte_fallback is false`);
        const m = /^<0x([0-9A-F]{2})>$/.exec(piece);
        if (!m) throw new ModelError(`bad byte piece "${piece}"`);
        byteIds[parseInt(m[1], 16)] = i;
      }
    }
    if (unkId < 0) throw new ModelError('no unknown piece (<unk>) is defined');
    if (byteIds && byteIds.includes(-1)) throw new ModelError('byte_fallback is on but not all 256 byte pieces exist');
    this.unkId = unkId;
    this.byteIds = byteIds;
    // As SentencePiece: FLT_MAX/FLT_MIN sentinels fall back to 0 (so all-negative scores give max 0).
    const FLT_MIN = 1.1754943508222875e-38;
    if (minScore === Infinity) minScore = 0;
    if (!(maxScore > FLT_MIN)) maxScore = 0;
    // Unused pieces stay findable by PieceToId but are hidden from the Viterbi walk.
    const unusedMask = hasUnused ? kind.map((k) => (k === KIND_UNUSED ? 1 : 0)) : null;
    const trieStart = new Int32Array(trieCount), trieEnd = new Int32Array(trieCount);
    for (let k = 0; k < trieCount; k++) { trieStart[k] = start[trieIds[k]]; trieEnd[k] = end[trieIds[k]]; }
    this.trie = new PieceTrie(bytes, trieStart, trieEnd, trieIds.subarray(0, trieCount), trieCount, unusedMask);
    const dup = this.trie.duplicate;
    if (dup) throw new ModelError(`piece "${this.idToPiece(dup[1])}" is defined twice (ids ${dup[0]} and ${dup[1]})`);
    this.userTrie = userKeys.length > 0 ? PieceTrie.of(userKeys) : null;
    const t = v.trainerSpec;
    this.normalizer = new Normalizer(v.normalizerSpec, userKeys, t.treatWhitespaceAsSuffix);
    switch (t.modelType) {
      case ModelType.UNIGRAM: { const u = new UnigramEncoder(this, minScore, maxScore); this.encodeSegments = (s, size, out) => u.encode(s, size, out); break; }
      case ModelType.BPE: { const b = new BpeEncoder(this); this.encodeSegments = (s, size, out) => b.encode(s, size, out); break; }
      case ModelType.CHAR: this.encodeSegments = (s, size, out) => encodeChars(this, s, size, out); break;
      case ModelType.WORD: this.encodeSegments = (s, size, out) => encodeWords(this, s, size, out, t.treatWhitespaceAsSuffix); break;
      default: throw new ModelError(`unsupported model_type ${t.modelType}`);
    }
  }

  /** The model as a ModelProto (pieces as strings), built on first use. */
  get proto(): ModelProto {
    return (this.protoCache ??= protoFromCompact({ ...this.vocab, count: this.vocabSize }));
  }

  get modelType(): ModelType { return this.trainerSpec.modelType; }

  pieceToIdBytes(bytes: Uint8Array, start: number, end: number): number {
    const id = this.trie.exact(bytes, start, end);
    if (id >= 0) return id;
    const r = this.reserved.get(utf8Decode(bytes.subarray(start, end)));
    return r ?? this.unkId;
  }

  userPrefix(bytes: Uint8Array, pos: number, end: number): number {
    return this.userTrie === null ? 0 : this.userTrie.longestPrefix(bytes, pos, end);
  }

  /**
   * Encodes input[start..end) (UTF-8 bytes, may be malformed) the way SentencePiece's Encode does.
   * The result is a view on reused buffers, valid until the next call.
   */
  encodeBytes(input: Uint8Array, start = 0, end = input.length): EncodedPieces {
    const norm = this.normalizer;
    norm.normalize(input, start, end);
    const raw = this.raw;
    this.encodeSegments(norm.out, norm.length, raw);
    const res = this.res;
    res.count = 0;
    const map = norm.normToOrig, nb = norm.out;
    let prevUnk = false;
    for (let i = 0; i < raw.count; i++) {
      const id = raw.ids[i], ns = raw.starts[i], ne = raw.ends[i];
      const isUnk = id === this.unkId;
      const ob = map[ns], oe = map[ne];
      if (isUnk && this.byteIds !== null) {
        // Byte fallback: one <0xXX> piece per UTF-8 byte; the last one carries the surface.
        for (let k = ns; k < ne; k++) this.pushRes(this.byteIds[nb[k]], ob, k === ne - 1 ? oe : ob, k, k + 1);
      } else if (isUnk && prevUnk) {
        // Consecutive unknowns become one piece.
        const j = res.count - 1;
        res.ends[j] = oe; res.normEnds[j] = ne;
      } else this.pushRes(id, ob, oe, ns, ne);
      prevUnk = isUnk;
    }
    return res;
  }

  private pushRes(id: number, b: number, e: number, nb: number, ne: number): void {
    const r = this.res;
    if (r.count === r.ids.length) {
      const cap = r.count * 2;
      const g = (a: Int32Array) => { const x = new Int32Array(cap); x.set(a); return x; };
      r.ids = g(r.ids); r.begins = g(r.begins); r.ends = g(r.ends); r.normBegins = g(r.normBegins); r.normEnds = g(r.normEnds);
    }
    const i = r.count++;
    r.ids[i] = id; r.begins[i] = b; r.ends[i] = e; r.normBegins[i] = nb; r.normEnds[i] = ne;
  }

  /** Encodes a string; the view's begins/ends are UTF-8 byte offsets of `text`. */
  encodeString(text: string): EncodedPieces {
    const n = this.buf.encode(text);
    return this.encodeBytes(this.buf.bytes, 0, n);
  }

  encodeIds(text: string): number[] {
    const r = this.encodeString(text);
    return Array.from(r.ids.subarray(0, r.count));
  }

  /** Ids of many texts (a batch for training pipelines), each as its own Int32Array. */
  encodeIdsBatch(texts: readonly string[]): Int32Array[] {
    return texts.map((t) => { const r = this.encodeString(t); return r.ids.slice(0, r.count); });
  }

  encodePieces(text: string): string[] {
    const r = this.encodeString(text);
    return this.piecesOf(r);
  }

  /** Piece strings of an encode result (unknowns as their normalized text, like spm). */
  piecesOf(r: EncodedPieces): string[] {
    const out: string[] = [];
    for (let i = 0; i < r.count; i++) out.push(this.pieceAt(r, i));
    return out;
  }

  /** The i-th piece string of the latest encode result. */
  pieceAt(r: EncodedPieces, i: number): string {
    const id = r.ids[i];
    return id === this.unkId ? utf8Decode(this.normalizer.out.subarray(r.normBegins[i], r.normEnds[i])) : this.idToPiece(id);
  }

  /**
   * Encodes a string and also returns each piece's span in UTF-16 indices of `text` (SentencePiece's
   * begin/end surface offsets).
   */
  encodeWithOffsets(text: string): { ids: number[]; pieces: string[]; offsets: Array<[number, number]> } {
    const r = this.encodeString(text);
    const byteLen = utf8Encode(text).length;
    const map = byteToUtf16Map(text, byteLen);
    const ids: number[] = [], offsets: Array<[number, number]> = [];
    for (let i = 0; i < r.count; i++) {
      ids.push(r.ids[i]);
      offsets.push([map[r.begins[i]], map[r.ends[i]]]);
    }
    return { ids, pieces: this.piecesOf(r), offsets };
  }

  idToPiece(id: number): string {
    this.checkId(id);
    return this.pieceText[id] ??= decodeUtf8(this.vocab.bytes.subarray(this.vocab.start[id], this.vocab.end[id]));
  }

  /** SentencePiece's PieceToId: reserved (control/unknown/byte) pieces first, then the vocabulary, else unk. */
  pieceToId(piece: string): number {
    const r = this.reserved.get(piece);
    if (r !== undefined) return r;
    const b = utf8Encode(piece);
    const id = this.trie.exact(b, 0, b.length);
    return id >= 0 ? id : this.unkId;
  }

  score(id: number): number { return this.scores[id]; }
  isControl(id: number): boolean { return this.types[id] === PieceType.CONTROL; }
  isUnknown(id: number): boolean { return this.types[id] === PieceType.UNKNOWN; }
  isUserDefined(id: number): boolean { return this.types[id] === PieceType.USER_DEFINED; }
  isUnused(id: number): boolean { return this.types[id] === PieceType.UNUSED; }
  isByte(id: number): boolean { return this.types[id] === PieceType.BYTE; }

  /** Id of a special piece from the trainer spec, or -1 when the model has none. */
  get bosId(): number { return this.specialId(this.trainerSpec.bosPiece); }
  get eosId(): number { return this.specialId(this.trainerSpec.eosPiece); }
  get padId(): number { return this.specialId(this.trainerSpec.padPiece); }
  private specialId(piece: string): number { const id = this.pieceToId(piece); return id === this.unkId && piece !== this.idToPiece(id) ? -1 : id; }

  /**
   * Decodes ids back to text as SentencePiece's DecodeIds does: control pieces vanish, unknowns
   * become unk_surface, byte pieces are joined and read as UTF-8 (each malformed byte -> U+FFFD),
   * ▁ becomes a space, and leading ▁ of the text are dropped (only the first one unless
   * remove_extra_whitespaces) when the model adds a dummy prefix or removes extra whitespace.
   */
  decodeIds(ids: ArrayLike<number>): string {
    const spec = this.normalizerSpec;
    const consumeBos = spec.addDummyPrefix || spec.removeExtraWhitespaces;
    let out = '';
    let bytes: number[] = [];
    let isBosWs = true, bosWsSeen = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const type = this.types[this.checkId(id)];
      if (type === PieceType.BYTE) { bytes.push(parseInt(this.idToPiece(id).slice(3, 5), 16)); continue; }
      if (bytes.length > 0) { out += decodeBytesLikeSpm(bytes); bytes = []; }
      if (bosWsSeen || out.length > 0) isBosWs = false;
      bosWsSeen = false;
      if (type === PieceType.CONTROL) continue;
      if (type === PieceType.UNKNOWN) { out += this.trainerSpec.unkSurface; continue; }
      let p = this.idToPiece(id);
      if (isBosWs && consumeBos && p.startsWith(SPACE_SYMBOL)) {
        p = p.slice(1);
        bosWsSeen = !spec.removeExtraWhitespaces;
      }
      out += p.replaceAll(SPACE_SYMBOL, ' ');
    }
    if (bytes.length > 0) out += decodeBytesLikeSpm(bytes);
    return out;
  }

  private checkId(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`piece id ${id} is out of range [0, ${this.vocabSize})`);
    return id;
  }
}

/** UTF-8 bytes to text with SentencePiece's rule: every malformed byte becomes one U+FFFD. */
function decodeBytesLikeSpm(bytes: number[]): string {
  const b = Uint8Array.from(bytes);
  let out = '';
  for (let p = 0; p < b.length;) {
    const n = validCharLen(b, p, b.length);
    if (n === 0) { out += '\ufffd'; p++; } else { out += utf8Decode(b.subarray(p, p + n)); p += n; }
  }
  return out;
}

/** A structurally invalid vocabulary (reported with the file name by load/fromBytes). */
export class ModelError extends Error {}
