// albert serve's routes on a real port: each route's request and response shape (TEI's, the HF
// Inference API's), answers equal to the pipeline run on each input alone however requests are
// batched, bad bodies answered 400/422/413 in TEI's error shape while the server keeps serving,
// several models on one server, /info and /metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { loadPipeline, readModelDir, type BatchPipeline } from '../src/serve/load_pipeline.js';
import { serve, type Server } from '../src/serve/server.js';
import { assertClose, call, metric, savedModel, tempDir, words } from './serve_helpers.js';

const tmp = tempDir('albert-serve-');
const labels = (names: string[]) => ({ id2label: Object.fromEntries(names.map((n, i) => [i, n])), label2id: Object.fromEntries(names.map((n, i) => [n, i])) });
const dirs = {
  cls: savedModel(tmp, 'cls', 'sequence-classification'),
  mlm: savedModel(tmp, 'mlm', 'masked-lm'),
  qa: savedModel(tmp, 'qa', 'question-answering', 'tiny', { num_labels: 2 }),
  ner: savedModel(tmp, 'ner', 'token-classification', 'tiny', labels(['O', 'B-PER', 'I-PER'])),
  nli: savedModel(tmp, 'nli', 'sequence-classification', 'tiny', labels(['contradiction', 'neutral', 'entailment'])),
  mc: savedModel(tmp, 'mc', 'multiple-choice', 'tiny', { num_labels: 2 }),
};
let server: Server;
let url: string;
const alone: Record<string, BatchPipeline> = {};

before(async () => {
  server = await serve({ models: Object.entries(dirs).map(([name, dir]) => ({ name, dir })), port: 0, threads: 1, maxClientBatchSize: 8 });
  url = server.url;
  alone.cls = await loadPipeline('text-classification', dirs.cls, { threads: 1 });
  alone.embed = await loadPipeline('feature-extraction', dirs.cls, { threads: 1 });
  alone.mlm = await loadPipeline('fill-mask', dirs.mlm, { threads: 1 });
  alone.qa = await loadPipeline('question-answering', dirs.qa, { threads: 1 });
  alone.ner = await loadPipeline('token-classification', dirs.ner, { threads: 1 });
  alone.nli = await loadPipeline('zero-shot-classification', dirs.nli, { threads: 1 });
  alone.mc = await loadPipeline('multiple-choice', dirs.mc, { threads: 1 });
  alone.similarity = await loadPipeline('sentence-similarity', dirs.cls, { threads: 1 });
});
after(async () => {
  await server?.close();
  for (const p of Object.values(alone)) p.dispose();
});

const scores = (x: unknown) => x as { label: string; score: number }[];

test('POST /predict: TEI shapes (text, pair, batch), all labels sorted by score, raw_scores, timing headers', async () => {
  const r = await call(url, '/predict', { inputs: words(5) });
  assert.equal(r.status, 200, r.text);
  const one = scores(r.body);
  assert.deepEqual(one.map((x) => x.label).sort(), ['negative', 'neutral', 'positive']);
  assert.ok(one.every((x, i) => i === 0 || one[i - 1].score >= x.score), 'sorted by score');
  assert.ok(Math.abs(one.reduce((s, x) => s + x.score, 0) - 1) < 1e-6, 'softmax');
  assertClose(r.body, alone.cls.runBatch([words(5)], { top_k: null })[0]);
  for (const h of ['x-compute-time', 'x-total-time', 'x-tokenization-time', 'x-queue-time', 'x-inference-time', 'x-compute-tokens']) {
    assert.match(r.headers.get(h) ?? '', /^\d+$/, h);
  }
  assert.equal(r.headers.get('x-compute-tokens'), String(readModelDir(dirs.cls).tokenizer.encode(words(5)).ids.length));

  const pair = await call(url, '/predict', { inputs: [words(3), words(4, 1)] });
  assertClose(pair.body, alone.cls.runBatch([{ text: words(3), text_pair: words(4, 1) }], { top_k: null })[0]);
  const batch = await call(url, '/predict', { inputs: [[words(2)], [words(3), words(2, 2)], words(6, 3)] });
  assert.equal((batch.body as unknown[]).length, 3);
  assertClose((batch.body as unknown[])[2], alone.cls.runBatch([words(6, 3)], { top_k: null })[0]);
  const raw = await call(url, '/predict', { inputs: words(5), raw_scores: true });
  assertClose(raw.body, alone.cls.runBatch([words(5)], { top_k: null, function_to_apply: 'none' })[0]);
  assert.ok(Math.abs(scores(raw.body).reduce((s, x) => s + x.score, 0) - 1) > 1e-3, 'raw scores are logits, not probabilities');
});

test('concurrent requests are batched and each gets exactly what the pipeline gives its input alone', async () => {
  const before = metric((await call(url, '/metrics')).text, 'albert_serve_batch_size_count') ?? 0;
  const texts = Array.from({ length: 24 }, (_, i) => words(1 + ((i * 5) % 40), i));
  const replies = await Promise.all(texts.map((t) => call(url, '/predict', { inputs: t })));
  replies.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assertClose(r.body, alone.cls.runBatch([texts[i]], { top_k: null })[0], 1e-5, `text ${i}`);
  });
  const batches = (metric((await call(url, '/metrics')).text, 'albert_serve_batch_size_count') ?? 0) - before;
  assert.ok(batches < texts.length, `24 requests ran in ${batches} batches: some were batched together`);
});

test('two workers: batches run side by side, the answers the same', async () => {
  const two = await serve({ models: [{ dir: dirs.cls }], port: 0, threads: 1, workers: 2, maxBatchRequests: 4 });
  try {
    const texts = Array.from({ length: 16 }, (_, i) => words(2 + ((i * 3) % 20), i));
    const replies = await Promise.all(texts.map((t) => call(two.url, '/predict', { inputs: t })));
    replies.forEach((r, i) => assertClose(r.body, alone.cls.runBatch([texts[i]], { top_k: null })[0], 1e-5, `text ${i}`));
    assert.equal(((await call(two.url, '/info')).body as { workers: number }).workers, 2);
    const m = (await call(two.url, '/metrics')).text;
    assert.ok((metric(m, 'albert_serve_batch_size_count') ?? 0) >= 4, 'at most 4 inputs a batch');
  } finally {
    await two.close();
  }
});

test('POST /embed: one vector per text, L2-normalized unless normalize is false, as feature-extraction alone', async () => {
  const r = await call(url, '/embed', { inputs: [words(3), words(9, 4)] });
  assert.equal(r.status, 200, r.text);
  const v = r.body as number[][];
  assert.equal(v.length, 2);
  assert.equal(v[0].length, 16);
  for (const x of v) assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-6);
  const single = await call(url, '/embed', { inputs: words(3), normalize: false });
  assert.equal((single.body as number[][]).length, 1);
  const want = alone.embed.runBatch([words(3)], { pooling: 'mean', normalize: false })[0] as number[];
  assertClose((single.body as number[][])[0], want);
});

test('POST /fill-mask on the second model (by path and by the "model" field): the pipeline\'s predictions', async () => {
  const text = `${words(2)} [MASK] ${words(2, 5)}`;
  const want = alone.mlm.runBatch([text], { top_k: 3 })[0];
  const byPath = await call(url, '/models/mlm/fill-mask', { inputs: text, parameters: { top_k: 3 } });
  assert.equal(byPath.status, 200, byPath.text);
  assertClose(byPath.body, want);
  const byField = await call(url, '/fill-mask', { model: 'mlm', inputs: [text, text], parameters: { top_k: 3 } });
  assertClose(byField.body, [want, want]);
  const noMask = await call(url, '/models/mlm/fill-mask', { inputs: words(3) });
  assert.equal(noMask.status, 422);
  assert.match((noMask.body as { error: string }).error, /no mask token \[MASK\]/);
  const unknown = await call(url, '/models/nope/predict', { inputs: 'x' });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, { error: 'no model named "nope" (served: cls, mlm, qa, ner, nli, mc)', error_type: 'NotFound' });
});

test('POST /question-answering: {answer, score, start, end} with character offsets, as the pipeline alone; long contexts too', async () => {
  const context = `${words(30, 1)}. ${words(90, 2)}`;
  const inputs = [{ question: words(3), context }, { question: words(2, 3), context: words(12, 4) }];
  const r = await call(url, '/models/qa/question-answering', { inputs, parameters: { max_seq_len: 48, doc_stride: 16 } });
  assert.equal(r.status, 200, r.text);
  assertClose(r.body, alone.qa.runBatch(inputs, { max_seq_len: 48, doc_stride: 16 }));
  const one = (await call(url, '/question-answering', { model: 'qa', inputs: inputs[1] })).body as { answer: string; start: number; end: number };
  assert.deepEqual(Object.keys(one).sort(), ['answer', 'end', 'score', 'start']);
  assert.equal(one.answer, inputs[1].context.slice(one.start, one.end));
  const top = (await call(url, '/models/qa/question-answering', { inputs: inputs[1], parameters: { top_k: 3 } })).body as unknown[];
  assertClose(top, alone.qa.runBatch([inputs[1]], { top_k: 3 })[0]);
  const unknown = await call(url, '/models/qa/question-answering', { inputs: inputs[1], parameters: { topk: 3 } });
  assert.equal(unknown.status, 422, 'a misspelt parameter is refused, not ignored');
  assert.match((unknown.body as { error: string }).error, /unknown option "topk"/);
});

test('POST /token-classification, /zero-shot-classification, /similarity, /multiple-choice: as their pipelines alone', async () => {
  const text = `Ann met ${words(6, 2)}`;
  const ner = await call(url, '/models/ner/token-classification', { inputs: [text, words(3)], parameters: { ignore_labels: [] } });
  assert.equal(ner.status, 200, ner.text);
  assertClose(ner.body, alone.ner.runBatch([text, words(3)], { ignore_labels: [] }));
  const grouped = await call(url, '/models/ner/token-classification', { inputs: text, parameters: { aggregation_strategy: 'simple', ignore_labels: [] } });
  assertClose(grouped.body, alone.ner.runBatch([text], { aggregation_strategy: 'simple', ignore_labels: [] })[0]);

  const candidate_labels = ['travel', 'food', 'sport'];
  const zs = await call(url, '/models/nli/zero-shot-classification', { inputs: words(5), parameters: { candidate_labels } });
  assert.equal(zs.status, 200, zs.text);
  // The Inference API's [{label, score}] from the pipeline's {sequence, labels, scores}.
  const want = alone.nli.runBatch([words(5)], { candidate_labels })[0] as { labels: string[]; scores: number[] };
  assertClose(zs.body, want.labels.map((label, i) => ({ label, score: want.scores[i] })));
  const multi = await call(url, '/models/nli/zero-shot-classification', { inputs: [words(5)], parameters: { candidate_labels: 'travel, food', multi_label: true } });
  const wantMulti = alone.nli.runBatch([words(5)], { candidate_labels: ['travel', 'food'], multi_label: true })[0] as { labels: string[]; scores: number[] };
  assertClose(multi.body, [wantMulti.labels.map((label, i) => ({ label, score: wantMulti.scores[i] }))]);
  const notNli = await call(url, '/zero-shot-classification', { inputs: 'x', parameters: { candidate_labels } });
  assert.equal(notNli.status, 422);
  assert.match((notNli.body as { error: string }).error, /needs an NLI model/);

  const sim = { source_sentence: words(4), sentences: [words(4), words(6, 1), words(2, 2)] };
  const s = await call(url, '/similarity', { inputs: sim });
  assert.equal(s.status, 200, s.text);
  assertClose(s.body, alone.similarity.runBatch([sim])[0]);
  assert.ok(Math.abs((s.body as number[])[0] - 1) < 1e-5, 'a sentence is its own nearest');

  const mc = [{ context: words(8), question: words(3, 1), choices: [words(1), words(2, 2), words(1, 3)] }, { question: words(4), choices: [words(2), words(1, 5)] }];
  const m = await call(url, '/models/mc/multiple-choice', { inputs: mc });
  assert.equal(m.status, 200, m.text);
  assertClose(m.body, alone.mc.runBatch(mc));
});

test('POST /tokenize: TEI\'s tokens (id, text, special, start, stop), text = the input\'s characters', async () => {
  const text = 'Ann  met   Bob';
  const r = await call(url, '/tokenize', { inputs: text });
  assert.equal(r.status, 200, r.text);
  const [tokens] = r.body as { id: number; text: string; special: boolean; start: number | null; stop: number | null }[][];
  const tok = readModelDir(dirs.cls).tokenizer;
  assert.deepEqual(tokens.map((t) => t.id), tok.encode(text).ids);
  assert.deepEqual(tokens[0], { id: tok.clsId, text: '[CLS]', special: true, start: null, stop: null });
  assert.deepEqual(tokens.at(-1), { id: tok.sepId, text: '[SEP]', special: true, start: null, stop: null });
  for (const t of tokens.slice(1, -1)) {
    assert.equal(t.special, false);
    assert.equal(t.text, text.slice(t.start!, t.stop!));
  }
  const plain = await call(url, '/tokenize', { inputs: [text, 'Bob'], add_special_tokens: false });
  assert.deepEqual((plain.body as unknown[][]).map((x) => x.length), [tokens.length - 2, tok.encodeIds('Bob').length]);
});

test('bad requests: 400 / 413 / 422 / 404 / 405 in TEI\'s {error, error_type} shape, and the next request still works', async () => {
  const cases: [string, unknown, number, string, RegExp][] = [
    ['/predict', '{"inputs": ', 400, 'Validation', /parse the request body as JSON/],
    ['/predict', { text: 'no inputs field' }, 422, 'Validation', /missing field `inputs`/],
    ['/predict', { inputs: 42 }, 422, 'Validation', /`inputs` must be/],
    ['/predict', { inputs: [] }, 400, 'Empty', /cannot be empty/],
    ['/predict', [1, 2], 422, 'Validation', /JSON object/],
    ['/predict', { inputs: 'x', raw_scores: 'yes' }, 422, 'Validation', /`raw_scores` must be true or false/],
    ['/predict', { inputs: Array(9).fill('x') }, 422, 'Validation', /batch size 9 > maximum allowed batch size 8/],
    ['/predict', { inputs: words(80) }, 422, 'Validation', /must have less than 64 tokens\. Given: \d+/],
    ['/embed', { inputs: [words(2), 3] }, 422, 'Validation', /`inputs` must be a string or a list of them/],
    ['/question-answering', { inputs: { question: 'q' } }, 422, 'Validation', /\{question, context\}/],
    ['/zero-shot-classification', { inputs: 'x', parameters: {} }, 422, 'Validation', /candidate_labels/],
    ['/fill-mask', { inputs: 'a [MASK]', parameters: { top_k: 'three' } }, 422, 'Validation', /parameters\.top_k` must be a number/],
    ['/nowhere', {}, 404, 'NotFound', /no route POST \/nowhere/],
  ];
  for (const [route, body, status, type, message] of cases) {
    const r = await call(url, route, body);
    assert.equal(r.status, status, `${route} ${JSON.stringify(body)}: ${r.text}`);
    const b = r.body as { error: string; error_type: string };
    assert.deepEqual(Object.keys(b).sort(), ['error', 'error_type']);
    assert.equal(b.error_type, type);
    assert.match(b.error, message);
  }
  const get = await call(url, '/predict', undefined);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  const big = await call(url, '/predict', { inputs: 'x'.repeat(2_100_000) });
  assert.equal(big.status, 413);
  const truncated = await call(url, '/predict', { inputs: words(80), truncate: true });
  assert.equal(truncated.status, 200, truncated.text);
  const ok = await call(url, '/predict', { inputs: words(4) });
  assert.equal(ok.status, 200);
  assertClose(ok.body, alone.cls.runBatch([words(4)], { top_k: null })[0]);
});

test('GET /health, /info and /metrics', async () => {
  const h = await call(url, '/health');
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  const info = (await call(url, '/info')).body as Record<string, unknown>;
  assert.equal(info.model_id, dirs.cls);
  assert.equal(info.task, 'text-classification');
  assert.equal(info.model_dtype, 'float32');
  assert.equal(info.max_input_length, 64);
  assert.equal(info.max_batch_tokens, 16384);
  assert.equal(info.max_concurrent_requests, 512);
  assert.equal(info.max_client_batch_size, 8);
  assert.equal(info.version, (await import('node:module')).createRequire(import.meta.url)('../../package.json').version);
  assert.deepEqual((info.models as { name: string; task: string }[]).map((m) => [m.name, m.task]), [
    ['cls', 'text-classification'], ['mlm', 'fill-mask'], ['qa', 'question-answering'], ['ner', 'token-classification'],
    ['nli', 'text-classification'], ['mc', 'multiple-choice'],
  ]);

  await call(url, '/predict', { inputs: words(3) });
  const m = await call(url, '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  // Every sample line is NAME{labels} VALUE, every family has HELP and TYPE, histograms are cumulative.
  const families = new Map<string, string>();
  for (const line of m.text.trimEnd().split('\n')) {
    const t = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (t) { families.set(t[1], t[2]); continue; }
    if (line.startsWith('# HELP ')) continue;
    assert.match(line, /^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[\d.e+-]+$/, line);
    const name = line.split(/[{ ]/)[0].replace(/_(bucket|sum|count)$/, '');
    assert.ok(families.has(name) || families.has(line.split(/[{ ]/)[0]), `${line}: no TYPE line`);
  }
  for (const f of ['albert_serve_requests_total', 'albert_serve_queue_size', 'albert_serve_batch_size', 'albert_serve_request_duration_seconds', 'albert_serve_tokens_total', 'albert_serve_inference_duration_seconds']) {
    assert.ok(families.has(f), f);
  }
  assert.ok((metric(m.text, 'albert_serve_requests_total', '{route="/predict",status="200"}') ?? 0) >= 1);
  assert.ok((metric(m.text, 'albert_serve_requests_total', '{route="/predict",status="422"}') ?? 0) >= 1);
  assert.ok((metric(m.text, 'albert_serve_tokens_total') ?? 0) > 0);
  const buckets = m.text.split('\n').filter((l) => l.startsWith('albert_serve_batch_size_bucket')).map((l) => Number(l.split(' ')[1]));
  assert.ok(buckets.every((b, i) => i === 0 || b >= buckets[i - 1]), 'cumulative buckets');
  assert.equal(buckets.at(-1), metric(m.text, 'albert_serve_batch_size_count'));
});

test('GET / is the page', async () => {
  const r = await call(url, '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(r.text, /<title>albert serve<\/title>/);
  // Its script is JavaScript (the page is one template literal, where an escape can go wrong).
  const script = /<script>([^]*)<\/script>/.exec(r.text)?.[1] ?? '';
  assert.ok(script.length > 1000);
  assert.doesNotThrow(() => new vm.Script(script));
});
