// Writes id lines ("12 7 9\n") straight into a byte buffer: the hot output path of
// `albert tokenize --raw`, with no per-id string allocation.

export class IdLineWriter {
  buf: Uint8Array;
  length = 0;

  constructor(capacity = 1 << 20) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends ids[0..count) separated by spaces, then "\n". */
  line(ids: ArrayLike<number>, count = ids.length): void {
    this.ensure(count * 12 + 1);
    const b = this.buf;
    let p = this.length;
    for (let i = 0; i < count; i++) {
      if (i > 0) b[p++] = 0x20;
      let v = ids[i];
      if (v < 0) { b[p++] = 0x2d; v = -v; }
      if (v < 10) { b[p++] = 0x30 + v; continue; }
      // Digits backwards into place.
      let n = 1;
      for (let t = v; t >= 10; t = Math.floor(t / 10)) n++;
      for (let k = n - 1; k >= 0; k--) { b[p + k] = 0x30 + (v % 10); v = Math.floor(v / 10); }
      p += n;
    }
    b[p++] = 0x0a;
    this.length = p;
  }

  /** Appends raw bytes (e.g. a UTF-8 text line) without a newline. */
  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** The written bytes (a view, valid until the next write) and resets the writer. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.length);
    this.length = 0;
    return out;
  }
}
