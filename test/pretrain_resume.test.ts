import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMALL_MODEL, smallData } from './pretrain_helpers.js';
import { pretrain } from '../src/train/pretrain.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function metrics(out: string): Record<string, unknown>[] {
  const f = path.join(out, 'metrics.jsonl');
  if (!fs.existsSync(f)) return [];
  return fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}

/** What must be identical between runs: everything but timings. */
const comparable = (rs: Record<string, unknown>[]) => rs.map(({ tokens_per_s: _t, elapsed_s: _e, ...r }) => r);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start the command; once `when(records)` holds, send `signal`. Resolves with the exit code (or signal). */
function runUntil(args: string[], out: string, when: (rs: Record<string, unknown>[]) => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; sent: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '', sent = false, done = false;
    child.stderr.on('data', (d) => { stderr += d; });
    const poll = async () => {
      while (!done && !sent) {
        if (when(metrics(out))) { sent = true; child.kill(signal); break; }
        await sleep(5);
      }
    };
    child.on('exit', (code, sig) => { done = true; resolve({ code, signal: sig, sent, stderr }); });
    void poll();
  });
}

test('a run interrupted by SIGINT and by SIGKILL, then resumed, logs the same losses bit for bit', async () => {
  const { dir, data, tokenizer } = await smallData();
  const args = (out: string) => ['pretrain', '--data', data, '--output', out, '--tokenizer', tokenizer, '--model', 'tiny',
    ...Object.entries(SMALL_MODEL).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    '--steps', '60', '--batch-size', '8', '--grad-accum', '2', '--lr', '0.01', '--warmup-steps', '5', '--shuffle-buffer', '50',
    '--eval-instances', '16', '--eval-every', '15', '--log-every', '1', '--save-every', '10', '--keep', '2', '--threads', '1', '--quiet'];
  const ref = path.join(dir, 'ref'), run = path.join(dir, 'run');
  const r0 = spawnSync(process.execPath, [MAIN, ...args(ref)], { encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);

  // SIGINT after step 13: a checkpoint at that step, exit code 130.
  const a = await runUntil(args(run), run, (rs) => rs.some((r) => (r.step as number) >= 13), 'SIGINT');
  assert.ok(a.sent, 'the run ended before it could be interrupted');
  assert.equal(a.code, 130, a.stderr);
  assert.match(a.stderr, /--resume/);
  // SIGKILL some steps after the step-30 checkpoint: records after it must be dropped on resume.
  const b = await runUntil([...args(run), '--resume'], run, (rs) => rs.some((r) => (r.step as number) >= 33), 'SIGKILL');
  assert.ok(b.sent, 'the run ended before it could be killed');
  assert.equal(b.signal, 'SIGKILL');
  const c = spawnSync(process.execPath, [MAIN, ...args(run), '--resume'], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);

  const want = comparable(metrics(ref)), got = comparable(metrics(run));
  assert.ok(want.filter((r) => r.type === 'train').length === 60 && want.some((r) => r.type === 'eval'));
  const first = want.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(got[i]));
  assert.equal(got.length, want.length, `${got.length} records after resuming, ${want.length} uninterrupted`);
  assert.equal(first, -1, `first difference at record ${first}:\n uninterrupted ${JSON.stringify(want[first])}\n resumed       ${JSON.stringify(got[first])}\n(${a.stderr}${b.stderr}${c.stderr})`);
  // keep 2: only the newest two checkpoints remain, each a loadable HF directory with the tokenizer
  const ckpts = fs.readdirSync(run).filter((n) => n.startsWith('checkpoint-')).sort();
  assert.deepEqual(ckpts, ['checkpoint-0000050', 'checkpoint-0000060']);
  for (const f of ['config.json', 'model.safetensors', 'spiece.model', 'optimizer.safetensors', 'trainer_state.json']) {
    assert.ok(fs.existsSync(path.join(run, 'checkpoint-0000060', f)), f);
  }
  assert.ok(fs.readFileSync(path.join(run, 'curves.svg'), 'utf8').startsWith('<svg'));
  // and the final weights are the same bytes
  assert.ok(fs.readFileSync(path.join(ref, 'checkpoint-0000060', 'model.safetensors')).equals(fs.readFileSync(path.join(run, 'checkpoint-0000060', 'model.safetensors'))));
});

test('bf16: a run stopped and resumed logs the same losses bit for bit; resuming with another precision is refused', async () => {
  const { dir, data, tokenizer } = await smallData();
  const opts = (output: string) => ({
    data, output, tokenizer, model: 'tiny', set: SMALL_MODEL, precision: 'bf16' as const, steps: 16, batchSize: 8, lr: 0.01, warmupSteps: 2,
    shuffleBuffer: 50, evalInstances: 16, evalEvery: 8, logEvery: 1, saveEvery: 5, keep: 2, threads: 1, quiet: true, onWarning: () => {},
  });
  const ref = path.join(dir, 'bf16-ref'), run = path.join(dir, 'bf16-run');
  await pretrain(opts(ref));
  const stop = new AbortController();
  const a = await pretrain({ ...opts(run), signal: stop.signal, onStep: (s) => { if (s.step === 7) stop.abort(); } });
  assert.equal(a.interrupted, true);
  await assert.rejects(pretrain({ ...opts(run), precision: 'fp32', resume: true }), /precision \(was "bf16", now "fp32"\)/);
  const { precision: _p, ...withoutPrecision } = opts(run);
  await pretrain({ ...withoutPrecision, resume: true }); // the saved precision is kept
  const want = comparable(metrics(ref)), got = comparable(metrics(run));
  assert.equal(want.filter((r) => r.type === 'train').length, 16);
  assert.deepEqual(got, want);
  // and bf16 is what ran: an fp32 run's losses differ
  const f32 = path.join(dir, 'fp32-ref');
  await pretrain({ ...opts(f32), precision: 'fp32', steps: 2, evalEvery: 0 });
  assert.notEqual(metrics(f32)[0].loss, want[0].loss);
});
