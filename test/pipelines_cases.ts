// The pipelines' reference cases: tiny random models (test/fixtures/pipelines/models, with the tiny test
// tokenizer as spiece.model) and fixed inputs with call options. tools/reference/pipeline_export.mjs
// writes the models and what our model computes for every input (token rows, logits) to
// test/fixtures/pipelines/logits.json; tools/reference/pipeline_ref.py checks those logits against its
// own PyTorch forward and applies HF's pipeline post-processing to them (expected.json);
// test/pipelines.test.ts runs our pipelines on the same inputs and compares.
import assert from 'node:assert/strict';
import type { AlbertConfig, HeadKind, PipelineTask } from '../src/index.js';

/** From dist/test/, where the compiled tests run. */
export const FIXTURES = new URL('../../test/fixtures/pipelines/', import.meta.url);

export interface ModelSpec { head: HeadKind; config: Partial<AlbertConfig>; seed: number }

const NLI = { id2label: { 0: 'contradiction', 1: 'entailment', 2: 'neutral' }, label2id: { contradiction: 0, entailment: 1, neutral: 2 } };
const NER = {
  id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' },
  label2id: { O: 0, 'B-PER': 1, 'I-PER': 2, 'B-LOC': 3, 'I-LOC': 4 },
};

/** Small enough to keep in the repository (a few KB each); initializer_range 1 makes the scores far from uniform. */
export const MODEL_BASE: Partial<AlbertConfig> = {
  embedding_size: 8, hidden_size: 16, num_attention_heads: 2, intermediate_size: 32, num_hidden_layers: 2,
  max_position_embeddings: 64, initializer_range: 1, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, classifier_dropout_prob: 0,
};

export const MODELS: Record<string, ModelSpec> = {
  mlm: { head: 'masked-lm', config: {}, seed: 11 },
  pretraining: { head: 'pretraining', config: {}, seed: 12 },
  nli: { head: 'sequence-classification', config: { num_labels: 3, ...NLI }, seed: 13 },
  regression: { head: 'sequence-classification', config: { num_labels: 1, problem_type: 'regression' }, seed: 14 },
  onelogit: { head: 'sequence-classification', config: { num_labels: 1 }, seed: 15 },
  multilabel: { head: 'sequence-classification', config: { num_labels: 3, problem_type: 'multi_label_classification' }, seed: 16 },
  ner: { head: 'token-classification', config: { num_labels: 5, ...NER }, seed: 17 },
  qa: { head: 'question-answering', config: { num_labels: 2 }, seed: 18 },
  mc: { head: 'multiple-choice', config: {}, seed: 19 },
};

export interface PipelineCase { name: string; task: PipelineTask; model: keyof typeof MODELS; inputs: unknown[]; options: Record<string, unknown> }

const LONG = 'the river in paris is blue. the city of paris is the capital of france, and a red cat sat on the mat in the city. '
  + 'who was on the mat? a dog was, and the dog is red. where is the capital? in france, on the river.';

export const CASES: PipelineCase[] = [
  { name: 'fill-mask top 3', task: 'fill-mask', model: 'mlm', inputs: ['the cat [MASK] on the mat.', '[MASK] is the capital of france', 'Where is the [MASK]?'], options: { top_k: 3 } },
  { name: 'fill-mask two masks', task: 'fill-mask', model: 'mlm', inputs: ['the [MASK] sat on the [MASK]'], options: { top_k: 2 } },
  { name: 'fill-mask pretraining head, default top 5', task: 'fill-mask', model: 'pretraining', inputs: ['a red [MASK] in paris'], options: {} },
  {
    name: 'text-classification top 1', task: 'text-classification', model: 'nli',
    inputs: ['the cat sat', { text: 'a dog was in paris', text_pair: 'a dog is in france' }, 'paris is the capital of france'], options: {},
  },
  { name: 'text-classification all labels', task: 'text-classification', model: 'nli', inputs: ['the river is blue', { text: 'who?', text_pair: 'a cat' }], options: { top_k: null } },
  { name: 'text-classification sigmoid top 2', task: 'sentiment-analysis', model: 'nli', inputs: ['red city'], options: { top_k: 2, function_to_apply: 'sigmoid' } },
  { name: 'regression: raw logit', task: 'text-classification', model: 'regression', inputs: ['the cat sat on the mat', 'blue'], options: {} },
  { name: 'one logit: sigmoid', task: 'text-classification', model: 'onelogit', inputs: ['the cat sat on the mat', 'blue'], options: {} },
  { name: 'multi-label: sigmoid', task: 'text-classification', model: 'multilabel', inputs: ['a red cat', 'the capital of france'], options: { top_k: null } },
  { name: 'ner tokens', task: 'ner', model: 'ner', inputs: ['The cat sat in Paris, France.', 'who was in  Paris? Zoë was.'], options: {} },
  { name: 'ner tokens, nothing ignored', task: 'token-classification', model: 'ner', inputs: ['a dog in paris'], options: { ignore_labels: [] } },
  { name: 'ner simple', task: 'ner', model: 'ner', inputs: ['The cat sat in Paris, France.', 'who was in  Paris? Zoë was.'], options: { aggregation_strategy: 'simple' } },
  { name: 'ner simple, O kept', task: 'ner', model: 'ner', inputs: ['the red dog sat on the mat in paris'], options: { aggregation_strategy: 'simple', ignore_labels: [] } },
  {
    name: 'qa windows top 3', task: 'question-answering', model: 'qa',
    inputs: [{ question: 'where is the capital?', context: LONG }, { question: 'who sat?', context: 'a red cat sat on the mat.' }], options: { top_k: 3, max_seq_len: 32, doc_stride: 8 },
  },
  {
    name: 'qa impossible, short answers', task: 'question-answering', model: 'qa',
    inputs: [{ question: 'what is blue?', context: LONG }], options: { top_k: 4, max_seq_len: 40, doc_stride: 12, max_answer_len: 3, handle_impossible_answer: true },
  },
  { name: 'qa defaults', task: 'question-answering', model: 'qa', inputs: [{ question: 'who was on the mat?', context: 'a dog was, and the dog is red.' }], options: {} },
  { name: 'features none', task: 'feature-extraction', model: 'pretraining', inputs: ['the cat', 'paris is blue'], options: {} },
  { name: 'features mean normalized', task: 'feature-extraction', model: 'nli', inputs: ['the cat', 'paris is blue', 'a'], options: { pooling: 'mean', normalize: true } },
  { name: 'features cls', task: 'feature-extraction', model: 'mlm', inputs: ['the cat sat'], options: { pooling: 'cls' } },
  { name: 'similarity', task: 'sentence-similarity', model: 'pretraining', inputs: [{ source_sentence: 'the cat sat', sentences: ['a cat sat', 'paris is the capital of france', 'the cat sat'] }], options: {} },
  { name: 'zero-shot', task: 'zero-shot-classification', model: 'nli', inputs: ['the cat sat in paris', 'a blue river'], options: { candidate_labels: ['city', 'animal', 'river'] } },
  {
    name: 'zero-shot multi-label, own template', task: 'zero-shot-classification', model: 'nli',
    inputs: ['the cat sat in paris'], options: { candidate_labels: 'city, animal', hypothesis_template: 'it is about {}', multi_label: true },
  },
  { name: 'zero-shot one label', task: 'zero-shot-classification', model: 'nli', inputs: ['the dog is red'], options: { candidate_labels: ['dog'] } },
  {
    name: 'multiple choice', task: 'multiple-choice', model: 'mc',
    inputs: [{ context: 'a red cat sat on the mat.', question: 'who sat on the mat?', choices: ['a cat', 'a dog', 'paris'] }, { question: 'the capital of france is _', choices: ['paris', 'a river'] }],
    options: {},
  },
];

/** a equals b, numbers within tol (absolute), everything else exactly; the path names the first difference. */
export function assertClose(a: unknown, b: unknown, tol: number, where = '$'): void {
  if (typeof b === 'number') {
    assert.equal(typeof a, 'number', `${where}: ${JSON.stringify(a)} is not a number`);
    assert.ok(Math.abs((a as number) - b) <= tol, `${where}: ${a} vs ${b}`);
  } else if (Array.isArray(b)) {
    assert.ok(Array.isArray(a), `${where}: not an array`);
    assert.equal((a as unknown[]).length, b.length, `${where}: length`);
    b.forEach((x, i) => assertClose((a as unknown[])[i], x, tol, `${where}[${i}]`));
  } else if (b !== null && typeof b === 'object') {
    assert.ok(a !== null && typeof a === 'object' && !Array.isArray(a), `${where}: not an object`);
    assert.deepEqual(Object.keys(a as object).sort(), Object.keys(b).sort(), `${where}: keys`);
    for (const k of Object.keys(b)) assertClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${where}.${k}`);
  } else {
    assert.equal(a, b, where);
  }
}
