// Issue 13 §5's training-trajectory check: from the same initial weights (head included), with the same
// batches in the same order and dropout 0, `albert finetune`'s per-step loss, learning rate and gradient
// norm over 30 steps equal an independent PyTorch reference (tools/reference/finetune_ref.py: HF-style
// heads, torch.optim.AdamW with the decay groups, HF's linear schedule, clip_grad_norm_) within 1e-4
// relative, for sequence classification (SST-2), regression (STS-B), SQuAD's span head and RACE's
// multiple choice; the last checkpoint's per-tensor norms equal the reference's final weights' within
// 2e-5 (which a wrong weight-decay group misses by 7x); and each family's training units are the ones
// the reference tokenized. The fixtures hold the model, the data in the official layouts and the reference's
// numbers; the tokenizer (the public ALBERT SentencePiece model) comes from ../shared/data, so the
// tests skip, saying so, where it is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTask } from '../src/finetune/tasks.js';
import { readSafetensors, type Tensor } from '../src/io/safetensors.js';
import { checkpointName } from '../src/train/checkpoint.js';
import { AlbertTokenizer } from '../src/tokenizer/albert.js';
import { scratch } from './tasks_helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/finetune');
const SPM = path.resolve(ROOT, '../shared/data/tokenizers/albert-30k-clean.model');
const TOLERANCE = 1e-4;
const NORM_TOLERANCE = 2e-5;

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
  /** The training units in file order as the reference tokenized them (multiple choice: a row per option). */
  units: Unit[];
  steps: ReferenceStep[];
  /** Each tensor's L2 norm after the last step; null where the loss does not depend on the tensor. */
  final_norms: Record<string, number | null>;
}
interface Unit {
  input_ids: number[] | number[][];
  token_type_ids: number[] | number[][];
  labels?: number;
  start_positions?: number;
  end_positions?: number;
}

/** |ours - ref| / |ref| (a reference of 0, the first warmup step's rate, must be met exactly). */
const relative = (ours: number, ref: number): number => (ours === ref ? 0 : Math.abs(ours - ref) / Math.abs(ref));

const KEYS = ['loss', 'lr', 'grad_norm'] as const;

/** Per quantity, the largest relative difference, and the problems: where each first parts beyond the tolerance. */
function compare(ours: Record<string, number>[], ref: ReferenceStep[]): { problems: string[]; worst: Record<string, number> } {
  const problems: string[] = [], worst: Record<string, number> = {};
  if (ours.length !== ref.length) problems.push(`${ours.length} train records, the reference has ${ref.length} steps`);
  for (const key of KEYS) {
    let first: string | null = null;
    worst[key] = 0;
    ref.forEach((r, i) => {
      const o = ours[i]?.[key];
      const d = typeof o === 'number' ? relative(o, r[key]) : Infinity;
      worst[key] = Math.max(worst[key], d);
      if (d > TOLERANCE && first === null) first = `step ${r.step}: ${o} vs the reference's ${r[key]} (relative ${d.toExponential(2)})`;
    });
    if (first !== null) problems.push(`${key} parts from the reference first at ${first}; max relative difference ${worst[key].toExponential(2)}`);
  }
  return { problems, worst };
}

/**
 * The last checkpoint's weights against the reference's final per-tensor norms. Weight decay's whole
 * effect over the run is ~1.5e-4 of a tensor's norm (so a wrong decay group shows), float32 against
 * float64 ~3e-6. Tensors the loss does not depend on (null in the fixture) are skipped.
 */
function compareNorms(weights: Map<string, Tensor>, ref: Record<string, number | null>): { problems: string[]; worst: number } {
  const problems: string[] = [];
  let worst = 0;
  for (const [name, norm] of Object.entries(ref)) {
    const w = weights.get(name);
    if (!w) { problems.push(`${name}: not in the checkpoint`); continue; }
    if (norm === null) continue;
    let ss = 0;
    for (const x of w.data) ss += x * x;
    const d = relative(Math.sqrt(ss), norm);
    worst = Math.max(worst, d);
    if (d > NORM_TOLERANCE) problems.push(`${name}: final norm ${Math.sqrt(ss)} vs the reference's ${norm} (relative ${d.toExponential(2)})`);
  }
  return { problems, worst };
}

/** Rows padded (id 0, segment 0, mask 0) to `S` and laid end to end, as a batch holds them. */
function padded(rows: number[][], S: number, fill: (row: number[], j: number) => number): number[] {
  return rows.flatMap((row) => Array.from({ length: S }, (_, j) => (j < row.length ? fill(row, j) : 0)));
}

const CASES = { sst2: 'sequence classification', stsb: 'regression', squad1: "SQuAD's span head", race: 'multiple choice' };

for (const [name, head] of Object.entries(CASES)) {
  const dir = path.join(FIXTURES, name);
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  const f = expected.flags;

  // Where a trajectory parts at step 1, this says whether the data (reading, tokenization, truncation, order) is why.
  test(`the ${expected.task} family's training units are the reference's (tokens, segments, truncation, labels, file order)`, (t) => {
    if (!fs.existsSync(SPM)) { t.skip(`${SPM} is absent (../shared/data): the check needs the ALBERT tokenizer`); return; }
    const task = openTask(expected.task, {
      role: 'finetune', data: path.join(dir, expected.data), evalData: expected.eval_data && path.join(dir, expected.eval_data),
      tokenizer: AlbertTokenizer.load(SPM), maxSeqLength: f['max-seq-length'], docStride: f['doc-stride'], maxQaLength: f['max-qa-length'],
    });
    const train = task.train();
    assert.equal(train.size, expected.units.length);
    const S = f['max-seq-length'];
    expected.units.forEach((u, i) => {
      const { inputs, labels } = train.batch([i]);
      const rows = (Array.isArray(u.input_ids[0]) ? u.input_ids : [u.input_ids]) as number[][];
      const types = (Array.isArray(u.token_type_ids[0]) ? u.token_type_ids : [u.token_type_ids]) as number[][];
      const where = `unit ${i}`;
      assert.deepEqual([...inputs.inputIds], padded(rows, S, (r, j) => r[j]), `${where}: input ids`);
      assert.deepEqual([...inputs.tokenTypeIds!], padded(types, S, (r, j) => r[j]), `${where}: token type ids`);
      assert.deepEqual([...inputs.attentionMask!], padded(rows, S, () => 1), `${where}: attention mask`);
      if (u.labels !== undefined) assert.equal(labels.labels![0], Math.fround(u.labels), `${where}: label`);
      if (u.start_positions !== undefined) {
        assert.deepEqual([labels.startPositions![0], labels.endPositions![0]], [u.start_positions, u.end_positions], `${where}: answer span`);
      }
    });
  });

  test(`albert finetune --task ${expected.task} (${head}) follows the PyTorch reference step by step`, (t) => {
    if (!fs.existsSync(SPM)) { t.skip(`${SPM} is absent (../shared/data): the trajectory check needs the ALBERT tokenizer`); return; }
    const work = scratch(`trajectory-${name}`);
    const model = path.join(work, 'model');
    fs.mkdirSync(model);
    for (const file of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(dir, expected.model, file), path.join(model, file));
    fs.copyFileSync(SPM, path.join(model, 'spiece.model'));
    const out = path.join(work, 'out');
    const args = [MAIN, 'finetune', '--task', expected.task, '--data', path.join(dir, expected.data), '--model', model, '--output', out,
      ...(expected.eval_data ? ['--eval-data', path.join(dir, expected.eval_data)] : []),
      '--optimizer', 'adamw', '--no-shuffle', '--dropout', '0', '--classifier-dropout', '0', '--log-every', '1', '--seed', '1',
      '--threads', '1', '--quiet', ...Object.entries(f).flatMap(([k, v]) => [`--${k}`, String(v)])];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `albert ${args.slice(1).join(' ')}\nexited ${r.status}:\n${r.stderr}`);
    const records = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>).filter((rec) => rec.type === 'train') as Record<string, number>[];
    assert.deepEqual(records.map((rec) => rec.step), expected.steps.map((s) => s.step), 'one train record per step');
    const { problems, worst } = compare(records, expected.steps);
    const last = path.join(out, checkpointName(f.steps), 'model.safetensors');
    const norms = compareNorms(readSafetensors(last).tensors, expected.final_norms);
    t.diagnostic(`max relative difference over ${expected.steps.length} steps: ${KEYS.map((k) => `${k} ${worst[k].toExponential(2)}`).join(', ')}; `
      + `final weight norms ${norms.worst.toExponential(2)}`);
    assert.deepEqual(problems, []);
    assert.deepEqual(norms.problems, [], `${last} against the reference's final weights`);
  });
}

test('the trajectory comparison fails on a schedule one step late and on a loss off by 1e-3', () => {
  const ref: ReferenceStep[] = [1, 2, 3].map((step) => ({ step, loss: 1 / step, lr: (step - 1) * 1e-4, grad_norm: 2 }));
  assert.deepEqual(compare(ref, ref).problems, []);
  const late = ref.map((s) => ({ ...s, lr: s.step * 1e-4 }));
  assert.match(compare(late, ref).problems.join('\n'), /^lr parts from the reference first at step 1: 0\.0001 vs the reference's 0 /);
  const off = ref.map((s, i) => ({ ...s, loss: i === 2 ? s.loss * 1.001 : s.loss }));
  assert.match(compare(off, ref).problems.join('\n'), /^loss parts from the reference first at step 3: .*relative 1\.00e-3/);
  assert.match(compare(ref.slice(0, 2), ref).problems.join('\n'), /2 train records, the reference has 3 steps/);
});

test('the final-weights comparison names a tensor off by more than the tolerance and skips the noise-driven ones', () => {
  const w = new Map<string, Tensor>([['a', { shape: [2], data: Float32Array.of(3, 4) }], ['b', { shape: [1], data: Float32Array.of(1) }]]);
  assert.deepEqual(compareNorms(w, { a: 5, b: null }).problems, []);
  assert.match(compareNorms(w, { a: 5 * (1 + 1e-4), b: 1 }).problems.join('\n'), /^a: final norm 5 vs the reference's 5\.000\d+ \(relative 1\.00e-4\)$/);
  assert.deepEqual(compareNorms(w, { c: 1 }).problems, ['c: not in the checkpoint']);
});
