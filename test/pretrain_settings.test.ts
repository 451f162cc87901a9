import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/errors.js';
import { pretrain, type PretrainOptions } from '../src/train/pretrain.js';
import { formatRunSummary, type RunSummary } from '../src/train/run_summary.js';
import { SMALL_MODEL, smallData } from './pretrain_helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const { dir, data, tokenizer } = await smallData(60, 32);
const base = { data, tokenizer, model: 'tiny', set: SMALL_MODEL, batchSize: 4, lr: 0.01, warmupSteps: 1, evalInstances: 8, logEvery: 1, threads: 1, quiet: true };
const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'pretrain', ...args], { encoding: 'utf8' });
/** Every file under `d` with its bytes, to see that nothing changed. */
const snapshot = (d: string): Record<string, string> => Object.fromEntries(
  fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => { const f = path.join(e.parentPath, e.name); return [path.relative(d, f), fs.readFileSync(f).toString('base64')]; }));

test('zero or negative counts and rates are refused, by the API and the CLI, before anything is written', async () => {
  const out = path.join(dir, 'refused');
  const bad: [Partial<PretrainOptions>, RegExp][] = [
    [{ epochs: 0 }, /^epochs \(--epochs\) must be a number > 0, got 0$/], [{ epochs: -1 }, /epochs/],
    [{ steps: 0 }, /^steps \(--steps\) must be an integer >= 1, got 0$/], [{ steps: -3 }, /steps/], [{ steps: 1.5 }, /steps/],
    [{ batchSize: 0 }, /batchSize \(--batch-size\) must be an integer >= 1/], [{ gradAccum: 0 }, /gradAccum \(--grad-accum\)/],
    [{ logEvery: 0 }, /logEvery \(--log-every\)/], [{ evalEvery: -1 }, /evalEvery \(--eval-every\) must be an integer >= 0 \(0 = only at the end\)/],
    [{ saveEvery: -1 }, /saveEvery/], [{ keep: 0 }, /keep \(--keep\)/], [{ maxBadSteps: 0 }, /maxBadSteps/],
    [{ shuffleBuffer: 0 }, /shuffleBuffer/], [{ evalLimit: 0 }, /evalLimit/], [{ evalInstances: -1 }, /evalInstances/],
    [{ lr: 0 }, /lr \(--lr\) must be a number > 0/], [{ eps: 0 }, /eps/], [{ beta1: 1 }, /beta1 \(--beta1\) must be a number >= 0 and < 1/],
    [{ warmupSteps: -1 }, /warmupSteps/], [{ steps: 3, warmupSteps: 4 }, /warmupSteps \(--warmup-steps\) 4 is more than the run's 3 steps/],
    [{ threads: 0 }, /threads/], [{ steps: 3, epochs: 1 }, /not both/],
  ];
  for (const [o, want] of bad) {
    await assert.rejects(pretrain({ ...base, output: out, ...o }), (e: unknown) => e instanceof UserError && want.test((e as Error).message), JSON.stringify(o));
  }
  assert.ok(!fs.existsSync(out), 'a refused run wrote its output folder');
  for (const [flag, want] of [['--epochs', /^albert: epochs \(--epochs\) must be a number > 0, got 0\n$/], ['--steps', /^albert: steps \(--steps\) must be an integer >= 1, got 0\n$/]] as const) {
    const r = cli('--data', data, '--output', out, '--tokenizer', tokenizer, '--quiet', flag, '0');
    assert.equal(r.status, 1);
    assert.match(r.stderr, want);
  }
  assert.ok(!fs.existsSync(out));
});

test('resume: saved settings are reused, given ones must agree, a complete run is left as it is, more steps extend it', async () => {
  const out = path.join(dir, 'run');
  const summaries: RunSummary[] = [];
  const first = await pretrain({ ...base, output: out, steps: 4, saveEvery: 2, keep: 5, onStart: (s) => summaries.push(s) });
  assert.equal(first.steps, 4);
  const s = summaries[0];
  assert.equal(s.steps, 4); assert.equal(s.warmupSteps, 1);
  assert.equal(s.stepsPerEpoch, Math.ceil(s.trainInstances / 4));
  assert.deepEqual(s.evalSets, [{ name: 'heldout', instances: 8 }]);
  assert.ok(s.parameters > 1000 && /threads?\)|TypeScript/.test(s.backend), s.backend);
  assert.equal(s.resumedFrom, undefined);

  // Complete: nothing is trained, nothing is written (API and CLI).
  const before = snapshot(out);
  const again = await pretrain({ output: out, resume: true, threads: 1, quiet: true });
  assert.equal(again.alreadyComplete, true);
  assert.equal(again.steps, 4);
  const c = cli('--output', out, '--resume', '--threads', '1');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /the run is complete \(4 steps; checkpoint .*checkpoint-0000004\); nothing was changed\. To train it longer, resume with a larger --steps/);
  assert.equal(c.stderr.split('\n').length, 2, c.stderr); // that line alone: no summary, progress, eval or "0 tokens/s"

  assert.deepEqual(snapshot(out), before, 'resuming a complete run changed its files');

  // Given flags must agree with the saved run; all differences in one line.
  await assert.rejects(pretrain({ output: out, resume: true, lr: 0.5, batchSize: 2, steps: 2, threads: 1, quiet: true }),
    /--resume: these settings differ from the saved run: lr \(was 0\.01, now 0\.5\), batchSize \(was 4, now 2\), steps \(was 4, now 2; a run can be extended, not shortened\)/);
  assert.deepEqual(snapshot(out), before);

  // More steps: the run goes on from step 4, with only --output, --resume and --steps, and says how.
  const warnings: string[] = [];
  const ext = await pretrain({ output: out, resume: true, steps: 6, threads: 1, quiet: true, onStart: (x) => summaries.push(x), onWarning: (m) => warnings.push(m) });
  assert.equal(ext.steps, 6);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /extending the run in .* from 4 to 6 steps: the learning rate now follows the schedule of 6 steps \(warmup 1 unchanged, decay to 0 at step 6\)/);
  assert.deepEqual(summaries[1].resumedFrom, { dir: path.join(out, 'checkpoint-0000004'), step: 4 });
  const records = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(records.filter((r) => r.type === 'train').map((r) => r.step), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(records.filter((r) => r.type === 'eval').map((r) => r.step), [4, 6]);
  // the saved cadence (saveEvery 2, keep 5) came back without being given
  assert.ok(fs.existsSync(path.join(out, 'checkpoint-0000006')));
  assert.deepEqual(fs.readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort(), ['checkpoint-0000002', 'checkpoint-0000004', 'checkpoint-0000006']);
});

test('the run summary names parameters, data, steps, warmup and the backend', () => {
  const lines = formatRunSummary({
    output: 'runs/x', parameters: 1234567, objective: 'sop', optimizer: 'lamb', lr: 0.00176, batchSize: 32, gradAccum: 2,
    trainInstances: 9500, evalSets: [{ name: 'heldout', instances: 500 }], stepsPerEpoch: 149, steps: 1000, warmupSteps: 50,
    backend: 'native (GEMM: openblas, kernels: avx2, 2 threads)', resumedFrom: { dir: 'runs/x/checkpoint-0000200', step: 200 },
  });
  assert.deepEqual(lines, [
    'pretrain runs/x: 1,234,567 parameters, sop, lamb lr 0.00176, batch 32 x 2 accumulated',
    '  data: 9,500 training instances, 149 steps per epoch; evaluation instances: heldout 500',
    '  steps: 1,000 (6.71 epochs), warmup 50; resuming at step 200 from runs/x/checkpoint-0000200',
    '  backend: native (GEMM: openblas, kernels: avx2, 2 threads)',
  ]);
});

test('the CLI prints the run summary before the first step (not under --quiet)', () => {
  const out = path.join(dir, 'cli-summary');
  const r = cli('--data', data, '--output', out, '--tokenizer', tokenizer, '--steps', '1', '--batch-size', '4', '--eval-instances', '4',
    '--threads', '1', ...Object.entries(SMALL_MODEL).flatMap(([k, v]) => ['--set', `${k}=${v}`]));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^pretrain .*cli-summary: [\d,]+ parameters, sop, lamb lr 0\.00176, batch 4 x 1 accumulated\n  data: [\d,]+ training instances, \d+ steps per epoch; evaluation instances: heldout 4\n  steps: 1 \([\d.]+ epochs\), warmup 0\n  backend: (native \(GEMM: .*, 1 thread\)|js .*)\n/);
});
