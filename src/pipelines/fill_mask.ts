// fill-mask as HF's FillMaskPipeline: a softmax over the whole vocabulary at every [MASK] (one list per
// mask when a text has several), its top_k entries {score, token, token_str, sequence}; `sequence` is
// the text decoded with that one mask filled, special tokens skipped when the text has one mask (with
// several, HF decodes them all, so the other [MASK]s stay visible). fillMasks is the one implementation:
// the pipeline, fillMask() and `albert fill-mask` are layers over it.
import { UserError, fileError } from '../errors.js';
import { loadPretrained, readModelConfig, weightNames, type LoadOptions } from '../io/hf_dir.js';
import { architectureOf, headFromArchitectures, type AlbertModel, type HeadKind } from '../model/albert.js';
import { mlmSpecs } from '../model/heads/mlm.js';
import { topIndices } from '../model/top_k.js';
import { softmax } from '../tasks/qa_decode.js';
import { forwardRows, type Engine } from './engine.js';
import { optionReader, textInput } from './options.js';
import type { TaskRunner } from './task.js';
import type { FillMaskEntry } from './types.js';

/** Floats of (B, S, V) logits one forward may produce: bounds the batch of long texts on a large vocabulary. */
const LOGITS_PER_FORWARD = 1 << 25;

/** The heads with HF's masked-LM head (AlbertMLMHead, `predictions.*`). */
const MLM_HEADS: readonly HeadKind[] = ['pretraining', 'pretraining-nsp', 'masked-lm'];

const mlmClasses = () => MLM_HEADS.map(architectureOf).join(', ');

/**
 * Load a model directory for fill-mask: as its config.json's class when that class has a masked-LM
 * head; otherwise (a fine-tuned classifier, a bare AlbertModel) as AlbertForMaskedLM when the weights
 * still hold a trained MLM head, else a UserError (a freshly initialized head would predict noise).
 */
export function loadMaskedLm(dir: string, opts: Omit<LoadOptions, 'head'>): AlbertModel {
  const config = readModelConfig(dir);
  const head = headFromArchitectures(config.architectures);
  if (MLM_HEADS.includes(head)) return loadPretrained(dir, { ...opts, head });
  const names = weightNames(dir);
  if (mlmSpecs(config).every((p) => names.has(p.name))) return loadPretrained(dir, { ...opts, head: 'masked-lm' });
  throw fileError(dir, `is an ${architectureOf(head)} (config.json "architectures"), whose weights have no masked-LM head `
    + `(predictions.*): fill-mask needs ${mlmClasses()} or a pretrain checkpoint`);
}

/** One [MASK] of a text: its token position ([CLS] at 0) and the top_k entries there, best first. */
export interface MaskFill { position: number; entries: FillMaskEntry[] }

/** Each text's [MASK]s, in order, filled with the model's top_k tokens (texts batched by length); `name` names text i in errors. */
export function fillMasks(e: Engine, texts: readonly string[], topK: number, name = (i: number) => `input ${i}`): MaskFill[][] {
  // Other heads' logits (a classifier's (B, num_labels)) are no vocabulary distribution.
  if (!MLM_HEADS.includes(e.model.head)) throw new UserError(`fill-mask needs a masked-LM head (${mlmClasses()}); this model is an ${architectureOf(e.model.head)}`);
  const tok = e.tokenizer, V = e.model.config.vocab_size;
  const rows = texts.map((text, i) => {
    const ids = tok.encode(text).ids;
    if (!ids.includes(tok.maskId)) throw new UserError(`fill-mask: ${name(i)} has no ${tok.maskToken}: ${JSON.stringify(text)}`);
    return { ids, typeIds: ids.map(() => 0) };
  });
  const masks = rows.map((r) => r.ids.flatMap((id, p) => (id === tok.maskId ? [p] : [])));
  const logits = forwardRows(e, rows, (out, b, seq, i) => {
    const all = out.logits ?? out.predictionLogits!; // masked-lm's logits, the pretraining heads' prediction_logits
    return masks[i].map((p) => all.slice((b * seq + p) * V, (b * seq + p + 1) * V));
  }, { rowsAt: (seq) => Math.floor(LOGITS_PER_FORWARD / (seq * V)) });
  return rows.map((r, i) => {
    const single = masks[i].length === 1;
    return masks[i].map((position, m) => {
      const probs = softmax(logits[i][m]);
      const entries = topIndices(probs, V, topK).map((id) => {
        const filled = r.ids.map((x, q) => (q === position ? id : x)).filter((x) => x !== tok.padId);
        return { score: probs[id], token: id, token_str: tok.decode([id]), sequence: tok.decode(filled, { skipSpecialTokens: single }) };
      });
      return { position, entries };
    });
  });
}

export const fillMaskRunner: TaskRunner<string, FillMaskEntry[] | FillMaskEntry[][]> = {
  check: (x, where) => textInput('fill-mask', x, where),
  run(e, inputs, raw) {
    const topK = optionReader('fill-mask', raw, ['top_k']).int('top_k', 5);
    return fillMasks(e, inputs, topK).map((fills) => (fills.length === 1 ? fills[0].entries : fills.map((f) => f.entries)));
  },
};
