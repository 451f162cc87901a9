// google-research/albert's SQuAD 2.0 head (squad_utils.create_v2_model: the XLNet-style head of the
// paper's SQuAD 2.0 results), its tensors named in HF's style. HF has no such ALBERT class: its
// architecture name "AlbertForQuestionAnsweringV2" is albert-ts's own, and HF cannot load it.
//
//   p_mask (B, S): 1 where no answer can be: the question, both [SEP]s, padding; 0 at CLS and the context.
//     Derived from the inputs ([CLS] question [SEP] context [SEP] padding, segment 1 = context + last
//     [SEP]): 0 at position 0 and at attended segment-1 tokens except the last one.
//   mask(x) = x (1 - p_mask) - 1e30 p_mask
//   start   s = start_logits.dense(H_t)                                   log p_start = log_softmax(mask(s))
//   end     e = end_logits.dense_1(LN(tanh(end_logits.dense_0([H_t ; H_s]))))   log p_end = log_softmax(mask(e))
//           H_s: the gold start's state (training, and any loss); inference runs the beam: the top 5
//           starts, the end log-probs for each, the top 5 ends of each (25 candidates, index k * 5 + j).
//   answer  cls = answer_class.dense_1(dropout(tanh(answer_class.dense_0([sum_t p_start,t H_t ; H_0]))))
//           (dense_1 without bias; the start-probability-weighted state in training and inference alike;
//           dropout classifier_dropout_prob, Google's dropout_prob 0.1, in training only)
//   loss = (CE_start + CE_end) / 2 + BCE(cls, is_impossible) / 2
// The LayerNorm is tf.contrib's layer_norm: epsilon 1e-12 whatever the config says.
// dense_0 (2H -> H) on [H_t ; H_s] is computed as W_a H_t + W_b H_s + b: the W_a half once per window
// and the W_b half once per start, instead of a (S, 2H) concatenation per start.
import { UserError } from '../../errors.js';
import type { AlbertConfig } from '../config.js';
import { LayerNorm, Linear } from '../modules.js';
import { Buffers, type Param, type ParamSpec, type ParamStore, layerNormSpecs, linearSpecs, siteSeed } from '../params.js';
import { topIndices } from '../top_k.js';
import type { Labels, LossResult, ModelOutputs } from '../types.js';
import { classifierDropout } from './classifier.js';
import { HEAD_DROPOUT_SITE, type Head, type HeadContext } from './head.js';
import { bceWithLogitsLoss } from './losses.js';

/** google-research/albert's start_n_top and end_n_top. */
export const START_N_TOP = 5;
export const END_N_TOP = 5;
const MASK_VALUE = 1e30;
const TF_LAYER_NORM_EPS = 1e-12;

export function squadV2Specs(c: AlbertConfig): ParamSpec[] {
  const H = c.hidden_size;
  return [
    ...linearSpecs('start_logits.dense', H, 1),
    ...linearSpecs('end_logits.dense_0', 2 * H, H),
    ...layerNormSpecs('end_logits.LayerNorm', H),
    ...linearSpecs('end_logits.dense_1', H, 1),
    ...linearSpecs('answer_class.dense_0', 2 * H, H),
    { name: 'answer_class.dense_1.weight', shape: [1, H], init: 'normal' },
  ];
}

/** A bias-free Linear: the real weight and a zero bias of our own (its gradient is dropped). */
function withoutBias(store: ParamStore, prefix: string, outF: number): Pick<ParamStore, 'get'> {
  const bias: Param = { name: `${prefix}.bias`, shape: [outF], data: new Float32Array(outF), grad: new Float32Array(outF) };
  return { get: (name) => (name === bias.name ? bias : store.get(name)) };
}

export class SquadV2Head implements Head {
  private readonly start: Linear;
  private readonly end0: Linear;
  private readonly endNorm: LayerNorm;
  private readonly end1: Linear;
  private readonly ans0: Linear;
  private readonly ans1: Linear;
  private readonly dropoutP: number;
  private readonly buf = new Buffers();

  constructor(store: ParamStore, c: AlbertConfig) {
    const H = c.hidden_size;
    this.start = new Linear(store, 'start_logits.dense', H, 1);
    this.end0 = new Linear(store, 'end_logits.dense_0', 2 * H, H);
    this.endNorm = new LayerNorm(store, 'end_logits.LayerNorm', H, TF_LAYER_NORM_EPS);
    this.end1 = new Linear(store, 'end_logits.dense_1', H, 1);
    this.ans0 = new Linear(store, 'answer_class.dense_0', 2 * H, H);
    this.ans1 = new Linear(withoutBias(store, 'answer_class.dense_1', 1), 'answer_class.dense_1', H, 1);
    this.dropoutP = classifierDropout(c);
  }

  /** The whole window is read (start and end logits everywhere). */
  markLossRows(_labels: Labels, marked: Uint8Array): void {
    marked.fill(1);
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    const B = ctx.rows, S = ctx.S;
    if (S < Math.max(START_N_TOP, END_N_TOP)) throw new UserError(`the squad-v2 head's beam needs windows of at least ${Math.max(START_N_TOP, END_N_TOP)} tokens, got ${S}`);
    const { pMask, startLogProbs } = this.startForward(ctx);
    out.startLogProbs = startLogProbs.slice();
    out.clsLogits = this.answerForward(ctx).slice();
    const startTopLogProbs = new Float32Array(B * START_N_TOP), startTopIndex = new Int32Array(B * START_N_TOP);
    const endTopLogProbs = new Float32Array(B * START_N_TOP * END_N_TOP), endTopIndex = new Int32Array(B * START_N_TOP * END_N_TOP);
    const starts = new Int32Array(B);
    this.endBase(ctx);
    for (let b = 0; b < B; b++) {
      const row = startLogProbs.subarray(b * S, (b + 1) * S);
      topIndices(row, S, START_N_TOP).forEach((t, k) => {
        startTopIndex[b * START_N_TOP + k] = t;
        startTopLogProbs[b * START_N_TOP + k] = row[t];
      });
    }
    for (let k = 0; k < START_N_TOP; k++) {
      for (let b = 0; b < B; b++) starts[b] = startTopIndex[b * START_N_TOP + k];
      const endLogProbs = this.endForward(ctx, starts, pMask);
      for (let b = 0; b < B; b++) {
        const row = endLogProbs.subarray(b * S, (b + 1) * S), o = (b * START_N_TOP + k) * END_N_TOP;
        topIndices(row, S, END_N_TOP).forEach((t, j) => {
          endTopIndex[o + j] = t;
          endTopLogProbs[o + j] = row[t];
        });
      }
    }
    Object.assign(out, { startTopLogProbs, startTopIndex, endTopLogProbs, endTopIndex });
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array): LossResult {
    const B = ctx.rows, S = ctx.S;
    const { startPositions, endPositions, isImpossible } = labels;
    if (!startPositions || !endPositions || !isImpossible) {
      throw new UserError('a squad-v2 loss needs start_positions, end_positions and is_impossible');
    }
    const { pMask, startLogProbs } = this.startForward(ctx);
    const check = (name: string, positions: Int32Array) => {
      if (positions.length !== B) throw new UserError(`${name}: expected ${B} values, got ${positions.length}`);
      positions.forEach((t, b) => {
        if (!(Number.isInteger(t) && t >= 0 && t < S) || pMask[b * S + t]) {
          throw new UserError(`${name}[${b}] = ${t} is not an answer position of its window (CLS, 0, or a context token)`);
        }
      });
    };
    check('start_positions', startPositions);
    check('end_positions', endPositions);
    if (isImpossible.length !== B) throw new UserError(`is_impossible: expected ${B} values, got ${isImpossible.length}`);
    isImpossible.forEach((v, b) => {
      if (v !== 0 && v !== 1) throw new UserError(`is_impossible[${b}] = ${v} is not 0 or 1`);
    });
    this.endBase(ctx);
    const endLogProbs = this.endForward(ctx, startPositions, pMask);
    // d(mean BCE)/d(cls) into dcls now; backward halves it (the loss weighs the BCE 1/2)
    const bce = bceWithLogitsLoss(this.answerForward(ctx), isImpossible, B, this.buf.f32('dcls', B));
    let ceStart = 0, ceEnd = 0;
    for (let b = 0; b < B; b++) {
      ceStart -= startLogProbs[b * S + startPositions[b]];
      ceEnd -= endLogProbs[b * S + endPositions[b]];
    }
    const loss = (ceStart / B + ceEnd / B) / 2 + bce / 2;
    if (ctx.backward) this.backward(ctx, labels, dSeq, pMask);
    return { loss };
  }

  /** p_mask and the start log-probabilities (both (B, S), buffers owned here). */
  private startForward(ctx: HeadContext): { pMask: Int32Array; startLogProbs: Float32Array } {
    const B = ctx.rows, S = ctx.S, N = B * S;
    const pMask = answerMask(ctx, this.buf.i32('pMask', N));
    const logits = this.buf.f32('startLogits', N);
    this.start.forward(ctx.be, ctx.seq, logits, N);
    const startLogProbs = this.buf.f32('startLogProbs', N);
    maskedLogSoftmax(logits, pMask, B, S, startLogProbs);
    return { pMask, startLogProbs };
  }

  /** W_a H_t + b of dense_0, every row (N, H): shared by every start of the window. */
  private endBase(ctx: HeadContext): void {
    const N = ctx.rows * ctx.S, H = this.end0.outF;
    const a = this.buf.f32('endBase', N * H);
    ctx.be.gemm(false, true, N, H, H, 1, ctx.seq, H, this.end0.w.data, 2 * H, 0, a, H);
    ctx.be.addBias(a, this.end0.b.data, N, H);
  }

  /** End log-probabilities (B, S) with row b's start state H_{starts[b]} (after endBase). */
  private endForward(ctx: HeadContext, starts: Int32Array, pMask: Int32Array): Float32Array {
    const { be } = ctx, B = ctx.rows, S = ctx.S, N = B * S, H = this.end0.outF, buf = this.buf;
    const hs = buf.f32('endStartStates', B * H), c = buf.f32('endStartTerm', B * H);
    for (let b = 0; b < B; b++) hs.set(ctx.seq.subarray((b * S + starts[b]) * H, (b * S + starts[b] + 1) * H), b * H);
    be.gemm(false, true, B, H, H, 1, hs, H, this.end0.w.data.subarray(H), 2 * H, 0, c, H);
    const a = buf.readF32('endBase', N * H), pre = buf.f32('endPre', N * H), act = buf.f32('endAct', N * H), norm = buf.f32('endNorm', N * H);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < S; t++) {
        const o = (b * S + t) * H;
        for (let j = 0; j < H; j++) pre[o + j] = a[o + j] + c[b * H + j];
      }
    }
    be.activationForward('tanh', pre, act, N * H);
    this.endNorm.forward(be, act, norm, buf.f32('endMean', N), buf.f32('endRstd', N), N);
    const logits = buf.f32('endLogits', N);
    this.end1.forward(be, norm, logits, N);
    const logProbs = buf.f32('endLogProbs', N);
    maskedLogSoftmax(logits, pMask, B, S, logProbs);
    return logProbs;
  }

  /** cls logits (B) from [start-probability-weighted state ; H_0] (after startForward). */
  private answerForward(ctx: HeadContext): Float32Array {
    const { be } = ctx, B = ctx.rows, S = ctx.S, H = this.ans0.outF, buf = this.buf;
    const p = startProbs(buf.readF32('startLogProbs', B * S), buf.f32('startProbs', B * S));
    const x = buf.f32('ansIn', B * 2 * H);
    // x[b, :H] = sum_t p[b, t] H_{b,t}; x[b, H:] = H_{b,0}
    be.gemm(false, false, 1, H, S, 1, p, S, ctx.seq, H, 0, x, 2 * H, B, S, S * H, 2 * H);
    for (let b = 0; b < B; b++) x.set(ctx.seq.subarray(b * S * H, b * S * H + H), b * 2 * H + H);
    const pre = buf.f32('ansPre', B * H), act = buf.f32('ansAct', B * H);
    this.ans0.forward(be, x, pre, B);
    be.activationForward('tanh', pre, act, B * H);
    let dropped = act;
    if (ctx.train && this.dropoutP > 0) {
      dropped = buf.f32('ansDropped', B * H);
      be.dropoutForward(act, dropped, B * H, this.dropoutP, siteSeed(ctx.seed, HEAD_DROPOUT_SITE));
    }
    const cls = buf.f32('cls', B);
    this.ans1.forward(be, dropped, cls, B);
    return cls;
  }

  /** Gradients of the loss of the last lossAndBackward forward: into dSeq (N, H) and the head's parameters. */
  private backward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, pMask: Int32Array): void {
    const { be } = ctx, B = ctx.rows, S = ctx.S, N = B * S, H = this.ans0.outF, buf = this.buf, seq = ctx.seq;
    const starts = labels.startPositions!, ends = labels.endPositions!;
    const p = buf.readF32('startProbs', N);

    // answer class: dcls = (sigmoid(cls) - y) / (2B), the BCE's gradient (lossAndBackward's) halved
    const dcls = buf.readF32('dcls', B);
    for (let b = 0; b < B; b++) dcls[b] *= 0.5;
    const dropped = ctx.train && this.dropoutP > 0 ? buf.readF32('ansDropped', B * H) : buf.readF32('ansAct', B * H);
    const dAct = buf.f32('dAnsAct', B * H);
    this.ans1.backward(be, dcls, dropped, dAct, B);
    if (ctx.train && this.dropoutP > 0) be.dropoutBackward(dAct, dAct, B * H, this.dropoutP, siteSeed(ctx.seed, HEAD_DROPOUT_SITE));
    be.activationBackward('tanh', buf.readF32('ansPre', B * H), dAct, dAct, B * H);
    const dx = buf.f32('dAnsIn', B * 2 * H);
    this.ans0.backward(be, dAct, buf.readF32('ansIn', B * 2 * H), dx, B);
    // x[b, H:] = H_{b,0}; x[b, :H] = sum_t p_t H_t: dH_t += p_t dx_b, dp_t = H_t . dx_b
    for (let b = 0; b < B; b++) {
      const o = b * S * H;
      for (let j = 0; j < H; j++) dSeq[o + j] += dx[b * 2 * H + H + j];
    }
    be.gemm(true, false, S, H, 1, 1, p, S, dx, 2 * H, 1, dSeq, H, B, S, 2 * H, S * H);
    const dp = buf.f32('dStartProbs', N);
    be.gemm(false, true, S, 1, H, 1, seq, H, dx, 2 * H, 0, dp, 1, B, S * H, 2 * H, S);

    // start: d masked logits = (p - onehot) / (2B) from the CE, plus the softmax's share of dp; masked positions get none
    const dStart = buf.f32('dStartLogits', N);
    for (let b = 0; b < B; b++) {
      let pdp = 0;
      for (let t = 0; t < S; t++) pdp += p[b * S + t] * dp[b * S + t];
      for (let t = 0; t < S; t++) {
        const i = b * S + t;
        dStart[i] = pMask[i] ? 0 : (p[i] - (t === starts[b] ? 1 : 0)) / (2 * B) + p[i] * (dp[i] - pdp);
      }
    }
    this.start.backward(be, dStart, seq, dSeq, N, true);

    // end: d masked logits = (softmax - onehot) / (2B), then dense_1, LayerNorm, tanh, dense_0
    const endLogProbs = buf.readF32('endLogProbs', N), dEnd = buf.f32('dEndLogits', N);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < S; t++) {
        const i = b * S + t;
        dEnd[i] = pMask[i] ? 0 : (Math.exp(endLogProbs[i]) - (t === ends[b] ? 1 : 0)) / (2 * B);
      }
    }
    const d = buf.f32('dEndNorm', N * H);
    this.end1.backward(be, dEnd, buf.readF32('endNorm', N * H), d, N);
    this.endNorm.backward(be, d, buf.readF32('endAct', N * H), buf.readF32('endMean', N), buf.readF32('endRstd', N), d, N);
    be.activationBackward('tanh', buf.readF32('endPre', N * H), d, d, N * H);
    const W = this.end0.w, Wb = W.data.subarray(H), dWb = W.grad.subarray(H);
    // W_a H_t + b over every row
    be.gemm(true, false, H, H, N, 1, d, H, seq, H, 1, W.grad, 2 * H);
    be.biasGrad(d, this.end0.b.grad, N, H);
    be.gemm(false, false, N, H, H, 1, d, H, W.data, 2 * H, 1, dSeq, H);
    // W_b H_s, H_s broadcast over the window: its gradient is the window's sum
    const dSum = buf.f32('dEndStartTerm', B * H).fill(0);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < S; t++) {
        const o = (b * S + t) * H;
        for (let j = 0; j < H; j++) dSum[b * H + j] += d[o + j];
      }
    }
    be.gemm(true, false, H, H, B, 1, dSum, H, buf.readF32('endStartStates', B * H), H, 1, dWb, 2 * H);
    const dHs = buf.f32('dEndStartStates', B * H);
    be.gemm(false, false, B, H, H, 1, dSum, H, Wb, 2 * H, 0, dHs, H);
    for (let b = 0; b < B; b++) {
      const o = (b * S + starts[b]) * H;
      for (let j = 0; j < H; j++) dSeq[o + j] += dHs[b * H + j];
    }
  }
}

/**
 * p_mask of google-research/albert's features from the model inputs: 0 at CLS (position 0) and at the
 * context (attended segment-1 tokens but the last, which is the closing [SEP]), 1 elsewhere.
 */
export function answerMask(ctx: Pick<HeadContext, 'rows' | 'S' | 'inputs'>, p: Int32Array): Int32Array {
  const { rows: B, S } = ctx, types = ctx.inputs.tokenTypeIds, mask = ctx.inputs.attentionMask;
  if (!types) throw new UserError('the squad-v2 head needs token_type_ids (segment 1 = the context and its [SEP]) to know where answers may be');
  p.fill(1);
  for (let b = 0; b < B; b++) {
    let last = -1;
    for (let t = 1; t < S; t++) {
      const i = b * S + t;
      if (types[i] === 1 && (!mask || mask[i] === 1)) {
        p[i] = 0;
        last = i;
      }
    }
    if (last >= 0) p[last] = 1;
    p[b * S] = 0;
  }
  return p;
}

/** out (B, S) = log_softmax(x (1 - p) - 1e30 p) per row, in double precision. */
function maskedLogSoftmax(x: Float32Array, pMask: Int32Array, B: number, S: number, out: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * S;
    let max = -Infinity;
    for (let t = 0; t < S; t++) max = Math.max(max, pMask[o + t] ? -MASK_VALUE : x[o + t]);
    let sum = 0;
    for (let t = 0; t < S; t++) sum += Math.exp((pMask[o + t] ? -MASK_VALUE : x[o + t]) - max);
    const lse = max + Math.log(sum);
    for (let t = 0; t < S; t++) out[o + t] = (pMask[o + t] ? -MASK_VALUE : x[o + t]) - lse;
  }
}

function startProbs(logProbs: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < logProbs.length; i++) out[i] = Math.exp(logProbs[i]);
  return out;
}
