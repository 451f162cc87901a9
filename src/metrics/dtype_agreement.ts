// How far inference in bf16 or int8 moves a model from its fp32 self, on the same inputs: the last hidden
// state's worst error relative to the tensor's largest value, and how often the head's top-1 answer is
// the same (the MLM's at the masked positions, the classifier's per sequence).
import { dtypeEngine, type Dtype } from '../backend/dtype.js';
import type { AlbertModel } from '../model/albert.js';
import type { ModelInputs } from '../model/types.js';
import { packRows } from '../tasks/features.js';
import type { AlbertTokenizer } from '../tokenizer/albert.js';

export interface DtypeAgreement {
  dtype: Dtype;
  /** 'native' or 'emulated' (at fp32 speed) on the model's backend. */
  engine: 'native' | 'emulated';
  /** max over batches of max |h - h_fp32| / max |h_fp32|. */
  hiddenRelError: number;
  /** Share of compared answers equal to fp32's, and how many were compared. */
  top1Agreement: number;
  compared: number;
  /** What was compared: masked positions (MLM) or sequences (classification). */
  over: 'masked positions' | 'sequences';
}

function argmax(x: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (x[off + j] > x[off + best]) best = j;
  return best;
}

/**
 * Runs `batches` through `model` in fp32 and in each of `dtypes` (switching model.dtype; it is left at
 * fp32). MLM heads are compared where inputIds == maskId, classification heads per sequence.
 */
export function dtypeAgreement(model: AlbertModel, batches: ModelInputs[], dtypes: Dtype[], maskId: number): DtypeAgreement[] {
  const cls = model.head === 'sequence-classification';
  if (!cls && model.head !== 'masked-lm' && !model.head.startsWith('pretraining')) throw new RangeError(`dtypeAgreement: no top-1 answer to compare for head ${model.head}`);
  const answers = (inputs: ModelInputs, logits: Float32Array): number[] => {
    const out: number[] = [];
    if (cls) {
      const L = logits.length / inputs.batch;
      for (let b = 0; b < inputs.batch; b++) out.push(argmax(logits, b * L, L));
    } else {
      const V = model.config.vocab_size;
      inputs.inputIds.forEach((id, p) => { if (id === maskId) out.push(argmax(logits, p * V, V)); });
    }
    return out;
  };
  const run = (d: Dtype) => {
    model.dtype = d;
    return batches.map((inputs) => {
      const o = model.forward(inputs);
      const logits = cls ? o.logits : (o.predictionLogits ?? o.logits);
      if (!logits) throw new RangeError(`dtypeAgreement: head ${model.head} gave no logits`);
      return { hidden: o.lastHiddenState.slice(), answers: answers(inputs, logits) };
    });
  };
  const was = model.dtype;
  try {
    const ref = run('fp32');
    return dtypes.map((dtype) => {
      const got = run(dtype);
      let rel = 0, same = 0, n = 0;
      got.forEach((g, i) => {
        const h = ref[i].hidden;
        let max = 0, err = 0;
        for (let j = 0; j < h.length; j++) { max = Math.max(max, Math.abs(h[j])); err = Math.max(err, Math.abs(g.hidden[j] - h[j])); }
        rel = Math.max(rel, max > 0 ? err / max : err);
        g.answers.forEach((a, j) => { n++; if (a === ref[i].answers[j]) same++; });
      });
      return { dtype, engine: dtypeEngine(model.backend, dtype), hiddenRelError: rel, top1Agreement: n ? same / n : NaN, compared: n, over: cls ? 'sequences' : 'masked positions' };
    });
  } finally {
    model.dtype = 'fp32';
    if (was !== 'fp32') model.dtype = was;
  }
}

/**
 * Texts (or pairs) as batches of `batch` sequences of at most `seq` tokens (padded to `seq`); with
 * maskEvery, every maskEvery-th ordinary token becomes [MASK] (for an MLM head).
 */
export function textBatches(tok: AlbertTokenizer, texts: Array<string | [string, string]>, o: { seq: number; batch: number; maskEvery?: number }): ModelInputs[] {
  const out: ModelInputs[] = [];
  let seen = 0;
  for (let i = 0; i < texts.length; i += o.batch) {
    const rows = texts.slice(i, i + o.batch).map((t) => {
      const e = typeof t === 'string' ? tok.encode(t, null, { truncation: 'longest_first', maxLength: o.seq }) : tok.encode(t[0], t[1], { truncation: 'longest_first', maxLength: o.seq });
      const ids = e.ids.slice();
      if (o.maskEvery) ids.forEach((_, j) => { if (!e.specialTokensMask[j] && ++seen % o.maskEvery! === 0) ids[j] = tok.maskId; });
      return { ids, typeIds: e.typeIds };
    });
    out.push({ ...packRows(rows, o.seq, tok.padId), batch: rows.length, seq: o.seq });
  }
  return out;
}
