import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../src/backend/js.js';
import { clipGradNorm, EXCLUDE_FROM_DECAY, Optimizer, type OptimizerKind, type TrainableParam } from '../src/train/optim.js';
import { googleSchedule, learningRate, linearWithWarmup, warmupStepsFor } from '../src/train/schedule.js';
import { HEAD_KINDS } from '../src/model/albert.js';
import { runLearningRate } from '../src/train/trainer.js';
import { makeModel, smallConfig } from './model_util.js';

// Reference trajectories: torch.optim.AdamW and a numpy transcription of ALBERT's LAMB
// (test/fixtures/train/gen_optim.py).
const FIX = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../test/fixtures/train/optim.json', import.meta.url)), 'utf8'));

/** Step an optimizer over the fixture's gradients at `lrs`, checking each step's weights against `trajectory`. */
function follow(opt: (params: TrainableParam[]) => Optimizer, lrs: number[], trajectory: number[][][], kind: string): TrainableParam[] {
  const params: TrainableParam[] = FIX.names.map((name: string, i: number) => ({
    name, data: Float32Array.from(FIX.init[i]), grad: new Float32Array(FIX.init[i].length),
  }));
  const o = opt(params);
  for (let t = 0; t < lrs.length; t++) {
    params.forEach((p, i) => p.grad.set(FIX.grads[t][i]));
    o.step(lrs[t]);
    const expected = trajectory[t];
    params.forEach((p, i) => {
      for (let j = 0; j < p.data.length; j++) {
        const e = expected[i][j];
        assert.ok(Math.abs(p.data[j] - e) <= 1e-6 + 1e-5 * Math.abs(e), `${kind} step ${t + 1} ${p.name}[${j}]: ${p.data[j]} vs ${e}`);
      }
    });
  }
  return params;
}

const run = (kind: OptimizerKind) => follow((ps) => new Optimizer(ps, new JsBackend(), { kind, beta1: FIX.beta1, beta2: FIX.beta2, eps: FIX.eps, weightDecay: FIX.weight_decay }),
  FIX.lrs, FIX[kind], kind);

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

const FT = FIX.finetune;
const ftSchedule = { lr: FT.lr, totalSteps: FT.total, warmupSteps: FT.warmup };

test('fine-tuning AdamW: torch.optim.AdamW with its defaults (eps 1e-8) under HF\'s linear schedule, whose first update has rate 0', () => {
  const lrs = [0, 1, 2, 3].map((t) => linearWithWarmup(t, ftSchedule));
  assert.deepEqual(lrs, FT.hf_linear.lrs); // torch's LambdaLR over HF's lr_lambda: 0, lr/2, lr, lr/2
  const params = follow((ps) => new Optimizer(ps, new JsBackend(), { kind: 'adamw', weightDecay: FT.weight_decay }), lrs, FT.hf_linear.params, 'adamw eps 1e-8');
  assert.ok(params[0].data.some((x, j) => x !== FIX.init[0][j]));
  const opt = new Optimizer([], new JsBackend(), { kind: 'adamw' });
  assert.equal(opt.eps, 1e-8);
});

test('adamw-google: google-research/albert\'s AdamWeightDecayOptimizer (no bias correction, eps 1e-6) at its schedule', () => {
  const lrs = [0, 1, 2, 3].map((t) => googleSchedule(t, ftSchedule));
  assert.deepEqual(lrs.map((x) => +x.toPrecision(15)), FT.google.lrs.map((x: number) => +x.toPrecision(15)));
  follow((ps) => new Optimizer(ps, new JsBackend(), { kind: 'adamw-google', weightDecay: FT.weight_decay }), lrs, FT.google.params, 'adamw-google');
  assert.equal(new Optimizer([], new JsBackend(), { kind: 'adamw-google' }).eps, 1e-6);
});

test('schedules: HF linear peaks at the end of warmup; Google\'s decays from step 0 and drops there; warmup from a ratio', () => {
  // RTE's recipe: 800 steps, 200 of warmup
  const rte = { lr: 3e-5, totalSteps: 800, warmupSteps: 200 };
  assert.equal(linearWithWarmup(0, rte), 0);
  assert.equal(linearWithWarmup(100, rte), 3e-5 * 0.5);
  assert.equal(linearWithWarmup(200, rte), 3e-5);
  assert.equal(linearWithWarmup(500, rte), 3e-5 * 0.5);
  assert.equal(linearWithWarmup(800, rte), 0);
  assert.equal(linearWithWarmup(900, rte), 0);
  assert.equal(googleSchedule(0, rte), 0);
  assert.equal(googleSchedule(199, rte), 3e-5 * (199 / 200));
  assert.equal(googleSchedule(200, rte), 3e-5 * 0.75);
  assert.equal(googleSchedule(800, rte), 0);
  // no warmup: full rate at the first update
  assert.equal(linearWithWarmup(0, { ...rte, warmupSteps: 0 }), 3e-5);
  assert.equal(googleSchedule(0, { ...rte, warmupSteps: 0 }), 3e-5);
  // HF's get_warmup_steps: steps > 0 win, else ceil(ratio * total)
  assert.equal(warmupStepsFor(5336, { ratio: 0.06 }), 321);
  assert.equal(warmupStepsFor(800, { ratio: 0.25 }), 200);
  assert.equal(warmupStepsFor(800, { steps: 10, ratio: 0.25 }), 10);
  assert.equal(warmupStepsFor(800, { steps: 0, ratio: 0.25 }), 200);
  assert.equal(warmupStepsFor(800, {}), 0);
  // the Trainer follows the run's schedule; pretraining's (no schedule saved) is 'warmup-poly'
  const run = { optimizer: 'adamw' as const, lr: 3e-5, warmupSteps: 200, decayPower: 1, steps: 800, batchSize: 1, gradAccum: 1, clipNorm: 1, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, seed: 0 };
  assert.equal(runLearningRate(200, { ...run, schedule: 'google' }), 3e-5 * 0.75);
  assert.equal(runLearningRate(0, { ...run, schedule: 'linear' }), 0);
  assert.equal(runLearningRate(0, run), learningRate(0, rte));
});

test('weight decay skips exactly every bias and every LayerNorm weight, by HF parameter name, for every head', () => {
  for (const head of HEAD_KINDS) {
    const names = makeModel(smallConfig(), head).params().map((p) => p.name);
    const noDecay = names.filter((n) => EXCLUDE_FROM_DECAY.test(n));
    const expected = names.filter((n) => n.endsWith('bias') || /(LayerNorm|layer_norm)\.weight$/.test(n));
    assert.deepEqual(noDecay, expected, head);
    assert.ok(noDecay.some((n) => n.endsWith('full_layer_layer_norm.weight')) && noDecay.some((n) => n.endsWith('attention.LayerNorm.weight')), head);
    assert.ok(names.length > noDecay.length, head);
  }
});
