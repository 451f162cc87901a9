// Data parallel without MPI: what makes N ranks compute one process's step. A batch's parts, each with
// the whole batch's counts as its loss divisors (MeanOver), give shares that sum to the whole batch's
// loss and gradients; a rank's part of the data is its slice of the batch one process would draw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardDataset } from '../src/data/shards.js';
import { PretrainingTask, runLoader } from '../src/train/pretraining_task.js';
import { resolveSettings } from '../src/train/run_settings.js';
import { makeInputs, makeModel, mlmLabels, smallConfig } from './model_util.js';
import { smallData } from './pretrain_helpers.js';

const rows = (a: Int32Array, S: number, lo: number, hi: number) => a.slice(lo * S, hi * S);

test('MeanOver: two halves of a batch, each divided by the whole batch\'s counts, sum to its loss and gradients', () => {
  const c = smallConfig({ hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, classifier_dropout_prob: 0 });
  const B = 4, S = 5;
  const inputs = makeInputs(c, B, S);
  const labels = mlmLabels(c, B * S);
  labels.fill(-100, 2, 2 * S); // the first half: 2 masked positions, the second about 5
  const sop = new Int32Array([1, 0, 0, 1]);
  const labelled = (y: Int32Array) => y.filter((v) => v !== -100).length;
  const whole = makeModel(c, 'pretraining');
  whole.zeroGrad();
  const ref = whole.lossAndBackward(inputs, { labels, sentenceOrderLabel: sop }, { train: true });
  const parts = makeModel(c, 'pretraining');
  parts.zeroGrad();
  const meanOver = { labelled: labelled(labels), sequences: B };
  const part = (lo: number, hi: number) => ({
    inputs: { inputIds: rows(inputs.inputIds, S, lo, hi), attentionMask: rows(inputs.attentionMask!, S, lo, hi), tokenTypeIds: rows(inputs.tokenTypeIds!, S, lo, hi), batch: hi - lo, seq: S },
    labels: { labels: rows(labels, S, lo, hi), sentenceOrderLabel: sop.slice(lo, hi) },
  });
  const a = part(0, 2), b = part(2, 4);
  // The halves hold different numbers of masked positions: the mean of the halves' own means is not the batch's.
  assert.notEqual(labelled(a.labels.labels), labelled(b.labels.labels));
  const own = [a, b].map((p) => makeModel(c, 'pretraining').loss(p.inputs, p.labels, { train: true }).mlmLoss!);
  assert.ok(Math.abs((own[0] + own[1]) / 2 - ref.mlmLoss!) > 1e-3, 'the test could not tell the weightings apart');
  const ra = parts.lossAndBackward(a.inputs, a.labels, { train: true, meanOver });
  const rb = parts.lossAndBackward(b.inputs, b.labels, { train: true, meanOver });
  assert.ok(Math.abs(ra.loss + rb.loss - ref.loss) < 1e-5 * ref.loss, `${ra.loss + rb.loss} vs ${ref.loss}`);
  assert.ok(Math.abs(ra.mlmAccuracy! + rb.mlmAccuracy! - ref.mlmAccuracy!) < 1e-9);
  assert.ok(Math.abs(ra.sentenceAccuracy! + rb.sentenceAccuracy! - ref.sentenceAccuracy!) < 1e-9);
  const pw = whole.params(), pp = parts.params();
  for (let i = 0; i < pw.length; i++) {
    let scale = 0, diff = 0;
    for (let j = 0; j < pw[i].grad.length; j++) { scale = Math.max(scale, Math.abs(pw[i].grad[j])); diff = Math.max(diff, Math.abs(pw[i].grad[j] - pp[i].grad[j])); }
    assert.ok(diff <= 1e-5 * Math.max(scale, 1e-6), `${pw[i].name}: gradient differs by ${diff} (largest ${scale})`);
  }
});

test('a rank\'s part of the batch is its slice of the batch one process draws, and the data position stays the same on every rank', async () => {
  const { data } = await smallData(60, 32);
  const ds = ShardDataset.open(data);
  try {
    const { run } = resolveSettings({ batchSize: 6, shuffleBuffer: 20, evalInstances: 0 }, { dir: data, count: ds.count, objective: 'sop' });
    const task = (loaderSeedRun = run) => new PretrainingTask({ ds, loader: runLoader(ds, loaderSeedRun), objective: 'sop', trainInstances: ds.count, evalSets: [], batchSize: 6 });
    const one = task(), r0 = task(), r1 = task(), r2 = task();
    for (let step = 0; step < 3; step++) {
      const w = one.nextBatch({ index: 0, count: 1 });
      const S = w.inputs.seq;
      const ids = [...w.inputs.inputIds], mlm = [...w.labels.labels!];
      const parts = [r0, r1, r2].map((t, k) => t.nextBatch({ index: k, count: 3 }));
      parts.forEach((p, k) => {
        assert.equal(p.inputs.batch, 2);
        assert.deepEqual([...p.inputs.inputIds], ids.slice(2 * k * S, 2 * (k + 1) * S), `step ${step} rank ${k}`);
        assert.deepEqual([...p.labels.labels!], mlm.slice(2 * k * S, 2 * (k + 1) * S));
      });
      assert.deepEqual(r1.dataState(), one.dataState());
    }
  } finally {
    ds.close();
  }
});
