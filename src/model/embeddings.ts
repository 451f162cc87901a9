// ALBERT's factorized embedding (the paper's first idea): tokens are looked up in a small V x E table
// and only then mapped to the hidden size, so the vocabulary costs V*E + E*H parameters instead of V*H.
//
//   e = word[ids] + token_type[types] + position[0..S-1]      (N, E), N = B*S
//   x = dropout(LayerNorm(e))                                  (N, E)
//   h = x W_in^T + b_in   (encoder.embedding_hidden_mapping_in) (N, H)
//
// As in PyTorch's nn.Embedding(padding_idx=pad_token_id), the padding token's row gets no gradient
// from the lookup (the tied MLM decoder still gives it one).
import type { Backend } from '../backend/backend.js';
import type { AlbertConfig } from './config.js';
import { LayerNorm, Linear } from './modules.js';
import { Buffers, type Param, type ParamSpec, type ParamStore, layerNormSpecs, linearSpecs } from './params.js';

export function embeddingSpecs(prefix: string, c: AlbertConfig): ParamSpec[] {
  const E = c.embedding_size;
  return [
    { name: `${prefix}embeddings.word_embeddings.weight`, shape: [c.vocab_size, E], init: { normalExceptRow: c.pad_token_id } },
    { name: `${prefix}embeddings.position_embeddings.weight`, shape: [c.max_position_embeddings, E], init: 'normal' },
    { name: `${prefix}embeddings.token_type_embeddings.weight`, shape: [c.type_vocab_size, E], init: 'normal' },
    ...layerNormSpecs(`${prefix}embeddings.LayerNorm`, E),
    ...linearSpecs(`${prefix}encoder.embedding_hidden_mapping_in`, E, c.hidden_size),
  ];
}

export class Embeddings {
  readonly word: Param; readonly position: Param; readonly tokenType: Param;
  readonly norm: LayerNorm;
  readonly mappingIn: Linear;
  private readonly buf = new Buffers();
  private N = 0;
  private dropoutP = 0;
  private seed = 0;

  constructor(store: ParamStore, prefix: string, private readonly c: AlbertConfig) {
    this.word = store.get(`${prefix}embeddings.word_embeddings.weight`);
    this.position = store.get(`${prefix}embeddings.position_embeddings.weight`);
    this.tokenType = store.get(`${prefix}embeddings.token_type_embeddings.weight`);
    this.norm = new LayerNorm(store, `${prefix}embeddings.LayerNorm`, c.embedding_size, c.layer_norm_eps);
    this.mappingIn = new Linear(store, `${prefix}encoder.embedding_hidden_mapping_in`, c.embedding_size, c.hidden_size);
  }

  /** ids, types (B*S) -> the encoder input (B*S, H), in a buffer owned here. */
  forward(be: Backend, ids: Int32Array, types: Int32Array, B: number, S: number, dropoutP: number, seed: number): Float32Array {
    const E = this.c.embedding_size, N = B * S;
    const positions = this.buf.i32('positions', N);
    for (let i = 0; i < N; i++) positions[i] = i % S;
    const e = this.buf.f32('sum', N * E), x = this.buf.f32('normed', N * E);
    be.embeddingForward(ids, this.word.data, e, N, E, false);
    be.embeddingForward(types, this.tokenType.data, e, N, E, true);
    be.embeddingForward(positions, this.position.data, e, N, E, true);
    this.norm.forward(be, e, x, this.buf.f32('mean', N), this.buf.f32('rstd', N), N);
    if (dropoutP > 0) be.dropoutForward(x, x, N * E, dropoutP, seed);
    const out = this.buf.f32('out', N * this.c.hidden_size);
    this.mappingIn.forward(be, x, out, N);
    // ids whose lookup passes gradient back: the padding row is frozen, as nn.Embedding(padding_idx)
    const gradIds = this.buf.i32('gradIds', N);
    for (let i = 0; i < N; i++) gradIds[i] = ids[i] === this.c.pad_token_id ? -1 : ids[i];
    const typeIds = this.buf.i32('typeIds', N);
    typeIds.set(types.subarray(0, N));
    this.N = N;
    this.dropoutP = dropoutP;
    this.seed = seed;
    return out;
  }

  /** Accumulates every embedding gradient from dout (B*S, H) of the last forward. */
  backward(be: Backend, dout: Float32Array): void {
    const E = this.c.embedding_size, N = this.N;
    const x = this.buf.readF32('normed', N * E), dx = this.buf.f32('dnormed', N * E);
    this.mappingIn.backward(be, dout, x, dx, N);
    if (this.dropoutP > 0) be.dropoutBackward(dx, dx, N * E, this.dropoutP, this.seed);
    this.norm.backward(be, dx, this.buf.readF32('sum', N * E), this.buf.readF32('mean', N), this.buf.readF32('rstd', N), dx, N);
    be.embeddingBackward(this.buf.readI32('gradIds', N), dx, this.word.grad, N, E);
    be.embeddingBackward(this.buf.readI32('typeIds', N), dx, this.tokenType.grad, N, E);
    be.embeddingBackward(this.buf.readI32('positions', N), dx, this.position.grad, N, E);
  }
}
