// SQuAD 2.0 on google-research/albert's head (--squad-head xlnet): finetune() trains a tiny model from
// scratch on synthetic questions, half of them unanswerable, to >= 95% exact on dev with the threshold
// tuned there (evaluate_v2); OUT/model is an AlbertForQuestionAnsweringV2 that remembers that threshold;
// evaluate() reports the same tuned metrics and predict() answers with it; the CLI takes the flag and
// refuses it where it does not belong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { evaluate } from '../src/finetune/evaluate.js';
import { finetune } from '../src/finetune/finetune.js';
import { predict } from '../src/finetune/predict.js';
import { NULL_THRESHOLD_KEY, openSquadTask } from '../src/finetune/squad_task.js';
import { scoreSquadFiles } from '../src/index.js';
import { albert, syntheticSquad } from './finetune_helpers.js';
import { put, scratch, tinyTokenizer, tinyTokenizerModel } from './tasks_helpers.js';

const dir = scratch('squad-xlnet');
const tok = put(dir, 'tiny.model', Buffer.from(tinyTokenizerModel()));
const train = put(dir, 'train.json', syntheticSquad(2000, 1, true));
const dev = put(dir, 'dev.json', syntheticSquad(100, 2, true));
const SIZE = { embedding_size: 16, hidden_size: 48, num_attention_heads: 2, intermediate_size: 96, num_hidden_layers: 3, max_position_embeddings: 64 };

test('squad2 --squad-head xlnet: a tiny model from scratch reaches >= 95% exact on dev (threshold tuned on dev), and OUT/model predicts with that threshold', async () => {
  const out = path.join(dir, 'run');
  const t0 = Date.now();
  const r = await finetune({
    task: 'squad2', squadHead: 'xlnet', data: train, evalData: dev, model: 'tiny', tokenizer: tok, set: SIZE, maxSeqLength: 48, docStride: 16,
    lr: 2e-3, batchSize: 16, steps: 1500, warmupSteps: 20, evalEvery: 500, logEvery: 100, threads: 1, output: out, onWarning: () => {},
  });
  const best = r.report!.best!;
  console.log('squad2 xlnet', best.step, best.metrics, `${Date.now() - t0} ms`);
  assert.ok(best.metrics.exact >= 95, JSON.stringify(best.metrics));
  assert.ok(best.metrics.HasAns_total > 30 && best.metrics.NoAns_total > 30, 'both kinds of question on dev');
  const threshold = best.metrics.null_score_diff_threshold;
  assert.equal(typeof threshold, 'number');

  // OUT/model: google-research/albert's head, with the threshold of its own evaluation
  const config = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['AlbertForQuestionAnsweringV2']);
  assert.equal(config[NULL_THRESHOLD_KEY], threshold);

  // evaluate (the head read from the model) repeats the best evaluation: Google's tuned pass
  const windows = { maxSeqLength: 48, docStride: 16, threads: 1, batchSize: 16 }; // as finetune's evaluation: the same batches, the same numbers
  const e = await evaluate({ task: 'squad2', data: dev, model: r.modelDir, ...windows });
  assert.deepEqual(e.metrics, best.metrics);

  // predict answers at the remembered threshold: its files score as the tuned pass did
  const p = await predict({ task: 'squad2', data: dev, model: r.modelDir, output: path.join(dir, 'pred', 'predictions.json'), ...windows });
  assert.deepEqual(p.files.map((f) => path.basename(f)), ['predictions.json', 'null_odds.json']);
  const fromFiles = scoreSquadFiles({ task: 'squad2', data: dev, predictions: p.files[0], naProbs: p.files[1] });
  const { null_score_diff_threshold: _, ...official } = best.metrics;
  assert.deepEqual(fromFiles.metrics, official);
  // an explicit --null-threshold wins: above every null score, everything is answered
  const all = await predict({ task: 'squad2', data: dev, model: r.modelDir, output: path.join(dir, 'all', 'predictions.json'), ...windows, nullThreshold: 1e9 });
  assert.ok(Object.values(JSON.parse(fs.readFileSync(all.files[0], 'utf8'))).every((a) => a !== ''));
});

test('squad2 --squad-head xlnet: the task\'s head, labels and flags', () => {
  const tokenizer = tinyTokenizer();
  const task = openSquadTask('squad2', { role: 'finetune', data: train, evalData: dev, tokenizer, maxSeqLength: 48, docStride: 16, squadHead: 'xlnet' });
  assert.deepEqual([task.head, task.mainMetric, task.config], ['squad-v2', 'f1', {}]);
  const b = task.train().batch([0, 1, 2, 3]);
  assert.deepEqual([...b.labels.isImpossible!], [...b.labels.startPositions!].map((s) => Number(s === 0)));
  assert.throws(() => openSquadTask('squad1', { role: 'finetune', data: train, tokenizer, squadHead: 'xlnet' }), /a SQuAD 2.0 head: use it with --task squad2/);

  const bad = (args: string[], re: RegExp) => {
    const r = albert(args);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, re);
  };
  const common = ['--data', train, '--model', 'tiny', '--tokenizer', tok, '--output', path.join(dir, 'bad')];
  bad(['finetune', '--task', 'squad2', '--squad-head', 'beam', ...common], /--squad-head must be span or xlnet, got "beam"/);
  bad(['finetune', '--task', 'squad1', '--squad-head', 'xlnet', ...common], /a SQuAD 2.0 head: use it with --task squad2/);
  bad(['finetune', '--task', 'race', '--squad-head', 'xlnet', ...common], /--squad-head is SQuAD's/);
  assert.match(albert(['finetune', '--help']).stdout, /--squad-head span\|xlnet/);

  // the command: trains, evaluates with the tuned threshold, writes OUT/model with the head and threshold
  const small = put(dir, 'small.json', syntheticSquad(40, 3, true));
  const out = path.join(dir, 'cli');
  const sets = Object.entries(SIZE).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const r = albert(['finetune', '--task', 'squad2', '--squad-head', 'xlnet', '--data', small, '--eval-data', small, '--model', 'tiny', '--tokenizer', tok,
    ...sets, '--max-seq-length', '48', '--doc-stride', '16', '--steps', '2', '--batch-size', '4', '--output', out, '--threads', '1', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.equal(typeof report.final.metrics.null_score_diff_threshold, 'number');
  const config = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
  assert.deepEqual([config.architectures, config[NULL_THRESHOLD_KEY]], [['AlbertForQuestionAnsweringV2'], report.best.metrics.null_score_diff_threshold]);
});
