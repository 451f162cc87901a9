// feature-extraction as transformers.js's: the last hidden state of [CLS] text [SEP] (cut to maxLength),
// pooled 'none' (one vector per token, specials included), 'mean' (over the tokens) or 'cls' (token 0),
// optionally L2-normalized over the last dimension. sentence-similarity: the cosine between the source
// sentence's pooled embedding (mean by default) and each other sentence's.
import { UserError } from '../errors.js';
import type { TokenRow } from '../tasks/features.js';
import { forwardRows, type Engine } from './engine.js';
import { objectInput, optionReader, textInput } from './options.js';
import type { TaskRunner } from './task.js';
import type { Pooling, SimilarityInput } from './types.js';

const POOLINGS = ['none', 'mean', 'cls'] as const;

/** Each text's last hidden state, (its tokens, H) row-major. */
function hiddenStates(e: Engine, texts: readonly string[]): Float32Array[] {
  const rows: TokenRow[] = texts.map((t) => e.tokenizer.encode(t, null, { truncation: true, maxLength: e.maxLength }));
  const H = e.model.config.hidden_size;
  return forwardRows(e, rows, (out, b, seq, i) => out.lastHiddenState.slice(b * seq * H, (b * seq + rows[i].ids.length) * H));
}

function pool(h: Float32Array, H: number, pooling: Exclude<Pooling, 'none'>): number[] {
  if (pooling === 'cls') return Array.from(h.subarray(0, H));
  const n = h.length / H, v = new Array<number>(H).fill(0);
  for (let t = 0; t < n; t++) for (let j = 0; j < H; j++) v[j] += h[t * H + j];
  return v.map((x) => x / n);
}

function normalized(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / Math.max(norm, 1e-12)); // torch's F.normalize eps
}

export const featureExtractionRunner: TaskRunner<string, number[][] | number[]> = {
  check: (x, where) => textInput('feature-extraction', x, where),
  run(e, inputs, raw) {
    const o = optionReader('feature-extraction', raw, ['pooling', 'normalize']);
    const pooling = o.oneOf('pooling', POOLINGS, 'none'), norm = o.bool('normalize', false);
    const H = e.model.config.hidden_size;
    return hiddenStates(e, inputs).map((h) => {
      if (pooling !== 'none') return norm ? normalized(pool(h, H, pooling)) : pool(h, H, pooling);
      const tokens = Array.from({ length: h.length / H }, (_, t) => Array.from(h.subarray(t * H, (t + 1) * H)));
      return norm ? tokens.map(normalized) : tokens;
    });
  },
  single: (result) => [result],
};

export const sentenceSimilarityRunner: TaskRunner<SimilarityInput, number[]> = {
  check(x, where) {
    const o = objectInput('sentence-similarity', x, where, ['source_sentence'], ['sentences']);
    if (!Array.isArray(o.sentences) || !o.sentences.every((s) => typeof s === 'string')) {
      throw new UserError(`sentence-similarity: ${where}: "sentences" must be a list of strings`);
    }
    return o as unknown as SimilarityInput;
  },
  run(e, inputs, raw) {
    const pooling = optionReader('sentence-similarity', raw, ['pooling']).oneOf('pooling', ['mean', 'cls'] as const, 'mean');
    const H = e.model.config.hidden_size;
    const texts = inputs.flatMap((x) => [x.source_sentence, ...x.sentences]);
    const vectors = hiddenStates(e, texts).map((h) => normalized(pool(h, H, pooling)));
    let k = 0;
    return inputs.map((x) => {
      const source = vectors[k++];
      return x.sentences.map(() => vectors[k++].reduce((s, v, j) => s + v * source[j], 0));
    });
  },
};
