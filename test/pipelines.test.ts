// The pipelines against HF's pipeline post-processing (tools/reference/pipeline_ref.py, run on the
// logits our model gives for the inputs of pipelines_cases.ts and checked there against an independent
// PyTorch forward): every case's outputs within 1e-5, batched (sorted by length, small batches) or one
// input at a time; and the head each task needs, the options it takes, one clear line otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackend, pipeline, pipelineTaskForModel, UserError, type PipelineTask } from '../src/index.js';
import { CASES, FIXTURES, MODELS, assertClose } from './pipelines_cases.js';

const DIR = fileURLToPath(FIXTURES);
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, unknown[]>;
const backend = loadBackend({ threads: 1 });
const modelDir = (name: string) => path.join(DIR, 'models', name);

for (const c of CASES) {
  test(`pipeline ${c.task} (${c.name}) = HF's post-processing on the model's logits`, async () => {
    const p = await pipeline(c.task, modelDir(c.model), { backend, maxBatchSize: 2 });
    const want = expected[c.name];
    assert.ok(want, `expected.json has no "${c.name}": run tools/reference/pipeline_export.mjs and pipeline_ref.py`);
    assertClose(await p(c.inputs as never[], c.options as never), want, 1e-5);
    // One input at a time: batching and padding change nothing.
    for (const [i, x] of c.inputs.entries()) assertClose(p.runBatch([x] as never[], c.options as never)[0], want[i], 1e-5, `input ${i} alone`);
  });
}

test('a call with one input: its result, except text-classification (a one-element array at top_k 1) and feature-extraction (the batch dimension kept)', async () => {
  const cls = await pipeline('text-classification', modelDir('nli'), { backend });
  const [one] = cls.runBatch(['the cat']);
  assert.deepEqual(await cls('the cat'), [one]);
  assert.equal((await cls('the cat', { top_k: 2 })).length, 2);
  assert.deepEqual(await cls(['the cat', 'a dog'], { top_k: null }), cls.runBatch(['the cat', 'a dog'], { top_k: null }));
  const fe = await pipeline('feature-extraction', modelDir('nli'), { backend });
  assert.deepEqual(await fe('the cat', { pooling: 'cls' }), [fe.runBatch(['the cat'], { pooling: 'cls' })[0]]);
  const qa = await pipeline('question-answering', modelDir('qa'), { backend });
  const input = { question: 'who?', context: 'a red cat sat' };
  assert.deepEqual(await qa(input), qa.runBatch([input])[0]);
  assert.deepEqual(await qa([]), []);
  assert.equal(qa.model.inferenceOnly, true);
  assert.equal(qa.task, 'question-answering');
  assert.equal(qa.config.num_labels, 2);
  assert.equal(qa.maxLength, 64);
});

test('each task needs a head that can do it: one line naming the architecture and the task', async () => {
  const refused = async (task: PipelineTask, model: string, re: RegExp) => {
    await assert.rejects(pipeline(task, modelDir(model), { backend }), (e: Error) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'));
  };
  await refused('question-answering', 'nli', /nli: the model is AlbertForSequenceClassification \(config.json "architectures"\): question-answering needs AlbertForQuestionAnswering or AlbertForQuestionAnsweringV2$/);
  await refused('text-classification', 'mlm', /AlbertForMaskedLM.*text-classification needs AlbertForSequenceClassification$/);
  await refused('ner', 'nli', /ner needs AlbertForTokenClassification$/);
  await refused('multiple-choice', 'qa', /multiple-choice needs AlbertForMultipleChoice$/);
  await refused('fill-mask', 'nli', /is an AlbertForSequenceClassification .*fill-mask needs AlbertForPreTraining, AlbertForPreTrainingNSP, AlbertForMaskedLM or a pretrain checkpoint$/);
  await refused('zero-shot-classification', 'multilabel', /zero-shot-classification needs an NLI model: config.json has no "entailment" label \(its labels: LABEL_0, LABEL_1, LABEL_2\)$/);
  await assert.rejects(pipeline('summarization' as PipelineTask, modelDir('nli')), /unknown pipeline task "summarization" \(one of fill-mask, /);
  await assert.rejects(pipeline('fill-mask', path.join(DIR, 'nowhere')), /nowhere: no such model directory/);
  await assert.rejects(pipeline('fill-mask', modelDir('mlm'), { maxLength: 65 }), /maxLength must be an integer from 8 to the model's max_position_embeddings \(64\), got 65/);
});

test('feature extraction runs the encoder of any model, without warnings about the head it leaves out', async () => {
  for (const name of Object.keys(MODELS)) {
    const warnings: string[] = [];
    const p = await pipeline('feature-extraction', modelDir(name), { backend, onWarning: (m) => warnings.push(m) });
    assert.equal(p.model.head, 'base');
    assert.equal((await p('the cat', { pooling: 'mean' }))[0].length, 16);
    assert.deepEqual(warnings, [], name);
  }
});

test('pipeline({ dtype }): the encoder\'s GEMMs in bf16 or int8, features close to fp32\'s; a bad dtype is one clear error', async () => {
  const fp32 = await pipeline('feature-extraction', modelDir('nli'), { backend });
  const want = (await fp32('the cat sat on the mat', { pooling: 'mean' }))[0] as number[];
  for (const dtype of ['bf16', 'int8'] as const) {
    const p = await pipeline('feature-extraction', modelDir('nli'), { backend, dtype });
    assert.equal(p.model.dtype, dtype);
    const got = (await p('the cat sat on the mat', { pooling: 'mean' }))[0] as number[];
    const max = Math.max(...want.map(Math.abs));
    const err = Math.max(...got.map((g, i) => Math.abs(g - want[i])));
    // a random 16-wide model is int8's worst case (trained models' bounds: finetune_text, pretrain_first_job)
    assert.ok(err > 0 && err < (dtype === 'bf16' ? 0.1 : 0.25) * max, `${dtype}: ${err} of ${max}`);
  }
  await assert.rejects(pipeline('feature-extraction', modelDir('nli'), { backend, dtype: 'fp16' as never }), /dtype must be one of fp32, bf16, int8, got "fp16"/);
});

test('pipelineTaskForModel: the task of config.json "architectures"', () => {
  const want: Record<string, string> = {
    mlm: 'fill-mask', pretraining: 'fill-mask', nli: 'text-classification', regression: 'text-classification', ner: 'token-classification',
    qa: 'question-answering', mc: 'multiple-choice',
  };
  for (const [name, task] of Object.entries(want)) assert.equal(pipelineTaskForModel(modelDir(name)), task, name);
});

test('bad inputs and options: one line naming the task, the input and the problem', async () => {
  const fm = await pipeline('fill-mask', modelDir('mlm'), { backend });
  await assert.rejects(fm(['the [MASK]', 'no mask here']), /^UserError: fill-mask: input 1 has no \[MASK\]: "no mask here"$/);
  await assert.rejects(fm('the [MASK]', { top_k: 0 }), /fill-mask: top_k must be an integer >= 1, got 0/);
  await assert.rejects(fm('the [MASK]', { topk: 3 } as never), /fill-mask: unknown option "topk" \(known: top_k\)/);
  await assert.rejects(fm([3] as never), /fill-mask: input 0 must be a string, got 3/);
  await assert.rejects(fm(`${'the '.repeat(80)}[MASK]`), /an input is 83 tokens, more than the pipeline's maxLength 64/);
  const qa = await pipeline('question-answering', modelDir('qa'), { backend });
  await assert.rejects(qa({ question: 'who?' } as never), /question-answering: input 0: "context" must be a string, got nothing/);
  await assert.rejects(qa({ question: 'who?', context: 'x', answer: 'y' } as never), /input 0 has an unknown field "answer"/);
  await assert.rejects(qa({ question: 'who?', context: 'x' }, { max_seq_len: 200 }), /max_seq_len 200 is over the pipeline's maxLength 64/);
  await assert.rejects(qa({ question: 'who is on the red mat in paris?', context: 'x' }, { max_seq_len: 16, doc_stride: 8 }),
    /question-answering: .*need more than the stride \(8\) \(set by max_seq_len, doc_stride and max_question_len\)/);
  const zs = await pipeline('zero-shot-classification', modelDir('nli'), { backend });
  await assert.rejects(zs('the cat', {} as never), /zero-shot-classification: the option candidate_labels is required/);
  await assert.rejects(zs('the cat', { candidate_labels: ['a'], hypothesis_template: 'no slot' }), /hypothesis_template "no slot" has no \{\} for the label/);
  const tc = await pipeline('ner', modelDir('ner'), { backend });
  await assert.rejects(tc('the cat', { aggregation_strategy: 'max' as never }), /token-classification: aggregation_strategy must be one of none, simple, got "max"/);
  const mc = await pipeline('multiple-choice', modelDir('mc'), { backend });
  await assert.rejects(mc({ question: 'q', choices: [] }), /multiple-choice: input 0: "choices" must be a non-empty list of strings/);
  mc.dispose();
  await assert.rejects(mc({ question: 'q', choices: ['a'] }), /this multiple-choice pipeline was disposed/);
  assert.throws(() => mc.model, /disposed/);
});

test('text-classification takes text pairs ({text, text_pair}) as [CLS] A [SEP] B [SEP] with segment 1 for B', async () => {
  const p = await pipeline('text-classification', modelDir('nli'), { backend });
  const pair = p.runBatch([{ text: 'a dog', text_pair: 'a cat' }], { top_k: null })[0];
  const joined = p.runBatch(['a dog a cat'], { top_k: null })[0];
  assert.notDeepEqual(pair, joined);
  assert.deepEqual(p.tokenizer.encode('a dog', 'a cat').typeIds, [0, 0, 0, 0, 1, 1, 1]);
});
