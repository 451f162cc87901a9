// Byte tries as double arrays: `DartsTrie` reads the darts-clone layout that SentencePiece stores in
// precompiled_charsmap; `PieceTrie` is our own base/check double array over the vocabulary's UTF-8
// bytes, built at load time, walked one byte at a time by the encoders.

/** Read-only view of a darts-clone double array (32-bit units, XOR transitions). */
export class DartsTrie {
  readonly units: Uint32Array;
  /** rootChild[b] = 1 when some key starts with byte b (lets the normalizer skip the trie). */
  readonly rootChild = new Uint8Array(256);

  constructor(bytes: Uint8Array) {
    const n = bytes.length >>> 2;
    this.units = new Uint32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
    for (let i = 0; i < n; i++) this.units[i] = dv.getUint32(i * 4, true);
    if (n === 0) return;
    const rootOff = DartsTrie.offset(this.units[0]);
    for (let b = 1; b < 256; b++) {
      const pos = rootOff ^ b;
      if (pos < n && DartsTrie.label(this.units[pos]) === b) this.rootChild[b] = 1;
    }
  }

  static offset(u: number): number { return (u >>> 10) << ((u & (1 << 9)) >>> 6); }
  static label(u: number): number { return u & ((1 << 31) | 0xff) ; }
  static hasLeaf(u: number): boolean { return ((u >>> 8) & 1) === 1; }
  static value(u: number): number { return u & 0x7fffffff; }

  /**
   * Longest key that is a prefix of key[pos..end): returns its length (0 if none) and puts its
   * value in `this.lastValue`.
   */
  lastValue = 0;
  longestPrefix(key: Uint8Array, pos: number, end: number): number {
    const units = this.units;
    const n = units.length;
    let node = DartsTrie.offset(units[0]);
    let best = 0;
    for (let i = pos; i < end; i++) {
      const c = key[i];
      node ^= c;
      if (node >= n) break;
      const u = units[node];
      if ((u & 0x800000ff) !== c) break; // label check (bit 31 set marks a leaf unit)
      node ^= DartsTrie.offset(u);
      if ((u >>> 8) & 1) {
        if (node >= n) break;
        best = i + 1 - pos;
        this.lastValue = units[node] & 0x7fffffff;
      }
    }
    return best;
  }
}

/** Our own double array over byte strings: child of s by byte c is base[s]+c when check[...] === s. */
export class PieceTrie {
  base: Int32Array;
  check: Int32Array;
  /** Piece id at a node, or -1. */
  value: Int32Array;
  // Build-time: doubly linked list of free slots (so base search skips used ones); -1 ends it.
  private nextFree: Int32Array;
  private prevFree: Int32Array;
  private fails: Uint8Array;
  private headFree = 1;
  private size = 1;

  constructor(keys: Uint8Array[], ids: number[]) {
    let cap = 1024;
    for (const k of keys) cap += k.length;
    cap = cap * 2 + 512;
    this.base = new Int32Array(cap);
    this.check = new Int32Array(cap).fill(-1);
    this.value = new Int32Array(cap).fill(-1);
    this.nextFree = new Int32Array(cap);
    this.prevFree = new Int32Array(cap);
    this.fails = new Uint8Array(cap);
    this.linkFree(1, cap);
    this.placeAll(keys, ids);
    this.base = this.base.slice(0, this.size + 256);
    this.check = this.check.slice(0, this.size + 256);
    this.value = this.value.slice(0, this.size + 256);
    this.nextFree = this.prevFree = new Int32Array(0);
    this.fails = new Uint8Array(0);
  }

  /** Initial free list: slots [from, to) in increasing order. */
  private linkFree(from: number, to: number): void {
    for (let i = from; i < to; i++) { this.nextFree[i] = i + 1; this.prevFree[i] = i - 1; }
    this.nextFree[to - 1] = -1;
    this.prevFree[from] = -1;
    this.headFree = from;
  }

  private grow(need: number): void {
    if (need < this.base.length) return;
    const old = this.base.length;
    const cap = Math.max(need + 512, old * 2);
    const b = new Int32Array(cap); b.set(this.base); this.base = b;
    const c = new Int32Array(cap).fill(-1); c.set(this.check); this.check = c;
    const v = new Int32Array(cap).fill(-1); v.set(this.value); this.value = v;
    const nf = new Int32Array(cap); nf.set(this.nextFree); this.nextFree = nf;
    const pf = new Int32Array(cap); pf.set(this.prevFree); this.prevFree = pf;
    const fl = new Uint8Array(cap); fl.set(this.fails); this.fails = fl;
    let tail = -1;
    for (let i = old - 1; i >= 1; i--) if (this.check[i] === -1) { tail = i; break; }
    for (let i = old; i < cap; i++) { nf[i] = i + 1; pf[i] = i - 1; }
    nf[cap - 1] = -1;
    pf[old] = tail;
    if (tail >= 0) nf[tail] = old; else this.headFree = old;
  }

  private use(p: number): void {
    const n = this.nextFree[p], pr = this.prevFree[p];
    if (pr >= 0) this.nextFree[pr] = n; else this.headFree = n;
    if (n >= 0) this.prevFree[n] = pr;
  }

  /**
   * Builds a plain first-child/next-sibling trie of the keys (typed arrays, no sorting, no garbage),
   * then copies it into the double array depth-first, children in label order.
   */
  private placeAll(keys: Uint8Array[], ids: number[]): void {
    let total = 1;
    for (const k of keys) total += k.length;
    const rootKids = new Int32Array(256).fill(-1);
    const child = new Int32Array(total).fill(-1), sib = new Int32Array(total).fill(-1), val = new Int32Array(total).fill(-1);
    const label = new Uint8Array(total);
    // (parent, label) -> child, open addressing; keys stored as parent * 256 + label + 1 (0 = empty).
    let hbits = 10;
    while ((1 << hbits) < total * 2) hbits++;
    const hmask = (1 << hbits) - 1;
    const hkey = new Int32Array(1 << hbits), hval = new Int32Array(1 << hbits);
    let nodes = 1;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let node = 0;
      for (let j = 0; j < k.length; j++) {
        const c = k[j];
        const key = node * 256 + c + 1;
        let h = Math.imul(key, 0x9e3779b1) >>> (32 - hbits);
        while (hkey[h] !== 0 && hkey[h] !== key) h = (h + 1) & hmask;
        let ch: number;
        if (hkey[h] === key) ch = hval[h];
        else {
          ch = nodes++;
          label[ch] = c;
          hkey[h] = key; hval[h] = ch;
          if (node !== 0) { sib[ch] = child[node]; child[node] = ch; } else rootKids[c] = ch;
        }
        node = ch;
      }
      if (val[node] < 0) val[node] = ids[i];
    }
    for (let c = 255; c >= 0; c--) if (rootKids[c] >= 0) { sib[rootKids[c]] = child[0]; child[0] = rootKids[c]; }
    const stack: number[] = [0, 0]; // tree node, double-array node
    const labels: number[] = [], kids: number[] = [];
    while (stack.length > 0) {
      const da = stack.pop()!, t = stack.pop()!;
      this.value[da] = val[t];
      labels.length = 0; kids.length = 0;
      for (let ch = child[t]; ch >= 0; ch = sib[ch]) {
        // Insertion sort by label (sibling lists are short except the root, which is already sorted).
        let j = labels.length;
        labels.push(0); kids.push(0);
        while (j > 0 && labels[j - 1] > label[ch]) { labels[j] = labels[j - 1]; kids[j] = kids[j - 1]; j--; }
        labels[j] = label[ch]; kids[j] = ch;
      }
      if (labels.length === 0) continue;
      const b = this.findBase(labels);
      this.base[da] = b;
      for (let i = 0; i < labels.length; i++) {
        const slot = b + labels[i];
        this.check[slot] = da;
        this.use(slot);
        if (slot + 1 > this.size) this.size = slot + 1;
      }
      for (let i = labels.length - 1; i >= 0; i--) stack.push(kids[i], b + labels[i]);
    }
  }

  private findBase(labels: number[]): number {
    const first = labels[0];
    for (let pos = this.headFree; ; ) {
      if (pos < 0) { this.grow(this.base.length + 1); pos = this.headFree; continue; }
      const b = pos - first;
      let ok = b >= 1;
      if (ok) {
        if (b + 256 >= this.base.length) this.grow(b + 257);
        for (let i = 1; i < labels.length; i++) if (this.check[b + labels[i]] !== -1) { ok = false; break; }
      }
      if (ok) return b;
      const nx = this.nextFree[pos];
      // A slot that keeps failing is dropped from the list (left empty): keeps the build linear.
      if (++this.fails[pos] > 16) this.use(pos);
      pos = nx;
    }
  }

  /** Id of the exact key bytes[start..end), or -1. */
  exact(bytes: Uint8Array, start: number, end: number): number {
    let s = 0;
    const base = this.base, check = this.check;
    for (let i = start; i < end; i++) {
      const t = base[s] + bytes[i];
      if (check[t] !== s) return -1;
      s = t;
    }
    return this.value[s];
  }
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
