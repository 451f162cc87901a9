// text-classification as HF's TextClassificationPipeline: [CLS] text [SEP] (text_pair [SEP]), cut to
// the pipeline's maxLength as the fine-tuning features are (longest first); the scores as HF chooses
// them: problem_type regression -> the raw logits, multi-label or a single logit -> sigmoid, else softmax;
// labels from id2label (LABEL_<i> without one). top_k 1 (the default) gives one {label, score} per input
// (and a one-element array for one input, as transformers.js), top_k k the best k, null all of them.
import { UserError } from '../errors.js';
import type { AlbertConfig } from '../model/config.js';
import { featurizeText } from '../tasks/features.js';
import { softmax } from '../model/top_k.js';
import { forwardRows } from './engine.js';
import { objectInput, optionReader } from './options.js';
import type { TaskRunner } from './task.js';
import type { ClassificationFunction, LabelScore, TextPair } from './types.js';

const TASK = 'text-classification';

/** HF's default score function for a classifier's config (pipelines/text_classification.py). */
function defaultFunction(c: AlbertConfig): ClassificationFunction {
  if (c.problem_type === 'regression') return 'none';
  if (c.problem_type === 'multi_label_classification' || c.num_labels === 1) return 'sigmoid';
  return 'softmax';
}

function applyFunction(f: ClassificationFunction, logits: ArrayLike<number>): number[] {
  if (f === 'softmax') return softmax(logits);
  if (f === 'sigmoid') return Array.from(logits, (x) => 1 / (1 + Math.exp(-x)));
  return Array.from(logits);
}

/** config.json's label for class i. */
export function labelOf(c: AlbertConfig, i: number): string {
  return c.id2label?.[String(i)] ?? `LABEL_${i}`;
}

/** The labels by score, best first (ties: the lower id first); `k` null for all. */
function rankLabels(c: AlbertConfig, scores: readonly number[], k: number | null): LabelScore[] {
  const ranked = scores.map((score, i) => ({ label: labelOf(c, i), score, i })).sort((a, b) => b.score - a.score || a.i - b.i);
  return ranked.slice(0, k ?? ranked.length).map(({ label, score }) => ({ label, score }));
}

export const textClassificationRunner: TaskRunner<TextPair, LabelScore | LabelScore[]> = {
  check(x, where) {
    if (typeof x === 'string') return { text: x };
    const o = objectInput(TASK, x, where, ['text'], ['text_pair']);
    if (o.text_pair !== undefined && typeof o.text_pair !== 'string') throw new UserError(`${TASK}: ${where}: "text_pair" must be a string`);
    return o as unknown as TextPair;
  },
  run(e, inputs, raw) {
    const c = e.model.config;
    const o = optionReader(TASK, raw, ['top_k', 'function_to_apply']);
    const k = o.raw.top_k === null ? null : o.int('top_k', 1);
    const f = o.oneOf('function_to_apply', ['softmax', 'sigmoid', 'none'] as const, defaultFunction(c));
    const rows = featurizeText(e.tokenizer, inputs.map((x) => ({ textA: x.text, textB: x.text_pair ?? null })), { maxSeqLength: e.maxLength });
    const L = c.num_labels;
    const logits = forwardRows(e, rows, (out, b) => out.logits!.slice(b * L, (b + 1) * L));
    return logits.map((l) => {
      const ranked = rankLabels(c, applyFunction(f, l), k);
      return k === 1 ? ranked[0] : ranked;
    });
  },
  single: (result) => (Array.isArray(result) ? result : [result]),
};
