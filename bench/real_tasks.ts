// `npm run bench:real -- --model DIR`: fine-tunes DIR on the public task data (SST-2, MRPC, CoLA,
// STS-B, RTE, RACE middle, SQuAD 1.1) with settings sized for a 2-core machine, evaluates each on its
// dev set and prints one markdown table beside each dev set's chance / majority baseline, with the
// exact `albert finetune` command of every row.
//
//   npm run bench:real -- --model DIR [--data ../shared/data] [--work bench/.cache/real_tasks]
//                         [--only sst2,mrpc,cola,stsb,rte,race,squad1] [--parallel 2] [--threads 1]
//                         [--scale 1] [--lr 3e-4] [--markdown FILE] [--json FILE]
//
// Each task is one `albert finetune` child process (--threads each; --parallel of them at a time, the
// longest first); its progress lines are passed through, prefixed with the task, every 30 s. --scale
// multiplies every task's steps (0.02 checks the harness in a few minutes). SQuAD 1.1 has no train set
// in shared/data: its dev file is split by article (bench/real_data.ts), and both numbers say so.
// Every task uses the same AdamW lr (default 3e-4, best of 1e-4, 3e-4 and 1e-3 for a small model on
// SST-2) with 10% warmup and HF's linear decay; the steps cover 2-3 epochs of the small GLUE sets and
// a fraction of SST-2, RACE and SQuAD.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../src/errors.js';
import { writeTextAtomic } from '../src/io/atomic.js';
import type { GlueTask } from '../src/tasks/glue.js';
import { REPO_ROOT } from './baselines/deps.js';
import { cpuLine } from './machine.js';
import {
  checkData, glueBaseline, GLUE_FOLDERS, RACE_ARCHIVE, raceBaseline, splitSquadByTitle, SQUAD_DEV, squadBaseline, unpackRace,
  type Baseline, type SquadSplit,
} from './real_data.js';

const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const log = (s: string) => process.stderr.write(s + '\n');

/** One row's run: the task, its data and the flags that size it. */
interface Plan {
  key: string;
  name: string;
  task: string;
  /** --data, --eval-data. */
  data: string;
  evalData?: string;
  seq: number;
  batch: number;
  steps: number;
  /** Family flags (stride, levels...). */
  extra: string[];
  /** Metrics shown, in order (official names). */
  metrics: string[];
  note: string;
}

const TASK_KEYS = ['sst2', 'mrpc', 'cola', 'stsb', 'rte', 'race', 'squad1'] as const;
type TaskKey = (typeof TASK_KEYS)[number];

/**
 * The runs, sized so that all seven take about half an hour at --parallel 2 --threads 1 on a quiet
 * 2-core machine. SST-2 and CoLA use 64 tokens: no dev sentence is longer (34 of SST-2's 67,349 train
 * sentences are cut), and a training batch pads to the length, so 128 would only double their cost.
 */
function plans(dataDir: string, squad: SquadSplit | null, race: string | null, scale: number): Record<TaskKey, Plan | null> {
  const glue = (key: GlueTask, name: string, seq: number, steps: number, metrics: string[]): Plan => ({
    key, name, task: `glue/${key}`, data: path.join(dataDir, 'glue', GLUE_FOLDERS[key]), seq, batch: 32, steps: Math.max(1, Math.round(steps * scale)), extra: [], metrics, note: '',
  });
  return {
    sst2: glue('sst2', 'SST-2', 64, 1000, ['accuracy']),
    mrpc: glue('mrpc', 'MRPC', 128, 345, ['accuracy', 'f1']),
    cola: glue('cola', 'CoLA', 64, 535, ['matthews_correlation']),
    stsb: glue('stsb', 'STS-B', 128, 360, ['pearson', 'spearmanr']),
    rte: glue('rte', 'RTE', 128, 234, ['accuracy']),
    race: race === null ? null : {
      key: 'race', name: 'RACE (middle)', task: 'race', data: race, seq: 256, batch: 8, steps: Math.max(1, Math.round(250 * scale)),
      extra: ['--levels', 'middle'], metrics: ['accuracy'], note: '',
    },
    squad1: squad === null ? null : {
      key: 'squad1', name: 'SQuAD 1.1', task: 'squad1', data: squad.train, evalData: squad.dev, seq: 256, batch: 16,
      steps: Math.max(1, Math.round(450 * scale)), extra: ['--doc-stride', '64'], metrics: ['exact_match', 'f1'],
      note: 'train and dev are the official dev set split by article (no train set here)',
    },
  };
}

/** The `albert finetune` arguments of a plan. */
function finetuneArgs(p: Plan, model: string, out: string, lr: string, threads: number): string[] {
  return [
    'finetune', '--task', p.task, '--data', p.data, ...(p.evalData ? ['--eval-data', p.evalData] : []), '--model', model, '--output', out,
    '--max-seq-length', String(p.seq), '--batch-size', String(p.batch), '--steps', String(p.steps), '--lr', lr, '--warmup-ratio', '0.1',
    ...p.extra, '--log-every', '10', '--threads', String(threads),
  ];
}

/** A command as a reader would type it: `albert ...` with the data, work and model folders as $D, $W, $M. */
function shown(args: string[], dirs: { D: string; W: string; M: string }): string {
  const sub = (a: string) => {
    for (const [k, v] of Object.entries(dirs)) if (a === v || a.startsWith(v + path.sep)) return `$${k}${a.slice(v.length)}`;
    return a;
  };
  return ['albert', ...args.map(sub)].join(' ');
}

interface Outcome {
  plan: Plan;
  command: string;
  ok: boolean;
  why?: string;
  wall_s: number;
  report?: {
    steps: number; train: { examples: number; units: number }; eval_splits: { examples: number }[];
    final: { metrics: Record<string, number> } | null; tokens_per_s: number;
  };
}

/** Runs one finetune child, passing its progress through (prefixed, every 30 s) and every other line at once. */
function runOne(p: Plan, args: string[], command: string, out: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastProgress = 0, lastShown = Date.now(), tail = '';
    const show = (line: string) => { lastShown = Date.now(); log(`[${p.key}] ${line}`); };
    const lines = (d: Buffer) => {
      for (const line of String(d).split(/[\r\n]+/)) {
        if (!line.trim()) continue;
        tail = line;
        const progress = /^finetune \d+%/.test(line);
        if (progress && Date.now() - lastProgress < 30_000) continue;
        if (progress) lastProgress = Date.now();
        show(line);
      }
    };
    // Evaluation prints nothing until its scores: say that the run is alive.
    const alive = setInterval(() => {
      if (Date.now() - lastShown >= 60_000) show(`still running after ${fmtWall((Date.now() - started) / 1000)} (evaluating the dev set, or reading the data)`);
    }, 15_000);
    child.stdout.on('data', lines);
    child.stderr.on('data', lines);
    child.on('close', (code, signal) => {
      clearInterval(alive);
      const wall_s = (Date.now() - started) / 1000;
      if (code !== 0) return done({ plan: p, command, ok: false, why: `${signal ?? `exit ${code}`}: ${tail}`, wall_s });
      try {
        const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Outcome['report'];
        done({ plan: p, command, ok: report?.final != null, why: report?.final ? undefined : 'no final evaluation (interrupted?)', wall_s, report });
      } catch (e) {
        done({ plan: p, command, ok: false, why: `no report.json: ${(e as Error).message}`, wall_s });
      }
    });
  });
}

/** Runs the jobs, `parallel` at a time, in the order given. */
async function pool<T>(jobs: (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => { while (next < jobs.length) { const i = next++; results[i] = await jobs[i](); } };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane));
  return results;
}

/** GLUE's fractions and RACE's accuracy as percentages; correlations as they are; SQuAD's EM/F1 are already 0..100. */
function fmt(task: string, metric: string, v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (task === 'squad1') return v.toFixed(1);
  if (metric === 'accuracy' || metric === 'f1') return `${(100 * v).toFixed(1)}%`;
  return v.toFixed(3);
}

const fmtWall = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`);

function table(outcomes: Outcome[], baselines: Map<string, Baseline>): string {
  const rows = ['| task | train / dev examples | metric | ours | baseline | steps (epochs) | wall |', '|---|---|---|---|---|---|---|'];
  for (const o of outcomes) {
    const p = o.plan, r = o.report, b = baselines.get(p.key);
    const examples = r ? `${r.train.examples.toLocaleString('en-US')} / ${r.eval_splits[0]?.examples.toLocaleString('en-US') ?? '–'}` : '–';
    const ours = p.metrics.map((m) => fmt(p.task, m, r?.final?.metrics[m])).join(' / ');
    const base = b ? `${p.metrics.map((m) => fmt(p.task, m, b.metrics[m])).join(' / ')} (${b.what})` : '–';
    const epochs = r ? ` (${((r.steps * p.batch) / r.train.units).toFixed(2)})` : '';
    rows.push(`| ${p.name}${p.note ? `*` : ''} | ${examples} | ${p.metrics.join(' / ')} | ${o.ok ? ours : `failed: ${o.why}`} | ${base} | ${r?.steps ?? p.steps}${epochs} | ${fmtWall(o.wall_s)} |`);
  }
  const notes = outcomes.filter((o) => o.plan.note).map((o) => `\\* ${o.plan.name}: ${o.plan.note}.`);
  return [...rows, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string' }, data: { type: 'string' }, work: { type: 'string' }, only: { type: 'string' }, parallel: { type: 'string' },
      threads: { type: 'string' }, scale: { type: 'string' }, lr: { type: 'string' }, markdown: { type: 'string' }, json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    process.stdout.write(`usage: npm run bench:real -- --model DIR [--data ../shared/data] [--work bench/.cache/real_tasks] [--only ${TASK_KEYS.join(',')}] [--parallel 2] [--threads 1] [--scale 1] [--lr 3e-4] [--markdown FILE] [--json FILE]\n`);
    return 0;
  }
  if (!v.model) throw new UserError('missing --model DIR (an HF ALBERT directory: config.json, model.safetensors, spiece.model)');
  const model = path.resolve(v.model);
  if (!fs.existsSync(path.join(model, 'config.json'))) throw new UserError(`${model}: no config.json (not an HF ALBERT directory)`);
  const dataDir = path.resolve(v.data ?? path.join(REPO_ROOT, '..', 'shared', 'data'));
  const work = path.resolve(v.work ?? path.join(REPO_ROOT, 'bench', '.cache', 'real_tasks'));
  const only = (v.only ?? TASK_KEYS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of only) if (!(TASK_KEYS as readonly string[]).includes(k)) throw new UserError(`unknown task "${k}" (expected ${TASK_KEYS.join(', ')})`);
  const parallel = Number(v.parallel ?? 2), threads = Number(v.threads ?? 1), scale = Number(v.scale ?? 1), lr = v.lr ?? '3e-4';
  if (![parallel, threads].every((x) => Number.isInteger(x) && x >= 1)) throw new UserError('--parallel and --threads must be integers >= 1');
  if (!(scale > 0)) throw new UserError('--scale must be a number > 0');
  if (!(Number(lr) > 0)) throw new UserError('--lr must be a number > 0');

  const glueKeys = only.filter((k) => k in GLUE_FOLDERS);
  checkData(dataDir, glueKeys, only.includes('squad1'), only.includes('race'));
  const squad = only.includes('squad1') ? splitSquadByTitle(path.join(dataDir, SQUAD_DEV), path.join(work, 'squad1')) : null;
  if (squad) {
    log(`SQuAD 1.1 dev split by article: train ${squad.trainTitles.length} articles (${squad.trainQuestions} questions), dev ${squad.devTitles.length} (${squad.devQuestions}): ${squad.devTitles.join(', ')}`);
  }
  const race = only.includes('race') ? unpackRace(path.join(dataDir, RACE_ARCHIVE), path.join(work, 'race')) : null;
  const all = plans(dataDir, squad, race, scale);
  const chosen = TASK_KEYS.filter((k) => only.includes(k)).map((k) => all[k]!);

  const baselines = new Map<string, Baseline>();
  for (const p of chosen) {
    if (p.key in GLUE_FOLDERS) baselines.set(p.key, glueBaseline(p.key as GlueTask, p.data));
    else if (p.key === 'race') baselines.set(p.key, raceBaseline(race!, ['middle']));
    else baselines.set(p.key, squadBaseline(squad!));
  }

  const dirs = { D: dataDir, W: work, M: model };
  const started = Date.now();
  // Longest first (steps x batch x length): the pool then ends its two lanes close together.
  const cost = (p: Plan) => p.steps * p.batch * p.seq * (p.key === 'race' ? 4 : 1);
  const order = [...chosen].sort((a, b) => cost(b) - cost(a));
  log(`${order.length} tasks, ${parallel} at a time, ${threads} thread(s) each; runs under ${path.join(work, 'runs')}`);
  const jobs = order.map((p) => () => {
    const out = path.join(work, 'runs', p.key);
    fs.rmSync(out, { recursive: true, force: true }); // our own run folder from an earlier run of this script
    const args = finetuneArgs(p, model, out, lr, threads);
    const command = shown(args, dirs);
    log(`[${p.key}] ${command}`);
    return runOne(p, args, command, out);
  });
  const results = await pool(jobs, parallel);
  const wall = (Date.now() - started) / 1000;
  const outcomes = chosen.map((p) => results[order.indexOf(p)]);

  const md = [
    `Model: ${shown([model], dirs).replace(/^albert /, '')} (${model}); CPU: ${cpuLine()}; ${parallel} at a time, --threads ${threads}; total wall ${fmtWall(wall)}.`,
    '',
    table(outcomes, baselines),
    '',
    'Commands (D = data folder, W = work folder, M = model):',
    '',
    '```sh',
    `D=${dataDir}; W=${work}; M=${model}`,
    ...outcomes.map((o) => o.command),
    '```',
    ...(squad ? ['', `SQuAD 1.1 dev articles for our dev set (every fifth in file order): ${squad.devTitles.join(', ')}.`] : []),
  ].join('\n');
  process.stdout.write(md + '\n');
  if (v.markdown) writeTextAtomic(v.markdown, md + '\n');
  if (v.json) {
    writeTextAtomic(v.json, JSON.stringify({
      model, cpu: cpuLine(), parallel, threads, lr, scale, wall_s: wall, squad_split: squad,
      tasks: outcomes.map((o) => ({ key: o.plan.key, task: o.plan.task, command: o.command, ok: o.ok, why: o.why, wall_s: o.wall_s, report: o.report, baseline: baselines.get(o.plan.key) })),
    }, null, 2) + '\n');
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  log(`bench:real: ${e instanceof UserError ? e.message : (e as Error).stack ?? String(e)}`);
  process.exitCode = e instanceof UserError ? 2 : 1;
});
