// The k largest entries of a short row: tf.nn.top_k's order (largest first, ties: the lower index
// first), which google-research/albert's SQuAD 2.0 beam and its decoding rely on; and the softmax
// the decoders, heads' scores and pipelines take of logits.

/** Indices of the k largest of x[0..n), largest first (ties: the lower index first). */
export function topIndices(x: ArrayLike<number>, n: number, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    // Insertion into a short sorted list: k (5 or 20) is tiny next to n (384).
    if (idx.length === k && !(x[i] > x[idx[k - 1]])) continue;
    if (idx.length < k) idx.push(i); else idx[k - 1] = i;
    let j = idx.length - 1;
    while (j > 0 && x[idx[j - 1]] < x[i]) { idx[j] = idx[j - 1]; j--; }
    idx[j] = i;
  }
  return idx;
}

/** Softmax (in float64) of the candidates' scores (their n-best probabilities), or of a row of logits. */
export function softmax(scores: ArrayLike<number>): number[] {
  let top = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > top) top = scores[i];
  const exp = Array.from(scores, (x) => Math.exp(x - top));
  const sum = exp.reduce((x, y) => x + y, 0);
  return exp.map((e) => e / sum);
}
