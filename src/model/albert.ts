// The assembled model: embeddings -> encoder (sharing layout) -> pooler -> head, with HF's names.
//
//   ids (B, S) --Embeddings--> (N, H) --Encoder: L layer calls--> seq (N, H) --pooler: tanh(dense(seq[:, 0]))--> (B, H)
//                                                                 \--> head (MLM / SOP / classifiers ...)
// Backward runs the same path in reverse; every parameter gradient accumulates into param.grad.
import type { Backend } from '../backend/backend.js';
import { fp32Of, withPrecision, type Precision } from '../backend/bf16.js';
import { DTYPES, type Dtype, withDtype } from '../backend/dtype.js';
import { UserError } from '../errors.js';
import type { AlbertConfig } from './config.js';
import { Embeddings, embeddingSpecs } from './embeddings.js';
import { Encoder, type EncoderLayout, encoderLayout, encoderSpecs } from './encoder.js';
import type { Head, HeadContext, MeanOver } from './heads/head.js';
import { HEADS } from './heads/index.js';
import { qkvPacks } from './layer.js';
import { Linear } from './modules.js';
import { Buffers, type Param, type ParamSpec, ParamStore, linearSpecs, siteSeed } from './params.js';
import { checkModelFits, parameterCount, type MemoryBudget } from './limits.js';
import { markedRows } from './rows.js';
import type { HeadKind, Labels, LossResult, ModelInputs, ModelOutputs } from './types.js';

export type { HeadKind, Labels, LossResult, ModelInputs, ModelOutputs } from './types.js';
export { HEAD_KINDS, architectureOf, headFromArchitectures, parseHeadKind } from './heads/index.js';

/** HF's additive attention mask value: (1 - mask) * torch.finfo(torch.float32).min. */
export const MASKED = -3.4028234663852886e38;

export interface ModelLayout {
  /** "albert." for every head except 'base' (HF's AlbertModel has no prefix). */
  prefix: string;
  encoder: EncoderLayout;
  /** Every unique tensor, in HF state_dict order. */
  specs: ParamSpec[];
  /** alias name -> real name (tied decoder, shared blocks under other layers' names). */
  aliases: Map<string, string>;
}

export function modelLayout(c: AlbertConfig, head: HeadKind): ModelLayout {
  const def = HEADS[head];
  const prefix = head === 'base' ? '' : 'albert.';
  const encoder = encoderLayout(prefix, c);
  const specs = [
    ...embeddingSpecs(prefix, c),
    ...encoderSpecs(encoder, c),
    ...(def.pooler ? linearSpecs(`${prefix}pooler`, c.hidden_size, c.hidden_size) : []),
    ...def.specs(c, prefix),
  ];
  return { prefix, encoder, specs, aliases: new Map([...encoder.aliases, ...def.aliases(prefix)]) };
}

/** Unique parameters of the model (tied and shared tensors counted once), as the paper counts them. */
export function countParameters(c: AlbertConfig, head: HeadKind = 'base'): number {
  return parameterCount(c, head);
}

export interface ForwardOptions {
  train?: boolean; outputHiddenStates?: boolean; seed?: number;
  /**
   * Compute only what the head's outputs read (the rows its markLossRows marks without labels): for a
   * head over the pooled output alone (sequence classification, multiple choice) the last layer runs
   * at token 0 of each sequence, and lastHiddenState is zero at the other rows (~1/L of the encoder's
   * work saved; evaluation and serving). No effect on heads that read every token, nor with
   * outputHiddenStates.
   */
  headOutputsOnly?: boolean;
}

export interface ModelOptions extends MemoryBudget {
  /** Gradient checkpointing: training keeps of each layer call only its output and its two LayerNorm inputs
   *  (and, for half of the calls, [q k v]) and recomputes the rest during backward: on base-v2 at 8x128,
   *  45% less peak memory for 15% more time (BENCHMARKS.md). Gradients are unchanged, bit for bit. */
  checkpointActivations?: boolean;
  /** The weights will not change from the first forward on (see AlbertModel.inferenceOnly). */
  inferenceOnly?: boolean;
  /** 'bf16': the GEMMs take bf16-rounded operands (backend/bf16.ts); default 'fp32'. */
  precision?: Precision;
  /** Inference in bf16 or int8 (backend/dtype.ts): the model becomes inferenceOnly. Default 'fp32'. */
  dtype?: Dtype;
}

export class AlbertModel {
  readonly aliases: Map<string, string>;
  readonly layout: ModelLayout;
  private readonly store: ParamStore;
  private readonly embeddings: Embeddings;
  private readonly encoder: Encoder;
  private readonly pooler: Linear | null;
  private readonly headImpl: Head | null;
  private readonly buf = new Buffers();
  private readonly budget: MemoryBudget;
  /** The last workload checked against the budget ("rows x seq x backward x checkpoint"): checked again only when it changes. */
  private checkedWork = '';
  /** The backend the kernels run on: `backend`, or its bf16 view (see precision). */
  private compute: Backend;

  constructor(readonly config: AlbertConfig, readonly head: HeadKind, readonly backend: Backend, opts: ModelOptions = {}) {
    if (!HEADS[head]) throw new UserError(`unknown head "${String(head)}"`);
    // before the layout, which lists every layer call, and before any parameter is allocated
    checkModelFits(config, head, { rows: 1, seq: config.max_position_embeddings, backward: false }, opts);
    this.budget = { maxMemory: opts.maxMemory, source: opts.source, fieldSources: opts.fieldSources };
    this.layout = modelLayout(config, head);
    this.aliases = this.layout.aliases;
    this.store = new ParamStore(this.layout.specs, qkvPacks(this.layout.specs));
    const p = this.layout.prefix;
    this.embeddings = new Embeddings(this.store, p, config);
    this.encoder = new Encoder(this.store, this.layout.encoder, config);
    this.encoder.checkpointActivations = opts.checkpointActivations ?? false;
    this.encoder.keepPacked = opts.inferenceOnly ?? false;
    this.pooler = HEADS[head].pooler ? new Linear(this.store, `${p}pooler`, config.hidden_size, config.hidden_size) : null;
    this.headImpl = HEADS[head].create(this.store, config, p);
    this.compute = withPrecision(backend, opts.precision ?? 'fp32');
    if (opts.dtype) this.dtype = opts.dtype;
  }

  private dtypeNow: Dtype = 'fp32';

  /**
   * The encoder's Linear GEMMs at inference: 'fp32', 'bf16' or 'int8' (dynamic quantization). Not fp32
   * makes the model inferenceOnly (the weights are rounded or quantized once, when first packed); back
   * to 'fp32' leaves inferenceOnly on until switched off.
   */
  get dtype(): Dtype {
    return this.dtypeNow;
  }

  set dtype(d: Dtype) {
    if (!DTYPES.includes(d)) throw new UserError(`dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(d)}`);
    this.encoder.dropPacks();
    this.dtypeNow = d;
    this.compute = d === 'fp32' ? withPrecision(this.backend, this.precision) : withDtype(this.backend, d);
    if (d !== 'fp32') this.inferenceOnly = true;
  }

  /**
   * 'bf16': mixed precision, the GEMMs (forward, dx and dW) on bf16-rounded operands with fp32 sums; the
   * weights, gradients, LayerNorm, softmax and the loss stay fp32. May be switched between steps.
   */
  get precision(): Precision {
    return this.compute === fp32Of(this.compute) ? 'fp32' : 'bf16';
  }

  set precision(p: Precision) {
    if (p !== 'fp32' && p !== 'bf16') throw new UserError(`precision must be fp32 or bf16, got ${JSON.stringify(p)}`);
    if (this.dtypeNow !== 'fp32') throw new UserError(`precision is for training; this model runs inference in ${this.dtypeNow} (set dtype = 'fp32' first)`);
    this.encoder.dropPacks();
    this.compute = withPrecision(this.backend, p);
  }

  /** Gradient checkpointing (see ModelOptions); may be switched between steps. Gradients are unchanged. */
  get checkpointActivations(): boolean {
    return this.encoder.checkpointActivations;
  }

  set checkpointActivations(on: boolean) {
    this.encoder.checkpointActivations = on;
  }

  /**
   * Serving: the weights do not change from the next forward on, so inference keeps its packed copy of
   * the encoder weights (the native backend's packed GEMM) from one call to the next instead of packing
   * them again per forward, as an onnxruntime session prepacks at load (~2% of a batch-1 forward on
   * base-v2). lossAndBackward is refused meanwhile. Load the weights first; writing param.data while on is
   * not seen (switch off and on again to repack).
   */
  get inferenceOnly(): boolean {
    return this.encoder.keepPacked;
  }

  set inferenceOnly(on: boolean) {
    this.encoder.keepPacked = on;
  }

  /** Unique parameters under their HF state_dict names. */
  params(): Param[] {
    return this.store.list;
  }

  /** A parameter by its name or one of its aliases. */
  param(name: string): Param {
    return this.store.get(this.aliases.get(name) ?? name);
  }

  /** HF's _init_weights, from a seed (deterministic). */
  initWeights(seed: number): void {
    this.store.init(seed, this.config.initializer_range);
    this.encoder.dropPacks();
  }

  zeroGrad(): void {
    this.store.zeroGrad();
  }

  forward(inputs: ModelInputs, opts: ForwardOptions = {}): ModelOutputs {
    const hidden: Float32Array[] = [];
    // No labels: an empty set makes run() compute the last layer at the rows the head marks without any
    // (pooled heads: none, so token 0 for the pooler; token heads and labelled-position losses: all).
    const rowsOnly = opts.headOutputsOnly && !opts.outputHiddenStates;
    const ctx = this.run(inputs, opts.train ?? false, opts.seed ?? 0, false, opts.outputHiddenStates ? hidden : null, rowsOnly ? {} : undefined);
    const out: ModelOutputs = {
      lastHiddenState: ctx.seq.slice(),
      poolerOutput: ctx.pooled ? ctx.pooled.slice() : new Float32Array(0),
    };
    if (opts.outputHiddenStates) out.hiddenStates = hidden;
    this.headImpl?.outputs(ctx, out);
    return out;
  }

  /** The HF class's loss (eval mode unless opts.train), without backward: param.grad is untouched. */
  loss(inputs: ModelInputs, labels: Labels, opts: { train?: boolean; seed?: number } = {}): LossResult {
    if (!this.headImpl) throw new UserError('the bare AlbertModel has no loss: choose a head (pretraining, masked-lm, ...)');
    const ctx = this.run(inputs, opts.train ?? false, opts.seed ?? 0, false, null, labels);
    return this.headImpl.lossAndBackward(ctx, labels, this.buf.f32('dSeq', 0), null);
  }

  /** forward (train mode unless opts.train = false) + the HF class's loss + backward; gradients accumulate. */
  lossAndBackward(inputs: ModelInputs, labels: Labels, opts: { train?: boolean; seed?: number; meanOver?: MeanOver } = {}): LossResult {
    if (!this.headImpl) throw new UserError('the bare AlbertModel has no loss: choose a head (pretraining, masked-lm, ...)');
    if (this.inferenceOnly) throw new UserError('this model is inferenceOnly (its weights are packed for serving): switch it off to train');
    const ctx = this.run(inputs, opts.train ?? true, opts.seed ?? 0, true, null, labels);
    if (opts.meanOver) ctx.meanOver = opts.meanOver;
    const H = this.config.hidden_size, N = ctx.rows * ctx.S;
    const dSeq = this.buf.f32('dSeq', N * H);
    dSeq.fill(0);
    let dPooled: Float32Array | null = null;
    if (this.pooler) {
      dPooled = this.buf.f32('dPooled', ctx.rows * H);
      dPooled.fill(0);
    }
    const result = this.headImpl.lossAndBackward(ctx, labels, dSeq, dPooled);
    if (this.pooler && dPooled) this.poolerBackward(ctx, dPooled, dSeq);
    const dx = this.encoder.backward(this.compute, dSeq, ctx.rows, ctx.S);
    this.embeddings.backward(this.compute, dx);
    return result;
  }

  /**
   * Embeddings, encoder and pooler; the state every head and backward start from. With `labels` (a loss
   * follows), the last hidden state is computed only at the rows the loss reads (lossRows).
   */
  private run(
    inputs: ModelInputs, train: boolean, seed: number, forBackward: boolean, hidden: Float32Array[] | null, labels?: Labels,
  ): HeadContext {
    const { rows, S } = validateInputs(inputs, this.config, this.head);
    const checkpoint = this.checkpointActivations, work = `${rows}x${S}x${forBackward}x${checkpoint}`;
    if (work !== this.checkedWork) {
      checkModelFits(this.config, this.head, { rows, seq: S, backward: forBackward, checkpoint }, this.budget);
      this.checkedWork = work;
    }
    const be = this.compute, c = this.config, N = rows * S;
    const types = inputs.tokenTypeIds ?? this.buf.i32('zeroTypes', N).fill(0);
    const mask = additiveMask(inputs.attentionMask, N, this.buf);
    const x0 = this.embeddings.forward(be, inputs.inputIds, types, rows, S, train ? c.hidden_dropout_prob : 0, siteSeed(seed, 0));
    if (hidden) hidden.push(x0.slice());
    const seq = this.encoder.forward(be, x0, mask, rows, S, train, seed, forBackward, hidden ? (_i, h) => hidden.push(h.slice()) : undefined,
      labels ? this.lossRows(labels, rows, S) : null);
    let pooled: Float32Array | null = null;
    if (this.pooler) {
      const H = c.hidden_size;
      const pre = this.buf.f32('poolerPre', rows * H);
      pooled = this.buf.f32('pooled', rows * H);
      this.pooler.forward(be, seq, pre, rows, S * H); // row b reads token 0 of sequence b
      be.activationForward('tanh', pre, pooled, rows * H);
    }
    return { be, seq, pooled, batch: inputs.batch, rows, S, train, seed, backward: forBackward, inputs };
  }

  /** The rows of the last hidden state a loss with these labels reads (the head's, and token 0 of each
   *  sequence for the pooler), sorted; null for all. */
  private lossRows(labels: Labels, rows: number, S: number): Int32Array | null {
    if (!this.headImpl?.markLossRows) return null;
    const marked = new Uint8Array(rows * S);
    this.headImpl.markLossRows(labels, marked);
    if (this.pooler) for (let b = 0; b < rows; b++) marked[b * S] = 1;
    return markedRows(marked);
  }

  private poolerBackward(ctx: HeadContext, dPooled: Float32Array, dSeq: Float32Array): void {
    const H = this.config.hidden_size, be = this.compute, n = ctx.rows * H;
    const dpre = this.buf.f32('dPoolerPre', n);
    be.activationBackward('tanh', this.buf.readF32('poolerPre', n), dPooled, dpre, n);
    this.pooler!.backward(be, dpre, ctx.seq, dSeq, ctx.rows, true, ctx.S * H, ctx.S * H);
  }
}

/** (1 - mask) * finfo.min per key, or null when nothing is masked (the same numbers, less work). */
function additiveMask(mask: Int32Array | undefined, N: number, buf: Buffers): Float32Array | null {
  if (!mask || mask.every((m) => m === 1)) return null;
  const out = buf.f32('mask', N);
  for (let i = 0; i < N; i++) out[i] = mask[i] === 1 ? 0 : MASKED;
  return out;
}

/**
 * Reject, before any compute, what HF would reject or silently get wrong: shape mismatches, token
 * ids outside the vocabulary, token types outside type_vocab_size, sequences longer than
 * max_position_embeddings, masks other than 0/1.
 */
export function validateInputs(inputs: ModelInputs, c: AlbertConfig, head: HeadKind): { rows: number; S: number } {
  const { batch: B, seq: S } = inputs;
  if (!Number.isInteger(B) || B < 1) throw new UserError(`inputs: batch must be an integer >= 1, got ${B}`);
  if (!Number.isInteger(S) || S < 1) throw new UserError(`inputs: sequence length must be an integer >= 1, got ${S}`);
  if (S > c.max_position_embeddings) {
    throw new UserError(`inputs: sequence length ${S} exceeds max_position_embeddings ${c.max_position_embeddings}`);
  }
  let C = 1;
  if (head === 'multiple-choice') {
    C = inputs.numChoices ?? NaN;
    if (!Number.isInteger(C) || C < 1) throw new UserError('inputs: multiple choice needs numChoices >= 1 (input_ids shaped [batch][choice][seq])');
  } else if (inputs.numChoices !== undefined && inputs.numChoices !== 1) {
    throw new UserError(`inputs: numChoices is only for the multiple-choice head (model head is ${head})`);
  }
  const rows = B * C, N = rows * S;
  const shape = C > 1 || head === 'multiple-choice' ? `${B} x ${C} x ${S}` : `${B} x ${S}`;
  const check = (name: string, a: Int32Array | undefined, lo: number, hi: number, what: string) => {
    if (!a) return;
    if (a.length !== N) throw new UserError(`inputs: ${name} has ${a.length} values, expected ${shape} = ${N}`);
    for (let i = 0; i < N; i++) {
      if (a[i] < lo || a[i] > hi) {
        const pos = C > 1 || head === 'multiple-choice' ? `[${Math.floor(i / (C * S))}][${Math.floor(i / S) % C}][${i % S}]` : `[${Math.floor(i / S)}][${i % S}]`;
        throw new UserError(`inputs: ${name}${pos} = ${a[i]} is outside ${what} (${lo}..${hi})`);
      }
    }
  };
  if (!inputs.inputIds) throw new UserError('inputs: input_ids missing');
  check('input_ids', inputs.inputIds, 0, c.vocab_size - 1, 'the vocabulary');
  check('token_type_ids', inputs.tokenTypeIds, 0, c.type_vocab_size - 1, 'type_vocab_size');
  check('attention_mask', inputs.attentionMask, 0, 1, 'the mask values');
  return { rows, S };
}
