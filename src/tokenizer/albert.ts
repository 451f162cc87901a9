// The ALBERT tokenizer as HF's AlbertTokenizer: special tokens found whole, HF preprocessing,
// SentencePiece, the digit-comma rule, [CLS] A [SEP] B [SEP] with token types, truncation with
// stride/overflowing windows, padding, offsets into the original text, and decode.
import { fileError } from '../errors.js';
import { identity, isPythonDigit, isPythonSpace, lowerCase, lowerText, preprocess, preprocessText, sliceAligned, type Aligned, type PreprocessOptions } from './preprocess.js';
import { SentencePieceModel } from './sentencepiece.js';
import { readTokenizerJson } from './hf_json.js';

const SPIECE_UNDERLINE = '\u2581';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export type PaddingStrategy = 'longest' | 'max_length' | 'do_not_pad';

export interface EncodeOptions {
  /** Add [CLS]/[SEP] (default true). */
  addSpecialTokens?: boolean;
  /** Length limit for truncation and for padding: 'max_length'. */
  maxLength?: number;
  /** true = 'longest_first' (needs maxLength). Default: no truncation. */
  truncation?: boolean | TruncationStrategy;
  /** Tokens of overlap between overflowing windows (default 0). */
  stride?: number;
  /** true = 'longest' (batch) ; 'max_length' pads to maxLength. */
  padding?: boolean | PaddingStrategy;
  /** Fill `offsets` (spans in the original text; specials and padding get [0, 0]). */
  returnOffsets?: boolean;
  /** Keep what truncation cut as further windows in `overflowing` (only_first / only_second / single). */
  returnOverflowing?: boolean;
}

export interface Encoding {
  ids: number[];
  tokens: string[];
  /** Token type (segment) ids: 0 for [CLS] A [SEP], 1 for B [SEP]; 0 for padding. */
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  /** 0 / 1: which input sequence a token came from; null for special tokens and padding. */
  sequenceIds: Array<number | null>;
  /** [start, end) UTF-16 offsets into the sequence's own original text. */
  offsets?: Array<[number, number]>;
  overflowing?: Encoding[];
}

/** One tokenized sequence before special tokens: parallel arrays (offsets only when asked for). */
interface Seq { ids: number[]; tokens: string[]; offsets: Array<[number, number]> | null }

export interface AlbertOptions extends Partial<PreprocessOptions> {
  /** Names the model in error messages (load() passes the path). */
  name?: string;
  clsToken?: string; sepToken?: string; maskToken?: string; padToken?: string; unkToken?: string;
}

export class AlbertTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly clsToken: string; readonly sepToken: string; readonly maskToken: string; readonly padToken: string; readonly unkToken: string;
  readonly pre: PreprocessOptions;
  /** Special token strings, longest first (matched whole in the input text). */
  private readonly specials: string[];
  private readonly specialIds: Set<number>;

  /** Loads spiece.model (SentencePiece) or an HF tokenizer.json. */
  static load(path: string, opts: AlbertOptions = {}): AlbertTokenizer {
    if (path.endsWith('.json')) {
      const { model, options } = readTokenizerJson(path);
      return new AlbertTokenizer(model, { name: path, ...options, ...opts });
    }
    return new AlbertTokenizer(SentencePieceModel.load(path), { name: path, ...opts });
  }

  constructor(readonly sp: SentencePieceModel, opts: AlbertOptions = {}) {
    this.pre = { removeSpace: opts.removeSpace ?? true, keepAccents: opts.keepAccents ?? false, doLowerCase: opts.doLowerCase ?? true };
    this.clsToken = opts.clsToken ?? '[CLS]';
    this.sepToken = opts.sepToken ?? '[SEP]';
    this.maskToken = opts.maskToken ?? '[MASK]';
    this.padToken = opts.padToken ?? '<pad>';
    this.unkToken = opts.unkToken ?? '<unk>';
    const id = (t: string, what: string) => {
      const i = sp.pieceToId(t);
      if (i === sp.unkId && t !== sp.idToPiece(sp.unkId)) throw fileError(opts.name ?? 'tokenizer', `the vocabulary has no ${what} token "${t}" (not an ALBERT model? use --raw for plain SentencePiece)`);
      return i;
    };
    this.clsId = id(this.clsToken, 'CLS');
    this.sepId = id(this.sepToken, 'SEP');
    this.maskId = id(this.maskToken, 'MASK');
    this.padId = id(this.padToken, 'padding');
    this.unkId = sp.unkId;
    this.specials = [...new Set([this.clsToken, this.sepToken, this.unkToken, this.padToken, this.maskToken])].sort((a, b) => b.length - a.length);
    this.specialIds = new Set([this.clsId, this.sepId, this.maskId, this.padId, this.unkId]);
  }

  get vocabSize(): number { return this.sp.vocabSize; }

  /** ALBERT pieces of `text`, without [CLS]/[SEP] (HF's tokenize()). */
  tokenize(text: string): string[] {
    return this.tokenizeSeq(text, false).tokens;
  }

  /** Ids of `text` without [CLS]/[SEP]. */
  encodeIds(text: string): number[] {
    return this.tokenizeSeq(text, false).ids;
  }

  private tokenizeSeq(text: string, withOffsets: boolean): Seq {
    const seq: Seq = { ids: [], tokens: [], offsets: withOffsets ? [] : null };
    if (!withOffsets) {
      // Same steps on plain strings (no alignment bookkeeping): the fast path for training data.
      const lowered = this.pre.doLowerCase ? this.lowerOutsideSpecials(text) : text;
      let chunkStart = 0;
      for (let i = 0; i < lowered.length;) {
        const special = this.specialAt(lowered, i);
        if (special === null) { i++; continue; }
        this.tokenizeText(lowered.slice(chunkStart, i), seq);
        seq.ids.push(this.sp.pieceToId(special)); seq.tokens.push(special);
        i += special.length;
        chunkStart = i;
      }
      this.tokenizeText(lowered.slice(chunkStart), seq);
      return seq;
    }
    let a = identity(text);
    // HF lower-cases everything but the special tokens first (so "<PAD>" becomes the pad token).
    if (this.pre.doLowerCase) a = lowerCase(a, (t, i) => this.specialAt(t, i)?.length ?? 0);
    const t = a.text;
    let chunkStart = 0;
    for (let i = 0; i < t.length;) {
      const special = this.specialAt(t, i);
      if (special === null) { i++; continue; }
      this.tokenizeChunk(sliceAligned(a, chunkStart, i), seq);
      seq.ids.push(this.sp.pieceToId(special)); seq.tokens.push(special); seq.offsets!.push([a.start[i], a.end[i + special.length - 1]]);
      i += special.length;
      chunkStart = i;
    }
    this.tokenizeChunk(sliceAligned(a, chunkStart, t.length), seq);
    return seq;
  }

  /** Lower-cases code point by code point, leaving special tokens as they are. */
  private lowerOutsideSpecials(text: string): string {
    let out = '';
    let from = 0;
    for (let i = 0; i < text.length;) {
      const special = this.specialAt(text, i);
      if (special === null) { i++; continue; }
      out += lowerText(text.slice(from, i)) + special;
      i += special.length;
      from = i;
    }
    return out + lowerText(text.slice(from));
  }

  /** HF's _tokenize on one chunk, without offsets. */
  private tokenizeText(chunk: string, seq: Seq): void {
    if (chunk.length === 0) return;
    const pre = preprocessText(chunk, this.pre);
    if (pre.length === 0) return;
    const r = this.sp.encodeString(pre);
    // Copy out first: the digit-comma rule encodes again, reusing the model's result buffers.
    const n = r.count;
    const ids = r.ids.slice(0, n);
    const pieces: string[] = new Array(n);
    for (let k = 0; k < n; k++) pieces[k] = this.sp.pieceAt(r, k);
    for (let k = 0; k < n; k++) {
      const split = pieces[k].endsWith(',') ? this.splitDigitComma(pieces[k]) : null;
      if (split !== null) { for (const p of split) { seq.ids.push(this.sp.pieceToId(p)); seq.tokens.push(p); } continue; }
      seq.ids.push(ids[k]); seq.tokens.push(pieces[k]);
    }
  }

  /** HF's digit-comma rule: "<...digit>," is re-encoded without the comma (and ▁), the comma kept apart. */
  private splitDigitComma(piece: string): string[] | null {
    const last = piece.length - 1;
    if (!(piece.length > 1 && piece[last] === ',' && isPythonDigit(codePointBefore(piece, last)))) return null;
    let cur = this.sp.encodePieces(piece.slice(0, -1).replaceAll(SPIECE_UNDERLINE, ''));
    if (piece[0] !== SPIECE_UNDERLINE && cur.length > 0 && cur[0][0] === SPIECE_UNDERLINE) {
      if (cur[0].length === 1) cur = cur.slice(1); else cur[0] = cur[0].slice(1);
    }
    cur.push(',');
    return cur;
  }

  private specialAt(text: string, i: number): string | null {
    const c = text.charCodeAt(i);
    if (c !== 0x5b /* [ */ && c !== 0x3c /* < */) {
      // Fast exit: all default specials start with '[' or '<'; custom ones are checked below.
      let any = false;
      for (const s of this.specials) if (s.charCodeAt(0) === c) { any = true; break; }
      if (!any) return null;
    }
    for (const s of this.specials) if (text.startsWith(s, i)) return s;
    return null;
  }

  /** HF's _tokenize on one chunk between special tokens. */
  private tokenizeChunk(chunk: Aligned, seq: Seq): void {
    if (chunk.text.length === 0) return;
    const a = preprocess(chunk, this.pre);
    if (a.text.length === 0) return;
    const enc = this.sp.encodeWithOffsets(a.text);
    const n = a.text.length;
    const toOrig = (s: number, e: number): [number, number] => {
      if (e <= s) { const p = s < n ? a.start[s] : a.end[n - 1]; return [p, p]; }
      return [a.start[s], a.end[e - 1]];
    };
    for (let k = 0; k < enc.ids.length; k++) {
      const piece = enc.pieces[k];
      const [s, e] = enc.offsets[k];
      const split = this.splitDigitComma(piece);
      if (split !== null) {
        // Offsets: walk the piece's surface, skipping spaces, a sub-piece's characters at a time.
        let pos = s;
        while (pos < e - 1 && a.text[pos] === ' ') pos++;
        for (const p of split.slice(0, -1)) {
          const len = p.replaceAll(SPIECE_UNDERLINE, '').length;
          const from = Math.min(pos, e - 1), to = Math.min(pos + len, e - 1);
          seq.ids.push(this.sp.pieceToId(p)); seq.tokens.push(p); seq.offsets!.push(toOrig(from, to));
          pos = to;
        }
        seq.ids.push(this.sp.pieceToId(',')); seq.tokens.push(','); seq.offsets!.push(toOrig(e - 1, e));
        continue;
      }
      seq.ids.push(enc.ids[k]); seq.tokens.push(piece); seq.offsets!.push(toOrig(s, e));
    }
  }

  /** One sequence or a pair, as model inputs. */
  encode(text: string, pair?: string | null, opts: EncodeOptions = {}): Encoding {
    const offsets = !!opts.returnOffsets;
    const a = this.tokenizeSeq(text, offsets);
    const b = pair === undefined || pair === null ? null : this.tokenizeSeq(pair, offsets);
    return this.prepare(a, b, opts);
  }

  /** Batch encode: inputs are texts or [text, pair]; padding 'longest' pads to the batch's longest. */
  encodeBatch(inputs: Array<string | [string, string]>, opts: EncodeOptions = {}): Encoding[] {
    const pad = normalizePadding(opts.padding);
    const perItem = { ...opts, padding: pad === 'max_length' ? 'max_length' as const : 'do_not_pad' as const };
    const out = inputs.map((x) => (typeof x === 'string' ? this.encode(x, null, perItem) : this.encode(x[0], x[1], perItem)));
    if (pad === 'longest') {
      let longest = 0;
      for (const e of out) longest = Math.max(longest, e.ids.length);
      for (const e of out) this.padTo(e, longest, !!opts.returnOffsets);
    }
    return out;
  }

  /**
   * Decodes ids to text as HF's AlbertTokenizer: runs of ordinary pieces are decoded by
   * SentencePiece, special tokens are written verbatim (a space before a special that follows
   * text), then the result is stripped and clean_up_tokenization applied.
   */
  decode(ids: ArrayLike<number>, opts: { skipSpecialTokens?: boolean } = {}): string {
    let out = '';
    let run: number[] = [];
    let prevSpecial = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (this.specialIds.has(id)) {
        if (opts.skipSpecialTokens) continue;
        if (!prevSpecial) out += ' ';
        out += this.sp.decodeIds(run) + this.sp.idToPiece(id);
        run = [];
        prevSpecial = true;
      } else {
        run.push(id);
        prevSpecial = false;
      }
    }
    out += this.sp.decodeIds(run);
    return cleanUpTokenization(pythonStrip(out));
  }

  private prepare(a: Seq, b: Seq | null, opts: EncodeOptions): Encoding {
    const add = opts.addSpecialTokens ?? true;
    const strategy = normalizeTruncation(opts.truncation, opts.maxLength);
    const padding = normalizePadding(opts.padding);
    const stride = opts.stride ?? 0;
    const maxLength = opts.maxLength;
    const nSpecial = add ? (b ? 3 : 2) : 0;
    if (strategy !== 'do_not_truncate' && maxLength === undefined) throw new RangeError('truncation needs maxLength');
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 0)) throw new RangeError(`maxLength must be a non-negative integer, got ${maxLength}`);
    if (!Number.isInteger(stride) || stride < 0) throw new RangeError(`stride must be a non-negative integer, got ${stride}`);
    let windows: Array<[Seq, Seq | null]> = [[a, b]];
    if (strategy !== 'do_not_truncate' && maxLength !== undefined) {
      const excess = a.ids.length + (b ? b.ids.length : 0) + nSpecial - maxLength;
      if (excess > 0) windows = this.truncate(a, b, strategy, excess, stride, !!opts.returnOverflowing);
    }
    const encs = windows.map(([x, y]) => this.assemble(x, y, add, !!opts.returnOffsets));
    for (const e of encs) if (padding === 'max_length' && maxLength !== undefined) this.padTo(e, maxLength, !!opts.returnOffsets);
    const first = encs[0];
    if (opts.returnOverflowing) first.overflowing = encs.slice(1);
    return first;
  }

  /** Returns the truncated pair first, then (if asked) the overflowing windows. */
  private truncate(a: Seq, b: Seq | null, strategy: TruncationStrategy, excess: number, stride: number, overflow: boolean): Array<[Seq, Seq | null]> {
    if (strategy === 'longest_first' && b !== null) {
      if (overflow) throw new RangeError("returnOverflowing with a pair needs truncation 'only_first' or 'only_second'");
      let la = a.ids.length, lb = b.ids.length;
      for (let k = 0; k < excess; k++) { if (la > lb) la--; else lb--; }
      return [[slice(a, 0, la), slice(b, 0, lb)]];
    }
    const second = strategy === 'only_second';
    if (second && b === null) throw new RangeError("truncation 'only_second' needs a pair");
    const target = second ? b! : a;
    const other = second ? a : b;
    if (target.ids.length <= excess) {
      throw new RangeError(`cannot truncate to maxLength: the ${second ? 'second' : 'first'} sequence has ${target.ids.length} tokens but ${excess} must go (try another truncation strategy)`);
    }
    const keep = target.ids.length - excess; // window length for the target sequence
    const make = (w: Seq): [Seq, Seq | null] => (second ? [other!, w] : [w, other]);
    if (!overflow) return [make(slice(target, 0, keep))];
    return overflowWindows(target.ids.length, keep, stride).map(([start, stop]) => make(slice(target, start, stop)));
  }

  private assemble(a: Seq, b: Seq | null, add: boolean, offsets: boolean): Encoding {
    const e: Encoding = { ids: [], tokens: [], typeIds: [], attentionMask: [], specialTokensMask: [], sequenceIds: [] };
    if (offsets) e.offsets = [];
    const special = (id: number, tok: string, type: number) => {
      e.ids.push(id); e.tokens.push(tok); e.typeIds.push(type); e.attentionMask.push(1); e.specialTokensMask.push(1); e.sequenceIds.push(null);
      e.offsets?.push([0, 0]);
    };
    const seq = (s: Seq, type: number) => {
      for (let i = 0; i < s.ids.length; i++) {
        e.ids.push(s.ids[i]); e.tokens.push(s.tokens[i]); e.typeIds.push(type); e.attentionMask.push(1); e.specialTokensMask.push(0); e.sequenceIds.push(type);
        e.offsets?.push(s.offsets![i]);
      }
    };
    if (add) special(this.clsId, this.clsToken, 0);
    seq(a, 0);
    if (add) special(this.sepId, this.sepToken, 0);
    if (b) {
      seq(b, 1);
      if (add) special(this.sepId, this.sepToken, 1);
    }
    return e;
  }

  private padTo(e: Encoding, length: number, offsets: boolean): void {
    while (e.ids.length < length) {
      e.ids.push(this.padId); e.tokens.push(this.padToken); e.typeIds.push(0); e.attentionMask.push(0); e.specialTokensMask.push(1); e.sequenceIds.push(null);
      if (offsets) e.offsets!.push([0, 0]);
    }
    if (e.overflowing) for (const o of e.overflowing) this.padTo(o, length, offsets);
  }
}

/**
 * HF's overflowing windows over `total` tokens: `keep` tokens each, the next starting `keep - stride`
 * after the previous (`stride` = tokens of overlap), until one reaches the end. [start, stop) pairs.
 */
export function overflowWindows(total: number, keep: number, stride: number): Array<[number, number]> {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`the window length must be a positive integer, got ${keep}`);
  if (stride >= keep) throw new RangeError(`stride (${stride}) must be smaller than the window length (${keep})`);
  const out: Array<[number, number]> = [];
  for (let start = 0; ; start += keep - stride) {
    const stop = Math.min(start + keep, total);
    out.push([start, stop]);
    if (stop === total) return out;
  }
}

/** The code point that ends just before UTF-16 index i. */
function codePointBefore(s: string, i: number): number {
  const lo = s.charCodeAt(i - 1);
  if ((lo & 0xfc00) === 0xdc00 && i >= 2) { const hi = s.charCodeAt(i - 2); if ((hi & 0xfc00) === 0xd800) return s.codePointAt(i - 2)!; }
  return lo;
}

function slice(s: Seq, a: number, b: number): Seq {
  return { ids: s.ids.slice(a, b), tokens: s.tokens.slice(a, b), offsets: s.offsets && s.offsets.slice(a, b) };
}

function normalizeTruncation(t: EncodeOptions['truncation'], maxLength: number | undefined): TruncationStrategy {
  if (t === undefined || t === false) return 'do_not_truncate';
  if (t === true) return maxLength === undefined ? 'do_not_truncate' : 'longest_first';
  if (!['longest_first', 'only_first', 'only_second', 'do_not_truncate'].includes(t)) throw new RangeError(`unknown truncation strategy "${t}"`);
  return t;
}

function normalizePadding(p: EncodeOptions['padding']): PaddingStrategy {
  if (p === undefined || p === false) return 'do_not_pad';
  if (p === true) return 'longest';
  if (!['longest', 'max_length', 'do_not_pad'].includes(p)) throw new RangeError(`unknown padding strategy "${p}"`);
  return p;
}

/** Python's str.strip() (its whitespace set differs from JS trim()). */
function pythonStrip(s: string): string {
  let a = 0, b = s.length;
  while (a < b && isPythonSpace(s.charCodeAt(a))) a++;
  while (b > a && isPythonSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** HF's clean_up_tokenization: removes the space before punctuation and English contractions. */
export function cleanUpTokenization(s: string): string {
  return s.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

