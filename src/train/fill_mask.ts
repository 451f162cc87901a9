// Fill-mask, the one implementation (HF's FillMaskPipeline): a softmax over the whole vocabulary at
// every [MASK], special pieces included, its top-k entries {score, token, token_str, sequence};
// `sequence` is the text decoded with that one mask filled, special tokens skipped when the text has
// one mask (with several, HF decodes them all, so the other [MASK]s stay visible). fillMasks is the
// core; how its rows go through the model is the caller's (the fill-mask pipeline batches them by
// length); fillMask() is one text on a loaded model, `albert fill-mask` prints it.
import { fileError, UserError } from '../errors.js';
import { loadPretrained, readModelConfig, weightNames, type LoadOptions } from '../io/hf_dir.js';
import { AlbertModel, architectureOf, headFromArchitectures, type HeadKind } from '../model/albert.js';
import { mlmSpecs } from '../model/heads/mlm.js';
import { softmax, topIndices } from '../model/top_k.js';
import type { ModelOutputs } from '../model/types.js';
import type { AlbertTokenizer } from '../tokenizer/index.js';

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

/** One proposal for a [MASK] (the fill-mask pipeline's result entry). */
export interface FillMaskEntry { score: number; token: number; token_str: string; sequence: string }

/** One [MASK] of a text: its token position ([CLS] at 0) and the top-k entries there, best first. */
export interface MaskFill { position: number; entries: FillMaskEntry[] }

/** A text's tokens, [CLS] text [SEP], and where its [MASK]s are. */
export interface MaskRow { ids: number[]; typeIds: number[]; masks: number[] }

/** The rows through the model; per row, its vocabulary logits at each of its masks (maskLogits reads them from a batch). */
export type MaskForward = (rows: readonly MaskRow[]) => Float32Array[][];

/** Row b's vocabulary logits at its masks, from a batch of padded length `seq` (copies). */
export function maskLogits(out: ModelOutputs, b: number, seq: number, row: MaskRow, V: number): Float32Array[] {
  const all = out.logits ?? out.predictionLogits!; // masked-lm's logits, the pretraining heads' prediction_logits
  return row.masks.map((p) => all.slice((b * seq + p) * V, (b * seq + p + 1) * V));
}

export interface FillMasksOptions {
  /** How the rows go through the model (default: one at a time, as they are). */
  forward?: MaskForward;
  /** Text i as errors name it (default "input i"). */
  name?: (i: number) => string;
}

/** Each text's [MASK]s, in order, filled with the model's topK tokens. */
export function fillMasks(model: AlbertModel, tok: AlbertTokenizer, texts: readonly string[], topK: number, o: FillMasksOptions = {}): MaskFill[][] {
  // Other heads' logits (a classifier's (B, num_labels)) are no vocabulary distribution.
  if (!MLM_HEADS.includes(model.head)) throw new UserError(`fill-mask needs a masked-LM head (${mlmClasses()}); this model is an ${architectureOf(model.head)}`);
  const V = model.config.vocab_size, name = o.name ?? ((i: number) => `input ${i}`);
  const rows = texts.map((text, i): MaskRow => {
    const ids = tok.encode(text).ids;
    const masks = ids.flatMap((id, p) => (id === tok.maskId ? [p] : []));
    if (masks.length === 0) throw new UserError(`fill-mask: ${name(i)} has no ${tok.maskToken}: ${JSON.stringify(text)}`);
    return { ids, typeIds: ids.map(() => 0), masks };
  });
  const logits = (o.forward ?? ((rs) => rs.map((r) => forwardOne(model, r, V))))(rows);
  return rows.map((r, i) => r.masks.map((position, m) => {
    const probs = softmax(logits[i][m]);
    const entries = topIndices(probs, V, topK).map((id) => {
      // HF drops padding from the sequence (a proposed <pad> included).
      const filled = r.ids.map((x, q) => (q === position ? id : x)).filter((x) => x !== tok.padId);
      return { score: probs[id], token: id, token_str: tok.decode([id]), sequence: tok.decode(filled, { skipSpecialTokens: r.masks.length === 1 }) };
    });
    return { position, entries };
  }));
}

function forwardOne(model: AlbertModel, r: MaskRow, V: number): Float32Array[] {
  const max = model.config.max_position_embeddings;
  if (r.ids.length > max) throw new UserError(`the text is ${r.ids.length} tokens, the model takes at most ${max}`);
  return maskLogits(model.forward({ inputIds: Int32Array.from(r.ids), batch: 1, seq: r.ids.length }, { headOutputsOnly: true }), 0, r.ids.length, r, V);
}

export interface MaskPrediction { position: number; top: { token: string; id: number; score: number }[]; }

/**
 * fillMasks on one text: at every [MASK] of [CLS] text [SEP] the topK tokens of a masked-LM model
 * (AlbertForMaskedLM, AlbertForPreTraining[NSP]), best first, `token` the SentencePiece piece (▁ = space).
 */
export function fillMask(model: AlbertModel, tok: AlbertTokenizer, text: string, topK = 5): MaskPrediction[] {
  return fillMasks(model, tok, [text], topK, { name: () => 'the text' })[0].map((m) => ({
    position: m.position,
    top: m.entries.map((x) => ({ token: tok.sp.idToPiece(x.token), id: x.token, score: x.score })),
  }));
}

/** The text with each [MASK] replaced by its best prediction (pieces joined, ▁ = space). */
export function filledText(tok: AlbertTokenizer, text: string, preds: MaskPrediction[]): string {
  let k = 0;
  return text.split(tok.maskToken).reduce((acc, part, i) => {
    if (i === 0) return part;
    const best = preds[k++]?.top[0]?.token ?? tok.maskToken;
    return acc + `[${best.replace(/^\u2581/, '')}]` + part;
  }, '');
}
