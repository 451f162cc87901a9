// Parity with an independent PyTorch ALBERT (tools/reference/albert_ref.py, HF conventions), on the
// committed fixtures in test/fixtures/parity (regenerate: /usr/bin/python3 tools/reference/make_fixtures.py).
// Each case loads an HF-format directory, runs forward (eval mode) and loss + backward, through the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { JsBackend } from '../src/backend/js.js';
import { nativeUnavailableReason, NativeBackend } from '../src/backend/index.js';
import type { Backend } from '../src/backend/backend.js';
import { readBatchesFile } from '../src/io/batches.js';
import { loadPretrained } from '../src/io/hf_dir.js';
import { forwardOutputs, gradOutputs } from '../src/io/outputs.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { assertTensorsClose, FORWARD_TOL, GRAD_TOL, parityCases } from './parity_util.js';

const backends: [string, () => Backend][] = [['js', () => new JsBackend()]];
const nativeReason = nativeUnavailableReason();
if (nativeReason === null) backends.push(['native', () => new NativeBackend(2)]);

for (const c of parityCases()) {
  for (const [bname, makeBackend] of backends) {
    test(`parity ${c.name} (${bname}): ${c.description}`, () => {
      const warnings: string[] = [];
      const model = loadPretrained(c.dir, { backend: makeBackend(), onWarning: (m) => warnings.push(m) });
      assert.deepEqual(warnings, [], 'a complete HF checkpoint loads without warnings');
      assert.equal(model.head, c.head);
      const file = path.join(c.dir, 'batch.json');
      const fwd = forwardOutputs(model, readBatchesFile(file, model.config, model.head, false));
      assertTensorsClose(fwd, readSafetensors(path.join(c.dir, 'expected_forward.safetensors')).tensors, FORWARD_TOL, `${c.name} forward`);
      if (c.grads) {
        const grads = gradOutputs(model, readBatchesFile(file, model.config, model.head, true));
        assertTensorsClose(grads, readSafetensors(path.join(c.dir, 'expected_grads.safetensors')).tensors, GRAD_TOL, `${c.name} grads`);
      }
    });
  }
}

if (nativeReason !== null) test('parity on the native backend', (t) => t.skip(`native addon not available: ${nativeReason}`));

test('grad in train mode applies the config dropout, seeded; eval mode (default) matches the reference', () => {
  const dir = parityCases().find((c) => c.name === 'pretraining_gelu_new')!.dir; // dropout 0.1 in config
  const model = loadPretrained(dir, { backend: new JsBackend() });
  const batches = readBatchesFile(path.join(dir, 'batch.json'), model.config, model.head, true);
  const loss = (opts: { train?: boolean; seed?: number }) => gradOutputs(model, batches, opts).get('loss')!.data[0];
  const evalLoss = loss({});
  const expected = readSafetensors(path.join(dir, 'expected_grads.safetensors')).tensors.get('loss')!.data[0];
  assert.ok(Math.abs(evalLoss - expected) < 1e-4 * Math.max(1, Math.abs(expected)));
  const a = loss({ train: true, seed: 5 });
  assert.equal(loss({ train: true, seed: 5 }), a);
  assert.notEqual(a, evalLoss);
  assert.notEqual(loss({ train: true, seed: 6 }), a);
});
