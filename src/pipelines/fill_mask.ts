// The fill-mask pipeline: fillMasks (src/train/fill_mask.ts, HF's FillMaskPipeline) with the texts
// batched by length, one list of entries per text with one mask, a list per mask with several.
import { fillMasks, maskLogits, type FillMaskEntry } from '../train/fill_mask.js';
import { forwardRows } from './engine.js';
import { optionReader, textInput } from './options.js';
import type { TaskRunner } from './task.js';

/** Floats of (B, S, V) logits one forward may produce: bounds the batch of long texts on a large vocabulary. */
const LOGITS_PER_FORWARD = 1 << 25;

export const fillMaskRunner: TaskRunner<string, FillMaskEntry[] | FillMaskEntry[][]> = {
  check: (x, where) => textInput('fill-mask', x, where),
  run(e, inputs, raw) {
    const topK = optionReader('fill-mask', raw, ['top_k']).int('top_k', 5);
    const V = e.model.config.vocab_size;
    const fills = fillMasks(e.model, e.tokenizer, inputs, topK, {
      forward: (rows) => forwardRows(e, rows, (out, b, seq, i) => maskLogits(out, b, seq, rows[i], V), { rowsAt: (seq) => Math.floor(LOGITS_PER_FORWARD / (seq * V)) }),
    });
    return fills.map((masks) => (masks.length === 1 ? masks[0].entries : masks.map((m) => m.entries)));
  },
};
