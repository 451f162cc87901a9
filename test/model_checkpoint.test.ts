// Gradient checkpointing changes where activations live, never what is computed: with it on, the
// loss and every gradient equal (bit for bit) those of plain training, on both backends, with
// dropout on (the recomputed forward must regenerate the same masks) and padding masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Backend } from '../src/backend/backend.js';
import { runBenchmark } from '../src/cli/bench.js';
import { ADDON_PATH, NativeBackend } from '../src/backend/native.js';
import { AlbertModel, type AlbertConfig, type HeadKind, type Labels } from '../src/model/index.js';
import { backend as js, makeInputs, makeModel, mlmLabels, smallConfig } from './model_util.js';

/** Two steps (gradients accumulate) of the same model with and without checkpointing. */
function compare(be: Backend, c: AlbertConfig, head: HeadKind, labels: Labels, B: number, S: number): void {
  const ref = makeModel(c, head);
  const plain = new AlbertModel(c, head, be);
  const ckpt = new AlbertModel(c, head, be, { checkpointActivations: true });
  assert.equal(ckpt.checkpointActivations, true);
  for (const m of [plain, ckpt]) m.params().forEach((p, k) => p.data.set(ref.params()[k].data));
  const inputs = makeInputs(c, B, S, 9);
  for (const seed of [3, 4]) {
    const a = plain.lossAndBackward(inputs, labels, { seed });
    const b = ckpt.lossAndBackward(inputs, labels, { seed });
    assert.equal(b.loss, a.loss);
  }
  const differ = plain.params().filter((p, k) => !ckpt.params()[k].grad.every((g, i) => g === p.grad[i])).map((p) => p.name);
  assert.deepEqual(differ, []);
  assert.ok(plain.params().every((p) => p.grad.some((g) => g !== 0) || p.name.includes('token_type')), 'every gradient is exercised');
  // switching it off again (between steps) gives plain training back, and inference is untouched
  ckpt.checkpointActivations = false;
  assert.equal(ckpt.lossAndBackward(inputs, labels, { seed: 5 }).loss, plain.lossAndBackward(inputs, labels, { seed: 5 }).loss);
  assert.deepEqual(ckpt.forward(inputs).lastHiddenState, plain.forward(inputs).lastHiddenState);
}

const c = smallConfig({ num_hidden_layers: 4 }); // one shared layer called 4 times
const pretrainLabels: Labels = { labels: mlmLabels(c, 12), sentenceOrderLabel: new Int32Array([1, 0]) };

test('checkpointing: identical loss and gradients, all layers shared (js)', () => {
  compare(js, c, 'pretraining', pretrainLabels, 2, 6);
});

test('checkpointing: identical gradients, 2 groups x 2 inner layers, token classification (js)', () => {
  const g = smallConfig({ num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2, num_labels: 3 });
  compare(js, g, 'token-classification', { labels: new Int32Array(12).map((_, i) => (i % 5 === 4 ? -100 : i % 3)) }, 2, 6);
});

test('checkpointing: identical loss and gradients on the native backend (2 threads)', { skip: existsSync(ADDON_PATH) ? false : 'native addon not built' }, () => {
  const wide = smallConfig({ hidden_size: 64, num_attention_heads: 4, intermediate_size: 128, embedding_size: 16, max_position_embeddings: 40, num_hidden_layers: 3 });
  compare(new NativeBackend(2), wide, 'pretraining', { labels: mlmLabels(wide, 2 * 32), sentenceOrderLabel: new Int32Array([0, 1]) }, 2, 32);
});

test('albert bench --checkpoint-activations: the same training losses as without', () => {
  const run = (checkpointActivations: boolean) => runBenchmark({
    config: c, configName: 'small', mode: 'train', batch: 2, seq: 8, steps: 2, warmup: 1, threads: 1, checkpointActivations,
  });
  const plain = run(false), ckpt = run(true);
  assert.equal(ckpt.checkpoint_activations, true);
  assert.equal(plain.checkpoint_activations, undefined);
  assert.ok(Number.isFinite(plain.loss));
  assert.equal(ckpt.loss, plain.loss);
});
