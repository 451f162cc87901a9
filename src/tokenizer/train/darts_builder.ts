// Builds a darts-clone double array (the layout DartsTrie reads and SentencePiece stores in
// precompiled_charsmap): XOR transitions, one 32-bit unit per slot. A unit holds its label (bits 0-7),
// a has-leaf flag (bit 8) and the offset to its children's base; a key's value sits in the unit at
// the base itself (label 0 slot) with bit 31 set.

/** Keys (no NUL bytes, distinct) -> values (< 2^31). Returns the units (little-endian bytes). */
export function buildDartsTrie(keys: Uint8Array[], values: number[]): Uint8Array {
  const order = keys.map((_, i) => i).sort((a, b) => compareBytes(keys[a], keys[b]));
  let units = new Uint32Array(1024);
  let used = new Uint8Array(1024);
  const usedBase = new Set<number>();
  let freeHead = 1;
  used[0] = 1;
  const ensure = (n: number) => {
    if (n <= units.length) return;
    let cap = units.length;
    while (cap < n) cap *= 2;
    const u = new Uint32Array(cap); u.set(units); units = u;
    const f = new Uint8Array(cap); f.set(used); used = f;
  };
  // Children of the key range [lo, hi) at depth d, placed under the unit at `pos`.
  const place = (pos: number, lo: number, hi: number, d: number): void => {
    const labels: number[] = [], starts: number[] = [];
    let value = -1;
    for (let i = lo; i < hi; i++) {
      const k = keys[order[i]];
      if (k.length === d) { value = values[order[i]]; continue; }
      const c = k[d];
      if (labels.length === 0 || labels[labels.length - 1] !== c) { labels.push(c); starts.push(i); }
    }
    starts.push(hi);
    const all = value >= 0 ? [0, ...labels] : labels;
    // First base whose child slots are all free (and that no other node uses as its base).
    while (used[freeHead]) freeHead++;
    let base = -1;
    for (let q = freeHead; ; q++) {
      ensure(q + 512);
      if (used[q]) continue;
      const b = q ^ all[0];
      if (b === 0 || usedBase.has(b)) continue;
      ensure((b | 255) + 1);
      let ok = true;
      for (const c of all) if (used[b ^ c]) { ok = false; break; }
      if (ok) { base = b; break; }
    }
    usedBase.add(base);
    const offset = pos ^ base;
    if (offset >= 1 << 21) throw new Error('charsmap trie too large');
    units[pos] = (units[pos] & ((1 << 31) | 0x1ff)) | (offset << 10);
    if (value >= 0) { units[pos] |= 1 << 8; used[base] = 1; units[base] = ((1 << 31) | value) >>> 0; }
    for (const c of labels) { used[base ^ c] = 1; units[base ^ c] = c; }
    for (let j = 0; j < labels.length; j++) place(base ^ labels[j], starts[j], starts[j + 1], d + 1);
  };
  place(0, 0, order.length, 0);
  let n = units.length;
  while (n > 1 && !used[n - 1]) n--;
  // Lookups may step to base ^ c for any byte c: keep whole 256-slot blocks.
  n = ((n + 255) >> 8) << 8;
  const out = new Uint8Array(n * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) dv.setUint32(i * 4, units[i], true);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
