// `albert tokenize`: one output line of ids (or pieces) per input line, as plain SentencePiece
// (--raw, byte-exact with spm_encode, malformed UTF-8 included) or as HF's AlbertTokenizer.
import { AlbertTokenizer, SentencePieceModel, readTokenizerJson } from '../tokenizer/index.js';
import { IdLineWriter } from '../tokenizer/id_writer.js';
import { intFlag, parseCommandArgs, required } from './args.js';
import { UserError } from '../errors.js';

export const summary = 'text to ALBERT / SentencePiece ids or pieces, one line per input line';

export const help = `usage: albert tokenize --model spiece.model [--raw] [--pieces] [--pair] [--max-length N] < in.txt > out.txt

Reads lines from stdin and writes one line of space-separated ids per input line.

flags:
  --model FILE      SentencePiece model (spiece.model / *.model) or HF tokenizer.json
  --raw             plain SentencePiece, exactly as spm_encode: no ALBERT preprocessing, no [CLS]/[SEP]
  --pieces          print pieces instead of ids
  --pair            lines are "A<TAB>B" pairs: [CLS] A [SEP] B [SEP] (ALBERT mode only)
  --max-length N    truncate (longest first) to N tokens including [CLS]/[SEP] (ALBERT mode only)

The default is HF's AlbertTokenizer (lower-case, accents stripped, [CLS] ... [SEP]); its input must
be UTF-8. --raw takes any bytes and treats malformed UTF-8 as SentencePiece does.`;

export interface TokenizeOptions { model: string; raw?: boolean; pieces?: boolean; pair?: boolean; maxLength?: number }

/** Turns input lines into output lines; feed it bytes in chunks, then call end(). */
export class LineTokenizer {
  private readonly sp: SentencePieceModel | null = null;
  private readonly albert: AlbertTokenizer | null = null;
  private readonly out = new IdLineWriter();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly encoder = new TextEncoder();
  private carry: Uint8Array = new Uint8Array(0);
  private lineNo = 0;

  constructor(readonly opts: TokenizeOptions, readonly inputName = '<stdin>') {
    if (opts.raw && opts.pair) throw new UserError('--pair cannot be combined with --raw (raw mode has no [SEP])');
    if (opts.raw && opts.maxLength !== undefined) throw new UserError('--max-length cannot be combined with --raw');
    if (opts.raw) this.sp = opts.model.endsWith('.json') ? readTokenizerJson(opts.model).model : SentencePieceModel.load(opts.model);
    else this.albert = AlbertTokenizer.load(opts.model);
  }

  /** Processes the complete lines of `chunk` (plus what was carried over); returns output bytes. */
  push(chunk: Uint8Array): Uint8Array {
    let buf = chunk;
    if (this.carry.length > 0) { buf = new Uint8Array(this.carry.length + chunk.length); buf.set(this.carry); buf.set(chunk, this.carry.length); }
    let s = 0;
    for (let i = buf.indexOf(10, s); i >= 0; i = buf.indexOf(10, s)) { this.line(buf, s, i); s = i + 1; }
    this.carry = buf.slice(s);
    return this.out.take();
  }

  /** Flushes a last line without a final newline. */
  end(): Uint8Array {
    if (this.carry.length > 0) { this.line(this.carry, 0, this.carry.length); this.carry = new Uint8Array(0); }
    return this.out.take();
  }

  private line(buf: Uint8Array, s: number, e: number): void {
    this.lineNo++;
    if (this.sp !== null) {
      const r = this.sp.encodeBytes(buf, s, e);
      if (this.opts.pieces) this.text(this.sp.piecesOf(r));
      else this.out.line(r.ids, r.count);
      return;
    }
    let text: string;
    try {
      text = this.decoder.decode(buf.subarray(s, e));
    } catch {
      throw new UserError(`${this.inputName} line ${this.lineNo}: not valid UTF-8 (--raw encodes any bytes as spm_encode does)`);
    }
    let pair: string | null = null;
    if (this.opts.pair) {
      const tab = text.indexOf('\t');
      if (tab < 0) throw new UserError(`${this.inputName} line ${this.lineNo}: --pair needs "A<TAB>B", found no tab`);
      pair = text.slice(tab + 1);
      text = text.slice(0, tab);
    }
    const enc = this.albert!.encode(text, pair, this.opts.maxLength === undefined ? {} : { maxLength: this.opts.maxLength, truncation: true });
    if (this.opts.pieces) this.text(enc.tokens);
    else this.out.line(enc.ids);
  }

  private text(pieces: string[]): void {
    this.out.bytes(this.encoder.encode(pieces.join(' ') + '\n'));
  }
}

/** Streams `input` through a LineTokenizer into `write` (an API for scripts and tests). */
export async function tokenizeStream(opts: TokenizeOptions, input: AsyncIterable<Uint8Array>, write: (b: Uint8Array) => Promise<void>): Promise<void> {
  const t = new LineTokenizer(opts);
  for await (const chunk of input) {
    const out = t.push(chunk);
    if (out.length > 0) await write(out);
  }
  const last = t.end();
  if (last.length > 0) await write(last);
}

function writeStdout(b: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    // Copy: the writer reuses its buffer.
    process.stdout.write(Buffer.from(b), (err) => (err ? reject(err) : resolve()));
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    model: { type: 'string' }, raw: { type: 'boolean' }, pieces: { type: 'boolean' }, pair: { type: 'boolean' }, 'max-length': { type: 'string' },
  }, help);
  if (args === null) return 0;
  const v = args.values;
  const maxLength = v['max-length'] === undefined ? undefined : intFlag(v['max-length'], 'max-length', 0, 2);
  await tokenizeStream({ model: required(v.model, 'model'), raw: v.raw, pieces: v.pieces, pair: v.pair, maxLength }, process.stdin, writeStdout);
  return 0;
}
