import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pretrain } from '../src/train/pretrain.js';
import { SMALL_MODEL, smallData } from './pretrain_helpers.js';

test('pretrain with checkpointActivations logs the same losses, bit for bit, as without', async () => {
  const { dir, data, tokenizer } = await smallData(60, 32);
  // 3 layer calls: one recomputed, one keeping [q k v], the last kept whole (see Encoder.forward)
  const run = async (checkpointActivations: boolean) => {
    const records: Record<string, unknown>[] = [];
    await pretrain({
      data, tokenizer, output: path.join(dir, `run-${checkpointActivations}`), model: 'tiny', set: { ...SMALL_MODEL, num_hidden_layers: 3 },
      steps: 4, batchSize: 4, lr: 0.01, warmupSteps: 1, evalInstances: 8, logEvery: 1, threads: 1, quiet: true,
      checkpointActivations, onRecord: (r) => records.push(r as unknown as Record<string, unknown>),
    });
    return records.map(({ tokens_per_s: _t, elapsed_s: _e, ...r }) => r);
  };
  const plain = await run(false), recomputed = await run(true);
  assert.ok(plain.filter((r) => r.type === 'train').length === 4);
  assert.deepEqual(recomputed, plain);
});
