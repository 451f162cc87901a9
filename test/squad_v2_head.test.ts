// google-research/albert's SQuAD 2.0 head (AlbertForQuestionAnsweringV2, HeadKind 'squad-v2') against the
// independent float64 PyTorch reference tools/reference/squad_v2_ref.py, on the committed fixture
// test/fixtures/parity/squad_v2 (regenerate: /usr/bin/python3 tools/reference/make_fixtures.py): the beam's
// 25 candidates, the start log-probs and the cls logits, the loss and every gradient, eval and train mode
// (the answer class's dropout), within 1e-5 relative; p_mask as the features lay it out; bad labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Backend } from '../src/backend/backend.js';
import { JsBackend } from '../src/backend/js.js';
import { NativeBackend, nativeUnavailableReason } from '../src/backend/index.js';
import { readBatchesFile } from '../src/io/batches.js';
import { loadPretrained, savePretrained } from '../src/io/hf_dir.js';
import { forwardOutputs, gradOutputs } from '../src/io/outputs.js';
import { readSafetensors, type Tensor } from '../src/io/safetensors.js';
import { answerMask } from '../src/model/heads/squad_v2.js';
import { UserError } from '../src/errors.js';
import { AlbertModel, architectureOf } from '../src/model/albert.js';
import { presetConfig, withConfig } from '../src/model/index.js';
import { assertTensorsClose, PARITY_DIR } from './parity_util.js';
import * as fs from 'node:fs';
import * as os from 'node:os';

const DIR = path.join(PARITY_DIR, 'squad_v2');
const TOL = 1e-5;
const expected = (file: string) => readSafetensors(path.join(DIR, file)).tensors;

const backends: [string, () => Backend][] = [['js', () => new JsBackend()]];
if (nativeUnavailableReason() === null) backends.push(['native', () => new NativeBackend(2)]);

/**
 * The -1e30 of masked positions makes a tensor's scale meaningless: compare them apart (both below
 * -1e29) and the rest within tol * max(1, max |reference|) over the rest. Returns the worst relative error.
 */
function assertMaskedClose(got: Float32Array, want: Float32Array, what: string): number {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 1, err = 0;
  for (let i = 0; i < want.length; i++) if (want[i] > -1e29) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    if (want[i] <= -1e29) assert.ok(got[i] <= -1e29, `${what}[${i}]: ${got[i]}, the reference masks it`);
    else err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  assert.ok(err <= TOL * scale, `${what}: max |ours - reference| ${err.toExponential(3)} > ${TOL} x ${scale}`);
  return err / scale;
}

const worst = { forward: 0, grads: 0, train: 0 };

for (const [bname, backend] of backends) {
  test(`squad-v2 (${bname}): beam, start log-probs and cls logits equal the reference within 1e-5`, () => {
    const model = loadPretrained(DIR, { backend: backend() });
    assert.equal(model.head, 'squad-v2');
    const batches = readBatchesFile(path.join(DIR, 'batch.json'), model.config, model.head, false);
    const fwd = forwardOutputs(model, batches), want = expected('expected_forward.safetensors'), head = expected('expected_head.safetensors');
    assert.deepEqual([...fwd.keys()].sort(), [...want.keys()].sort());
    for (const [name, t] of want) {
      const got = fwd.get(name)!;
      assert.deepEqual(got.shape, t.shape, name);
      if (name.endsWith('_index')) assert.deepEqual([...got.data], [...t.data], `${name}: the same candidates in the same order`);
      else worst.forward = Math.max(worst.forward, assertMaskedClose(got.data, t.data, name));
    }
    for (const { name, inputs } of batches) {
      const out = model.forward(inputs);
      worst.forward = Math.max(worst.forward, assertMaskedClose(out.startLogProbs!, head.get(`${name}.start_log_probs`)!.data, `${name}.start_log_probs`));
      // the beam reads what the outputs say: end candidates k * 5 + j are those of start k
      assert.equal(out.endTopIndex!.length, inputs.batch * 25);
    }
  });

  test(`squad-v2 (${bname}): loss and every gradient equal the reference within 1e-5, eval and train mode`, () => {
    const model = loadPretrained(DIR, { backend: backend() });
    const batches = readBatchesFile(path.join(DIR, 'batch.json'), model.config, model.head, true);
    worst.grads = Math.max(worst.grads, assertTensorsClose(gradOutputs(model, batches), expected('expected_grads.safetensors'), TOL, 'eval grads'));
    // train mode: dropout classifier_dropout_prob (0.1) on the answer class only, mask from (seed 5 + batch index)
    assert.equal(model.config.classifier_dropout_prob, 0.1);
    assert.equal(model.config.hidden_dropout_prob, 0);
    const train = gradOutputs(model, batches, { train: true, seed: 5 });
    const wantTrain = new Map<string, Tensor>();
    for (const [k, t] of expected('expected_head.safetensors')) if (k.startsWith('train.')) wantTrain.set(k.slice(6), t);
    const got = new Map([...train].filter(([k]) => wantTrain.has(k)));
    worst.train = Math.max(worst.train, assertTensorsClose(got, wantTrain, TOL, 'train grads'));
    assert.notEqual(train.get('loss')!.data[0], gradOutputs(model, batches).get('loss')!.data[0], 'dropout changes the loss');
  });
}

test('squad-v2: p_mask from the inputs is the features\' own (question, both [SEP]s and padding masked; CLS and context not)', () => {
  const c = loadPretrained(DIR, { backend: new JsBackend() }).config;
  const head = expected('expected_head.safetensors');
  for (const { name, inputs } of readBatchesFile(path.join(DIR, 'batch.json'), c, 'squad-v2', false)) {
    const p = answerMask({ rows: inputs.batch, S: inputs.seq, inputs }, new Int32Array(inputs.batch * inputs.seq));
    assert.deepEqual([...p], [...head.get(`${name}.p_mask`)!.data], name);
  }
});

test('squad-v2: loss() equals lossAndBackward\'s loss and leaves the gradients alone; the beam ties go to the lower index', () => {
  const model = loadPretrained(DIR, { backend: new JsBackend() });
  const [b0, b1] = readBatchesFile(path.join(DIR, 'batch.json'), model.config, model.head, true);
  model.zeroGrad();
  const l = model.loss(b0.inputs, b0.labels!).loss;
  assert.ok(model.params().every((p) => p.grad.every((g) => g === 0)));
  assert.ok(Math.abs(model.lossAndBackward(b0.inputs, b0.labels!, { train: false }).loss - l) < 1e-6 * l);
  // b1 row 0 has CLS and 3 context tokens: the 5th start is the first masked position, 1
  const out = model.forward(b1.inputs);
  assert.deepEqual([...out.startTopIndex!.subarray(0, 5)].slice(4), [1]);
  assert.ok(out.startTopLogProbs![4] <= -1e29);
});

test('squad-v2: bad labels and inputs are one clear error', () => {
  const model = loadPretrained(DIR, { backend: new JsBackend() });
  const [b0] = readBatchesFile(path.join(DIR, 'batch.json'), model.config, model.head, true);
  const labels = b0.labels!;
  const bad = (change: object, re: RegExp) => assert.throws(() => model.lossAndBackward(b0.inputs, { ...labels, ...change }), (e: unknown) => e instanceof UserError && re.test(e.message));
  bad({ startPositions: Int32Array.of(2, 0, 6) }, /start_positions\[0\] = 2 is not an answer position/);
  bad({ endPositions: Int32Array.of(9, 0, 13) }, /end_positions\[2\] = 13 is not an answer position/);
  bad({ isImpossible: Int32Array.of(0, 2, 0) }, /is_impossible\[1\] = 2 is not 0 or 1/);
  bad({ isImpossible: undefined }, /needs start_positions, end_positions and is_impossible/);
  assert.throws(() => model.forward({ ...b0.inputs, tokenTypeIds: undefined }), /needs token_type_ids/);
  const ids = new Int32Array(4).fill(5);
  assert.throws(() => model.forward({ inputIds: ids, tokenTypeIds: Int32Array.of(0, 0, 1, 1), batch: 1, seq: 4 }), /at least 5 tokens/);
});

test('squad-v2: AlbertForQuestionAnsweringV2 saves and loads as itself; a fresh head is initialized as HF initializes', () => {
  assert.equal(architectureOf('squad-v2'), 'AlbertForQuestionAnsweringV2');
  const model = loadPretrained(DIR, { backend: new JsBackend() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'squad-v2-'));
  try {
    savePretrained(model, dir);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).architectures, ['AlbertForQuestionAnsweringV2']);
    const back = loadPretrained(dir, { backend: new JsBackend() });
    assert.equal(back.head, 'squad-v2');
    const names = (m: AlbertModel) => m.params().map((p) => p.name).filter((n) => !n.startsWith('albert.'));
    assert.deepEqual(names(back), ['start_logits.dense.weight', 'start_logits.dense.bias', 'end_logits.dense_0.weight', 'end_logits.dense_0.bias',
      'end_logits.LayerNorm.weight', 'end_logits.LayerNorm.bias', 'end_logits.dense_1.weight', 'end_logits.dense_1.bias',
      'answer_class.dense_0.weight', 'answer_class.dense_0.bias', 'answer_class.dense_1.weight']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const fresh = new AlbertModel(withConfig(presetConfig('tiny'), {}), 'squad-v2', new JsBackend());
  fresh.initWeights(1);
  assert.ok(fresh.param('end_logits.LayerNorm.weight').data.every((v) => v === 1));
  assert.ok(fresh.param('answer_class.dense_0.bias').data.every((v) => v === 0));
  assert.ok(fresh.param('answer_class.dense_1.weight').data.some((v) => v !== 0));
});

test('squad-v2: worst relative differences', () => {
  console.log(`squad-v2 vs reference, max relative: forward ${worst.forward.toExponential(2)}, grads ${worst.grads.toExponential(2)}, train grads ${worst.train.toExponential(2)}`);
});
