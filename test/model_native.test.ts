// The whole model on the native backend equals the model on the js specification: losses, outputs
// and every gradient, with dropout on (bit-exact masks) and the in-place kernel calls the layers make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADDON_PATH, NativeBackend } from '../src/backend/native.js';
import { AlbertModel, type HeadKind, type Labels } from '../src/model/index.js';
import { makeInputs, makeModel, mlmLabels, smallConfig } from './model_util.js';

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0, scale = 1e-3;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

const cases: [string, HeadKind, Record<string, unknown>, (n: number) => Labels, number?][] = [
  ['pretraining, 2 groups x 2 inner', 'pretraining', { num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2, hidden_act: 'gelu' },
    (n) => ({ labels: mlmLabels(smallConfig(), n), sentenceOrderLabel: new Int32Array([1, 0]) })],
  ['token classification, attention shared', 'token-classification', { num_hidden_groups: 3, albert_ts_sharing: 'attention', num_labels: 3 },
    (n) => ({ labels: new Int32Array(n).map((_, i) => (i % 4 === 3 ? -100 : i % 3)) })],
  ['multiple choice', 'multiple-choice', {}, () => ({ labels: new Int32Array([1, 2]) }), 3],
];

for (const [name, head, over, labels, choices] of cases) {
  test(`native = js for the whole model: ${name}`, { skip: existsSync(ADDON_PATH) ? false : 'native addon not built' }, () => {
    const c = smallConfig(over);
    const ref = makeModel(c, head);
    const nat = new AlbertModel(c, head, new NativeBackend(2));
    nat.params().forEach((p, k) => p.data.set(ref.params()[k].data));
    const inputs = makeInputs(c, 2, 6, 4, choices);
    const n = 2 * 6;
    const lr = ref.lossAndBackward(inputs, labels(n), { seed: 11 });
    const ln = nat.lossAndBackward(inputs, labels(n), { seed: 11 });
    assert.ok(Math.abs(lr.loss - ln.loss) <= 1e-5 * Math.max(1, Math.abs(lr.loss)), `loss ${ln.loss} vs ${lr.loss}`);
    const bad = ref.params().map((p, k) => [p.name, maxRelErr(nat.params()[k].grad, p.grad)] as const).filter(([, e]) => e > 1e-4);
    assert.deepEqual(bad, []);
    const oj = ref.forward(inputs, { outputHiddenStates: true }), on = nat.forward(inputs, { outputHiddenStates: true });
    assert.ok(maxRelErr(on.lastHiddenState, oj.lastHiddenState) < 1e-5);
    oj.hiddenStates!.forEach((h, i) => assert.ok(maxRelErr(on.hiddenStates![i], h) < 1e-5));
  });
}
