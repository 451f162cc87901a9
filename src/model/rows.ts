// Row subsets of (N, width) activations. A loss reads the last hidden state only at some rows (the
// masked positions, token 0 of each sequence for the pooler), so the last layer call computes what
// follows its attention only there, and the MLM head decodes only there: the same loss and gradients
// for less work.

/** dst (rows.length, width) = src's rows `rows`. */
export function gatherRows(src: Float32Array, rows: ArrayLike<number>, width: number, dst: Float32Array): Float32Array {
  for (let m = 0; m < rows.length; m++) dst.set(src.subarray(rows[m] * width, (rows[m] + 1) * width), m * width);
  return dst;
}

/** dst's rows `rows` = src (rows.length, width); the other rows are zeroed. */
export function scatterRows(src: Float32Array, rows: ArrayLike<number>, width: number, dst: Float32Array): Float32Array {
  dst.fill(0);
  for (let m = 0; m < rows.length; m++) dst.set(src.subarray(m * width, (m + 1) * width), rows[m] * width);
  return dst;
}

/** The sorted rows of N with `marked[i]` set, or null when that is every row (no subset to take). */
export function markedRows(marked: Uint8Array): Int32Array | null {
  let M = 0;
  for (let i = 0; i < marked.length; i++) M += marked[i];
  if (M === marked.length) return null;
  const rows = new Int32Array(M);
  for (let i = 0, m = 0; i < marked.length; i++) if (marked[i]) rows[m++] = i;
  return rows;
}
