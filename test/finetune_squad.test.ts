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
import { Rng } from '../src/data/rng.js';
import { AlbertModel, AlbertTokenizer, loadBackend, presetConfig, withConfig } from '../src/index.js';
import { albert } from './finetune_helpers.js';
import { put, scratch, tinyTokenizer, tinyTokenizerFile } from './tasks_helpers.js';
import { ALBERT_MODEL, SHARED } from './tokenizer_helpers.js';

const dir = scratch('finetune-squad');
const tok = tinyTokenizerFile(dir);
const quiet = { onWarning: () => {} };
/** Small enough to train in seconds; initializer_range 0.1 keeps it off the plateau a 0.02 init sits on for hundreds of steps at this size. */
const SMALL = { embedding_size: 16, hidden_size: 48, num_attention_heads: 2, intermediate_size: 96, num_hidden_layers: 3, initializer_range: 0.1 };
/** Windows of 48 tokens overlapping by 16: many synthetic contexts take two, so decoding pools windows. */
const WINDOWS = ['--max-seq-length', '48', '--doc-stride', '16'];

const FILLER = ['the cat sat on the mat', 'a dog was in paris', 'the river is blue', 'paris is the capital of france', 'the red dog sat', 'a city on the river'];

/**
 * Synthetic SQuAD: contexts of filler sentences; an answerable question's context says "the code is
 * NNN" somewhere (the answer), maybe with a distractor "the year was NNN"; an unanswerable one's
 * (2.0 only) has the distractor and no code.
 */
function syntheticSquad(n: number, seed: number, v2: boolean) {
  const r = new Rng(seed);
  const pick = (xs: readonly string[]) => xs[r.randint(0, xs.length - 1)];
  const paragraphs = Array.from({ length: n }, (_, k) => {
    const sentences = Array.from({ length: r.randint(2, 5) }, () => pick(FILLER));
    const code = String(r.randint(100, 999));
    const answerable = !v2 || r.random() < 0.5;
    const distractor = `the year was ${r.randint(100, 999)}`;
    sentences.splice(r.randint(0, sentences.length), 0, answerable ? `the code is ${code}` : distractor);
    if (answerable && r.random() < 0.5) sentences.splice(r.randint(0, sentences.length), 0, distractor);
    const context = `${sentences.join(' . ')} .`;
    const at = context.indexOf(`code is ${code}`) + 'code is '.length;
    return {
      context,
      qas: [{ id: `q${seed}-${k}`, question: 'what is the code?', answers: answerable ? [{ text: code, answer_start: at }] : [], ...(v2 ? { is_impossible: !answerable } : {}) }],
    };
  });
  return { version: v2 ? 'v2.0' : '1.1', data: [{ title: 'synthetic', paragraphs }] };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

for (const id of ['squad1', 'squad2'] as const) {
  test(`${id}: a tiny model fine-tuned from scratch finds the span the pattern sets (>= 95% exact on dev); predict's files score as in memory`, async () => {
    const v2 = id === 'squad2';
    const train = put(dir, `${id}/train.json`, JSON.stringify(syntheticSquad(2000, 1, v2)));
    const dev = put(dir, `${id}/dev.json`, JSON.stringify(syntheticSquad(100, 2, v2)));
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

    // albert predict: predictions.json (qid -> text) and, for 2.0, null_odds.json beside it.
    const preds = path.join(dir, `${id}-preds`, 'predictions.json');
    fs.mkdirSync(path.dirname(preds));
    const p = albert(['predict', '--task', id, '--data', dev, '--model', r.modelDir, '--output', preds, ...WINDOWS]);
    assert.equal(p.status, 0, p.stderr);
    assert.deepEqual(fs.readdirSync(path.dirname(preds)).sort(), v2 ? ['null_odds.json', 'predictions.json'] : ['predictions.json']);
    const predicted = JSON.parse(fs.readFileSync(preds, 'utf8'));
    const gold = syntheticSquad(100, 2, v2).data[0].paragraphs.map((x) => x.qas[0]);
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
