// fill-mask as HF's FillMaskPipeline: a softmax over the whole vocabulary at every [MASK] (one list per
// mask when a text has several), its top_k entries {score, token, token_str, sequence}; `sequence` is
// the text decoded with that one mask filled, special tokens skipped when the text has one mask (with
// several, HF decodes them all, so the other [MASK]s stay visible).
import { UserError } from '../errors.js';
import { topIndices } from '../model/top_k.js';
import { softmax } from '../tasks/qa_decode.js';
import { forwardRows } from './engine.js';
import { optionReader, textInput } from './options.js';
import type { TaskRunner } from './task.js';
import type { FillMaskEntry } from './types.js';

/** Floats of (B, S, V) logits one forward may produce: bounds the batch of long texts on a large vocabulary. */
const LOGITS_PER_FORWARD = 1 << 25;

export const fillMaskRunner: TaskRunner<string, FillMaskEntry[] | FillMaskEntry[][]> = {
  check: (x, where) => textInput('fill-mask', x, where),
  run(e, inputs, raw) {
    const topK = optionReader('fill-mask', raw, ['top_k']).int('top_k', 5);
    const tok = e.tokenizer, V = e.model.config.vocab_size;
    const rows = inputs.map((text, i) => {
      const ids = tok.encode(text).ids;
      if (!ids.includes(tok.maskId)) throw new UserError(`fill-mask: input ${i} has no ${tok.maskToken}: ${JSON.stringify(text)}`);
      return { ids, typeIds: ids.map(() => 0) };
    });
    const masks = rows.map((r) => r.ids.flatMap((id, p) => (id === tok.maskId ? [p] : [])));
    const logits = forwardRows(e, rows, (out, b, seq, i) => {
      const all = out.logits ?? out.predictionLogits!; // masked-lm's logits, the pretraining heads' prediction_logits
      return masks[i].map((p) => all.slice((b * seq + p) * V, (b * seq + p + 1) * V));
    }, { rowsAt: (seq) => Math.floor(LOGITS_PER_FORWARD / (seq * V)) });
    return rows.map((r, i) => {
      const single = masks[i].length === 1;
      const perMask = masks[i].map((p, m): FillMaskEntry[] => {
        const probs = softmax(logits[i][m]);
        return topIndices(probs, V, topK).map((id) => {
          const filled = r.ids.map((x, q) => (q === p ? id : x)).filter((x) => x !== tok.padId);
          return { score: probs[id], token: id, token_str: tok.decode([id]), sequence: tok.decode(filled, { skipSpecialTokens: single }) };
        });
      });
      return single ? perMask[0] : perMask;
    });
  },
};
