// SQuAD as a fine-tuning family: a tiny model learns a span set by a pattern ("the code is 482")
// and, in 2.0, that a context without one has no answer, through finetune(); albert predict writes
// predictions.json / null_odds.json, which albert evaluate --predictions scores as finetune and
// albert evaluate --model did in memory; windows, batches and metric names on the real dev sets;
// bad input at the command level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { finetune } from '../src/finetune/finetune.js';
import { openSquadTask } from '../src/finetune/squad_task.js';
import { AlbertModel, AlbertTokenizer, loadBackend, presetConfig, withConfig } from '../src/index.js';
import { albert, syntheticSquad } from './finetune_helpers.js';
import { put, scratch, tinyTokenizer, tinyTokenizerFile } from './tasks_helpers.js';
import { ALBERT_MODEL, SHARED } from './tokenizer_helpers.js';

const dir = scratch('finetune-squad');
const tok = tinyTokenizerFile(dir);
const quiet = { onWarning: () => {} };
/** Small enough to train in seconds; initializer_range 0.1 keeps it off the plateau a 0.02 init sits on for hundreds of steps at this size. */
const SMALL = { embedding_size: 16, hidden_size: 48, num_attention_heads: 2, intermediate_size: 96, num_hidden_layers: 3, initializer_range: 0.1 };
/** Windows of 48 tokens overlapping by 16: many synthetic contexts take two, so decoding pools windows. */
const WINDOWS = ['--max-seq-length', '48', '--doc-stride', '16'];

type Squad = { version: string; data: { title: string; paragraphs: { context: string; qas: { id: string; question: string; answers: { text: string }[]; is_impossible?: boolean }[] }[] }[] };
/** finetune_helpers' synthetic SQuAD ("the code is NNN"), as the object. */
const synthetic = (n: number, seed: number, v2: boolean): Squad => JSON.parse(syntheticSquad(n, seed, v2));

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

for (const id of ['squad1', 'squad2'] as const) {
  test(`${id}: a tiny model fine-tuned from scratch finds the span the pattern sets (>= 95% exact on dev); predict's files score as in memory`, async () => {
    const v2 = id === 'squad2';
    const train = put(dir, `${id}/train.json`, syntheticSquad(2000, 1, v2));
    const dev = put(dir, `${id}/dev.json`, syntheticSquad(100, 2, v2));
    const out = path.join(dir, `${id}-out`);
    const t0 = Date.now();
    const r = await finetune({
      task: id, data: train, evalData: dev, output: out, model: 'tiny', tokenizer: tok, set: SMALL, threads: 1,
      maxSeqLength: 48, docStride: 16, steps: 1500, batchSize: 16, lr: 2e-3, warmupSteps: 20, logEvery: 100, ...quiet,
    });
    const rep = r.report!;
    console.log(id, rep.final!.metrics, `${Date.now() - t0} ms`);
    assert.equal(rep.main_metric, 'f1');
    assert.deepEqual([rep.train.examples, rep.eval_splits], [2000, [{ name: 'dev', file: dev, examples: 100 }]]);
    assert.ok(rep.train.units > rep.train.examples, 'training units are windows');
    const scores = rep.final!.metrics;
    const keys = v2
      ? ['exact', 'f1', 'total', 'HasAns_exact', 'HasAns_f1', 'HasAns_total', 'NoAns_exact', 'NoAns_f1', 'NoAns_total', 'best_exact', 'best_exact_thresh', 'best_f1', 'best_f1_thresh']
      : ['exact_match', 'f1'];
    assert.deepEqual(Object.keys(scores), keys);
    assert.ok((v2 ? scores.exact : scores.exact_match) >= 95, JSON.stringify(scores));
    if (v2) assert.ok(scores.HasAns_exact >= 90 && scores.NoAns_exact >= 90, JSON.stringify(scores));
    const config = JSON.parse(fs.readFileSync(path.join(r.modelDir, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, ['AlbertForQuestionAnswering']);

    // albert predict: predictions.json (qid -> text) and, for 2.0, null_odds.json beside it (the folder made).
    const preds = path.join(dir, `${id}-preds`, 'predictions.json');
    const p = albert(['predict', '--task', id, '--data', dev, '--model', r.modelDir, '--output', preds, ...WINDOWS]);
    assert.equal(p.status, 0, p.stderr);
    assert.deepEqual(fs.readdirSync(path.dirname(preds)).sort(), v2 ? ['null_odds.json', 'predictions.json'] : ['predictions.json']);
    const predicted = JSON.parse(fs.readFileSync(preds, 'utf8'));
    const gold = synthetic(100, 2, v2).data[0].paragraphs.map((x) => x.qas[0]);
    assert.deepEqual(Object.keys(predicted), gold.map((q) => q.id));
    assert.ok(Object.values(predicted).every((t) => typeof t === 'string'));
    // Counted here: predicted text equal to the gold code, or "" for a question without one.
    const right = gold.filter((q) => predicted[q.id] === (q.answers[0]?.text ?? '')).length;
    assert.equal(right, v2 ? scores.exact : scores.exact_match, 'each synthetic answer normalizes to itself');
    if (v2) {
      const odds = JSON.parse(fs.readFileSync(path.join(path.dirname(preds), 'null_odds.json'), 'utf8'));
      assert.deepEqual(Object.keys(odds), gold.map((q) => q.id));
      // HF's rule with threshold 0: "" exactly where the null score beats the best span.
      for (const q of gold) assert.equal(predicted[q.id] === '', odds[q.id] > 0, q.id);
    }
    // The files scored without the model, and the model evaluated again: both as finetune's final evaluation.
    const naProbs = v2 ? ['--na-probs', path.join(path.dirname(preds), 'null_odds.json')] : [];
    const s = albert(['evaluate', '--task', id, '--data', dev, '--predictions', preds, ...naProbs, '--json']);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(lastJson(s.stdout), scores);
    const e = albert(['evaluate', '--task', id, '--data', dev, '--model', r.modelDir, ...WINDOWS, '--json']);
    assert.equal(e.status, 0, e.stderr);
    assert.deepEqual(lastJson(e.stdout), scores);
  });
}

const DEV1 = path.join(SHARED, 'squad', 'dev-v1.1.json'), DEV2 = path.join(SHARED, 'squad', 'dev-v2.0.json');
const REAL = !fs.existsSync(DEV1) || !fs.existsSync(DEV2) || !fs.existsSync(ALBERT_MODEL) ? 'needs ../shared/data (squad/ and the ALBERT tokenizer); not present' : false;

/** Articles [from, to) of an official SQuAD file, each cut to its first `paragraphs` paragraphs. */
function articles(file: string, from: number, to: number, paragraphs: number) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { version: json.version, data: json.data.slice(from, to).map((a: { title: string; paragraphs: unknown[] }) => ({ title: a.title, paragraphs: a.paragraphs.slice(0, paragraphs) })) };
}

test('real dev sets split by article, with the ALBERT tokenizer: a few steps; the windows HF\'s stride gives; the official metric names; answers cut from the contexts', { skip: REAL }, async () => {
  const tokenizer = AlbertTokenizer.load(ALBERT_MODEL);
  for (const [id, file] of [['squad1', DEV1], ['squad2', DEV2]] as const) {
    const train = articles(file, 0, 2, 4), dev = articles(file, 2, 3, 3);
    const trainFile = put(dir, `real-${id}/train.json`, JSON.stringify(train)), devFile = put(dir, `real-${id}/dev.json`, JSON.stringify(dev));
    const L = 128, stride = 32;
    const r = await finetune({
      task: id, data: trainFile, evalData: devFile, output: path.join(dir, `real-${id}-out`), model: 'tiny', tokenizer: ALBERT_MODEL,
      set: { ...SMALL, num_hidden_layers: 1 }, threads: 1, maxSeqLength: L, docStride: stride, steps: 3, batchSize: 4, ...quiet,
    });
    // Windows counted independently: a context of n tokens after a q-token question holds keep = L - q - 3 per window,
    // and windows start every keep - stride tokens until one reaches its end.
    let windows = 0, questions = 0;
    for (const a of train.data) {
      for (const p of a.paragraphs as { context: string; qas: { question: string }[] }[]) {
        const n = tokenizer.encode(p.context, null, { addSpecialTokens: false }).ids.length;
        for (const q of p.qas) {
          const keep = L - Math.min(64, tokenizer.encode(q.question.trimStart(), null, { addSpecialTokens: false }).ids.length) - 3;
          windows += n <= keep ? 1 : 1 + Math.ceil((n - keep) / (keep - stride));
          questions++;
        }
      }
    }
    const rep = r.report!;
    assert.deepEqual([rep.train.examples, rep.train.units], [questions, windows]);
    assert.ok(windows > questions, 'some contexts take several windows');
    const devQuestions = dev.data.flatMap((a: { paragraphs: { qas: unknown[] }[] }) => a.paragraphs.flatMap((p) => p.qas)) as { id: string; is_impossible?: boolean }[];
    assert.equal(rep.eval_splits[0].examples, devQuestions.length);
    const m = rep.final!.metrics;
    const keys = id === 'squad1' ? ['exact_match', 'f1']
      : ['exact', 'f1', 'total', 'HasAns_exact', 'HasAns_f1', 'HasAns_total', 'NoAns_exact', 'NoAns_f1', 'NoAns_total', 'best_exact', 'best_exact_thresh', 'best_f1', 'best_f1_thresh'];
    assert.deepEqual(Object.keys(m), keys);
    if (id === 'squad2') {
      assert.equal(m.total, devQuestions.length);
      assert.deepEqual([m.HasAns_total, m.NoAns_total], [devQuestions.filter((q) => !q.is_impossible).length, devQuestions.filter((q) => q.is_impossible).length]);
    }
    // An untrained model's answers are still pieces of their own contexts (or "" for 2.0's null answer).
    const preds = path.join(dir, `real-${id}-preds.json`);
    const p = albert(['predict', '--task', id, '--data', devFile, '--model', r.modelDir, '--output', preds, '--max-seq-length', String(L), '--doc-stride', String(stride)]);
    assert.equal(p.status, 0, p.stderr);
    const predicted = JSON.parse(fs.readFileSync(preds, 'utf8'));
    const contexts = new Map<string, string>(dev.data.flatMap((a: { paragraphs: { context: string; qas: { id: string }[] }[] }) => a.paragraphs.flatMap((x) => x.qas.map((q) => [q.id, x.context] as const))));
    assert.deepEqual(Object.keys(predicted), devQuestions.map((q) => q.id));
    for (const [qid, text] of Object.entries(predicted) as [string, string][]) assert.ok(contexts.get(qid)!.includes(text), `${qid}: ${JSON.stringify(text)}`);
  }
});

/** `albert ARGS` that must fail with one line naming the problem. */
function fails(args: string[], message: RegExp | string): void {
  const r = albert(args);
  assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  if (typeof message === 'string') assert.equal(lines[0], `albert: ${message}`);
  else assert.match(lines[0], message);
}

test('bad input at the command level: one line naming the file and question, exit 1', () => {
  const bad = put(dir, 'bad/train.json', JSON.stringify({ version: '1.1', data: [{ title: 'T', paragraphs: [{ context: 'Paris is nice.', qas: [{ id: 'x7', question: 'Where?', answers: [{ text: 'Paris', answer_start: 3 }] }] }] }] }));
  const out = path.join(dir, 'bad-out');
  const run = ['--model', 'tiny', '--tokenizer', tok, '--output', out, '--steps', '1', '--threads', '1'];
  fails(['finetune', '--task', 'squad1', '--data', bad, ...run], `${bad}: question x7: answer 0 "Paris" is not at answer_start 3 (the context there reads "is is")`);
  const empty = put(dir, 'bad/empty.json', '');
  fails(['finetune', '--task', 'squad1', '--data', empty, ...run], `${empty}: is empty`);
  assert.ok(!fs.existsSync(out), 'nothing written');
  // A window too short for the question and the stride names the flags that set it.
  const train = put(dir, 'bad/ok.json', syntheticSquad(3, 5, false));
  fails(['finetune', '--task', 'squad1', '--data', train, ...run, '--max-seq-length', '16', '--doc-stride', '8'],
    /^albert: .*ok\.json: maxSeqLength 16 leaves \d+ context tokens per window after a \d+-token question: need more than the stride \(8\) \(set by --max-seq-length, --max-query-length and --doc-stride\)$/);

  // Predictions files: an id the data lacks; 2.0 without an entry for a question (1.1 scores it 0, as the official script).
  const dev1 = put(dir, 'bad/dev1.json', syntheticSquad(3, 6, false));
  const ids1 = synthetic(3, 6, false).data[0].paragraphs.map((p) => p.qas[0].id);
  const unknown = put(dir, 'bad/unknown.json', JSON.stringify({ [ids1[0]]: 'x', [ids1[1]]: 'y', [ids1[2]]: 'z', zzz: 'w' }));
  fails(['evaluate', '--task', 'squad1', '--data', dev1, '--predictions', unknown], `${unknown}: question "zzz" is not in ${dev1}`);
  const partial = put(dir, 'bad/partial.json', JSON.stringify({ [ids1[0]]: 'x' }));
  const ok = albert(['evaluate', '--task', 'squad1', '--data', dev1, '--predictions', partial, '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, new RegExp(`Unanswered question ${ids1[1]} will receive score 0`));
  const dev2 = put(dir, 'bad/dev2.json', syntheticSquad(3, 6, true));
  const ids2 = synthetic(3, 6, true).data[0].paragraphs.map((p) => p.qas[0].id);
  const missing = put(dir, 'bad/missing.json', JSON.stringify({ [ids2[0]]: '', [ids2[2]]: 'x' }));
  fails(['evaluate', '--task', 'squad2', '--data', dev2, '--predictions', missing], `${missing}: no entry for question "${ids2[1]}" of ${dev2} (1 of 3 missing)`);
  const all = put(dir, 'bad/all.json', JSON.stringify(Object.fromEntries(ids2.map((q) => [q, '']))));
  const odds = put(dir, 'bad/odds.json', JSON.stringify({ [ids2[0]]: 1, [ids2[1]]: 2 }));
  fails(['evaluate', '--task', 'squad2', '--data', dev2, '--predictions', all, '--na-probs', odds], `${odds}: no entry for question "${ids2[2]}" of ${dev2} (1 of 3 missing)`);
  const text = put(dir, 'bad/text.json', JSON.stringify({ [ids2[0]]: 1 }));
  fails(['evaluate', '--task', 'squad2', '--data', dev2, '--predictions', text], `${text}: question "${ids2[0]}": expected a string, got a number`);
});

test('the family directly: 1.1 refuses a 2.0 dev set, v2 keeps null_odds.json apart from the predictions, windows are the training units', () => {
  const tokenizer = tinyTokenizer();
  const v2dev = put(dir, 'direct/dev2.json', syntheticSquad(20, 7, true));
  const t1 = openSquadTask('squad1', { role: 'evaluate', data: v2dev, tokenizer, maxSeqLength: 48, docStride: 16 });
  assert.throws(() => t1.evalSplits(), { message: `${v2dev}: has no gold answers to evaluate (a question without answers)` });
  assert.deepEqual(openSquadTask('squad1', { role: 'finetune', data: v2dev, tokenizer }).evalSplits(), [], 'no --eval-data: nothing evaluated');
  const t2 = openSquadTask('squad2', { role: 'predict', data: v2dev, tokenizer, maxSeqLength: 48, docStride: 16 });
  const split = t2.predictSplit();
  const model = new AlbertModel(withConfig(presetConfig('tiny'), { ...SMALL, vocab_size: tokenizer.vocabSize, ...t2.config }), t2.head, loadBackend({ threads: 1 }));
  model.initWeights(3);
  const p = split.predict(model, 7);
  assert.deepEqual(Object.keys(p.predictions), Object.keys(p.nullOdds));
  const clash = path.join(dir, 'direct', 'null_odds.json');
  assert.throws(() => split.writePredictions(p, clash), { message: `${clash}: is where the null odds go: name the predictions file otherwise (predictions.json)` });
  assert.ok(!fs.existsSync(clash));
  // Training units: every window, each a (B, S) row padded to --max-seq-length with its start/end labels.
  const train = openSquadTask('squad2', { role: 'finetune', data: v2dev, tokenizer, maxSeqLength: 48, docStride: 16 }).train();
  assert.equal(train.examples, 20);
  const b = train.batch([0, train.size - 1]);
  assert.deepEqual([b.inputs.batch, b.inputs.seq, b.labels.startPositions!.length], [2, 48, 2]);
  assert.equal(b.tokens, [...b.inputs.attentionMask!].reduce((x, y) => x + y, 0));
});
