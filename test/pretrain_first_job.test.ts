import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFirstJob } from '../src/train/first_job.js';
import { loadBackend } from '../src/backend/index.js';
import { loadDataTokenizer } from '../src/data/tokenizer.js';
import { loadPretrained } from '../src/io/hf_dir.js';
import { dtypeAgreement, textBatches } from '../src/metrics/dtype_agreement.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('first job (shortened): the tiny ALBERT learns both the masked words and the sentence order', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-first-job-'));
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  const lines: string[] = [];
  const r = await runFirstJob({ output: out, steps: 300, trainDocuments: 1000, threads: 1, quiet: true, log: (l) => lines.push(l) });
  // chance: SOP 50%; MLM: always answering the most frequent masked word
  assert.ok(r.sopAcc > 0.8, `held-out SOP accuracy ${r.sopAcc}`);
  assert.ok(r.mlmAcc > r.mlmMajorityBaseline + 0.04, `held-out MLM accuracy ${r.mlmAcc} vs baseline ${r.mlmMajorityBaseline}`);
  assert.match(lines.join('\n'), /held-out MLM accuracy .*SOP accuracy/);
  assert.equal(r.example.predictions.length, 2);
  // the checkpoint works with the fill-mask CLI
  const fm = spawnSync(process.execPath, [MAIN, 'fill-mask', '--model', r.result.checkpoint, '--top-k', '3', '--threads', '1', 'in the morning the [MASK] had cake for breakfast .'], { encoding: 'utf8' });
  assert.equal(fm.status, 0, fm.stderr);
  assert.match(fm.stdout, /^in the morning the \[\w+\] had cake/);
  assert.match(fm.stdout, /\[MASK\] #1: (\w+ 0\.\d{3}\s*){3}$/m);

  // bf16 and int8 inference of the trained model on held-out stories, against its fp32 self
  const { albert } = loadDataTokenizer(path.join(out, 'spiece.model'));
  const stories = fs.readFileSync(path.join(out, 'corpus/heldout.txt'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, 400);
  const model = loadPretrained(r.result.checkpoint, { backend: loadBackend({ threads: 1 }) });
  const [bf16, int8] = dtypeAgreement(model, textBatches(albert, stories, { seq: 24, batch: 50, maskEvery: 6 }), ['bf16', 'int8'], albert.maskId);
  console.log(`dtypes vs fp32: ${JSON.stringify([bf16, int8])}`);
  assert.ok(bf16.compared > 500, `${bf16.compared} masked positions`);
  assert.ok(bf16.hiddenRelError <= 2e-2, `bf16 last hidden state: ${bf16.hiddenRelError} of its max`);
  assert.ok(bf16.hiddenRelError > 0, 'bf16 ran');
  assert.ok(bf16.top1Agreement >= 0.99, `bf16 MLM top-1 agreement ${bf16.top1Agreement}`);
  assert.ok(int8.top1Agreement >= 0.98, `int8 MLM top-1 agreement ${int8.top1Agreement}`);
  assert.ok(int8.hiddenRelError > 0, 'int8 ran');
});

test('first job in bf16: the held-out loss stays within 2% of fp32\'s at every evaluation', async () => {
  const losses: Record<string, number[]> = {};
  for (const precision of ['fp32', 'bf16'] as const) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `albert-first-job-${precision}-`));
    process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
    const evals: number[] = [];
    await runFirstJob({
      output: out, steps: 200, trainDocuments: 600, threads: 1, quiet: true, log: () => {},
      pretrain: { precision, evalEvery: 40, onRecord: (r) => { if (r.type === 'eval') evals.push(r.mlm_loss); } },
    });
    losses[precision] = evals;
  }
  const [f, h] = [losses.fp32, losses.bf16];
  assert.equal(f.length, 5);
  assert.equal(h.length, f.length);
  assert.ok(f[f.length - 1] < f[0] * 0.9, `fp32 learns: ${f.join(', ')}`);
  console.log(`held-out MLM loss, fp32: ${f.map((x) => x.toFixed(4)).join(' ')}; bf16: ${h.map((x) => x.toFixed(4)).join(' ')}`);
  assert.notDeepEqual(h, f); // bf16 ran
  for (let i = 0; i < f.length; i++) assert.ok(Math.abs(h[i] - f[i]) / f[i] < 0.02, `evaluation ${i}: bf16 ${h[i]} vs fp32 ${f[i]} (${h.join(', ')} vs ${f.join(', ')})`);
});
