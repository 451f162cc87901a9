// What every head gets from the encoder and gives back: the contract between albert.ts and heads/*.
import type { Backend } from '../../backend/backend.js';
import type { AlbertConfig } from '../config.js';
import type { ParamSpec, ParamStore } from '../params.js';
import type { Labels, LossResult, ModelInputs, ModelOutputs } from '../types.js';

export interface HeadContext {
  be: Backend;
  /** The last hidden state (N, H), N = rows * S; for a loss, zero at the rows markLossRows left unmarked. */
  seq: Float32Array;
  /** The pooler output (rows, H), or null when the head's HF class has no pooler. */
  pooled: Float32Array | null;
  /** inputs.batch (B) and the sequences actually encoded (rows = B, or B*C for multiple choice). */
  batch: number;
  rows: number;
  S: number;
  train: boolean;
  seed: number;
  /** false: compute the loss only (no gradients anywhere, param.grad untouched). */
  backward: boolean;
  /** The inputs encoded (a head that must know the segments reads their token types and mask). */
  inputs: ModelInputs;
  /** The pretraining heads' mean divisors when this batch is one part of a larger one (see MeanOver). */
  meanOver?: MeanOver;
}

/**
 * Data parallel: the counts of the whole batch (every rank's part) that a part's mean losses divide
 * by, so that each part's loss and gradients are its share of the whole batch's mean and the shares
 * sum to it: `labelled` masked-LM positions, `sequences` sentence-objective labels.
 */
export interface MeanOver { labelled: number; sequences: number }

export interface Head {
  /** Eval outputs under HF's names (fresh arrays). */
  outputs(ctx: HeadContext, out: ModelOutputs): void;
  /**
   * The loss exactly as the HF class computes it; its gradient is ACCUMULATED into dSeq (N, H) and
   * dPooled (rows, H) (both zeroed by the caller), and into the head's parameter gradients.
   */
  lossAndBackward(ctx: HeadContext, labels: Labels, dSeq: Float32Array, dPooled: Float32Array | null): LossResult;
  /**
   * Marks (sets to 1) the rows of the last hidden state (N = marked.length) that this loss reads; the
   * pooled output is the model's business. Rows left unmarked reach the head as zeros: the encoder's last
   * call computes its layer after the attention only at marked rows. Without it, every row is read.
   */
  markLossRows?(labels: Labels, marked: Uint8Array): void;
}

export interface HeadDef {
  /** HF class name (config.json "architectures"). */
  architecture: string;
  /** Whether the HF class builds AlbertModel with its pooler. */
  pooler: boolean;
  /** The head's own tensors (names as in the HF state_dict) and their aliases (alias -> real). */
  specs(c: AlbertConfig, prefix: string): ParamSpec[];
  aliases(prefix: string): [string, string][];
  create(store: ParamStore, c: AlbertConfig, prefix: string): Head | null;
}

/** The dropout site of a head's classifier (the encoder's sites are 0 .. 2 * calls). */
export const HEAD_DROPOUT_SITE = 1 << 30;
