import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors } from '../src/io/safetensors.js';
import { pretrain } from '../src/train/pretrain.js';
import { UserError } from '../src/errors.js';
import { SMALL_MODEL, smallData } from './pretrain_helpers.js';

test('a NaN step is skipped and counted without touching weights or moments; repeated ones stop the run', async () => {
  const { dir, data, tokenizer } = await smallData(60, 32);
  const out = path.join(dir, 'run');
  const opts = { data, tokenizer, output: out, model: 'tiny', set: SMALL_MODEL, steps: 10, batchSize: 4, lr: 0.01, warmupSteps: 1,
    evalInstances: 8, logEvery: 1, saveEvery: 1, keep: 100, threads: 1, quiet: true, maxBadSteps: 3 };
  const records: { type: string; step: number; skipped?: number; loss?: number }[] = [];
  // update 2 (0-based) is poisoned: skipped; updates 4, 5, 6 are poisoned: the run stops at the third
  await assert.rejects(pretrain({ ...opts, injectNanAtSteps: [2, 4, 5, 6], onRecord: (r) => records.push(r) }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match((e as Error).message, /3 steps in a row .*NaN or infinite.*4 skipped in all.*checkpoint-0000006/s);
    return true;
  });
  const ckpt = (step: number) => path.join(out, `checkpoint-${String(step).padStart(7, '0')}`);
  const tensors = (step: number, file: string) => readSafetensors(path.join(ckpt(step), file)).tensors;
  const same = (a: number, b: number, file: string) => {
    const ta = tensors(a, file), tb = tensors(b, file);
    return [...ta].every(([k, t]) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(tb.get(k)!.data.buffer, tb.get(k)!.data.byteOffset, tb.get(k)!.data.byteLength)));
  };
  // checkpoint N holds the state after N updates were attempted
  assert.ok(same(2, 3, 'model.safetensors') && same(2, 3, 'optimizer.safetensors'), 'the skipped step changed the state');
  assert.ok(!same(3, 4, 'model.safetensors'), 'a good step after the skip did not train');
  assert.ok(same(4, 5, 'model.safetensors') && same(4, 6, 'model.safetensors'));
  assert.ok(!fs.existsSync(ckpt(7)));
  for (const [, t] of tensors(6, 'model.safetensors')) assert.ok(t.data.every(Number.isFinite));
  const train = records.filter((r) => r.type === 'train');
  assert.deepEqual(train.map((r) => r.skipped), [0, 0, 1, 1, 2, 3]);
  assert.ok(Number.isNaN(train[2].loss!) && Number.isFinite(train[3].loss!), 'skipped steps log no loss');
});
