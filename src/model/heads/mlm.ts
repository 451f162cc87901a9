// The masked-LM head (HF AlbertMLMHead): dense H -> E, activation, LayerNorm(E), then the decoder,
// whose weight IS the word-embedding table (tied) and whose bias is predictions.bias:
//   logits (M, V) = LN(act(x Wd^T + bd)) W_word^T + bias
// For the loss only the labelled positions are decoded (the loss is identical; V-wide rows are the
// most expensive thing in the model).
import type { Activation, Backend } from '../../backend/backend.js';
import type { AlbertConfig } from '../config.js';
import { LayerNorm, Linear } from '../modules.js';
import { Buffers, type Param, type ParamSpec, type ParamStore, layerNormSpecs, linearSpecs } from '../params.js';
import { gatherRows } from '../rows.js';
import { IGNORE_INDEX, checkClassLabels, meanCrossEntropy } from './losses.js';

export function mlmSpecs(c: AlbertConfig): ParamSpec[] {
  return [
    { name: 'predictions.bias', shape: [c.vocab_size], init: 'zeros' },
    ...layerNormSpecs('predictions.LayerNorm', c.embedding_size),
    ...linearSpecs('predictions.dense', c.hidden_size, c.embedding_size),
  ];
}

/** The decoder is tied: HF's state_dict also lists it under these names. */
export function mlmAliases(prefix: string): [string, string][] {
  return [
    ['predictions.decoder.weight', `${prefix}embeddings.word_embeddings.weight`],
    ['predictions.decoder.bias', 'predictions.bias'],
  ];
}

export class MlmHead {
  readonly dense: Linear;
  readonly norm: LayerNorm;
  readonly bias: Param;
  readonly decoder: Param;
  private readonly buf = new Buffers();
  private readonly act: Activation;
  private M = 0;

  constructor(store: ParamStore, private readonly c: AlbertConfig, prefix: string) {
    this.dense = new Linear(store, 'predictions.dense', c.hidden_size, c.embedding_size);
    this.norm = new LayerNorm(store, 'predictions.LayerNorm', c.embedding_size, c.layer_norm_eps);
    this.bias = store.get('predictions.bias');
    this.decoder = store.get(`${prefix}embeddings.word_embeddings.weight`);
    this.act = c.hidden_act;
  }

  /** x (M, H) -> logits (M, V), a buffer owned here. */
  forward(be: Backend, x: Float32Array, M: number): Float32Array {
    const E = this.c.embedding_size, V = this.c.vocab_size, buf = this.buf;
    const t = buf.f32('t', M * E), u = buf.f32('u', M * E), z = buf.f32('z', M * E);
    this.dense.forward(be, x, t, M);
    be.activationForward(this.act, t, u, M * E);
    this.norm.forward(be, u, z, buf.f32('mean', M), buf.f32('rstd', M), M);
    const logits = buf.f32('logits', M * V);
    be.gemm(false, true, M, V, E, 1, z, E, this.decoder.data, E, 0, logits, V);
    be.addBias(logits, this.bias.data, M, V);
    this.M = M;
    return logits;
  }

  /** dlogits (M, V) of the last forward -> dx (M, H) (written); tied decoder gradient goes to the word embeddings. */
  backward(be: Backend, dlogits: Float32Array, dx: Float32Array): void {
    const E = this.c.embedding_size, V = this.c.vocab_size, M = this.M, buf = this.buf;
    const z = buf.readF32('z', M * E), dz = buf.f32('dz', M * E);
    // the tied decoder is a Linear(E, V) whose weight is the word embedding table
    be.linearBackward(dlogits, z, E, this.decoder.data, this.decoder.grad, this.bias.grad, dz, E, M, E, V, false);
    this.norm.backward(be, dz, buf.readF32('u', M * E), buf.readF32('mean', M), buf.readF32('rstd', M), dz, M);
    be.activationBackward(this.act, buf.readF32('t', M * E), dz, dz, M * E);
    this.dense.backward(be, dz, buf.readF32('x', M * this.c.hidden_size), dx, M);
  }

  /**
   * HF's masked-LM loss over seq (N, H) with labels (N) (-100 ignored), decoding only labelled rows;
   * dSeq (N, H) += its gradient (no backward at all when dSeq is null). `over`: the mean's divisor (see meanCrossEntropy).
   */
  lossAndBackward(be: Backend, seq: Float32Array, labels: ArrayLike<number>, N: number, dSeq: Float32Array | null, over?: number): { loss: number; accuracy: number } {
    const H = this.c.hidden_size, V = this.c.vocab_size, buf = this.buf;
    const lab = checkClassLabels('labels', labels, N, V);
    let M = 0;
    for (let i = 0; i < N; i++) if (lab[i] !== IGNORE_INDEX) M++;
    const rows = buf.i32('rows', M), rowLabels = buf.i32('rowLabels', M), x = buf.f32('x', M * H);
    for (let i = 0, m = 0; i < N; i++) {
      if (lab[i] === IGNORE_INDEX) continue;
      rows[m] = i;
      rowLabels[m] = lab[i];
      m++;
    }
    gatherRows(seq, rows, H, x);
    const logits = this.forward(be, x, M);
    const dlogits = dSeq ? logits : null; // in place: the logits are not needed after the loss
    const { loss, correct, den } = meanCrossEntropy(be, logits, rowLabels, M, V, dlogits, IGNORE_INDEX, over);
    const accuracy = den > 0 ? correct / den : NaN;
    if (!dSeq || !dlogits) return { loss, accuracy };
    const dx = buf.f32('dx', M * H);
    this.backward(be, dlogits, dx);
    for (let m = 0; m < M; m++) {
      const o = rows[m] * H;
      for (let j = 0; j < H; j++) dSeq[o + j] += dx[m * H + j];
    }
    return { loss, accuracy };
  }
}
