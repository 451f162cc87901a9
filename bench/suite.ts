// What the benchmark suites share (bench/run.ts's table, bench/goals.ts's issue-18 table): the runs, each a
// child process printing one JSON line, their interleaved order over rounds and the median round.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchMode } from '../src/cli/bench_stats.js';
import { REPO_ROOT, type Found } from './baselines/deps.js';

export type Engine = 'ours' | 'ort' | 'torch';
export const ENGINE_NAMES: Record<Engine, string> = { ours: 'albert-ts', ort: 'onnxruntime-node', torch: 'PyTorch' };

export interface Run {
  engine: Engine; config: string; mode: BenchMode; batch: number; seq: number; steps: number; warmup: number; checkpoint: boolean;
  /** A variant of the engine at this shape, e.g. 'int8' (ours: --dtype int8; ORT: the quantized model), 'bf16'. */
  tag?: string;
}
/** What a runner's JSON line holds (ours adds gflops, backend, profile...). */
export interface RunResult { tokens_per_s: number; step_s_median: number; peak_rss_bytes: number; gflops?: number; [k: string]: unknown }
export type Outcome = Found<RunResult>;

/** The albert CLI (its `bench` command measures ours). */
export const OURS_MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
export const log = (s: string) => process.stderr.write(s + '\n');

/** Run a child, stream nothing, return the JSON object on its last stdout line or why it failed. */
export function child(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((done) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => { out += d; });
    p.stderr.on('data', (d: Buffer) => { err += d; });
    p.on('error', (e) => done({ ok: false, reason: e.message }));
    p.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try { return done({ ok: true, value: JSON.parse(last) as RunResult }); } catch { /* fall through */ }
      }
      const why = err.trim().split('\n').filter((l) => l.trim()).pop() ?? '';
      done({ ok: false, reason: `${signal ? `killed by ${signal}` : `exit ${code}`}${why ? `: ${why}` : ''}` });
    });
  });
}

/**
 * The runs of round `round` (1-based): each shape's engines (ours with its checkpointed run, which is
 * compared with the plain one right before it) rotated by round - 1, so that every engine goes first
 * after the previous shape as often as the others.
 */
export function roundOrder(runs: Run[], round: number): Run[] {
  const out: Run[] = [];
  for (let i = 0; i < runs.length;) {
    const same = (r: Run) => r.config === runs[i].config && r.mode === runs[i].mode && r.batch === runs[i].batch && r.seq === runs[i].seq;
    let j = i;
    while (j < runs.length && same(runs[j])) j++;
    const blocks: Run[][] = [];
    for (const r of runs.slice(i, j)) {
      if (blocks.length && blocks[blocks.length - 1][0].engine === r.engine) blocks[blocks.length - 1].push(r);
      else blocks.push([r]);
    }
    const k = (round - 1) % blocks.length;
    out.push(...[...blocks.slice(k), ...blocks.slice(0, k)].flat());
    i = j;
  }
  return out;
}

/**
 * One outcome from a measurement's rounds: the round with the median step time (its tokens/s and
 * GFLOP/s go with it), the largest peak RSS of all rounds, and every round's step time; the first
 * failure if any round failed.
 */
export function overRounds(outs: Outcome[]): Outcome {
  const failed = outs.find((o) => !o.ok);
  if (failed || outs.length === 1) return failed ?? outs[0];
  const ok = outs.map((o) => (o as { ok: true; value: RunResult }).value);
  const sorted = [...ok].sort((a, b) => a.step_s_median - b.step_s_median);
  const mid = sorted[(sorted.length - 1) >> 1];
  return { ok: true, value: { ...mid, peak_rss_bytes: Math.max(...ok.map((x) => x.peak_rss_bytes)), round_step_s: ok.map((x) => x.step_s_median) } };
}

export function label(r: Run): string {
  return `${r.config} ${r.mode} ${r.batch}x${r.seq}${r.tag ? ` ${r.tag}` : ''}${r.checkpoint ? ' checkpointed' : ''}`;
}

export function fmtBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(0)} MiB`;
}

