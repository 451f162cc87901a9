// Small measurement helpers shared by `albert bench` and the benchmark suite in bench/ (whose
// baseline runners import this file, so it must stay free of model/backend imports).
import { fmix32 } from '../backend/backend.js';
import type { AlbertConfig } from '../model/config.js';

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident set size of this process so far, in bytes. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024; // node reports KiB
}

/** n token ids uniform in [0, vocab), a pure function of seed (counter-based hash). */
export function randomTokenIds(n: number, vocab: number, seed: number): Int32Array {
  const ids = new Int32Array(n);
  const s = fmix32(seed >>> 0);
  for (let i = 0; i < n; i++) ids[i] = fmix32((s ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0) % vocab;
  return ids;
}

/** Positions masked for MLM per sequence in the benchmark's training step: 15%, at least one. */
export function maskedPerSequence(seq: number): number {
  return Math.max(1, Math.round(0.15 * seq));
}

/**
 * What a benchmark step is:
 *   infer:    eval forward of AlbertModel (with pooler);
 *   train:    pretraining (AlbertForPreTraining: MLM + SOP) forward + backward + AdamW;
 *   finetune: sequence-classification fine-tuning (AlbertForSequenceClassification, cross-entropy)
 *             forward + backward + global-norm clipping + AdamW, as `albert finetune`'s Trainer;
 *   classify: its evaluation, eval forward of AlbertForSequenceClassification + softmax, packed weights.
 */
export type BenchMode = 'infer' | 'train' | 'finetune' | 'classify';
export const BENCH_MODES: readonly BenchMode[] = ['infer', 'train', 'finetune', 'classify'];

/**
 * Model FLOPs of one step, 2*m*n*k per GEMM (attention's QK^T and PV included):
 *   infer: embedding projection E->H, L * inner_group_num layers, pooler (AlbertModel, eval);
 *   classify: the forward AlbertForSequenceClassification's logits need: infer with the last layer call
 *          after its attention at token 0 only (what the pooler reads), + the classifier (B, H) x (H, num_labels);
 *   train / finetune: 3x the forward (backward = 2 GEMMs per forward GEMM), counting only the work the
 *          loss needs: the last layer call after its attention only at the rows the loss reads (train:
 *          the masked positions and token 0 of each sequence, which the pooler reads; finetune: token 0,
 *          as classify); train's MLM head at the masked positions and SOP (B, H) x (H, 2).
 * Elementwise work (layernorm, softmax, gelu, optimizer) is not counted, as usual for model FLOPs.
 */
export function modelFlops(c: AlbertConfig, batch: number, seq: number, mode: BenchMode): number {
  const N = batch * seq, E = c.embedding_size, H = c.hidden_size, I = c.intermediate_size;
  const attention = 2 * N * H * 3 * H // Q, K, V projections
    + 2 * 2 * N * seq * H; //       scores Q K^T and context P V, all heads
  const tail = (rows: number) => 2 * rows * H * H // attention output dense
    + 2 * 2 * rows * H * I; //                     FFN in and out
  const calls = c.num_hidden_layers * c.inner_group_num;
  const classifier = 2 * batch * H * c.num_labels;
  let fwd = 2 * N * E * H + calls * attention + 2 * batch * H * H;
  if (mode === 'infer') return fwd + calls * tail(N);
  // the classifier reads token 0 only: the last call's tail there alone (as headOutputsOnly computes it)
  const classified = fwd + (calls - 1) * tail(N) + tail(batch) + classifier;
  if (mode === 'classify') return classified;
  if (mode === 'finetune') return 3 * classified;
  const M = batch * maskedPerSequence(seq);
  // the last call's tail only at the rows the loss reads: the masked ones and token 0 (pooler)
  fwd += (calls - 1) * tail(N) + tail(M + batch);
  fwd += 2 * M * H * E + 2 * M * E * c.vocab_size + 2 * batch * H * 2;
  return 3 * fwd;
}
