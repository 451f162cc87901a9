// Fill-mask: the top-k tokens the masked LM predicts at each [MASK] of a text.
import type { AlbertModel } from '../model/albert.js';
import type { AlbertTokenizer } from '../tokenizer/index.js';
import { UserError } from '../errors.js';

export interface MaskPrediction { position: number; top: { token: string; id: number; score: number }[]; }

/** [CLS] text [SEP] through the model; softmax over the vocabulary at every [MASK] (special pieces excluded). */
export function fillMask(model: AlbertModel, tok: AlbertTokenizer, text: string, topK = 5): MaskPrediction[] {
  const ids = [tok.clsId, ...tok.encodeIds(text), tok.sepId];
  const masks = ids.flatMap((id, i) => (id === tok.maskId ? [i] : []));
  if (masks.length === 0) throw new UserError(`no ${tok.maskToken} in "${text}"`);
  const S = ids.length;
  if (S > model.config.max_position_embeddings) throw new UserError(`the text is ${S} tokens, the model takes at most ${model.config.max_position_embeddings}`);
  const out = model.forward({ inputIds: Int32Array.from(ids), batch: 1, seq: S });
  const logits = out.predictionLogits ?? out.logits;
  if (!logits) throw new UserError(`this model (${model.head}) has no masked-LM head`);
  const V = model.config.vocab_size;
  return masks.map((p) => {
    const row = logits.subarray(p * V, (p + 1) * V);
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (row[v] > max) max = row[v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(row[v] - max);
    const cand: { token: string; id: number; score: number }[] = [];
    for (let v = 0; v < V; v++) {
      if (tok.sp.isControl(v) || tok.sp.isUnknown(v)) continue;
      cand.push({ id: v, token: tok.sp.idToPiece(v), score: Math.exp(row[v] - max) / sum });
    }
    cand.sort((a, b) => b.score - a.score || a.id - b.id);
    return { position: p, top: cand.slice(0, topK) };
  });
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
