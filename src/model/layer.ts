// One post-LN transformer layer, as HF's AlbertLayer computes it (x, y: (N, H), N = B*S):
//
//   q, k, v = x Wq^T + bq, ...        one GEMM: [q k v] = x [Wq;Wk;Wv]^T (N, 3H), the weights packed
//                                     contiguously in the ParamStore (qkvPacks)   (N, H) each
//   ctx     = dropout_attn(softmax(q_h k_h^T / sqrt(hd) + mask)) v_h   (N, H)
//   a       = LayerNorm_attn(x + dropout_hidden(ctx Wo^T + bo))        attention.{query,key,value,dense,LayerNorm}
//   y       = full_layer_layer_norm(ffn_output(act(ffn(a))) + a)       (HF applies no dropout here)
//
// The parameters come in two blocks, AttentionBlock and FfnBlock, so that the sharing strategies can
// pair them freely (encoder.ts). A LayerCall is one application of a layer: it owns the activations
// its backward needs, so a shared layer used L times is L LayerCalls pointing at the same blocks,
// and the parameter gradients simply accumulate.
import type { Activation, Backend } from '../backend/backend.js';
import type { AlbertConfig } from './config.js';
import { LayerNorm, Linear } from './modules.js';
import { gatherRows, scatterRows } from './rows.js';
import { Buffers, type Param, type ParamSpec, type ParamStore, layerNormSpecs, linearSpecs, packedSpan } from './params.js';

/** `prefix` is the layer's name up to and including the dot, e.g. "albert.encoder.albert_layer_groups.0.albert_layers.0.". */
export function attentionSpecs(prefix: string, c: AlbertConfig): ParamSpec[] {
  const H = c.hidden_size;
  return [
    ...linearSpecs(`${prefix}attention.query`, H, H),
    ...linearSpecs(`${prefix}attention.key`, H, H),
    ...linearSpecs(`${prefix}attention.value`, H, H),
    ...linearSpecs(`${prefix}attention.dense`, H, H),
    ...layerNormSpecs(`${prefix}attention.LayerNorm`, H),
  ];
}

/** The ParamStore packs that let a block read query, key and value as one (3H, H) weight and (3H) bias. */
export function qkvPacks(specs: readonly ParamSpec[]): string[][] {
  const packs: string[][] = [];
  for (const s of specs) {
    const m = /^(.*attention\.)query\.(weight|bias)$/.exec(s.name);
    if (m) packs.push(['query', 'key', 'value'].map((t) => `${m[1]}${t}.${m[2]}`));
  }
  return packs;
}

export function ffnSpecs(prefix: string, c: AlbertConfig): ParamSpec[] {
  return [
    ...layerNormSpecs(`${prefix}full_layer_layer_norm`, c.hidden_size),
    ...linearSpecs(`${prefix}ffn`, c.hidden_size, c.intermediate_size),
    ...linearSpecs(`${prefix}ffn_output`, c.intermediate_size, c.hidden_size),
  ];
}

export class AttentionBlock {
  /** query, key and value as one Linear(H, 3H) over their packed tensors. */
  readonly qkv: Linear;
  readonly dense: Linear;
  readonly norm: LayerNorm;
  constructor(store: ParamStore, prefix: string, c: AlbertConfig) {
    const H = c.hidden_size, p = `${prefix}attention.`;
    const part = (t: string, what: string) => store.get(`${p}${t}.${what}`);
    const packed = (what: string, shape: number[]): Param =>
      packedSpan(`${p}qkv.${what}`, shape, ['query', 'key', 'value'].map((t) => part(t, what)));
    const w = packed('weight', [3 * H, H]), b = packed('bias', [3 * H]);
    this.qkv = new Linear({ get: (name) => (name.endsWith('.weight') ? w : b) }, `${p}qkv`, H, 3 * H);
    this.dense = new Linear(store, `${prefix}attention.dense`, H, H);
    this.norm = new LayerNorm(store, `${prefix}attention.LayerNorm`, H, c.layer_norm_eps);
  }
}

export class FfnBlock {
  readonly ffn: Linear; readonly out: Linear; readonly norm: LayerNorm;
  constructor(store: ParamStore, prefix: string, c: AlbertConfig) {
    this.norm = new LayerNorm(store, `${prefix}full_layer_layer_norm`, c.hidden_size, c.layer_norm_eps);
    this.ffn = new Linear(store, `${prefix}ffn`, c.hidden_size, c.intermediate_size);
    this.out = new Linear(store, `${prefix}ffn_output`, c.intermediate_size, c.hidden_size);
  }
}

/** Dropout settings and seeds of one call (p = 0 in eval mode). */
export interface CallDropout { attnP: number; hiddenP: number; attnSeed: number; hiddenSeed: number; }

/**
 * Where a call's forward keeps its activations:
 * - 'own': every activation backward needs, in buffers of this call (plain training);
 * - 'shared': nothing kept, every buffer shared by all calls, y may be x (inference);
 * - 'checkpoint': only the two LayerNorm inputs s1, s2 (with their statistics) and the output y are
 *   this call's; the rest goes to the shared buffers and backward recomputes it from the kept input x
 *   (gradient checkpointing). Each kept (N, H) spares a GEMM: s2 the (N, I) x (I, H) one, s1 the
 *   attention output's (N, H) x (H, H); what is recomputed, [q k v], the attention and h = ffn(a), are
 *   the activations that cost the most memory per FLOP to keep.
 * - 'checkpoint-qkv': as 'checkpoint', and [q k v] (N, 3H) is kept too, sparing its GEMM (the encoder
 *   spends what memory it can spare on some of the calls this way).
 */
export type ActivationMode = 'own' | 'shared' | 'checkpoint' | 'checkpoint-qkv';

/** The two checkpointing modes: backward recomputes what they do not keep. */
const recomputes = (mode: ActivationMode): boolean => mode === 'checkpoint' || mode === 'checkpoint-qkv';

export class LayerCall {
  private readonly own = new Buffers();
  private buf = this.own;
  /** Where s1, s2, their LayerNorm statistics and y are: this.own when checkpointing, else this.buf. */
  private tail = this.own;
  /** Where [q k v] is: this.own in 'checkpoint-qkv' mode, else this.buf. */
  private qkvBuf = this.own;
  /** Where g = act(h) is: this.own in plain training, which keeps it for backward (as PyTorch does), else
   *  the scratch (inference needs it only until the next GEMM; checkpointing recomputes it, cheaply,
   *  instead of holding (N, I) per call). */
  private gBuf = this.own;
  private mode: ActivationMode = 'own';
  private x: Float32Array = new Float32Array(0);
  private mask: Float32Array | null = null;
  /** The rows whose output is read (sorted), or null for all: after the attention, which every row's
   *  keys and values feed, the call computes only these (see Encoder.forward's lossRows). */
  private rows: Int32Array | null = null;
  private B = 0;
  private S = 0;
  private drop: CallDropout = { attnP: 0, hiddenP: 0, attnSeed: 0, hiddenSeed: 0 };
  private readonly H: number; private readonly I: number; private readonly nh: number; private readonly hd: number;
  private readonly act: Activation;

  /** scratch: temporaries shared by all calls of a model (calls run one at a time). */
  constructor(readonly attn: AttentionBlock, readonly ffn: FfnBlock, c: AlbertConfig, private readonly scratch: Buffers) {
    this.H = c.hidden_size;
    this.I = c.intermediate_size;
    this.nh = c.num_attention_heads;
    this.hd = c.hidden_size / c.num_attention_heads;
    this.act = c.hidden_act;
  }

  /**
   * x (B*S, H) -> y (B*S, H). x must stay unchanged until backward.
   * mask: additive (B, S) over keys, or null.
   * shared: the buffers every call shares, for every mode but 'own' (see ActivationMode).
   * rows: compute y only at these rows (sorted): y is then (rows.length, H), and backward takes a dy
   * (B*S, H) that is zero elsewhere. Not with hidden dropout (its mask is drawn over all rows).
   */
  forward(
    be: Backend, x: Float32Array, mask: Float32Array | null, B: number, S: number, drop: CallDropout,
    mode: ActivationMode = 'own', shared?: Buffers, rows: Int32Array | null = null,
  ): Float32Array {
    if (mode !== 'own' && !shared) throw new Error(`LayerCall.forward: mode '${mode}' needs the shared buffers`);
    if (rows && drop.hiddenP > 0) throw new Error('LayerCall.forward: a row subset with hidden dropout');
    this.rows = rows;
    this.mode = mode;
    this.buf = mode === 'own' ? this.own : shared!;
    this.tail = recomputes(mode) ? this.own : this.buf;
    this.qkvBuf = mode === 'checkpoint-qkv' ? this.own : this.buf;
    this.gBuf = mode === 'own' ? this.own : this.scratch;
    this.x = x;
    this.mask = mask;
    this.B = B;
    this.S = S;
    this.drop = drop;
    return this.compute(be, true)!;
  }

  /** The forward of the stored call (activations into this.buf and this.tail), returning y; or, without
   *  `whole`, what a checkpointed backward needs again: [q k v] (unless kept), the attention, a from the
   *  kept s1, and h. */
  private compute(be: Backend, whole: boolean): Float32Array | null {
    const { H, I, nh, hd, B, S, mask, drop, buf, tail, attn, ffn, rows } = this, NH = B * S * H;
    const qkv = this.qkvBuf.f32('qkv', 3 * NH), ctxAll = buf.f32('ctx', NH);
    // inference keeps no (B, nh, S, S) probabilities: only backward reads them
    const probs = this.mode === 'shared' ? null : buf.f32('probs', B * nh * S * S);
    if (whole || this.mode !== 'checkpoint-qkv') attn.qkv.forward(be, this.x, qkv, B * S);
    be.attentionForward(qkv, qkv.subarray(H), qkv.subarray(2 * H), mask, probs, ctxAll, B, S, nh, hd, 1 / Math.sqrt(hd),
      drop.attnP, drop.attnSeed, 3 * H);
    // from here on, row by row: N rows, or only those read
    const N = rows ? rows.length : B * S, NR = N * H;
    const ctx = rows ? gatherRows(ctxAll, rows, H, buf.f32('ctxRows', NR)) : ctxAll; // backward reads it too
    const s1 = tail.f32('s1', NR); // x + dropout(dense(ctx)): the attention LayerNorm's input
    if (whole) {
      attn.dense.forward(be, ctx, s1, N);
      if (drop.hiddenP > 0) be.dropoutForward(s1, s1, NR, drop.hiddenP, drop.hiddenSeed);
      be.add(s1, rows ? gatherRows(this.x, rows, H, buf.f32('xRows', NR)) : this.x, s1, NR);
    }
    const a = buf.f32('a', NR);
    attn.norm.forward(be, s1, a, tail.f32('mean1', N), tail.f32('rstd1', N), N);
    const g = this.gBuf.f32('g', N * I);
    if (this.mode === 'shared') { // inference needs no h: g in one pass (the activation fused where it can be)
      ffn.ffn.forward(be, a, g, N, H, this.act);
    } else {
      const h = buf.f32('h', N * I);
      ffn.ffn.forward(be, a, h, N);
      if (!whole) return null;
      be.activationForward(this.act, h, g, N * I);
    }
    const s2 = tail.f32('s2', NR);
    ffn.out.forward(be, g, s2, N);
    be.add(s2, a, s2, NR);
    const y = tail.f32('y', NR);
    ffn.norm.forward(be, s2, y, tail.f32('mean2', N), tail.f32('rstd2', N), N);
    return y;
  }

  /**
   * dy (B*S, H) of the last forward -> dx written into `dx` (must not alias dy); parameter gradients accumulate.
   * A checkpointed call first recomputes its activations into the shared buffers, unless `fresh` says
   * they still hold this call's (it was the last call to run forward).
   */
  backward(be: Backend, dy: Float32Array, dx: Float32Array, fresh = false): void {
    if (this.mode === 'shared') throw new Error('LayerCall.backward after an inference-only forward');
    if (recomputes(this.mode) && !fresh) this.compute(be, false);
    const { H, I, nh, hd, B, S, attn, ffn, buf, tail, drop, rows } = this, NH = B * S * H;
    const sb = this.scratch;
    // up to the attention, row by row (N rows, or only those read; see compute)
    const N = rows ? rows.length : B * S, NR = N * H;
    if (rows) dy = gatherRows(dy, rows, H, sb.f32('dyRows', NR));
    // full_layer_layer_norm(ffn_output(act(ffn(a))) + a)
    const ds2 = sb.f32('ds2', NR);
    ffn.norm.backward(be, dy, tail.readF32('s2', NR), tail.readF32('mean2', N), tail.readF32('rstd2', N), ds2, N);
    const a = buf.readF32('a', NR), h = buf.readF32('h', N * I);
    const recomputeG = this.gBuf === sb; // not kept: recompute
    const g = recomputeG ? sb.f32('g', N * I) : this.gBuf.readF32('g', N * I);
    if (recomputeG) be.activationForward(this.act, h, g, N * I);
    // not g (Linear.backward may read g while it writes dg), but the buffer of dqkv below: dg is dead by then
    const dg = sb.f32('dgDqkv', N * I);
    ffn.out.backward(be, ds2, g, dg, N);
    be.activationBackward(this.act, h, dg, dg, N * I);
    const da = ds2; // the residual branch passes ds2 straight to a; the FFN branch adds to it
    ffn.ffn.backward(be, dg, a, da, N, true);
    // attention LayerNorm(x + dropout(dense(ctx)))
    const ds1 = sb.f32('ds1', NR);
    attn.norm.backward(be, da, tail.readF32('s1', NR), tail.readF32('mean1', N), tail.readF32('rstd1', N), ds1, N);
    let dd = ds1;
    if (drop.hiddenP > 0) {
      dd = sb.f32('dd', NR);
      be.dropoutBackward(ds1, dd, NR, drop.hiddenP, drop.hiddenSeed);
    }
    const dctx = sb.f32('dctx', NH), dctxRead = rows ? sb.f32('dctxRows', NR) : dctx;
    attn.dense.backward(be, dd, buf.readF32(rows ? 'ctxRows' : 'ctx', NR), dctxRead, N);
    if (rows) scatterRows(dctxRead, rows, H, dctx); // the other rows' queries get no gradient
    const qkv = this.qkvBuf.readF32('qkv', 3 * NH), dqkv = sb.f32('dgDqkv', 3 * NH);
    be.attentionBackward(dctx, qkv, qkv.subarray(H), qkv.subarray(2 * H), buf.readF32('probs', B * nh * S * S),
      dqkv, dqkv.subarray(H), dqkv.subarray(2 * H), B, S, nh, hd, 1 / Math.sqrt(hd), drop.attnP, drop.attnSeed, 3 * H);
    if (rows) scatterRows(ds1, rows, H, dx); // residual
    else dx.set(ds1);
    attn.qkv.backward(be, dqkv, this.x, dx, B * S, true);
  }
}
