// The queue of inputs waiting for a worker, and how a batch is taken from it (TEI's batcher, with
// one change): the oldest input always goes first, so nothing waits forever; it is joined by the
// queued inputs that can share its forward (same model, task and call options) whose lengths are
// closest to its own, while the padded cost (rows x longest length) stays within max_batch_tokens
// and the count within max_batch_requests. Similar lengths mean less padding per batch.

export interface QueueEntry {
  /** Inputs with equal keys can run in one runBatch call (model, task, call options). */
  key: string;
  /** Sequences the input becomes (QA windows, zero-shot labels), each about `length` tokens. */
  rows: number;
  length: number;
  enqueuedAt: number;
  /** Set when the client went away: the entry is dropped instead of computed. */
  cancelled: boolean;
}

export interface BatchLimits { maxBatchTokens: number; maxBatchRequests: number }

export class BatchQueue<E extends QueueEntry> {
  private entries: E[] = [];

  get size(): number { return this.entries.length; }

  push(e: E): void { this.entries.push(e); }

  /** Drop the entries of disconnected clients; returns how many went. */
  prune(): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !e.cancelled);
    return before - this.entries.length;
  }

  /** The next batch (empty when nothing is queued); the entries leave the queue. */
  take(limits: BatchLimits): E[] {
    this.prune();
    const head = this.entries[0];
    if (!head) return [];
    const candidates = this.entries.slice(1).filter((e) => e.key === head.key);
    // Closest length first; the sort is stable, so among equals the older goes first.
    candidates.sort((a, b) => Math.abs(a.length - head.length) - Math.abs(b.length - head.length));
    const batch = [head];
    let rows = head.rows, longest = head.length;
    for (const e of candidates) {
      if (batch.length >= limits.maxBatchRequests) break;
      const l = Math.max(longest, e.length);
      if ((rows + e.rows) * l > limits.maxBatchTokens) continue;
      batch.push(e);
      rows += e.rows;
      longest = l;
    }
    const chosen = new Set<E>(batch);
    this.entries = this.entries.filter((e) => !chosen.has(e));
    return batch;
  }
}

/** The padded tokens of a batch: its rows times its longest row. */
export function paddedTokens(batch: readonly QueueEntry[]): number {
  let rows = 0, longest = 0;
  for (const e of batch) { rows += e.rows; longest = Math.max(longest, e.length); }
  return rows * longest;
}
