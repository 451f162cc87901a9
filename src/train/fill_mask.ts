// fillMask(model, tok, text): the fill-mask pipeline's core (src/pipelines/fill_mask.ts, HF's
// FillMaskPipeline: the whole vocabulary scored, special pieces included) on an already loaded model,
// one text, answered per [MASK] with its position and SentencePiece pieces; filledText for printing.
import type { AlbertModel } from '../model/albert.js';
import { fillMasks } from '../pipelines/fill_mask.js';
import type { AlbertTokenizer } from '../tokenizer/index.js';

export interface MaskPrediction { position: number; top: { token: string; id: number; score: number }[]; }

/**
 * [CLS] text [SEP] through a masked-LM model (AlbertForMaskedLM, AlbertForPreTraining[NSP]); at every
 * [MASK] the topK tokens of the softmax over the vocabulary, best first, `token` the piece (▁ = space).
 */
export function fillMask(model: AlbertModel, tok: AlbertTokenizer, text: string, topK = 5): MaskPrediction[] {
  const engine = { model, tokenizer: tok, maxBatchSize: 1, maxLength: model.config.max_position_embeddings };
  return fillMasks(engine, [text], topK, () => 'the text')[0].map((m) => ({
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
