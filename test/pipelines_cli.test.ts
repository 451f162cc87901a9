// `albert run`: the pipelines' results as JSON lines, from arguments, a file or stdin, and one line
// naming the input (file and line) or the model when something is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackend, pipeline } from '../src/index.js';
import { FIXTURES, assertClose } from './pipelines_cases.js';
import { put, scratch } from './tasks_helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const DIR = fileURLToPath(FIXTURES);
const model = (name: string) => path.join(DIR, 'models', name);
const backend = loadBackend({ threads: 1 });
const tmp = scratch('pipelines-cli');

function albert(args: string[], input?: string) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', input, env: { ...process.env, ALBERT_NUM_THREADS: '1' } });
}

const lines = (stdout: string) => stdout.trimEnd().split('\n').map((l) => JSON.parse(l));

test('albert run: arguments, --file (JSONL) and stdin give one JSON line per input, the API\'s results', async () => {
  let r = albert(['run', 'fill-mask', '--model', model('mlm'), '--top-k', '2', 'the [MASK] sat', 'a [MASK] in [MASK]']);
  assert.equal(r.status, 0, r.stderr);
  const fm = await pipeline('fill-mask', model('mlm'), { backend });
  assertClose(lines(r.stdout), fm.runBatch(['the [MASK] sat', 'a [MASK] in [MASK]'], { top_k: 2 }), 1e-6);

  const qaInputs = [{ question: 'who sat?', context: 'a red cat sat on the mat.' }, { question: 'where?', context: 'in paris, on the river.' }];
  const file = put(tmp, 'qa.jsonl', `${JSON.stringify(qaInputs[0])}\n\n${JSON.stringify(qaInputs[1])}\n`);
  r = albert(['run', 'auto', '--model', model('qa'), '--file', file, '--top-k', '2', '--max-answer-len', '3', '--handle-impossible-answer']);
  assert.equal(r.status, 0, r.stderr);
  const qa = await pipeline('question-answering', model('qa'), { backend });
  assertClose(lines(r.stdout), qa.runBatch(qaInputs, { top_k: 2, max_answer_len: 3, handle_impossible_answer: true }), 1e-6);

  r = albert(['run', 'sentiment-analysis', '--model', model('nli'), '--top-k', 'all'], 'the cat sat\n{"text": "a dog", "text_pair": "a cat"}\n');
  assert.equal(r.status, 0, r.stderr);
  const cls = await pipeline('text-classification', model('nli'), { backend });
  assertClose(lines(r.stdout), cls.runBatch(['the cat sat', { text: 'a dog', text_pair: 'a cat' }], { top_k: null }), 1e-6);

  r = albert(['run', 'zero-shot-classification', '--model', model('nli'), '--candidate-labels', 'city,animal', '--multi-label', '--batch-size', '1'], 'the cat\nparis\n');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).map((x) => x.sequence), ['the cat', 'paris']);

  r = albert(['run', 'ner', '--model', model('ner'), '--aggregation', 'simple', '--ignore-labels', '', 'The cat sat in Paris.']);
  assert.equal(r.status, 0, r.stderr);
  const ner = await pipeline('ner', model('ner'), { backend });
  assertClose(lines(r.stdout), ner.runBatch(['The cat sat in Paris.'], { aggregation_strategy: 'simple', ignore_labels: [] }), 1e-6);

  r = albert(['run', 'feature-extraction', '--model', model('mlm'), '--pooling', 'mean', '--normalize', 'a', 'the cat']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).map((v) => v.length), [16, 16]);
});

test('albert run: bad inputs, flags and models are one line on stderr and exit 1', () => {
  const fails = (args: string[], re: RegExp, input?: string) => {
    const r = albert(args, input);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  };
  const file = put(tmp, 'bad.jsonl', '{"question": "who?", "context": "a cat"}\nwho sat?\n');
  fails(['run', 'question-answering', '--model', model('qa'), '--file', file], new RegExp(`^albert: ${file}:2: not a JSON object .*question-answering takes one JSON object per line\n$`));
  fails(['run', 'question-answering', '--model', model('qa')], /^albert: question-answering: stdin:1: "context" must be a string, got nothing\n$/, '{"question": "who?"}\n');
  fails(['run', 'question-answering', '--model', model('nli'), '{}'], /nli: the model is AlbertForSequenceClassification .*question-answering needs AlbertForQuestionAnswering or AlbertForQuestionAnsweringV2\n$/);
  fails(['run', 'fill-mask', '--model', model('mlm'), '--pooling', 'mean', 'the [MASK]'], /^albert: fill-mask: unknown option "pooling" \(known: top_k\)\n$/);
  fails(['run', 'fill-mask', '--model', model('mlm'), '--top-k', 'x', 'the [MASK]'], /^albert: --top-k must be an integer >= 1, got "x"\n$/);
  fails(['run', 'translation', '--model', model('mlm'), 'x'], /^albert: unknown pipeline task "translation"/);
  fails(['run', '--model', model('mlm')], /^albert: give a task: one of fill-mask, /);
  fails(['run', 'fill-mask', '--model', model('mlm'), '--file', path.join(tmp, 'none.txt')], /none.txt: no such file\n$/);
  const help = albert(['run', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: albert run TASK --model DIR/);
});
