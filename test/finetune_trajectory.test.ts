// Issue 13 §5's training-trajectory check: from the same initial weights (head included), with the same
// batches in the same order and dropout 0, `albert finetune`'s per-step loss, learning rate and gradient
// norm over 30 steps equal an independent PyTorch reference (tools/reference/finetune_ref.py: HF-style
// heads, torch.optim.AdamW with the decay groups, HF's linear schedule, clip_grad_norm_) within 1e-4
// relative, for sequence classification (SST-2), regression (STS-B), SQuAD's span head and RACE's
// multiple choice. The fixtures hold the model, the data in the official layouts and the reference's
// numbers; the tokenizer (the public ALBERT SentencePiece model) comes from ../shared/data, so the
// tests skip, saying so, where it is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratch } from './tasks_helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/finetune');
const SPM = path.resolve(ROOT, '../shared/data/tokenizers/albert-30k-clean.model');
const TOLERANCE = 1e-4;

type ReferenceStep = { step: number; loss: number; lr: number; grad_norm: number };
interface Expected {
  description: string;
  task: string;
  /** Relative to the case's folder. */
  data: string;
  eval_data?: string;
  model: string;
  /** Flag name (without --) -> value, the run the reference made. */
  flags: Record<string, number>;
  steps: ReferenceStep[];
}

/** |ours - ref| / |ref| (a reference of 0, the first warmup step's rate, must be met exactly). */
const relative = (ours: number, ref: number): number => (ours === ref ? 0 : Math.abs(ours - ref) / Math.abs(ref));

/** Per quantity, the largest relative difference and the first step (1-based) beyond the tolerance. */
function compareTrajectories(ours: Record<string, number>[], ref: ReferenceStep[]): string[] {
  const problems: string[] = [];
  if (ours.length !== ref.length) problems.push(`${ours.length} train records, the reference has ${ref.length} steps`);
  for (const key of ['loss', 'lr', 'grad_norm'] as const) {
    let worst = 0, first: string | null = null;
    ref.forEach((r, i) => {
      const o = ours[i]?.[key];
      const d = typeof o === 'number' ? relative(o, r[key]) : Infinity;
      worst = Math.max(worst, d);
      if (d > TOLERANCE && first === null) first = `step ${r.step}: ${o} vs the reference's ${r[key]} (relative ${d.toExponential(2)})`;
    });
    if (first !== null) problems.push(`${key} parts from the reference first at ${first}; max relative difference ${worst.toExponential(2)}`);
  }
  return problems;
}

const CASES = { sst2: 'sequence classification', stsb: 'regression', squad1: "SQuAD's span head", race: 'multiple choice' };

for (const [name, head] of Object.entries(CASES)) {
  const dir = path.join(FIXTURES, name);
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  test(`albert finetune --task ${expected.task} (${head}) follows the PyTorch reference step by step`, (t) => {
    if (!fs.existsSync(SPM)) { t.skip(`${SPM} is absent (../shared/data): the trajectory check needs the ALBERT tokenizer`); return; }
    const work = scratch(`trajectory-${name}`);
    const model = path.join(work, 'model');
    fs.mkdirSync(model);
    for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(dir, expected.model, f), path.join(model, f));
    fs.copyFileSync(SPM, path.join(model, 'spiece.model'));
    const out = path.join(work, 'out');
    const args = [MAIN, 'finetune', '--task', expected.task, '--data', path.join(dir, expected.data), '--model', model, '--output', out,
      ...(expected.eval_data ? ['--eval-data', path.join(dir, expected.eval_data)] : []),
      '--optimizer', 'adamw', '--no-shuffle', '--dropout', '0', '--classifier-dropout', '0', '--log-every', '1', '--seed', '1',
      '--threads', '1', '--quiet',
      ...Object.entries(expected.flags).flatMap(([k, v]) => [`--${k}`, String(v)])];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `albert ${args.slice(1).join(' ')}\nexited ${r.status}:\n${r.stderr}`);
    const records = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>).filter((rec) => rec.type === 'train') as Record<string, number>[];
    assert.deepEqual(records.map((rec) => rec.step), expected.steps.map((s) => s.step), 'one train record per step');
    assert.deepEqual(compareTrajectories(records, expected.steps), []);
  });
}

test('the trajectory comparison fails on a schedule one step late and on a loss off by 1e-3', () => {
  const ref: ReferenceStep[] = [1, 2, 3].map((step) => ({ step, loss: 1 / step, lr: (step - 1) * 1e-4, grad_norm: 2 }));
  assert.deepEqual(compareTrajectories(ref, ref), []);
  const late = ref.map((s) => ({ ...s, lr: s.step * 1e-4 }));
  assert.match(compareTrajectories(late, ref).join('\n'), /^lr parts from the reference first at step 1: 0\.0001 vs the reference's 0 /);
  const off = ref.map((s, i) => ({ ...s, loss: i === 2 ? s.loss * 1.001 : s.loss }));
  assert.match(compareTrajectories(off, ref).join('\n'), /^loss parts from the reference first at step 3: .*relative 1\.00e-3/);
  assert.match(compareTrajectories(ref.slice(0, 2), ref).join('\n'), /2 train records, the reference has 3 steps/);
});
