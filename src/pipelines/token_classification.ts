// token-classification (ner) as HF's TokenClassificationPipeline: per token (special tokens skipped) the
// softmax over the labels, its best label; aggregation 'none' lists the tokens {entity, score, index,
// word, start, end}, 'simple' groups consecutive tokens of one entity (B-X starts a group, I-X or a bare
// X continues one of X) into {entity_group, score (the mean), word, start, end}; ignore_labels (['O'])
// are left out after grouping. index counts [CLS] as 0; word is the token decoded (transformers.js), its
// text in the input for <unk>; start/end are character offsets into the input (UTF-16, as JS strings),
// without the space SentencePiece folds into a word's first piece.
import { isPythonSpace } from '../tokenizer/preprocess.js';
import { softmax, topIndices } from '../model/top_k.js';
import { forwardRows } from './engine.js';
import { optionReader, textInput } from './options.js';
import type { TaskRunner } from './task.js';
import { labelOf } from './text_classification.js';
import type { EntityGroup, TokenEntity } from './types.js';

const TASK = 'token-classification';

/** [start, end) shrunk to leave out the whitespace at its ends (a piece's "▁" covers the space before a word). */
export function trimSpan(text: string, start: number, end: number): [number, number] {
  while (start < end && isPythonSpace(text.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

/** HF's get_tag: B-X and I-X, a label without the prefix continuing as I. */
function tag(entity: string): [string, string] {
  if (entity.startsWith('B-')) return ['B', entity.slice(2)];
  if (entity.startsWith('I-')) return ['I', entity.slice(2)];
  return ['I', entity];
}

export const tokenClassificationRunner: TaskRunner<string, TokenEntity[] | EntityGroup[]> = {
  check: (x, where) => textInput(TASK, x, where),
  run(e, inputs, raw) {
    const o = optionReader(TASK, raw, ['ignore_labels', 'aggregation_strategy']);
    const ignore = o.list('ignore_labels', ['O']);
    const strategy = o.oneOf('aggregation_strategy', ['none', 'simple'] as const, 'none');
    const tok = e.tokenizer, c = e.model.config, L = c.num_labels;
    const encs = inputs.map((text) => tok.encode(text, null, { returnOffsets: true, truncation: true, maxLength: e.maxLength }));
    const logits = forwardRows(e, encs, (out, b, seq, i) => out.logits!.slice(b * seq * L, (b * seq + encs[i].ids.length) * L));
    return inputs.map((text, i) => {
      const enc = encs[i];
      const tokens: (TokenEntity & { id: number })[] = [];
      enc.ids.forEach((id, index) => {
        if (enc.specialTokensMask[index]) return;
        const scores = softmax(logits[i].subarray(index * L, (index + 1) * L));
        const best = topIndices(scores, L, 1)[0];
        const [start, end] = trimSpan(text, ...enc.offsets![index]);
        const word = id === tok.unkId ? text.slice(start, end) : tok.decode([id]);
        tokens.push({ entity: labelOf(c, best), score: scores[best], index, word, start, end, id });
      });
      if (strategy === 'none') return tokens.filter((t) => !ignore.includes(t.entity)).map(({ id: _, ...t }) => t);
      const groups: (typeof tokens)[] = [];
      for (const t of tokens) {
        const last = groups.at(-1)?.at(-1);
        const [bi, name] = tag(t.entity);
        if (last && bi !== 'B' && tag(last.entity)[1] === name) groups.at(-1)!.push(t);
        else groups.push([t]);
      }
      return groups.map((g): EntityGroup => ({
        entity_group: g[0].entity.slice(g[0].entity.indexOf('-') + 1), // HF: split("-", 1)[-1]
        score: g.reduce((s, t) => s + t.score, 0) / g.length,
        word: tok.decode(g.map((t) => t.id)),
        start: g[0].start,
        end: g[g.length - 1].end,
      })).filter((g) => !ignore.includes(g.entity_group));
    });
  },
};
