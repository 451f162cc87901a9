#!/usr/bin/env node
// The pipelines' reference fixtures, step 1 of 2 (step 2: pipeline_ref.py). Writes the tiny random models
// of test/pipelines_cases.ts to test/fixtures/pipelines/models/<name>/ (config.json, model.safetensors,
// spiece.model = the tiny test tokenizer) and, for every case input, the token rows the task feeds the
// model and what our model computes for them, each input run ALONE (one row, or one question's choices;
// no batching), to test/fixtures/pipelines/logits.json:
//   rows[k] = {ids, type_ids, ...} per row; outputs as the task needs them (logits at the masks, the
//   classifier's logits, per-token logits, start/end logits, hidden states).
// Run after `npx tsc -p .` from the repository root:
//   node tools/reference/pipeline_export.mjs && /usr/bin/python3 tools/reference/pipeline_ref.py
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlbertModel, AlbertTokenizer, JsBackend, featurizeRace, featurizeSquad, featurizeText, presetConfig, savePretrained, withConfig } from '../../dist/src/index.js';
import { CASES, MODELS, MODEL_BASE } from '../../dist/test/pipelines_cases.js';
import { tinyTokenizerModel } from '../../dist/test/tasks_helpers.js';
import { rng } from '../../dist/test/backend_util.js';

const OUT = fileURLToPath(new URL('../../test/fixtures/pipelines/', import.meta.url));
const backend = new JsBackend();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-export-'));
const spm = path.join(tmp, 'spiece.model');
fs.writeFileSync(spm, tinyTokenizerModel());
const tok = AlbertTokenizer.load(spm);

const models = {};
for (const [name, spec] of Object.entries(MODELS)) {
  const config = withConfig(presetConfig('tiny'), { vocab_size: tok.vocabSize, ...MODEL_BASE, ...spec.config });
  const m = new AlbertModel(config, spec.head, backend);
  m.initWeights(spec.seed);
  // Offsets in [-0.5, 0.5) for the biases and LayerNorms, which initWeights leaves at 0 and 1.
  const r = rng(spec.seed);
  for (const p of m.params()) if (p.shape.length === 1) for (let i = 0; i < p.data.length; i++) p.data[i] += r() - 0.5;
  const dir = path.join(OUT, 'models', name);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  savePretrained(m, dir, { tokenizerModel: spm });
  models[name] = m;
}

const L = (m) => m.config.num_labels;
const list = (a) => Array.from(a);
const maxLength = (m) => Math.min(512, m.config.max_position_embeddings);

/** One row alone through the model. */
function forward(m, ids, typeIds) {
  return m.forward({ inputIds: Int32Array.from(ids), tokenTypeIds: Int32Array.from(typeIds), batch: 1, seq: ids.length });
}

function exportInput(c, m, x) {
  const o = c.options;
  switch (c.task) {
    case 'fill-mask': {
      const e = tok.encode(x);
      const out = forward(m, e.ids, e.typeIds);
      const logits = out.logits ?? out.predictionLogits, V = m.config.vocab_size;
      const masks = e.ids.flatMap((id, p) => (id === tok.maskId ? [p] : []));
      return { rows: [{ ids: e.ids, type_ids: e.typeIds }], masks, mask_logits: masks.map((p) => list(logits.subarray(p * V, (p + 1) * V))) };
    }
    case 'text-classification': case 'sentiment-analysis': {
      const [f] = featurizeText(tok, [typeof x === 'string' ? { textA: x, textB: null } : { textA: x.text, textB: x.text_pair ?? null }], { maxSeqLength: maxLength(m) });
      return { rows: [{ ids: f.ids, type_ids: f.typeIds }], logits: list(forward(m, f.ids, f.typeIds).logits) };
    }
    case 'ner': case 'token-classification': {
      const e = tok.encode(x, null, { returnOffsets: true, truncation: true, maxLength: maxLength(m) });
      const out = forward(m, e.ids, e.typeIds);
      return {
        rows: [{ ids: e.ids, type_ids: e.typeIds }], pieces: e.tokens, offsets: e.offsets, special: e.specialTokensMask,
        token_logits: e.ids.map((_, i) => list(out.logits.subarray(i * L(m), (i + 1) * L(m)))),
      };
    }
    case 'question-answering': {
      const maxSeq = o.max_seq_len ?? Math.min(384, maxLength(m));
      const windows = featurizeSquad(tok, [{ id: '0', title: '', question: x.question, context: x.context, answers: [], isImpossible: false }], {
        maxSeqLength: maxSeq, stride: o.doc_stride ?? Math.min(128, Math.floor(maxSeq / 2)), maxQueryLength: o.max_question_len ?? 64,
      });
      return {
        rows: windows.map((w) => {
          const out = forward(m, w.ids, w.typeIds);
          return { ids: w.ids, type_ids: w.typeIds, offsets: w.offsets, start_logits: list(out.startLogits), end_logits: list(out.endLogits) };
        }),
      };
    }
    case 'feature-extraction': case 'sentence-similarity': {
      const texts = c.task === 'feature-extraction' ? [x] : [x.source_sentence, ...x.sentences];
      return {
        rows: texts.map((t) => {
          const e = tok.encode(t, null, { truncation: true, maxLength: maxLength(m) });
          const h = forward(m, e.ids, e.typeIds).lastHiddenState, H = m.config.hidden_size;
          return { ids: e.ids, type_ids: e.typeIds, hidden: e.ids.map((_, i) => list(h.subarray(i * H, (i + 1) * H))) };
        }),
      };
    }
    case 'zero-shot-classification': {
      const labels = typeof o.candidate_labels === 'string' ? o.candidate_labels.split(',').map((s) => s.trim()).filter(Boolean) : o.candidate_labels;
      const template = o.hypothesis_template ?? 'This example is {}.';
      return {
        rows: labels.map((label) => {
          const e = tok.encode(x, template.replaceAll('{}', label), { truncation: 'only_first', maxLength: maxLength(m) });
          return { ids: e.ids, type_ids: e.typeIds, logits: list(forward(m, e.ids, e.typeIds).logits) };
        }),
        labels,
      };
    }
    case 'multiple-choice': {
      const q = x.context === undefined ? { article: x.question, question: '', options: x.choices } : { article: x.context, question: x.question, options: x.choices };
      const [f] = featurizeRace(tok, [q], { maxSeqLength: maxLength(m), maxQaLength: Math.min(128, Math.floor(maxLength(m) / 2)) });
      const S = Math.max(...f.choices.map((r) => r.ids.length)), C = f.choices.length;
      const pad = (a, v) => [...a, ...new Array(S - a.length).fill(v)];
      const out = m.forward({
        inputIds: Int32Array.from(f.choices.flatMap((r) => pad(r.ids, tok.padId))), tokenTypeIds: Int32Array.from(f.choices.flatMap((r) => pad(r.typeIds, 0))),
        attentionMask: Int32Array.from(f.choices.flatMap((r) => pad(r.ids.map(() => 1), 0))), batch: 1, seq: S, numChoices: C,
      });
      return { rows: f.choices.map((r) => ({ ids: r.ids, type_ids: r.typeIds })), choice_logits: list(out.logits) };
    }
    default: throw new Error(`no export for ${c.task}`);
  }
}

const cases = CASES.map((c) => ({ ...c, exported: c.inputs.map((x) => exportInput(c, models[c.model], x)) }));
const special = { cls: tok.clsToken, sep: tok.sepToken, mask: tok.maskToken, pad: tok.padToken, unk: tok.unkToken, pad_id: tok.padId, unk_id: tok.unkId, mask_id: tok.maskId };
fs.writeFileSync(path.join(OUT, 'logits.json'), JSON.stringify({ tokenizer: special, cases }) + '\n');
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`wrote ${Object.keys(models).length} models and ${cases.length} cases to ${OUT}`);
