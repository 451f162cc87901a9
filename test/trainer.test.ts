// The Trainer with a task that is not pretraining: a scripted sequence-classification task whose
// dev metric at each step is fixed in advance, so that which checkpoint is best is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBackend } from '../src/backend/index.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { fmix32 } from '../src/backend/backend.js';
import { AlbertModel } from '../src/model/albert.js';
import { withConfig } from '../src/model/config.js';
import { presetConfig } from '../src/model/presets.js';
import type { LossResult } from '../src/model/types.js';
import { STATE_FILE } from '../src/train/checkpoint.js';
import { restoreNewestIntact, restoreTrainingCheckpoint, resumeCandidates, type RestoreHooks } from '../src/train/resume.js';
import type { Evaluation, Task, TaskBatch } from '../src/train/task.js';
import { Trainer, type TrainerOptions } from '../src/train/trainer.js';
import type { StateSchema, TrainerRun, TrainerSession, Window } from '../src/train/trainer_state.js';
import { UserError } from '../src/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-trainer-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const tokenizer = path.join(dir, 'tok.model');
fs.writeFileSync(tokenizer, syntheticTokenizerModel());
const backend = loadBackend({ threads: 1 });
const B = 4, S = 8, V = 40;
const config = withConfig(presetConfig('tiny'), { vocab_size: V, embedding_size: 8, hidden_size: 16, num_attention_heads: 2, intermediate_size: 32, num_hidden_layers: 2, hidden_dropout_prob: 0.1 });

/** Batches drawn from (batch number); the label is the parity of the second token. Dev metric: script[batches drawn so far]. */
class ScriptedTask implements Task<{ set: string; accuracy: number }> {
  readonly name = 'toy'; readonly head = 'sequence-classification' as const; readonly trainExamples = 64;
  readonly evalSets = [{ name: 'dev', instances: 8 }]; readonly statKeys = ['batchLoss'] as const; readonly epoch = 0;
  constructor(private readonly script: Record<number, number>, private i = 0, private readonly greaterIsBetter = true) {}
  nextBatch(): TaskBatch {
    const ids = new Int32Array(B * S), labels = new Int32Array(B);
    for (let k = 0; k < ids.length; k++) ids[k] = k % S === 0 ? 2 : 5 + (fmix32((this.i * 1000 + k) >>> 0) % (V - 5));
    for (let b = 0; b < B; b++) labels[b] = ids[b * S + 1] % 2;
    this.i++;
    return { inputs: { inputIds: ids, batch: B, seq: S }, labels: { labels }, tokens: B * S };
  }
  dataState() { return { i: this.i }; }
  microStats(r: LossResult) { return { batchLoss: r.loss }; }
  trainRecord(w: Window) { return { batch_loss: w.batchLoss / (w.n || NaN) }; }
  evaluate(): Evaluation<{ set: string; accuracy: number }> {
    const v = this.script[this.i];
    return { records: [{ set: 'dev', accuracy: v }], metrics: { accuracy: v }, main: 'accuracy', greaterIsBetter: this.greaterIsBetter };
  }
  writeCurves(file: string) { fs.writeFileSync(file, '<svg/>'); }
  close() {}
}

const schema: StateSchema = {
  runProblem: (run) => (Number.isInteger(run.steps) ? undefined : 'run.steps must be an integer'),
  headProblem: (head) => (head === 'sequence-classification' ? undefined : `head must be sequence-classification, got ${head}`),
  sessionProblem: () => undefined,
  windowKeys: ['batchLoss'],
};
const run: TrainerRun = { optimizer: 'adamw', lr: 1e-3, warmupSteps: 1, decayPower: 1, steps: 12, batchSize: B, gradAccum: 1, clipNorm: 1, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-6, seed: 3 };
const session: TrainerSession = { evalEvery: 2, logEvery: 1, saveEvery: 4, keep: 1, maxBadSteps: 5, checkpointActivations: false };
// evaluated at steps 2, 4, ..., 12: the best is step 8 (step 2 and 4 were best before it)
const SCRIPT = { 2: 0.5, 4: 0.9, 6: 0.6, 8: 0.95, 10: 0.7, 12: 0.8 };

function newModel(): AlbertModel {
  const m = new AlbertModel(config, 'sequence-classification', backend);
  m.initWeights(7);
  return m;
}
const trainer = (output: string, extra: Partial<TrainerOptions<{ set: string; accuracy: number }>> = {}) =>
  new Trainer({ output, task: new ScriptedTask(SCRIPT), model: newModel(), backend, run, session, tokenizer, keepBest: true, ...extra });
const checkpoints = (out: string) => fs.readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort();
const stateOf = (c: string) => JSON.parse(fs.readFileSync(path.join(c, STATE_FILE), 'utf8'));

test('keepBest: the best checkpoint by the main metric is kept beside the newest --keep, and a superseded best is pruned', async () => {
  const out = path.join(dir, 'best');
  const r = await trainer(out).run();
  assert.equal(r.steps, 12);
  assert.deepEqual(r.best, { step: 8, metric: 'accuracy', value: 0.95, greaterIsBetter: true, checkpoint: 'checkpoint-0000008', dir: path.join(out, 'checkpoint-0000008') });
  // 2 and 4 were each the best once (saved), then pruned when a better one came; 12 is the last
  assert.deepEqual(checkpoints(out), ['checkpoint-0000008', 'checkpoint-0000012']);
  assert.deepEqual(stateOf(path.join(out, 'checkpoint-0000012')).best, { step: 8, metric: 'accuracy', value: 0.95, greaterIsBetter: true, checkpoint: 'checkpoint-0000008' });
  assert.equal(stateOf(path.join(out, 'checkpoint-0000008')).best.step, 8);
  // the train records hold the task's fields between loss and lr
  const first = JSON.parse(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n')[0]);
  assert.deepEqual(Object.keys(first), ['type', 'step', 'epoch', 'loss', 'batch_loss', 'lr', 'grad_norm', 'skipped', 'tokens_per_s', 'elapsed_s']);
  assert.equal(first.loss, first.batch_loss);

  // off (pretraining's default): only the newest --keep
  const plain = path.join(dir, 'plain');
  const p = await trainer(plain, { keepBest: false }).run();
  assert.equal(p.best, undefined);
  assert.deepEqual(checkpoints(plain), ['checkpoint-0000012']);
  assert.equal(stateOf(path.join(plain, 'checkpoint-0000012')).best, undefined);
  // the same training either way, bit for bit
  assert.ok(fs.readFileSync(path.join(out, 'checkpoint-0000012/model.safetensors')).equals(fs.readFileSync(path.join(plain, 'checkpoint-0000012/model.safetensors'))));

  // a loss-like main metric: the smallest is best
  const low = path.join(dir, 'lower');
  const l = await trainer(low, { task: new ScriptedTask(SCRIPT, 0, false) }).run();
  assert.equal(l.best?.step, 2);
  assert.deepEqual(checkpoints(low), ['checkpoint-0000002', 'checkpoint-0000012']);
});

test('a task\'s run interrupted and resumed keeps its best and ends as the uninterrupted one, bit for bit', async () => {
  const ref = path.join(dir, 'ref'), out = path.join(dir, 'resumed');
  await trainer(ref).run();
  const abort = new AbortController();
  const a = await trainer(out, { signal: abort.signal, onStep: (s) => { if (s.step === 9) abort.abort(); } }).run();
  assert.equal(a.interrupted, true);
  assert.equal(a.best?.step, 8);
  assert.deepEqual(checkpoints(out), ['checkpoint-0000008', 'checkpoint-0000009']);
  const hooks: RestoreHooks<number> = { schema, restoreData: (st) => (st.loader as { i: number }).i };
  const restored = restoreNewestIntact(resumeCandidates(out), backend, hooks, (m) => assert.fail(m));
  assert.equal(restored.dir, path.join(out, 'checkpoint-0000009'));
  const b = await trainer(out, { task: new ScriptedTask(SCRIPT, restored.data), model: restored.model, restored }).run();
  assert.equal(b.best?.step, 8);
  assert.deepEqual(checkpoints(out), checkpoints(ref));
  assert.ok(fs.readFileSync(path.join(ref, 'checkpoint-0000012/model.safetensors')).equals(fs.readFileSync(path.join(out, 'checkpoint-0000012/model.safetensors'))));
  const records = (d: string) => fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => { const { tokens_per_s: _t, elapsed_s: _e, ...r } = JSON.parse(l); return r; });
  assert.deepEqual(records(out), records(ref));

  // a damaged best is one line naming the file and the field
  const c = path.join(out, 'checkpoint-0000012'), st = stateOf(c);
  st.best.value = 'x';
  fs.writeFileSync(path.join(c, STATE_FILE), JSON.stringify(st));
  assert.throws(() => restoreTrainingCheckpoint(c, backend, hooks), (e: unknown) => e instanceof UserError
    && (e as Error).message === `${path.join(c, STATE_FILE)}: best.value must be a finite number, got "x"`);
});
