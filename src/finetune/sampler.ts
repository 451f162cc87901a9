// The order fine-tuning draws its training units in: file order (shuffle off), or per epoch a
// permutation of [0, size) drawn from (seed, epoch) alone, so that any position can be restored
// from two numbers (exact --resume). Batches take the next units of that stream and wrap into the
// next epoch, so every batch is full.
import { deriveSeed, Rng } from '../data/rng.js';
import { UserError } from '../errors.js';

/** The saved position: `next` units of epoch `epoch` have been drawn. */
export interface SamplerState { epoch: number; next: number }

/** The stream of the data RNG that epoch permutations are drawn from (the Trainer's dropout uses 3). */
const ORDER_STREAM = 4;

/** The units of epoch `epoch` in the order they are drawn. */
function epochOrder(size: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  if (shuffle) new Rng(deriveSeed(seed, ORDER_STREAM, epoch)).shuffle(order);
  return order;
}

export class Sampler {
  private epochNo = 0;
  private pos = 0;
  private order: Int32Array;

  constructor(readonly size: number, private readonly seed: number, private readonly shuffle: boolean, state?: SamplerState) {
    if (!Number.isInteger(size) || size < 1) throw new UserError('no training examples');
    if (state) {
      const { epoch, next } = state;
      if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(next) || next < 0 || next > size) {
        throw new UserError(`the saved data position ${JSON.stringify(state)} does not fit ${size} training units`);
      }
      this.epochNo = epoch;
      this.pos = next;
    }
    this.order = epochOrder(size, seed, this.epochNo, shuffle);
  }

  /** Passes over the data so far (fractional). */
  get epoch(): number { return this.epochNo + this.pos / this.size; }

  /** The next `n` units. */
  take(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.pos === this.size) {
        this.epochNo++;
        this.pos = 0;
        this.order = epochOrder(this.size, this.seed, this.epochNo, this.shuffle);
      }
      out.push(this.order[this.pos++]);
    }
    return out;
  }

  state(): SamplerState { return { epoch: this.epochNo, next: this.pos }; }
}
