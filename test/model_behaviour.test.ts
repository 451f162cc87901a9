// The model's conventions: HF names and grouping, shared-layer gradients, masking, the MLM shortcut,
// determinism of dropout, and input validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../src/errors.js';
import { AlbertModel, MASKED, architectureOf, encoderLayout, groupOfLayer, headFromArchitectures, withConfig } from '../src/model/index.js';
import { Encoder, encoderSpecs } from '../src/model/encoder.js';
import { qkvPacks } from '../src/model/layer.js';
import { ParamStore } from '../src/model/params.js';
import { backend, makeInputs, makeModel, mlmLabels, rng, smallConfig } from './model_util.js';

test('HF grouping: layer i runs group int(i / (L / G)), all its inner layers, one hidden state per i', () => {
  const groups = (L: number, G: number) => Array.from({ length: L }, (_, i) => groupOfLayer(i, L, G));
  // Python: [int(i / (L / G)) for i in range(L)]
  assert.deepEqual(groups(12, 5), [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
  assert.deepEqual(groups(5, 2), [0, 0, 0, 1, 1]);
  assert.deepEqual(groups(12, 1), Array(12).fill(0));
  const c = smallConfig({ num_hidden_layers: 5, num_hidden_groups: 2, inner_group_num: 2 });
  const layout = encoderLayout('', c);
  assert.equal(layout.calls.length, 10);
  assert.deepEqual(layout.calls.map((k) => k.attention), [0, 1, 0, 1, 0, 1, 2, 3, 2, 3]);
  assert.deepEqual(layout.hiddenStateAfter, [1, 3, 5, 7, 9]);
  const out = makeModel(c, 'base').forward(makeInputs(c, 1, 3), { outputHiddenStates: true });
  assert.equal(out.hiddenStates!.length, 6);
  assert.deepEqual(out.hiddenStates![5], out.lastHiddenState);
});

test('tensor names are HF state_dict names; aliases cover the tied decoder and the shared blocks', () => {
  const c = smallConfig({ num_hidden_layers: 2 });
  const base = new AlbertModel(c, 'base', backend);
  const layer = 'encoder.albert_layer_groups.0.albert_layers.0.';
  const expected = ['embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias', 'encoder.embedding_hidden_mapping_in.weight', 'encoder.embedding_hidden_mapping_in.bias',
    ...['query', 'key', 'value', 'dense'].flatMap((l) => [`attention.${l}.weight`, `attention.${l}.bias`]).map((n) => layer + n),
    `${layer}attention.LayerNorm.weight`, `${layer}attention.LayerNorm.bias`, `${layer}full_layer_layer_norm.weight`, `${layer}full_layer_layer_norm.bias`,
    `${layer}ffn.weight`, `${layer}ffn.bias`, `${layer}ffn_output.weight`, `${layer}ffn_output.bias`, 'pooler.weight', 'pooler.bias'];
  assert.deepEqual(base.params().map((p) => p.name).sort(), expected.sort());
  assert.deepEqual(base.param(`${layer}ffn.weight`).shape, [c.intermediate_size, c.hidden_size]);
  const pre = new AlbertModel(c, 'pretraining', backend);
  assert.ok(pre.params().every((p) => p.name.startsWith('albert.') || p.name.startsWith('predictions.') || p.name.startsWith('sop_classifier.')));
  assert.equal(pre.aliases.get('predictions.decoder.weight'), 'albert.embeddings.word_embeddings.weight');
  assert.equal(pre.aliases.get('predictions.decoder.bias'), 'predictions.bias');
  assert.equal(new AlbertModel(c, 'masked-lm', backend).params().some((p) => p.name.includes('pooler')), false);
  assert.equal(new AlbertModel(c, 'question-answering', backend).param('qa_outputs.weight').shape[0], 2);
  const attn = new AlbertModel(withConfig(c, { sharing: 'attention' }), 'base', backend);
  assert.equal(attn.aliases.get('encoder.albert_layer_groups.1.albert_layers.0.attention.query.weight'), `${layer}attention.query.weight`);
  assert.equal(attn.params().some((p) => p.name === 'encoder.albert_layer_groups.1.albert_layers.0.ffn.weight'), true);
  assert.equal(headFromArchitectures(['AlbertForQuestionAnswering']), 'question-answering');
  assert.equal(headFromArchitectures(undefined), 'base');
  assert.equal(architectureOf('pretraining'), 'AlbertForPreTraining');
});

/** Copy values from `src` into `dst`, mapping dst names to src names. */
function copyParams(src: AlbertModel, dst: AlbertModel, map: (name: string) => string): void {
  for (const p of dst.params()) p.data.set(src.param(map(p.name)).data);
}

for (const sharing of ['all', 'attention', 'ffn'] as const) {
  test(`a shared block's gradient is the sum over its uses ('${sharing}' vs the same weights unshared)`, () => {
    const c = withConfig(smallConfig(), { sharing });
    const shared = makeModel(c, 'pretraining');
    const unshared = new AlbertModel(withConfig(c, { sharing: 'none' }), 'pretraining', backend);
    const isShared = (n: string) => sharing === 'all' || (sharing === 'attention' ? n.includes('.attention.') : !n.includes('.attention.'));
    const toShared = (n: string) => (isShared(n) ? n.replace(/albert_layer_groups\.\d+\./, 'albert_layer_groups.0.') : n);
    copyParams(shared, unshared, toShared);
    const inputs = makeInputs(c, 2, 5);
    const labels = { labels: mlmLabels(c, 10), sentenceOrderLabel: new Int32Array([1, 0]) };
    const a = shared.lossAndBackward(inputs, labels, { seed: 3 });
    const b = unshared.lossAndBackward(inputs, labels, { seed: 3 });
    assert.ok(Math.abs(a.loss - b.loss) < 1e-6);
    const sums = new Map<string, Float64Array>();
    for (const p of unshared.params()) {
      const key = toShared(p.name);
      const acc = sums.get(key) ?? new Float64Array(p.grad.length);
      p.grad.forEach((g, i) => { acc[i] += g; });
      sums.set(key, acc);
    }
    assert.equal(sums.size, shared.params().length);
    for (const p of shared.params()) {
      const want = sums.get(p.name)!;
      const scale = Math.max(1e-3, ...want.map(Math.abs));
      const err = Math.max(...p.grad.map((g, i) => Math.abs(g - want[i])));
      assert.ok(err <= 1e-5 * scale, `${p.name}: err ${err} scale ${scale}`);
    }
  });
}

test('padding: tokens behind attention_mask = 0 do not change the other positions', () => {
  const c = smallConfig();
  const m = makeModel(c, 'base');
  const inputs = makeInputs(c, 2, 5);
  const a = m.forward(inputs).lastHiddenState;
  const ids = inputs.inputIds.slice();
  ids[8] = (ids[8] + 1) % c.vocab_size;
  ids[9] = (ids[9] + 5) % c.vocab_size;
  const b = m.forward({ ...inputs, inputIds: ids }).lastHiddenState;
  const H = c.hidden_size;
  for (let i = 0; i < 8 * H; i++) assert.equal(a[i], b[i]);
  assert.notDeepEqual(a.subarray(8 * H), b.subarray(8 * H));
});

test('the MLM loss, decoded only at labelled positions, equals CE over the full prediction logits', () => {
  const c = smallConfig();
  const m = makeModel(c, 'pretraining');
  const inputs = makeInputs(c, 2, 5);
  const labels = mlmLabels(c, 10), sop = new Int32Array([0, 1]);
  const out = m.forward(inputs);
  const V = c.vocab_size;
  const ce = (logits: Float32Array, rows: number, k: number, y: Int32Array) => {
    let s = 0, n = 0;
    for (let r = 0; r < rows; r++) {
      if (y[r] === -100) continue;
      const row = Array.from(logits.subarray(r * k, (r + 1) * k));
      const mx = Math.max(...row);
      s += mx + Math.log(row.reduce((t, v) => t + Math.exp(v - mx), 0)) - row[y[r]];
      n++;
    }
    return s / n;
  };
  const mlm = ce(out.predictionLogits!, 10, V, labels), sentence = ce(out.sopLogits!, 2, 2, sop);
  const res = m.lossAndBackward(inputs, { labels, sentenceOrderLabel: sop }, { train: false });
  assert.ok(Math.abs(res.mlmLoss! - mlm) < 1e-5, `${res.mlmLoss} vs ${mlm}`);
  assert.ok(Math.abs(res.sopLoss! - sentence) < 1e-5);
  assert.ok(Math.abs(res.loss - (mlm + sentence)) < 1e-5);
  // loss() computes the same without touching any gradient (up to rounding: an inference forward may
  // use the packed-weight GEMM, whose sums run in another order)
  m.zeroGrad();
  const only = m.loss(inputs, { labels, sentenceOrderLabel: sop });
  assert.ok(Math.abs(only.loss - res.loss) <= 1e-6 * Math.abs(res.loss), `${only.loss} vs ${res.loss}`);
  assert.equal(only.mlmAccuracy, res.mlmAccuracy);
  assert.ok(m.params().every((p) => p.grad.every((g) => g === 0)));
  const qa = makeModel(c, 'question-answering');
  const qaLabels = { startPositions: new Int32Array([1, 2]), endPositions: new Int32Array([3, 9]) };
  const qaLoss = qa.lossAndBackward(inputs, qaLabels, { train: false }).loss;
  assert.ok(Math.abs(qa.loss(inputs, qaLabels).loss - qaLoss) <= 1e-6 * Math.abs(qaLoss));
  assert.equal(out.poolerOutput.length, 2 * c.hidden_size);
  assert.equal(makeModel(c, 'masked-lm').forward(inputs).poolerOutput.length, 0);
});

test('a loss that reads some rows: the last layer call computes its FFN only there, same values and gradients', () => {
  // hidden dropout off (its mask covers every row), attention dropout on (the attention still runs whole)
  const c = smallConfig({ hidden_dropout_prob: 0 });
  const layout = encoderLayout('', c), specs = encoderSpecs(layout, c);
  const B = 2, S = 5, H = c.hidden_size, N = B * S, rows = Int32Array.from([0, 3, 5, 9]);
  const r = rng(12);
  const x = new Float32Array(N * H).map(() => r() - 0.5);
  const dy = new Float32Array(N * H);
  for (const i of rows) for (let j = 0; j < H; j++) dy[i * H + j] = r() - 0.5;
  const mask = new Float32Array(N).fill(0, 0, N - 1).fill(MASKED, N - 1);
  for (const checkpoint of [false, true]) {
    const run = (subset: boolean) => {
      const store = new ParamStore(specs, qkvPacks(specs));
      store.init(4, 0.3);
      const enc = new Encoder(store, layout, c);
      enc.checkpointActivations = checkpoint;
      const ffnRows: number[] = []; // the rows of every GEMM into (rows, I): the FFN's first, in forward
      const be = new Proxy(backend, {
        get: (t, k) => (k === 'gemm' || k === 'gemmPacked'
          ? (...a: unknown[]) => {
            // gemm(transA, transB, m, n, ...) and gemmPacked(m, a, lda, packed { n }, ...): plain or packed weights
            const [m, n] = k === 'gemm' ? (a[0] ? [0, 0] : [a[2], a[3]]) : [a[0], (a[3] as { n: number }).n];
            if (n === c.intermediate_size) ffnRows.push(m as number);
            return (t[k] as (...b: unknown[]) => void)(...a);
          }
          : Reflect.get(t, k)),
      });
      const y = enc.forward(be, x, mask, B, S, true, 7, true, undefined, subset ? rows : null).slice();
      const forwardRows = ffnRows.splice(0);
      const dx = enc.backward(be, dy, B, S).slice();
      return { y, dx, grads: store.list.map((p) => p.grad), ffnRows: forwardRows };
    };
    const whole = run(false), part = run(true);
    assert.deepEqual(part.ffnRows, [N, N, rows.length], 'the last call runs its FFN at the rows read only');
    assert.deepEqual(whole.ffnRows, [N, N, N]);
    const close = (a: Float32Array, b: Float32Array, what: string) => {
      const scale = Math.max(1e-3, ...b.map(Math.abs));
      const err = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      assert.ok(err <= 1e-6 * scale, `${what} (checkpoint ${checkpoint}): err ${err} scale ${scale}`);
    };
    for (let i = 0; i < N; i++) {
      const want = rows.includes(i) ? whole.y.subarray(i * H, (i + 1) * H) : new Float32Array(H);
      close(part.y.subarray(i * H, (i + 1) * H), want, `y row ${i}`);
    }
    close(part.dx, whole.dx, 'dx');
    part.grads.forEach((g, k) => close(g, whole.grads[k], specs[k].name));
  }
});

test('training dropout is deterministic in the seed; eval mode has none', () => {
  const c = smallConfig();
  const m = makeModel(c, 'pretraining');
  const inputs = makeInputs(c, 2, 5);
  const labels = { labels: mlmLabels(c, 10), sentenceOrderLabel: new Int32Array([0, 1]) };
  const l1 = m.lossAndBackward(inputs, labels, { seed: 1 }).loss;
  assert.equal(m.lossAndBackward(inputs, labels, { seed: 1 }).loss, l1);
  assert.notEqual(m.lossAndBackward(inputs, labels, { seed: 2 }).loss, l1);
  const e1 = m.lossAndBackward(inputs, labels, { train: false, seed: 1 }).loss;
  assert.equal(m.lossAndBackward(inputs, labels, { train: false, seed: 2 }).loss, e1);
  // the padding token's embedding row gets gradient only through the tied decoder
  const cls = makeModel(c, 'sequence-classification');
  cls.lossAndBackward(inputs, { labels: new Int32Array([1, 0]) });
  const E = c.embedding_size, g = cls.param('albert.embeddings.word_embeddings.weight').grad;
  assert.ok(g.subarray(0, E).every((v) => v === 0));
  assert.ok(g.some((v) => v !== 0));
});

test('bad inputs are rejected before any compute with one clear error', () => {
  const c = smallConfig();
  const m = makeModel(c, 'pretraining');
  const ok = makeInputs(c, 2, 5);
  const bad = (over: object, re: RegExp) => assert.throws(() => m.forward({ ...ok, ...over }), (e) => e instanceof UserError && re.test(e.message));
  bad({ inputIds: ok.inputIds.map((v, i) => (i === 7 ? 40 : v)) }, /input_ids\[1\]\[2\] = 40 is outside the vocabulary \(0\.\.39\)/);
  bad({ inputIds: ok.inputIds.map((v, i) => (i === 0 ? -1 : v)) }, /input_ids\[0\]\[0\] = -1/);
  bad({ tokenTypeIds: ok.tokenTypeIds!.map(() => 2) }, /token_type_ids\[0\]\[0\] = 2 is outside type_vocab_size/);
  bad({ attentionMask: ok.attentionMask!.map(() => 3) }, /attention_mask/);
  bad({ inputIds: new Int32Array(22), seq: 11, attentionMask: undefined, tokenTypeIds: undefined }, /sequence length 11 exceeds max_position_embeddings 10/);
  bad({ inputIds: new Int32Array(9) }, /input_ids has 9 values, expected 2 x 5 = 10/);
  assert.throws(() => m.lossAndBackward(ok, { labels: mlmLabels(c, 10).map((v, i) => (i === 3 ? 40 : v)), sentenceOrderLabel: new Int32Array([0, 1]) }),
    /labels: label 40 at index 3 is not a class id in 0\.\.39 or -100/);
  assert.throws(() => m.lossAndBackward(ok, { labels: mlmLabels(c, 10) }), /needs both labels .* and sentence_order_label/);
  assert.throws(() => makeModel(c, 'base').lossAndBackward(ok, {}), /has no loss/);
  assert.throws(() => new AlbertModel(smallConfig({ num_labels: 3 }), 'question-answering', backend), /num_labels = 2/);
  assert.throws(() => makeModel(c, 'multiple-choice').forward(ok), /numChoices/);
});

test('headOutputsOnly: pooled-output heads get the same logits with the last layer at token 0 only; other heads are untouched', async () => {
  const { nativeBackend } = await import('./backend_util.js');
  let native: ReturnType<typeof nativeBackend> | null = null;
  try { native = nativeBackend(1); } catch { /* no addon: the js backend alone */ }
  const c = smallConfig({ hidden_size: 16, intermediate_size: 24 });
  for (const be of native ? [backend, native] : [backend]) {
    for (const head of ['sequence-classification', 'multiple-choice', 'question-answering', 'token-classification', 'masked-lm'] as const) {
      const m = makeModel(c, head);
      const model = be === backend ? m : new AlbertModel(c, head, be);
      if (model !== m) model.params().forEach((p, i) => p.data.set(m.params()[i].data));
      const inputs = head === 'multiple-choice' ? makeInputs(c, 2, 6, 5, 3) : makeInputs(c, 3, 6, 5);
      for (const packed of [false, true]) {
        model.inferenceOnly = packed;
        const full = model.forward(inputs), part = model.forward(inputs, { headOutputsOnly: true });
        const what = `${head} ${be === backend ? "js" : "native"} packed=${packed}`;
        for (const k of ['logits', 'startLogits', 'endLogits'] as const) {
          const a = part[k], b = full[k];
          if (!b) continue;
          const err = Math.max(...a!.map((v, i) => Math.abs(v - b[i])));
          assert.ok(err <= 1e-5 * Math.max(1, ...b.map(Math.abs)), `${what} ${k}: err ${err}`);
        }
        assert.deepEqual(part.poolerOutput, full.poolerOutput, what);
        const H = c.hidden_size, S = inputs.seq;
        const zeroAway = part.lastHiddenState.every((v, i) => Math.floor(i / H) % S === 0 || v === 0);
        // pooled heads skip the other rows; a head that reads every token must compute them all
        assert.equal(zeroAway, head === 'sequence-classification' || head === 'multiple-choice', what);
      }
    }
  }
});
