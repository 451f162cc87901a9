import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../src/backend/js.js';
import { clipGradNorm, Optimizer, type OptimizerKind, type TrainableParam } from '../src/train/optim.js';
import { learningRate } from '../src/train/schedule.js';

// Reference trajectories: torch.optim.AdamW and a numpy transcription of ALBERT's LAMB
// (test/fixtures/train/gen_optim.py).
const FIX = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../test/fixtures/train/optim.json', import.meta.url)), 'utf8'));

function run(kind: OptimizerKind): TrainableParam[] {
  const params: TrainableParam[] = FIX.names.map((name: string, i: number) => ({
    name, data: Float32Array.from(FIX.init[i]), grad: new Float32Array(FIX.init[i].length),
  }));
  const opt = new Optimizer(params, new JsBackend(), { kind, beta1: FIX.beta1, beta2: FIX.beta2, eps: FIX.eps, weightDecay: FIX.weight_decay });
  for (let t = 0; t < FIX.lrs.length; t++) {
    params.forEach((p, i) => p.grad.set(FIX.grads[t][i]));
    opt.step(FIX.lrs[t]);
    const expected: number[][] = FIX[kind][t];
    params.forEach((p, i) => {
      for (let j = 0; j < p.data.length; j++) {
        const e = expected[i][j];
        assert.ok(Math.abs(p.data[j] - e) <= 1e-6 + 1e-5 * Math.abs(e), `${kind} step ${t + 1} ${p.name}[${j}]: ${p.data[j]} vs ${e}`);
      }
    });
  }
  return params;
}

test('AdamW matches torch.optim.AdamW (LayerNorm/bias without decay)', () => { run('adamw'); });

test('LAMB matches the reference rule (no bias correction, trust ratio, exclusions, zero tensor)', () => {
  const params = run('lamb');
  // the zero-initialised tensor moved, so its trust ratio fell back to 1 rather than 0
  assert.ok(params[2].data.some((x) => x !== 0));
});

test('global-norm clipping scales all gradients by clip / norm, only above the clip', () => {
  const be = new JsBackend();
  const p = [{ name: 'a', data: new Float32Array(2), grad: Float32Array.from([3, 0]) }, { name: 'b', data: new Float32Array(1), grad: Float32Array.from([4]) }];
  assert.equal(clipGradNorm(p, 1, be), 5);
  assert.deepEqual([...p[0].grad, ...p[1].grad].map((x) => +x.toFixed(6)), [0.6, 0, 0.8]);
  assert.ok(Math.abs(clipGradNorm(p, 1, be) - 1) < 1e-6);
  assert.deepEqual([...p[0].grad, ...p[1].grad].map((x) => +x.toFixed(6)), [0.6, 0, 0.8]);
});

test('schedule: linear warmup then linear decay to 0', () => {
  const o = { lr: 1, totalSteps: 10, warmupSteps: 4 };
  assert.deepEqual([0, 1, 2, 3].map((s) => learningRate(s, o)), [0.25, 0.5, 0.75, 1]);
  assert.equal(learningRate(4, o), 1);
  assert.equal(learningRate(7, o), 0.5);
  assert.equal(learningRate(10, o), 0);
  assert.ok(Math.abs(learningRate(7, { ...o, power: 2 }) - 0.25) < 1e-12);
});
