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
import { syntheticSquad, tinyModel, trainLoop } from './finetune_helpers.js';

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
