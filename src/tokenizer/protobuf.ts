// A minimal protobuf wire-format reader and writer: just what ModelProto needs
// (varints, 32-bit floats, length-delimited bytes/strings/sub-messages).

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Thrown for malformed wire data; callers prefix the file name. */
export class ProtoError extends Error {}

export class ProtoReader {
  pos: number;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length, view?: DataView) {
    this.pos = start;
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A reader over [start, end) of the same buffer (shares the DataView). */
  sub(start: number, end: number): ProtoReader {
    return new ProtoReader(this.buf, start, end, this.view);
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Varint as a JS number (exact up to 2^53; enough for field keys, lengths, ids, enums). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new ProtoError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** int32/enum fields: negative values are 10-byte sign-extended varints; keep the low 32 bits exactly. */
  int32(): number {
    let lo = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      if (i < 5) lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return lo | 0;
    }
    throw new ProtoError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new ProtoError(`truncated float at byte ${this.pos}`);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field's payload as [start, end) byte offsets in buf. */
  lengthDelimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start) throw new ProtoError(`field length ${len} runs past the end of its message at byte ${start}`);
    this.pos = start + len;
    return [start, start + len];
  }

  bytes(): Uint8Array {
    const [s, e] = this.lengthDelimited();
    return this.buf.subarray(s, e);
  }

  string(): string {
    return decodeUtf8(this.bytes());
  }

  /** Returns [fieldNumber, wireType]. */
  key(): [number, number] {
    const k = this.varint();
    const field = Math.floor(k / 8);
    const wire = k & 7;
    if (field === 0) throw new ProtoError(`invalid field number 0 at byte ${this.pos}`);
    return [field, wire];
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_I64: this.advance(8); return;
      case WIRE_LEN: this.lengthDelimited(); return;
      case WIRE_I32: this.advance(4); return;
      default: throw new ProtoError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtoError(`truncated field at byte ${this.pos}`);
    this.pos += n;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** UTF-8 to string; short ASCII strings (most vocabulary pieces) skip TextDecoder's call overhead. */
export function decodeUtf8(b: Uint8Array): string {
  if (b.length <= 32) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  return utf8Decoder.decode(b);
}
const utf8Encoder = new TextEncoder();

/** Appends protobuf fields to a growable byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawVarint(v: number): void {
    this.ensure(10);
    if (v < 0) v += 2 ** 64; // negative int32 -> 10-byte two's complement varint
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  varint(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    if (v < 0) {
      // Exact two's complement for negative int32 (2^64 + v is not exact in doubles).
      const lo = (v >>> 0);
      this.ensure(10);
      let x = lo;
      for (let i = 0; i < 4; i++) { this.buf[this.len++] = (x & 0x7f) | 0x80; x >>>= 7; }
      this.buf[this.len++] = (x & 0x0f) | 0x70 | 0x80; // bits 28..31 then sign bits
      for (let i = 0; i < 4; i++) this.buf[this.len++] = 0xff;
      this.buf[this.len++] = 0x01;
      return;
    }
    this.rawVarint(v);
  }

  bool(field: number, v: boolean): void {
    this.varint(field, v ? 1 : 0);
  }

  float(field: number, v: number): void {
    this.tag(field, WIRE_I32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, v, true);
    this.len += 4;
  }

  bytes(field: number, v: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.rawVarint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
  }

  string(field: number, v: string): void {
    this.bytes(field, utf8Encoder.encode(v));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
