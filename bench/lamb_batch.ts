// LAMB at large batch (the paper trains at batch 4096 with LAMB): on the first job's data, the
// small-batch run (batch 32) against batch 32 x 16 (16 ranks' worth, simulated on one process by
// --grad-accum 16: the same update as mpirun -np 16 --batch-size 512) with the learning rate scaled by
// sqrt(16) (LAMB's square-root rule). Does the large batch reach the small batch's held-out loss in
// fewer optimizer steps? Writes bench/out/lamb_batch.{json,svg,png}.
//   node dist/bench/lamb_batch.js [--small-steps 1200] [--large-steps 240] [--threads 1]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadBackend } from '../src/backend/index.js';
import { FIRST_JOB_MODEL, runFirstJob } from '../src/train/first_job.js';
import { pretrain, type MetricsRecord } from '../src/train/pretrain.js';
import { cpuLine } from './machine.js';

const { values: v } = parseArgs({ options: {
  'small-steps': { type: 'string', default: '1200' }, 'large-steps': { type: 'string', default: '240' },
  'small-lr': { type: 'string', default: '4e-3' }, 'lr-scale': { type: 'string', default: '4' }, 'warmup': { type: 'string', default: '0.05' },
  'only-large': { type: 'boolean', default: false }, 'plot-only': { type: 'boolean', default: false },
  threads: { type: 'string', default: '1' }, out: { type: 'string', default: 'bench/out' },
} });
const out = path.resolve(v.out!);
fs.mkdirSync(out, { recursive: true });
const work = path.join(out, 'lamb_batch_work');
const backend = loadBackend({ threads: Number(v.threads) });

// The first job's corpus and data (its own 1-step run is discarded).
if (!v['plot-only'] && !fs.existsSync(path.join(work, 'data/train/index.json'))) {
  await runFirstJob({ output: work, steps: 1, overwrite: true, backend, quiet: true, pretrain: { evalEvery: 0 } });
}
const LR = Number(v['small-lr']), SCALE = Number(v['lr-scale']), WARMUP = Number(v.warmup);
const runs = [
  { name: 'batch 32', batchSize: 32, gradAccum: 1, lr: LR, steps: Number(v['small-steps']), evalEvery: 50 },
  { name: `batch 32 x 16 (accumulated), lr x ${SCALE}`, batchSize: 32, gradAccum: 16, lr: LR * SCALE, steps: Number(v['large-steps']), evalEvery: 10 },
].slice(v['only-large'] ? 1 : 0);
interface Eval { step: number; mlm_loss: number; mlm_acc: number; sentence_acc: number | null }
const results: (typeof runs[0] & { samplesPerStep: number; seconds: number; evals: Eval[] })[] = [];
if (v['plot-only']) results.push(...JSON.parse(fs.readFileSync(path.join(out, 'lamb_batch.json'), 'utf8')).runs);
for (const r of v['plot-only'] ? [] : runs) {
  const dir = path.join(work, `run-${r.batchSize * r.gradAccum}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const evals: Eval[] = [];
  const t0 = Date.now();
  await pretrain({
    data: path.join(work, 'data/train'), output: dir, tokenizer: path.join(work, 'synthetic.model'), model: 'tiny', set: FIRST_JOB_MODEL,
    optimizer: 'lamb', lr: r.lr, warmupSteps: Math.round(r.steps * WARMUP), steps: r.steps, batchSize: r.batchSize, gradAccum: r.gradAccum,
    seed: 1, evalInstances: 0, evalData: [path.join(work, 'data/heldout')], evalLimit: 1000, evalEvery: r.evalEvery, logEvery: 10,
    saveEvery: 0, keep: 1, backend, quiet: true,
    onRecord: (rec: MetricsRecord) => { if (rec.type === 'eval') evals.push({ step: rec.step, mlm_loss: rec.mlm_loss, mlm_acc: rec.mlm_acc, sentence_acc: rec.sentence_acc }); },
  });
  const seconds = (Date.now() - t0) / 1000;
  results.push({ ...r, samplesPerStep: r.batchSize * r.gradAccum, seconds, evals });
  process.stderr.write(`${r.name}: ${r.steps} steps in ${seconds.toFixed(0)} s, final held-out MLM loss ${evals[evals.length - 1].mlm_loss.toFixed(3)}\n`);
}

// The first step at which the large batch's held-out MLM loss is at or below the small batch's final one.
const target = results[0].evals[results[0].evals.length - 1].mlm_loss;
const reached = results[1].evals.find((e) => e.mlm_loss <= target);
const summary = {
  machine: cpuLine(), threads: Number(v.threads), target_mlm_loss: target, small_steps: results[0].steps,
  large_steps_to_target: reached?.step ?? null, runs: results,
};
fs.writeFileSync(path.join(out, 'lamb_batch.json'), JSON.stringify(summary, null, 1));
process.stderr.write(`small batch final held-out MLM loss ${target.toFixed(3)} after ${results[0].steps} steps; `
  + (reached ? `the large batch reaches it at step ${reached.step}\n` : 'the large batch does not reach it\n'));

// The picture: held-out MLM loss against optimizer steps and against samples seen.
const W = 920, H = 340, M = { l: 60, r: 40, t: 40, b: 50 }, pw = (W - M.l - M.r - 60) / 2, ph = H - M.t - M.b;
const colors = ['#1f77b4', '#d62728'];
const allLoss = results.flatMap((r) => r.evals.map((e) => e.mlm_loss));
const yMin = Math.floor(Math.min(...allLoss) * 2) / 2, yMax = Math.ceil(Math.max(...allLoss) * 2) / 2;
const panel = (x0: number, title: string, xOf: (r: typeof results[0], step: number) => number, xMax: number, xLabel: string) => {
  const sx = (x: number) => x0 + (x / xMax) * pw, sy = (y: number) => M.t + ph - ((y - yMin) / (yMax - yMin)) * ph;
  let s = `<rect x="${x0}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`;
  s += `<text x="${x0 + pw / 2}" y="${M.t - 10}" text-anchor="middle" font-size="14">${title}</text>`;
  for (let k = 0; k <= 4; k++) {
    const x = (xMax * k) / 4, y = yMin + ((yMax - yMin) * k) / 4;
    s += `<text x="${sx(x)}" y="${M.t + ph + 16}" text-anchor="middle" font-size="11">${Math.round(x).toLocaleString('en')}</text>`;
    s += `<text x="${x0 - 6}" y="${sy(y) + 4}" text-anchor="end" font-size="11">${y.toFixed(2)}</text>`;
    s += `<line x1="${x0}" x2="${x0 + pw}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`;
  }
  s += `<text x="${x0 + pw / 2}" y="${M.t + ph + 36}" text-anchor="middle" font-size="12">${xLabel}</text>`;
  s += `<line x1="${x0}" x2="${x0 + pw}" y1="${sy(target)}" y2="${sy(target)}" stroke="#888" stroke-dasharray="4 3"/>`;
  results.forEach((r, i) => {
    const pts = r.evals.map((e) => `${sx(xOf(r, e.step)).toFixed(1)},${sy(e.mlm_loss).toFixed(1)}`).join(' ');
    s += `<polyline points="${pts}" fill="none" stroke="${colors[i]}" stroke-width="2"/>`;
  });
  return s;
};
const maxSteps = Math.max(...results.map((r) => r.steps)), maxSamples = Math.max(...results.map((r) => r.steps * r.samplesPerStep));
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 34}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>`;
svg += panel(M.l, 'held-out MLM loss vs optimizer steps', (_r, s) => s, maxSteps, 'optimizer steps');
svg += panel(M.l + pw + 80, 'held-out MLM loss vs samples seen', (r, s) => s * r.samplesPerStep, maxSamples, 'training samples');
results.forEach((r, i) => {
  svg += `<rect x="${M.l + i * 300}" y="${H + 2}" width="14" height="4" fill="${colors[i]}"/><text x="${M.l + 20 + i * 300}" y="${H + 8}" font-size="12">${r.name} (LAMB lr ${r.lr.toExponential(1)})</text>`;
});
svg += `<text x="${M.l}" y="${H + 26}" font-size="12">dashed: batch 32's final loss; ${results[1]?.steps ?? ''} steps each, warmup ${Math.round(100 * WARMUP)}% then linear decay</text></svg>\n`;
fs.writeFileSync(path.join(out, 'lamb_batch.svg'), svg);
const png = spawnSync('rsvg-convert', ['-o', path.join(out, 'lamb_batch.png'), path.join(out, 'lamb_batch.svg')]);
if (png.status !== 0) process.stderr.write('rsvg-convert not found or failed: no PNG written (apt-get install librsvg2-bin)\n');
