// Byte tries as double arrays: `DartsTrie` reads the darts-clone layout that SentencePiece stores in
// precompiled_charsmap; `PieceTrie` is our own base/check double array over the vocabulary's UTF-8
// bytes, built at load time, walked one byte at a time by the encoders.

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Read-only view of a darts-clone double array (32-bit units, XOR transitions). */
export class DartsTrie {
  readonly units: Uint32Array;
  /** rootChild[b] = 1 when some key starts with byte b (lets the normalizer skip the trie). */
  readonly rootChild = new Uint8Array(256);

  constructor(bytes: Uint8Array) {
    const n = bytes.length >>> 2;
    if (LITTLE_ENDIAN) {
      this.units = new Uint32Array(new Uint8Array(bytes.subarray(0, n * 4)).buffer); // aligned copy; native order = file order
    } else {
      this.units = new Uint32Array(n);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
      for (let i = 0; i < n; i++) this.units[i] = dv.getUint32(i * 4, true);
    }
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

  /** Position of the root, for step(). */
  rootPos(): number { return this.units.length === 0 ? -1 : DartsTrie.offset(this.units[0]); }

  /** Whether the unit reached by the last successful step() ends a key. */
  lastLeaf = false;

  /** Position after following byte c from `pos`, or -1 when there is no such edge. */
  step(pos: number, c: number): number {
    const p = pos ^ c;
    if (pos < 0 || p >= this.units.length) return -1;
    const u = this.units[p];
    if ((u & 0x800000ff) !== c) return -1;
    this.lastLeaf = ((u >>> 8) & 1) === 1;
    return p ^ DartsTrie.offset(u);
  }

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

/**
 * Our own double array over byte strings, interleaved so one cache line serves a step:
 * units[3s] = base, units[3s + 1] = check + 1, units[3s + 2] = value. The child of node s by byte c
 * is t = base(s) + c when units[3t + 1] === s + 1. value: id + 1 for a key, 0 for none, -(id + 1)
 * for a hidden key (found by exact(), skipped by walks that want visible ids: value <= 0).
 * Zero-filled memory is an empty trie, so building needs no fills.
 */
export class PieceTrie {
  units: Int32Array;
  // Build-time: doubly linked list of free slots (so base search skips used ones); -1 ends it.
  private nextFree: Int32Array;
  private prevFree: Int32Array;
  private fails: Uint8Array;
  private headFree = 1;

  /** First duplicate key found while building, as [first id, second id], or null. */
  duplicate: [number, number] | null = null;

  /** Trie of the keys bytes[start[i]..end[i]) -> ids[i], i < count; ids with hidden[id] set are hidden. */
  constructor(bytes: Uint8Array, start: Int32Array, end: Int32Array, ids: Int32Array, count = ids.length, hidden: Uint8Array | null = null) {
    const tree = buildTree(bytes, start, end, ids, count);
    this.duplicate = tree.duplicate;
    const cap = tree.nodes + (tree.nodes >> 1) + 1024;
    this.units = new Int32Array(3 * cap);
    this.nextFree = new Int32Array(cap);
    this.prevFree = new Int32Array(cap);
    this.fails = new Uint8Array(cap);
    this.linkFree(1, cap);
    this.placeAll(tree, hidden);
    // Lookups read base(s) + byte < used size + 256, which findBase keeps allocated.
    this.nextFree = this.prevFree = new Int32Array(0);
    this.fails = new Uint8Array(0);
  }

  /** Number of slots. */
  get capacity(): number { return this.units.length / 3; }

  /** Initial free list: slots [from, to) in increasing order. */
  private linkFree(from: number, to: number): void {
    for (let i = from; i < to; i++) { this.nextFree[i] = i + 1; this.prevFree[i] = i - 1; }
    this.nextFree[to - 1] = -1;
    this.prevFree[from] = -1;
    this.headFree = from;
  }

  private grow(need: number): void {
    const old = this.capacity;
    if (need < old) return;
    const cap = Math.max(need + 512, old * 2);
    const u = new Int32Array(3 * cap); u.set(this.units); this.units = u;
    const nf = new Int32Array(cap); nf.set(this.nextFree); this.nextFree = nf;
    const pf = new Int32Array(cap); pf.set(this.prevFree); this.prevFree = pf;
    const fl = new Uint8Array(cap); fl.set(this.fails); this.fails = fl;
    let tail = -1;
    for (let i = old - 1; i >= 1; i--) if (u[3 * i + 1] === 0 && this.fails[i] <= 16) { tail = i; break; }
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

  /** Copies the tree into the double array depth first, children in label order. */
  private placeAll(tree: Tree, hidden: Uint8Array | null): void {
    const { child1, sib1, val1, label } = tree;
    // Depth-first copy; an explicit stack of (tree node, double-array node).
    let stack = new Int32Array(1024);
    let sp = 0;
    stack[sp++] = 0; stack[sp++] = 0;
    const labels = new Int32Array(256), kids = new Int32Array(256);
    while (sp > 0) {
      const da = stack[--sp], t = stack[--sp];
      const v = val1[t]; // id + 1, 0 = none
      this.units[3 * da + 2] = v > 0 && hidden !== null && hidden[v - 1] ? -v : v;
      let nk = 0;
      for (let ch = child1[t] - 1; ch >= 0; ch = sib1[ch] - 1) {
        // Insertion sort by label (most nodes have one or two children).
        let j = nk++;
        const l = label[ch];
        while (j > 0 && labels[j - 1] > l) { labels[j] = labels[j - 1]; kids[j] = kids[j - 1]; j--; }
        labels[j] = l; kids[j] = ch;
      }
      if (nk === 0) continue;
      const b = this.findBase(labels, nk);
      // Locals after findBase (it may have grown the arrays); unlink used slots from the free list.
      const units = this.units, nextFree = this.nextFree, prevFree = this.prevFree;
      units[3 * da] = b;
      if (sp + 2 * nk > stack.length) { const g = new Int32Array(stack.length * 2 + 2 * nk); g.set(stack); stack = g; }
      for (let i = 0; i < nk; i++) {
        const slot = b + labels[i];
        units[3 * slot + 1] = da + 1;
        const n = nextFree[slot], pr = prevFree[slot];
        if (pr >= 0) nextFree[pr] = n; else this.headFree = n;
        if (n >= 0) prevFree[n] = pr;
      }
      for (let i = nk - 1; i >= 0; i--) { stack[sp++] = kids[i]; stack[sp++] = b + labels[i]; }
    }
  }

  private findBase(labels: Int32Array, nk: number): number {
    const first = labels[0];
    for (let pos = this.headFree; ; ) {
      if (pos < 0) { this.grow(this.capacity + 1); pos = this.headFree; continue; }
      const b = pos - first;
      let ok = b >= 1;
      if (ok) {
        if (b + 256 >= this.capacity) this.grow(b + 257);
        const units = this.units;
        for (let i = 1; i < nk; i++) if (units[3 * (b + labels[i]) + 1] !== 0) { ok = false; break; }
      }
      if (ok) return b;
      const nx = this.nextFree[pos];
      // A slot that keeps failing is dropped from the list (left empty): keeps the build linear.
      if (++this.fails[pos] > 16) this.use(pos);
      pos = nx;
    }
  }

  /** Node reached from `node` by byte c, or -1. */
  child(node: number, c: number): number {
    const nx = this.units[3 * node] + c;
    return nx < this.capacity && this.units[3 * nx + 1] === node + 1 ? nx : -1;
  }

  /** Whether a (visible or hidden) key ends at `node`. */
  isKey(node: number): boolean { return this.units[3 * node + 2] !== 0; }

  /** Length of the longest visible key that is a prefix of bytes[pos..end), 0 if none. */
  longestPrefix(bytes: Uint8Array, pos: number, end: number): number {
    const units = this.units;
    let s = 0, best = 0;
    for (let i = pos; i < end; i++) {
      const nx = units[3 * s] + bytes[i];
      if (units[3 * nx + 1] !== s + 1) break;
      s = nx;
      if (units[3 * s + 2] > 0) best = i + 1 - pos;
    }
    return best;
  }

  /** Id of the exact key bytes[start..end) (hidden ones too), or -1. */
  exact(bytes: Uint8Array, start: number, end: number): number {
    const units = this.units;
    let s = 0;
    for (let i = start; i < end; i++) {
      const t = units[3 * s] + bytes[i];
      if (units[3 * t + 1] !== s + 1) return -1;
      s = t;
    }
    const v = units[3 * s + 2];
    return v > 0 ? v - 1 : v < 0 ? -v - 1 : -1;
  }

  /** A trie of separate keys (ids = their indices). */
  static of(keys: Uint8Array[]): PieceTrie {
    let total = 0;
    for (const k of keys) total += k.length;
    const bytes = new Uint8Array(total), start = new Int32Array(keys.length), end = new Int32Array(keys.length);
    let pos = 0;
    keys.forEach((k, i) => { bytes.set(k, pos); start[i] = pos; pos += k.length; end[i] = pos; });
    return new PieceTrie(bytes, start, end, Int32Array.from(keys.keys()));
  }
}

/**
 * A plain trie: first-child / next-sibling links, labels and values per node (node 0 = root).
 * Links and values are stored plus one (0 = none) so the arrays need no initial fill.
 */
interface Tree { child1: Int32Array; sib1: Int32Array; val1: Int32Array; label: Uint8Array; nodes: number; duplicate: [number, number] | null }

/**
 * Inserts the keys into a plain trie. A node with many children (the root, "▁", "▁t", ...) gets a
 * dense 256-entry row so lookups stay O(1); the others walk their short sibling list.
 */
function buildTree(bytes: Uint8Array, start: Int32Array, end: Int32Array, ids: Int32Array, count: number): Tree {
  let total = 1;
  for (let i = 0; i < count; i++) total += end[i] - start[i];
  const child1 = new Int32Array(total), sib1 = new Int32Array(total), val1 = new Int32Array(total), row1 = new Int32Array(total);
  const label = new Uint8Array(total), fanout = new Uint8Array(total);
  let rows = new Int32Array(256 * 256); // dense rows: child + 1
  let nRows = 0;
  const PROMOTE = 12;
  const addRow = (node: number) => {
    if ((nRows + 1) * 256 > rows.length) { const g = new Int32Array(rows.length * 2); g.set(rows); rows = g; }
    const r = nRows++;
    row1[node] = r + 1;
    for (let ch = child1[node] - 1; ch >= 0; ch = sib1[ch] - 1) rows[r * 256 + label[ch]] = ch + 1;
  };
  addRow(0);
  let nodes = 1;
  let duplicate: [number, number] | null = null;
  for (let i = 0; i < count; i++) {
    let node = 0;
    for (let j = start[i], e = end[i]; j < e; j++) {
      const c = bytes[j];
      const row = row1[node] - 1;
      let ch: number;
      if (row >= 0) ch = rows[row * 256 + c] - 1;
      else { ch = child1[node] - 1; while (ch >= 0 && label[ch] !== c) ch = sib1[ch] - 1; }
      if (ch < 0) {
        ch = nodes++;
        label[ch] = c; sib1[ch] = child1[node]; child1[node] = ch + 1;
        if (row >= 0) rows[row * 256 + c] = ch + 1;
        else if (++fanout[node] === PROMOTE) addRow(node);
      }
      node = ch;
    }
    if (val1[node] === 0) val1[node] = ids[i] + 1;
    else if (duplicate === null) duplicate = [val1[node] - 1, ids[i]];
  }
  return { child1, sib1, val1, label, nodes, duplicate };
}
