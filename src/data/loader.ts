// Streaming over shard instances with a shuffle buffer, epoch after epoch, resumable exactly.
// Each epoch visits the shards in a fresh random order and each shard front to back; a buffer of
// `bufferSize` instance numbers is kept full and one is drawn at random from it per instance.
// The whole position (epoch, shard order, place in the stream, buffer, RNG) is plain JSON.
import { UserError } from '../errors.js';
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

  /**
   * Continue from a saved position. A position that does not fit this data (or is damaged) is a
   * UserError naming the field as `loader.<field>`; the caller adds the file it came from.
   */
  setState(s: LoaderState): void {
    const problem = this.stateProblem(s);
    if (problem) throw new UserError(problem);
    this.st = { ...s, order: [...s.order], buffer: [...s.buffer] };
    this.rng = Rng.fromState(s.rng);
  }

  private stateProblem(s: LoaderState): string | undefined {
    const shown = (v: unknown) => { const j = JSON.stringify(v); return j === undefined ? 'nothing' : j.length > 40 ? j.slice(0, 37) + '...' : j; };
    const isInt = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return `loader must be the saved data position (an object), got ${shown(s)}`;
    const n = this.ranges.length, count = this.ds.count;
    if (!isInt(s.epoch, 0, Number.MAX_SAFE_INTEGER)) return `loader.epoch must be a count of passes (an integer >= 0), got ${shown(s.epoch)}`;
    if (!Array.isArray(s.order) || s.order.length !== n || new Set(s.order).size !== n || !s.order.every((v) => isInt(v, 0, n - 1))) {
      return `loader.order must be an order of this data's ${n} shard(s) (each of 0..${n - 1} once), got ${shown(s.order)}`;
    }
    if (!isInt(s.shard, 0, n)) return `loader.shard must be an integer in 0..${n}, got ${shown(s.shard)}`;
    if (!isInt(s.next, -1, count)) return `loader.next must be an instance number in -1..${count}, got ${shown(s.next)}`;
    if (!Array.isArray(s.buffer) || s.buffer.length > this.bufferSize) {
      return `loader.buffer must be a list of at most ${this.bufferSize} instance numbers (the shuffle buffer), got ${shown(s.buffer)}`;
    }
    const bad = s.buffer.findIndex((v) => !this.ranges.some(([lo, hi]) => Number.isInteger(v) && v >= lo && v < hi));
    if (bad >= 0) return `loader.buffer[${bad}] is ${shown(s.buffer[bad])}, not an instance of the training range`;
    if (!Array.isArray(s.rng) || s.rng.length !== 4 || !s.rng.every((v) => isInt(v, 0, 0xffffffff)) || s.rng.every((v) => v === 0)) {
      return `loader.rng must be four uint32 words, not all zero, got ${shown(s.rng)}`;
    }
    return undefined;
  }
}
