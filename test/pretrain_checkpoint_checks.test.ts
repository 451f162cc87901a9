import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackend } from '../src/backend/index.js';
import { ShardDataset } from '../src/data/shards.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { UserError } from '../src/errors.js';
import { CHECKPOINT_FILES, STATE_FILE } from '../src/train/checkpoint.js';
import { pretrain } from '../src/train/pretrain.js';
import { restoreCheckpoint } from '../src/train/resume.js';
import { SMALL_MODEL, smallData } from './pretrain_helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const { dir, data, tokenizer } = await smallData(60, 32);
const base = { data, tokenizer, model: 'tiny', set: SMALL_MODEL, batchSize: 4, lr: 0.01, warmupSteps: 1, evalInstances: 8, logEvery: 1, threads: 1, quiet: true };
const run = path.join(dir, 'run');
await pretrain({ ...base, output: run, steps: 4, saveEvery: 2, keep: 5 });
const ck = (root: string, step: number) => path.join(root, `checkpoint-${String(step).padStart(7, '0')}`);
const backend = loadBackend({ threads: 1 });
const ds = ShardDataset.open(data);

let copies = 0;
/** A copy of the run whose step-4 checkpoint `damage` changes; returns the copy and its step-4 folder. */
function damaged(damage: (c4: string, c2: string) => void): { root: string; c4: string } {
  const root = path.join(dir, `copy-${copies++}`);
  fs.cpSync(run, root, { recursive: true });
  damage(ck(root, 4), ck(root, 2));
  return { root, c4: ck(root, 4) };
}
const state = (c: string) => JSON.parse(fs.readFileSync(path.join(c, STATE_FILE), 'utf8'));
const editState = (c: string, edit: (s: Record<string, any>) => void) => { const s = state(c); edit(s); fs.writeFileSync(path.join(c, STATE_FILE), JSON.stringify(s)); };
const refusal = (c: string): string => {
  try { restoreCheckpoint(c, ds, backend); } catch (e) { assert.ok(e instanceof UserError, String((e as Error).stack)); return (e as Error).message; }
  return 'restored';
};

test('every checkpoint file damaged, truncated, mismatched or missing is refused, naming the file', () => {
  assert.equal(refusal(ck(run, 4)), 'restored');
  const otherConfig = (c: string) => { const j = JSON.parse(fs.readFileSync(path.join(c, 'config.json'), 'utf8')); j.layer_norm_eps = 1e-5; return JSON.stringify(j); };
  const otherFile: Record<string, (c4: string, c2: string) => Buffer | string> = {
    'config.json': otherConfig,
    'model.safetensors': (_c4, c2) => fs.readFileSync(path.join(c2, 'model.safetensors')),
    'optimizer.safetensors': (_c4, c2) => fs.readFileSync(path.join(c2, 'optimizer.safetensors')),
    'spiece.model': () => Buffer.concat([Buffer.from(syntheticTokenizerModel()), Buffer.from([0])]),
  };
  for (const f of CHECKPOINT_FILES) {
    const flip = (c4: string) => { const b = fs.readFileSync(path.join(c4, f)); b[b.length >> 1] ^= 1; fs.writeFileSync(path.join(c4, f), b); };
    const cases: [string, (c4: string, c2: string) => void][] = [
      ['damaged', flip],
      ['truncated', (c4) => { const b = fs.readFileSync(path.join(c4, f)); fs.writeFileSync(path.join(c4, f), b.subarray(0, b.length - 7)); }],
      ['mismatched', (c4, c2) => fs.writeFileSync(path.join(c4, f), otherFile[f](c4, c2))],
    ];
    for (const [how, damage] of cases) {
      const { c4 } = damaged(damage);
      assert.equal(refusal(c4), `${path.join(c4, f)}: does not match ${STATE_FILE} (sha256 differs: damaged, truncated or from another checkpoint)`, `${how} ${f}`);
    }
    const { c4 } = damaged((c) => fs.rmSync(path.join(c, f)));
    assert.equal(refusal(c4), `${path.join(c4, f)}: missing`, `missing ${f}`);
  }
  // trainer_state.json itself: damaged, truncated, from another checkpoint, missing
  const stateFile = (c: string) => path.join(c, STATE_FILE);
  assert.match(refusal(damaged((c) => fs.writeFileSync(stateFile(c), fs.readFileSync(stateFile(c), 'utf8').replace('"step"', '"stp"'))).c4), /trainer_state\.json: step is undefined, but the folder is named for step 4/);
  assert.match(refusal(damaged((c) => fs.writeFileSync(stateFile(c), fs.readFileSync(stateFile(c)).subarray(0, 100))).c4), /trainer_state\.json: unreadable \(/);
  assert.match(refusal(damaged((c4, c2) => fs.copyFileSync(stateFile(c2), stateFile(c4))).c4), /trainer_state\.json: step is 2, but the folder is named for step 4/);
  assert.match(refusal(damaged((c) => fs.rmSync(stateFile(c))).c4), /trainer_state\.json: missing$/);
  assert.match(refusal(damaged((c) => editState(c, (s) => { delete s.files; })).c4), /trainer_state\.json: files must record the sha256 of config\.json, model\.safetensors, optimizer\.safetensors, spiece\.model/);
});

test('trainer state, optimizer state, weights and folder name must agree on the step', () => {
  // the issue's case: the state says step 0, the weights are step 4's
  const { c4 } = damaged((c) => editState(c, (s) => { s.step = 0; s.window.n = 0; s.skipped = 0; s.badInARow = 0; }));
  assert.match(refusal(c4), /checkpoint-0000004[/\\]trainer_state\.json: step is 0, but the folder is named for step 4/);
  // ... and with the folder renamed to match: the optimizer knows better
  const c0 = path.join(path.dirname(c4), 'checkpoint-0000000');
  fs.renameSync(c4, c0);
  assert.match(refusal(c0), /optimizer\.safetensors: update count t "4" is not an integer in 0\.\.0 \(the step\)/);
  // a folder not named for a step (--resume-from anywhere) is still checked against the optimizer
  const elsewhere = path.join(path.dirname(c4), 'somewhere');
  fs.renameSync(c0, elsewhere);
  assert.match(refusal(elsewhere), /optimizer\.safetensors: update count t "4"/);
  // skipped steps that the optimizer did make
  const s = damaged((c) => editState(c, (j) => { j.skipped = 1; }));
  assert.match(refusal(s.c4), /trainer_state\.json: step 4 with 1 skipped needs 3 optimizer updates, but optimizer\.safetensors has made 4/);
});

test('a damaged field of trainer_state.json is one line naming the file and the field', () => {
  const cases: [(s: Record<string, any>) => void, RegExp][] = [
    [(s) => { s.loader = 'x'; }, /: loader must be the saved data position \(an object\), got "x"$/],
    [(s) => { s.loader.epoch = -1; }, /: loader\.epoch must be a count of passes/],
    [(s) => { s.loader.order = [0, 0]; }, /: loader\.order must be an order of this data's 1 shard\(s\)/],
    [(s) => { s.loader.shard = 7; }, /: loader\.shard must be an integer in 0\.\.1, got 7/],
    [(s) => { s.loader.next = 'a'; }, /: loader\.next must be an instance number/],
    [(s) => { s.loader.buffer = [1e9]; }, /: loader\.buffer\[0\] is 1000000000, not an instance of the training range/],
    [(s) => { s.loader.buffer = {}; }, /: loader\.buffer must be a list/],
    [(s) => { s.loader.rng = [1, 2, 3]; }, /: loader\.rng must be four uint32 words/],
    [(s) => { s.run.batchSize = 'x'; }, /: run\.batchSize must be an integer >= 1, got "x"$/],
    [(s) => { s.run.lr = -1; }, /: run\.lr must be a number > 0, got -1$/],
    [(s) => { s.run.objective = 'xyz'; }, /: run\.objective must be sop, nsp or mlm/],
    [(s) => { s.run.steps = 3; }, /: step 4 is past the run's 3 steps/],
    [(s) => { s.head = 'masked-lm'; }, /: head must be pretraining for objective sop, got "masked-lm"/],
    [(s) => { s.session.data = 3; }, /: session\.data must be the data folder's path/],
    [(s) => { s.session.logEvery = 0; }, /: session\.logEvery must be an integer >= 1/],
    [(s) => { s.window = null; }, /: window must be an object/],
    [(s) => { s.window.loss = 'x'; }, /: window\.loss must be a finite number/],
    [(s) => { s.skipped = 9; }, /: skipped must be an integer in 0\.\.4/],
    [(s) => { s.tokens = -5; }, /: tokens must be an integer >= 0/],
    [(s) => { s.elapsedS = 'x'; }, /: elapsedS must be a number >= 0/],
    [(s) => { s.version = 7; }, /: version must be 1 or 2, got 7/],
  ];
  for (const [edit, want] of cases) {
    const { c4 } = damaged((c) => editState(c, edit));
    const msg = refusal(c4);
    assert.ok(msg.startsWith(path.join(c4, STATE_FILE) + ': ') && !msg.includes('\n'), msg);
    assert.match(msg, want);
  }
  // through the CLI: one line, no stack trace
  const { root } = damaged((c) => editState(c, (s) => { s.loader = 'x'; }));
  const r = spawnSync(process.execPath, [MAIN, 'pretrain', '--output', root, '--resume-from', ck(root, 4), '--quiet', '--threads', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `albert: ${path.join(ck(root, 4), STATE_FILE)}: loader must be the saved data position (an object), got "x"\n`);
});

test('--resume skips a damaged newest checkpoint with a warning; --resume-from picks one and refuses a damaged one', async () => {
  const { root, c4 } = damaged((c) => { const f = path.join(c, 'model.safetensors'); fs.truncateSync(f, fs.statSync(f).size - 4); });
  const warnings: string[] = [];
  const r = await pretrain({ output: root, resume: true, threads: 1, quiet: true, onWarning: (m) => warnings.push(m) });
  assert.equal(r.steps, 4);
  assert.equal(r.alreadyComplete, false);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0], `skipping ${c4}: ${path.join(c4, 'model.safetensors')}: does not match ${STATE_FILE} (sha256 differs: damaged, truncated or from another checkpoint); resuming from ${ck(root, 2)}`);
  // it trained steps 3 and 4 again, and the result is the same as the undamaged run's
  assert.equal(refusal(c4), 'restored');
  assert.ok(fs.readFileSync(path.join(c4, 'model.safetensors')).equals(fs.readFileSync(path.join(ck(run, 4), 'model.safetensors'))));

  // --resume-from: that folder, even an older one; a damaged one is refused, not replaced by another
  const other = damaged(() => {});
  const warned: string[] = [];
  const r2 = await pretrain({ output: other.root, resumeFrom: ck(other.root, 2), threads: 1, quiet: true, onWarning: (m) => warned.push(m) });
  assert.equal(r2.steps, 4);
  assert.deepEqual(warned, []);
  const bad = damaged((c, c2) => fs.writeFileSync(path.join(c2, 'config.json'), '{'));
  await assert.rejects(pretrain({ output: bad.root, resumeFrom: ck(bad.root, 2), threads: 1, quiet: true }), /checkpoint-0000002[/\\]config\.json: does not match trainer_state\.json/);
  // none intact: the error lists each
  const none = damaged((c4, c2) => { fs.rmSync(path.join(c4, 'spiece.model')); fs.rmSync(path.join(c2, 'spiece.model')); });
  await assert.rejects(pretrain({ output: none.root, resume: true, threads: 1, quiet: true }),
    /^UserError: no intact checkpoint to resume from: skipping .*checkpoint-0000004: .*spiece\.model: missing; skipping .*checkpoint-0000002: .*spiece\.model: missing$/);
});
