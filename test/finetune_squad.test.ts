// SQuAD as a fine-tuning family: a tiny model learns a span set by a pattern ("the code is 4821")
// and, in 2.0, that a context without one has no answer; windows, batches, decoding and the
// official scores on real dev data; predictions.json / null_odds.json in the official formats,
// scored from the files as from memory; bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSquadTask } from '../src/finetune/squad_task.js';
import { scoreSquadFiles } from '../src/index.js';
import { put, scratch, tinyTokenizer } from './tasks_helpers.js';
import { pick, seeded, tinyModel, trainLoop } from './finetune_helpers.js';

const FILLER = ['the cat sat on the mat', 'a dog was in paris', 'the river is blue', 'paris is the capital of france', 'the red dog sat', 'a city on the river'];

/**
 * Synthetic SQuAD: contexts of filler sentences; an answerable question's context says "the code is
 * NNNN" somewhere (the answer), an unanswerable one's (2.0 only) has no code but a distractor number.
 */
function syntheticSquad(n: number, seed: number, v2: boolean): string {
  const r = seeded(seed);
  const paragraphs = Array.from({ length: n }, (_, k) => {
    const sentences = Array.from({ length: 2 + Math.floor(r() * 4) }, () => pick(r, FILLER));
    const code = String(100 + Math.floor(r() * 900));
    const answerable = !v2 || r() < 0.5;
    const distractor = `the year was ${100 + Math.floor(r() * 900)}`;
    sentences.splice(Math.floor(r() * (sentences.length + 1)), 0, answerable ? `the code is ${code}` : distractor);
    if (answerable && r() < 0.5) sentences.splice(Math.floor(r() * (sentences.length + 1)), 0, distractor);
    const context = sentences.join(' . ') + ' .';
    const at = context.indexOf(`code is ${code}`) + 'code is '.length;
    return {
      context,
      qas: [{
        id: `q${seed}-${k}`, question: 'what is the code?',
        answers: answerable ? [{ text: code, answer_start: at }] : [],
        ...(v2 ? { is_impossible: !answerable } : {}),
      }],
    };
  });
  return JSON.stringify({ version: v2 ? 'v2.0' : '1.1', data: [{ title: 'synthetic', paragraphs }] });
}

for (const id of ['squad1', 'squad2'] as const) {
  test(`${id}: a tiny model fine-tuned from scratch finds the span the pattern sets (>= 95% exact on dev), written and scored as the official files`, () => {
    const dir = scratch(id);
    const v2 = id === 'squad2';
    const train = put(dir, 'train.json', syntheticSquad(2000, 1, v2));
    const dev = put(dir, 'dev.json', syntheticSquad(100, 2, v2));
    const tokenizer = tinyTokenizer();
    // Windows of 48 with a 16-token overlap: many contexts take 2 windows, so decoding pools windows.
    const task = openSquadTask(id, { role: 'finetune', data: train, evalData: dev, tokenizer, maxSeqLength: 48, docStride: 16 });
    assert.deepEqual([task.head, task.mainMetric, task.config], ['question-answering', 'f1', { num_labels: 2 }]);
    const model = tinyModel(tokenizer.vocabSize, task.head, task.config, { hidden_size: 48, intermediate_size: 96, num_hidden_layers: 3 });
    const t0 = Date.now();
    const losses = trainLoop(model, task, { steps: 1500, batch: 16, lr: 2e-3, warmup: 20 });
    const [split] = task.evalSplits();
    const predictions = split.predict(model, 16);
    const scores = split.score(predictions);
    console.log(id, 'loss', losses[0].toFixed(3), '->', losses.at(-1)!.toFixed(3), scores, `${Date.now() - t0} ms`);
    assert.ok((v2 ? scores.exact : scores.exact_match) >= 95, JSON.stringify(scores));
    const files = split.writePredictions(predictions, join(dir, 'out', 'predictions.json'));
    assert.deepEqual(files, v2 ? [join(dir, 'out', 'predictions.json'), join(dir, 'out', 'null_odds.json')] : [join(dir, 'out', 'predictions.json')]);
    const fromFiles = scoreSquadFiles({ task: id, data: dev, predictions: files[0], naProbs: files[1] });
    assert.deepEqual(fromFiles.metrics, scores);
  });
}
