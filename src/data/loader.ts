// Streaming over shard instances with a shuffle buffer, epoch after epoch, resumable exactly.
// Each epoch visits the shards in a fresh random order and each shard front to back; a buffer of
// `bufferSize` instance numbers is kept full and one is drawn at random from it per instance.
// The whole position (epoch, shard order, place in the stream, buffer, RNG) is plain JSON.
import { Rng, type RngState } from './rng.js';
import type { ShardDataset, StoredInstance } from './shards.js';

export interface LoaderState {
  epoch: number;
  /** Shard visiting order of this epoch, the shard being read and the next instance in it. */
  order: number[]; shard: number; next: number;
  buffer: number[];
  rng: RngState;
}

export interface LoaderOptions {
  /** Instances [first, end) of the dataset are used (the rest is held out). */
  first?: number; end?: number;
  bufferSize?: number;
  seed: number;
}

export class InstanceLoader {
  private readonly ranges: [number, number][];
  private readonly bufferSize: number;
  private rng: Rng;
  private st: LoaderState;

  constructor(private readonly ds: ShardDataset, o: LoaderOptions) {
    const first = o.first ?? 0, end = o.end ?? ds.count;
    if (end <= first) throw new Error('no instances to load');
    // Each shard's instance range, clipped to [first, end).
    this.ranges = [];
    let start = 0;
    for (const s of ds.index.shards) {
      this.ranges.push([Math.max(start, first), Math.min(start + s.instances, end)]);
      start += s.instances;
    }
    this.bufferSize = Math.max(1, o.bufferSize ?? 10_000);
    this.rng = new Rng(o.seed);
    this.st = { epoch: 0, order: this.newOrder(), shard: 0, next: -1, buffer: [], rng: this.rng.getState() };
  }

  private newOrder(): number[] {
    const order = this.ranges.map((_, i) => i);
    this.rng.shuffle(order);
    return order;
  }

  /** Next instance number from the stream (without the buffer), or -1 at the end of the epoch. */
  private streamNext(): number {
    const st = this.st;
    while (st.shard < st.order.length) {
      const [lo, hi] = this.ranges[st.order[st.shard]];
      if (st.next < lo) st.next = lo;
      if (st.next < hi) return st.next++;
      st.shard++;
      st.next = -1;
    }
    return -1;
  }

  /** Completed passes over the data. */
  get epoch(): number { return this.st.epoch; }

  /** The next instance number. */
  nextIndex(): number {
    const st = this.st;
    for (;;) {
      while (st.buffer.length < this.bufferSize) {
        const i = this.streamNext();
        if (i < 0) break;
        st.buffer.push(i);
      }
      if (st.buffer.length) break;
      st.epoch++;
      st.order = this.newOrder();
      st.shard = 0;
      st.next = -1;
    }
    const j = this.rng.randint(0, st.buffer.length - 1);
    const id = st.buffer[j];
    st.buffer[j] = st.buffer[st.buffer.length - 1];
    st.buffer.pop();
    return id;
  }

  next(): StoredInstance { return this.ds.get(this.nextIndex()); }

  getState(): LoaderState {
    return { ...this.st, order: [...this.st.order], buffer: [...this.st.buffer], rng: this.rng.getState() };
  }

  setState(s: LoaderState): void {
    if (!s || !Array.isArray(s.order) || s.order.length !== this.ranges.length || !Array.isArray(s.buffer)) {
      throw new Error('the saved data position does not fit this dataset');
    }
    this.st = { ...s, order: [...s.order], buffer: [...s.buffer] };
    this.rng = Rng.fromState(s.rng);
  }
}
