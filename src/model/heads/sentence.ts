// The sentence-pair objectives of pretraining: a dropout + 2-way classifier on the pooled output.
// SOP (sop.ts) and NSP (nsp.ts) share this shape; they differ in their tensors' names and in the
// data (data/ decides what a positive pair is).
import type { AlbertConfig } from '../config.js';
import { type ParamSpec, linearSpecs } from '../params.js';

export interface SentenceObjective {
  /** 'sop' | 'nsp': names the loss in LossResult (sopLoss / nspLoss) and the logits output. */
  kind: 'sop' | 'nsp';
  /** The nn.Linear's name in the state_dict. */
  linear: string;
  specs(c: AlbertConfig): ParamSpec[];
}

export function sentenceObjective(kind: 'sop' | 'nsp', linear: string): SentenceObjective {
  // HF's AlbertSOPHead is nn.Linear(hidden_size, num_labels) and its loss views the logits as (-1, 2),
  // so a pretraining config needs num_labels = 2 (checked when the head is built).
  return { kind, linear, specs: (c) => linearSpecs(linear, c.hidden_size, c.num_labels) };
}
