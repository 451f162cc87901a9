// bf16 mixed precision (backend/bf16.ts): rounding and GEMMs against PyTorch's numbers, the model's
// loss and gradients close to fp32's but not equal (the rounding is on), and AlbertModel.precision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../src/backend/js.js';
import { NativeBackend } from '../src/backend/native.js';
import { bf16Gemms, bf16Round, fp32Of } from '../src/backend/bf16.js';
import type { Backend } from '../src/backend/backend.js';
import { AlbertModel } from '../src/model/albert.js';
import { configFromSpec } from '../src/model/presets.js';
import { withConfig } from '../src/model/config.js';

// torch.tensor(IN, dtype=float32).to(torch.bfloat16).float() (tools: /usr/bin/python3, torch 2.x)
const IN = [1.0, 1.00390625, 1.01171875, 1.0 + 2 ** -8 + 2 ** -20, -3.14159265, 65504.0, 3.3895313892515355e38, 1e-40, -0.0, 1.9999999, 123456.789, 2 ** -130];
const TORCH = [1.0, 1.0, 1.015625, 1.0078125, -3.140625, 65536.0, 3.3895313892515355e+38, 9.183549615799121e-41, -0.0, 2.0, 123392.0, 7.346839692639297e-40];

// A (4, 6), B (6, 3) and torch's A.bfloat16().double() @ B.bfloat16().double() (C) and the fp32 product (C32)
const A = [-1.1258398, -1.1523602, -0.2505786, -0.4338788, 0.8487104, 0.6920092, -0.3160128, -2.1152194, 0.4680964, -0.1577124, 1.4436601, 0.2660494, 0.1664553, 0.8743818, -0.1434738, -0.1116093, 0.9318266, 1.2590092, 2.0049806, 0.0537369, 0.6180567, -0.4128022, -0.8410648, -2.3160419];
const B = [-0.2158633, -0.7425482, -0.5730771, -0.5553584, 0.594323, 1.5419426, 0.5073344, -0.5910332, -0.5692481, 0.9199714, -0.0690727, -0.4949253, -1.4959149, -0.1938371, 0.4455122, 1.3252748, -1.629326, -0.5497437];
const C = [0.010894775390625, -0.9670886993408203, -0.7800521850585938, -0.4724693298339844, -1.9964537620544434, -2.757101058959961, -0.4197254180908203, -1.7456014156341553, 1.111435890197754, -2.3460159301757812, 2.1501150131225586, -0.3144340515136719];
const C32 = [0.004220976540823429, -0.9628344737826404, -0.7766181479017105, -0.47169323472907987, -2.001551758249852, -2.7719450352015933, -0.42239349357755973, -1.7433880061093667, 1.112772955748057, -2.340080408989426, 2.142980518994923, -0.31514569552166183];

function backends(): Backend[] {
  const bs: Backend[] = [new JsBackend()];
  try { bs.push(new NativeBackend()); } catch { /* no addon: js only */ }
  return bs;
}

test('bf16Round is PyTorch\'s float32 -> bfloat16 (round to nearest even, subnormals, overflow, NaN)', () => {
  assert.deepEqual(IN.map(bf16Round), TORCH);
  assert.equal(bf16Round(3.4028234663852886e38), Infinity); // above bf16's max: rounds up to infinity
  assert.ok(Number.isNaN(bf16Round(NaN)));
});

test('the bf16 view\'s GEMM is PyTorch\'s product of bf16-rounded operands, for every transposition', () => {
  const tr = (x: number[], r: number, c: number) => Array.from({ length: r * c }, (_, i) => x[(i % r) * c + Math.floor(i / r)]);
  for (const be of backends()) {
    const v = bf16Gemms(be);
    assert.equal(fp32Of(v), be);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = new Float32Array(ta ? tr(A, 4, 6) : A), b = new Float32Array(tb ? tr(B, 6, 3) : B), c = new Float32Array(12).fill(NaN);
      v.gemm(ta, tb, 4, 3, 6, 1, a, ta ? 4 : 6, b, tb ? 6 : 3, 0, c, 3);
      for (let i = 0; i < 12; i++) {
        assert.ok(Math.abs(c[i] - C[i]) < 1e-6, `${be.name} ${ta}/${tb} [${i}]: ${c[i]} vs ${C[i]}`);
      }
      // and the rounding is on: fp32's product differs by far more than fp32 error
      assert.ok(Math.abs(c[0] - C32[0]) > 1e-3);
      // the operands are untouched (rounded into scratch copies)
      assert.deepEqual(Array.from(a), Array.from(new Float32Array(ta ? tr(A, 4, 6) : A)));
    }
  }
});

/** A tiny pretraining model with fixed weights and a batch of ids and labels. */
function tinyStep(be: Backend, precision: 'fp32' | 'bf16') {
  const config = withConfig(configFromSpec('tiny'), { vocab_size: 50, embedding_size: 16, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, num_hidden_layers: 2, max_position_embeddings: 16, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  const model = new AlbertModel(config, 'pretraining', be, { precision });
  model.initWeights(3);
  const B = 2, S = 12, ids = new Int32Array(B * S), labels = new Int32Array(B * S).fill(-100);
  for (let i = 0; i < B * S; i++) ids[i] = 5 + ((i * 7) % 40);
  for (const i of [2, 5, 9, 14, 20]) labels[i] = (i * 3) % 50;
  model.zeroGrad();
  const r = model.lossAndBackward({ inputIds: ids, batch: B, seq: S, attentionMask: new Int32Array(B * S).fill(1) },
    { labels, sentenceOrderLabel: new Int32Array([0, 1]) }, { train: false });
  return { loss: r.loss, grads: model.params().map((p) => Float32Array.from(p.grad)), model };
}

test('a bf16 step: loss and gradients within bf16\'s error of fp32\'s, and not equal to them', () => {
  for (const be of backends()) {
    const f = tinyStep(be, 'fp32'), h = tinyStep(be, 'bf16');
    assert.equal(f.model.precision, 'fp32');
    assert.equal(h.model.precision, 'bf16');
    assert.notEqual(h.loss, f.loss);
    assert.ok(Math.abs(h.loss - f.loss) / f.loss < 1e-2, `${be.name}: loss ${h.loss} vs ${f.loss}`);
    let num = 0, den = 0, same = 0;
    for (let p = 0; p < f.grads.length; p++) {
      for (let i = 0; i < f.grads[p].length; i++) {
        num += (h.grads[p][i] - f.grads[p][i]) ** 2; den += f.grads[p][i] ** 2;
        if (h.grads[p][i] === f.grads[p][i]) same++;
      }
    }
    const rel = Math.sqrt(num / den);
    assert.ok(rel < 3e-2 && rel > 1e-4, `${be.name}: gradient relative difference ${rel}`);
    // switching back gives fp32's numbers exactly
    h.model.precision = 'fp32';
    assert.equal(h.model.precision, 'fp32');
    assert.ok(same < f.grads.reduce((n, g) => n + g.length, 0));
  }
});

test('the bf16 model on the js specification and on the native backend agree', () => {
  const bs = backends();
  if (bs.length < 2) return;
  const j = tinyStep(bs[0], 'bf16'), n = tinyStep(bs[1], 'bf16');
  assert.ok(Math.abs(j.loss - n.loss) / j.loss < 1e-5, `${j.loss} vs ${n.loss}`);
});
