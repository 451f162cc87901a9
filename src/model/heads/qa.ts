// HF AlbertForQuestionAnswering: qa_outputs (H -> 2, no dropout) on every token, split into start and
// end logits (B, S). Loss: positions clamped to [0, S], S ignored, (CE(start) + CE(end)) / 2.
import { UserError } from '../../errors.js';
import type { AlbertConfig } from '../config.js';
import type { ParamStore } from '../params.js';
import type { Labels, LossResult, ModelOutputs } from '../types.js';
import { ClassifierHead } from './classifier.js';
import type { Head, HeadContext } from './head.js';
import { meanCrossEntropy } from './losses.js';

export class QuestionAnsweringHead extends ClassifierHead implements Head {
  constructor(store: ParamStore, c: AlbertConfig) {
    if (c.num_labels !== 2) throw new UserError(`question answering needs num_labels = 2 (start and end), config has ${c.num_labels}`);
    super(store, 'qa_outputs', c.hidden_size, 2, 0, 'tokens');
  }

  /** Column `col` of logits (N, 2) into a (B, S) buffer. */
  private column(logits: Float32Array, N: number, col: number, name: string): Float32Array {
    const out = this.buf.f32(name, N);
    for (let i = 0; i < N; i++) out[i] = logits[2 * i + col];
    return out;
  }

  outputs(ctx: HeadContext, out: ModelOutputs): void {
    const N = ctx.rows * ctx.S, logits = this.logits(ctx);
    out.startLogits = this.column(logits, N, 0, 'start').slice();
    out.endLogits = this.column(logits, N, 1, 'end').slice();
  }

  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, dPooled: Float32Array | null): LossResult {
    const { startPositions, endPositions } = labels;
    if (!startPositions || !endPositions) throw new UserError('a question-answering loss needs start_positions and end_positions');
    const B = ctx.rows, S = ctx.S, N = B * S;
    const logits = this.logits(ctx);
    const dlogits = this.buf.f32('dlogits', N * 2);
    let total = 0;
    [startPositions, endPositions].forEach((positions, col) => {
      if (positions.length !== B) throw new UserError(`${col ? 'end' : 'start'}_positions: expected ${B} values, got ${positions.length}`);
      const clamped = this.buf.i32(`pos${col}`, B);
      for (let b = 0; b < B; b++) clamped[b] = Math.min(Math.max(positions[b], 0), S);
      const d = this.buf.f32(`d${col}`, N);
      total += meanCrossEntropy(ctx.be, this.column(logits, N, col, `col${col}`), clamped, B, S, d, S).loss;
      for (let i = 0; i < N; i++) dlogits[2 * i + col] = d[i] / 2;
    });
    this.backward(ctx, dlogits, dSeq, dPooled);
    return { loss: total / 2 };
  }
}
