// Optimizers over the model's parameters:
// - 'lamb': ALBERT's reference lamb_optimizer.py: Adam moments without bias correction, decoupled
//   weight decay, per-tensor trust ratio (pretraining).
// - 'adamw': torch.optim.AdamW (HF's fine-tuning default): bias-corrected moments, eps 1e-8,
//   decoupled weight decay lr*wd*w.
// - 'adamw-google': google-research/albert's AdamWeightDecayOptimizer (its fine-tuning): no bias
//   correction, eps 1e-6, update m/(sqrt(v)+eps) + wd*w.
// Decay (and LAMB's ratio) is never applied to a bias or a LayerNorm weight, by HF parameter name.
// The moment/update arithmetic is the backend's adamUpdate kernel; this file decides per tensor the
// decay and the ratio.
import type { Backend } from '../backend/backend.js';

/** What an optimizer needs of a parameter (model/params.ts Param satisfies it). */
export interface TrainableParam { name: string; data: Float32Array; grad: Float32Array; }

export type OptimizerKind = 'lamb' | 'adamw' | 'adamw-google';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['lamb', 'adamw', 'adamw-google'];

export interface OptimizerOptions {
  kind: OptimizerKind;
  /** Defaults: 0.9, 0.999, eps 1e-8 for adamw (torch) and 1e-6 for the others (the references), weight decay 0.01. */
  beta1?: number; beta2?: number; eps?: number; weightDecay?: number;
  /** Parameters whose name matches get no weight decay and (LAMB) no trust ratio. */
  exclude?: RegExp;
}

/**
 * The reference's exclude_from_weight_decay = ["LayerNorm", "layer_norm", "bias"], searched in the
 * name: under HF's names that is every bias and every LayerNorm weight (attention.LayerNorm,
 * full_layer_layer_norm, embeddings.LayerNorm, predictions.LayerNorm), the set HF's Trainer excludes.
 */
export const EXCLUDE_FROM_DECAY = /LayerNorm|layer_norm|bias/;

/** The default epsilon of each optimizer: torch.optim.AdamW's 1e-8, the ALBERT references' 1e-6. */
export const defaultEps = (kind: OptimizerKind): number => (kind === 'adamw' ? 1e-8 : 1e-6);

export class Optimizer {
  readonly kind: OptimizerKind;
  readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number;
  readonly exclude: RegExp;
  /** Updates applied so far (bias correction uses it). */
  t = 0;
  readonly m: Float32Array[]; readonly v: Float32Array[];
  /** Trust ratio of each tensor at the last step (1 for excluded tensors and the AdamWs). */
  readonly lastRatio: Float64Array;

  constructor(readonly params: TrainableParam[], private readonly backend: Backend, o: OptimizerOptions) {
    this.kind = o.kind;
    this.beta1 = o.beta1 ?? 0.9; this.beta2 = o.beta2 ?? 0.999; this.eps = o.eps ?? defaultEps(o.kind);
    this.weightDecay = o.weightDecay ?? 0.01;
    this.exclude = o.exclude ?? EXCLUDE_FROM_DECAY;
    this.m = params.map((p) => new Float32Array(p.data.length));
    this.v = params.map((p) => new Float32Array(p.data.length));
    this.lastRatio = new Float64Array(params.length);
  }

  /**
   * Apply one update with learning rate lr from the current gradients (the caller clips first).
   * Each gradient buffer is overwritten with its update (no update buffer: zero the gradients before
   * the next accumulation, as a training loop does anyway).
   */
  step(lr: number): void {
    this.t++;
    const lamb = this.kind === 'lamb', corrected = this.kind === 'adamw';
    const bc1 = corrected ? 1 - Math.pow(this.beta1, this.t) : 1;
    const bc2 = corrected ? 1 - Math.pow(this.beta2, this.t) : 1;
    const be = this.backend;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i], n = p.data.length;
      const excluded = this.exclude.test(p.name);
      const u = p.grad;
      // update = m/bc1 / (sqrt(v/bc2) + eps) + wd * w
      be.adamUpdate(p.data, p.grad, this.m[i], this.v[i], u, n, this.beta1, this.beta2, this.eps, bc1, bc2, excluded ? 0 : this.weightDecay);
      let ratio = 1;
      if (lamb && !excluded) {
        // trust ratio ||w|| / ||update||, 1 where either norm is 0
        const w = Math.sqrt(be.sumSquares(p.data, n)), g = Math.sqrt(be.sumSquares(u, n));
        ratio = w > 0 && g > 0 ? w / g : 1;
      }
      this.lastRatio[i] = ratio;
      be.axpy(-lr * ratio, u, p.data, n);
    }
  }
}

/** Global L2 norm of all gradients (accumulated in double). */
export function globalGradNorm(params: TrainableParam[], backend: Backend): number {
  let ss = 0;
  for (const p of params) ss += backend.sumSquares(p.grad, p.grad.length);
  return Math.sqrt(ss);
}

/**
 * tf.clip_by_global_norm: scale every gradient by maxNorm / max(norm, maxNorm).
 * Returns the norm before clipping. maxNorm <= 0 disables clipping.
 */
export function clipGradNorm(params: TrainableParam[], maxNorm: number, backend: Backend): number {
  const norm = globalGradNorm(params, backend);
  if (maxNorm > 0 && norm > maxNorm && Number.isFinite(norm)) {
    const s = maxNorm / norm;
    for (const p of params) backend.scale(p.grad, s, p.grad.length);
  }
  return norm;
}
