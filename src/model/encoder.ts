// Cross-layer parameter sharing (the paper's second idea), as data: a layout lists the unique
// attention and FFN blocks and, for every layer application in order, which of each it uses.
//
// - HF's scheme ('all', 'groups', 'none'): G = num_hidden_groups groups of inner_group_num layers.
//   For i in 0..L-1 the group int(i / (L / G)) runs all its inner layers; HF records one hidden
//   state per i. 'all' is G = 1, 'none' is G = L with one inner layer.
// - The paper's ablations, which no public implementation has: 'attention' (one attention block
//   shared by all L layers, FFN per layer) and 'ffn' (the reverse). They are stored as G = L groups;
//   the per-layer names of the shared block are aliases of group 0's tensors, so a checkpoint can
//   carry the shared tensor under every name and HF computes the same thing.
import type { Backend } from '../backend/backend.js';
import type { AlbertConfig } from './config.js';
import type { Linear } from './modules.js';
import { type ActivationMode, AttentionBlock, type CallDropout, FfnBlock, LayerCall, attentionSpecs, ffnSpecs } from './layer.js';
import { Buffers, type ParamSpec, type ParamStore, siteSeed } from './params.js';
import { scatterRows } from './rows.js';

export interface EncoderLayout {
  /** Unique blocks by name prefix (up to "...albert_layers.J."). */
  attention: string[];
  ffn: string[];
  /** Every layer application, in order: indices into `attention` and `ffn`. */
  calls: { attention: number; ffn: number }[];
  /** HF's hidden_states[i + 1] is the output of call hiddenStateAfter[i] (L entries). */
  hiddenStateAfter: number[];
  /** alias name -> real name, for every tensor of a shared block seen under another layer's name. */
  aliases: [string, string][];
}

const layerPrefix = (prefix: string, g: number, j: number) => `${prefix}encoder.albert_layer_groups.${g}.albert_layers.${j}.`;

/** HF's group of layer i: int(i / (L / G)), computed in floating point exactly as Python does. */
export function groupOfLayer(i: number, L: number, G: number): number {
  return Math.trunc(i / (L / G));
}

export function encoderLayout(prefix: string, c: AlbertConfig): EncoderLayout {
  const L = c.num_hidden_layers, G = c.num_hidden_groups, inner = c.inner_group_num;
  const layout: EncoderLayout = { attention: [], ffn: [], calls: [], hiddenStateAfter: [], aliases: [] };
  if (c.sharing === 'attention' || c.sharing === 'ffn') {
    const shared = layerPrefix(prefix, 0, 0);
    const perLayer = Array.from({ length: L }, (_, i) => layerPrefix(prefix, i, 0));
    const sharedSpecs = c.sharing === 'attention' ? attentionSpecs : ffnSpecs;
    if (c.sharing === 'attention') {
      layout.attention = [shared];
      layout.ffn = perLayer;
    } else {
      layout.attention = perLayer;
      layout.ffn = [shared];
    }
    for (let i = 0; i < L; i++) {
      layout.calls.push(c.sharing === 'attention' ? { attention: 0, ffn: i } : { attention: i, ffn: 0 });
      layout.hiddenStateAfter.push(i);
      if (i === 0) continue;
      const real = sharedSpecs(shared, c), alias = sharedSpecs(perLayer[i], c);
      alias.forEach((s, k) => layout.aliases.push([s.name, real[k].name]));
    }
    return layout;
  }
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < inner; j++) {
      layout.attention.push(layerPrefix(prefix, g, j));
      layout.ffn.push(layerPrefix(prefix, g, j));
    }
  }
  for (let i = 0; i < L; i++) {
    const g = groupOfLayer(i, L, G);
    for (let j = 0; j < inner; j++) layout.calls.push({ attention: g * inner + j, ffn: g * inner + j });
    layout.hiddenStateAfter.push(layout.calls.length - 1);
  }
  return layout;
}

/** The unique encoder tensors, layer by layer (attention block, then FFN block, as each first appears). */
export function encoderSpecs(layout: EncoderLayout, c: AlbertConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (const prefix of [...new Set([...layout.attention, ...layout.ffn])].sort(byLayer)) {
    if (layout.attention.includes(prefix)) specs.push(...attentionSpecs(prefix, c));
    if (layout.ffn.includes(prefix)) specs.push(...ffnSpecs(prefix, c));
  }
  return specs;
}

/** Order layer prefixes by (group, inner index) numerically. */
function byLayer(a: string, b: string): number {
  const na = a.match(/\d+/g)!.map(Number), nb = b.match(/\d+/g)!.map(Number);
  for (let i = 0; i < Math.min(na.length, nb.length); i++) if (na[i] !== nb[i]) return na[i] - nb[i];
  return 0;
}

/** Dropout sites: 0 is the embeddings; call c uses 1 + 2c (attention probs) and 2 + 2c (hidden). */
export function callDropout(c: AlbertConfig, call: number, train: boolean, seed: number): CallDropout {
  return {
    attnP: train ? c.attention_probs_dropout_prob : 0,
    hiddenP: train ? c.hidden_dropout_prob : 0,
    attnSeed: siteSeed(seed, 1 + 2 * call),
    hiddenSeed: siteSeed(seed, 2 + 2 * call),
  };
}

export class Encoder {
  readonly calls: LayerCall[];
  /** Gradient checkpointing: a training forward keeps only what each call's backward cannot cheaply
   *  recompute (see ActivationMode in layer.ts); backward recomputes the rest of a call's activations just
   *  before that call's backward. */
  checkpointActivations = false;
  private readonly scratch = new Buffers();
  private readonly buf = new Buffers();
  /** Activations of one call at a time: inference, and the recomputed calls of checkpointing. */
  private readonly shared = new Buffers();

  constructor(store: ParamStore, readonly layout: EncoderLayout, private readonly c: AlbertConfig) {
    const attention = layout.attention.map((p) => new AttentionBlock(store, p, c));
    const ffn = layout.ffn.map((p) => new FfnBlock(store, p, c));
    this.calls = layout.calls.map((k) => new LayerCall(attention[k.attention], ffn[k.ffn], c, this.scratch));
    this.linears = [...attention.flatMap((a) => [a.qkv, a.dense]), ...ffn.flatMap((f) => [f.ffn, f.out])];
  }

  /** The Linears of the unique blocks: an inference forward packs each once, however many calls share it. */
  private readonly linears: Linear[];

  /** Inference keeps the packs from one forward to the next (the weights must not change meanwhile).
   *  Setting it, either way, drops the packs made so far. */
  get keepPacked(): boolean {
    return this.keep;
  }

  set keepPacked(on: boolean) {
    this.keep = on;
    this.dropPacks();
  }

  /** The next inference forward packs the weights afresh (they changed). */
  dropPacks(): void {
    for (const l of this.linears) l.unpack();
  }

  private keep = false;

  /**
   * x (B*S, H) -> the last hidden state (B*S, H) (a buffer owned by the encoder or the last call).
   * onHiddenState(i, h) is called with HF's hidden_states[i + 1] for i = 0..L-1 (h is reused: copy it).
   * Without forBackward, all calls share one set of activation buffers.
   * lossRows: the only rows of the result that will be read (sorted; the others come back zero): the last
   * call computes its layer after the attention only there, unless hidden dropout is on (its mask is
   * drawn over every row). Backward then expects a dy that is zero elsewhere.
   */
  forward(
    be: Backend, x: Float32Array, mask: Float32Array | null, B: number, S: number, train: boolean, seed: number,
    forBackward: boolean, onHiddenState?: (i: number, h: Float32Array) => void, lossRows: Int32Array | null = null,
  ): Float32Array {
    // The forward packs the weights for this forward (and its backward, whose recomputed activations must
    // equal the forward's) only: they may change in place before the next, unless told they will not
    // (keepPacked). In training too: ~4% faster forward GEMMs with the bias fused, for a copy of the weights.
    for (const l of this.linears) if (!(this.keep && l.isPackedFor(be))) l.pack(be, this.keep);
    try {
      let h = x;
      let next = 0;
      const last = this.calls.length - 1;
      const mode = (k: number): ActivationMode => {
        if (!forBackward) return 'shared';
        if (!this.checkpointActivations) return 'own';
        // the last call is never recomputed (see backward); half of the others keep [q k v], which costs
        // ~40% of what plain training spends on keeping every call's g = act(h)
        return k < last && k >= last - Math.ceil(last / 2) ? 'checkpoint-qkv' : 'checkpoint';
      };
      this.calls.forEach((call, k) => {
        const drop = callDropout(this.c, k, train, seed);
        const rows = k === last && drop.hiddenP === 0 ? lossRows : null;
        h = call.forward(be, h, mask, B, S, drop, mode(k), this.shared, rows);
        if (rows) h = scatterRows(h, rows, this.c.hidden_size, this.buf.f32('seq', B * S * this.c.hidden_size));
        if (onHiddenState && this.layout.hiddenStateAfter[next] === k) onHiddenState(next++, h);
      });
      return h;
    } finally {
      if (!this.keep && !forBackward) this.dropPacks();
    }
  }

  /** dy (B*S, H) of the last hidden state -> d of the encoder input, in a buffer owned here. */
  backward(be: Backend, dy: Float32Array, B: number, S: number): Float32Array {
    const n = B * S * this.c.hidden_size;
    // ping-pong between two buffers: a call's dx must not alias its dy
    const bufs = [this.buf.f32('d0', n), this.buf.f32('d1', n)];
    let d = dy;
    const last = this.calls.length - 1;
    try {
      for (let k = last, t = 0; k >= 0; k--, t ^= 1) {
        // the shared buffers still hold the last call's activations: no recompute for it
        this.calls[k].backward(be, d, bufs[t], k === last);
        d = bufs[t];
      }
    } finally {
      if (!this.keep) this.dropPacks(); // the optimizer changes the weights next
    }
    return d;
  }
}
