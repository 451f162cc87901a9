// `npm run bench -- --goals`: issue 18's goals table, every row measured in ONE interleaved run with its
// anchors: onnxruntime-node (fp32, and its int8 model made as quantize_dynamic makes it:
// baselines/onnx_int8.ts), PyTorch (baselines/torch_albert.py) and the machine's FMA peak (peak.ts, at the
// start and the end of the run: the larger counts), then the profiles of a training and an inference step.
//
//   npm run bench -- --goals [--steps 5] [--rounds 3] [--threads 2] [--model base-v2] [--column avx512|avx2]
//                    [--peak-seconds 1] [--no-profile] [--ort-per-channel] [--markdown FILE] [--json FILE] [--quick]
//
// --ort-per-channel: ORT's int8 model with quantize_dynamic(per_channel=True) instead of its default.
// --quick: the harness on the tiny model (2 steps, 1 round, short peaks), for testing it, not for figures.
// Rows whose feature this build lacks (albert bench --dtype for int8/bf16 inference, --precision for bf16
// training: issue 18 sections 2 and 3) are skipped with the reason, as found in `albert bench --help`.
// The target column is the machine's: "AVX-512" where the CPU runs AVX-512 FMAs, else "AVX2-only".
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nativeUnavailableReason } from '../src/backend/index.js';
import { formatProfile, type BenchResult } from '../src/cli/bench.js';
import { type BenchMode, modelFlops } from '../src/cli/bench_stats.js';
import { configToJson } from '../src/model/config.js';
import { presetConfig } from '../src/model/presets.js';
import { ORT_RUNNER, ORT_VERSION, REPO_ROOT, TORCH_SCRIPT, ensureOnnx, ensureOnnxInt8, ensureOrt, findTorchPython, type Found } from './baselines/deps.js';
import { checkBaselineParity } from './baselines/parity.js';
import { cpuLine } from './machine.js';
import { PEAK_UNITS } from './peak.js';
import { ENGINE_NAMES, OURS_MAIN, type Outcome, type Run, type RunResult, child, fmtBytes, label, log, overRounds, roundOrder } from './suite.js';

const PEAK_SCRIPT = join(REPO_ROOT, 'dist', 'bench', 'peak.js');
/**
 * The int8 ORT model must agree with fp32 this well to be timed: the argmax per token of the last hidden
 * state, and the largest difference over the largest |value|. A sanity gate against a wrong graph (one
 * reads ~4% and > 100%), not a quality bound: on random weights the 768 features of a token are nearly
 * tied, so this argmax is far more fragile than a trained model's masked-LM top-1 (base-v2 per-tensor: ~88%,
 * per-channel: ~96%, max diff 4% and 3%).
 */
export const INT8_MIN_TOP1 = 0.8, INT8_MAX_REL_DIFF = 0.1;

type Column = 'avx512' | 'avx2';
const COLUMN_NAMES: Record<Column, string> = { avx512: 'AVX-512 machine', avx2: 'AVX2-only machine' };

/** Which of `flags` `albert bench --help` lists: the features of issue 18 this build has. */
export function benchFlags(flags: string[]): Set<string> {
  const r = spawnSync(process.execPath, [OURS_MAIN, 'bench', '--help'], { encoding: 'utf8' });
  return new Set(flags.filter((f) => new RegExp(`(^|\\s|\\[)${f}[\\s=\\]]`).test(r.stdout ?? '')));
}

interface Peak { kinds: Record<string, Record<string, number>> }

/** The larger of two peak measurements, kind by kind and thread count by thread count. */
function maxPeak(a: Found<Peak>, b: Found<Peak>): Found<Peak> {
  if (!a.ok || !b.ok) return a.ok ? a : b;
  const kinds: Peak['kinds'] = {};
  for (const k of Object.keys(a.value.kinds)) {
    kinds[k] = {};
    for (const t of Object.keys(a.value.kinds[k])) kinds[k][t] = Math.max(a.value.kinds[k][t], b.value.kinds[k]?.[t] ?? 0);
  }
  return { ok: true, value: { kinds } };
}

export async function runGoals(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' }, steps: { type: 'string' }, rounds: { type: 'string' }, threads: { type: 'string' },
      model: { type: 'string' }, column: { type: 'string' }, 'peak-seconds': { type: 'string' }, markdown: { type: 'string' },
      json: { type: 'string' }, 'no-profile': { type: 'boolean' }, 'ort-per-channel': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    process.stdout.write('usage: npm run bench -- --goals [--steps 5] [--rounds 3] [--threads 2] [--model albert-base-v2] [--column avx512|avx2] [--peak-seconds 1] [--no-profile] [--ort-per-channel] [--markdown FILE] [--json FILE] [--quick]\n');
    return 0;
  }
  const quick = v.quick ?? false;
  const steps = Number(v.steps ?? (quick ? 2 : 5)), rounds = Number(v.rounds ?? (quick ? 1 : 3)), threads = Number(v.threads ?? 2);
  const peakSeconds = Number(v['peak-seconds'] ?? (quick ? 0.1 : 1));
  if (![steps, rounds, threads].every((x) => Number.isInteger(x) && x >= 1) || !(peakSeconds > 0 && peakSeconds <= 60)) {
    log('bench --goals: --steps, --rounds and --threads must be integers >= 1, --peak-seconds in (0, 60]');
    return 2;
  }
  if (v.column !== undefined && v.column !== 'avx512' && v.column !== 'avx2') { log(`bench --goals: --column must be avx512 or avx2, got "${v.column}"`); return 2; }
  const noNative = nativeUnavailableReason();
  if (noNative) { log(`bench --goals: the native backend is not available (${noNative}); build it with \`npm run build:native\``); return 1; }
  const base = v.model ?? (quick ? 'tiny' : 'albert-base-v2');
  const short = base.replace(/^(albert\/)?albert-/, '');
  const latencySteps = quick ? 4 : Math.max(20, 4 * steps), latencyWarmup = quick ? 1 : 3;

  // ---- what this build and machine can run ----
  const features = benchFlags(['--dtype', '--precision']);
  const noDtype = features.has('--dtype') ? null : 'skipped: `albert bench` has no --dtype in this build (bf16 and int8 inference are not merged)';
  const noPrecision = features.has('--precision') ? null : 'skipped: `albert bench` has no --precision in this build (bf16 training is not merged)';
  const peakRun = () => child(process.execPath, [PEAK_SCRIPT, '--threads', String(threads), '--seconds', String(peakSeconds)]) as Promise<Found<Peak>>;
  log(`FMA peak (1 and ${threads} threads, ${peakSeconds} s per kind) ...`);
  const peakStart = await peakRun();
  const column: Column = (v.column as Column | undefined) ?? (peakStart.ok && peakStart.value.kinds.avx512_fma ? 'avx512' : 'avx2');

  const configJson = JSON.stringify(configToJson(presetConfig(base)));
  const torch = findTorchPython();
  const parity = torch.ok ? checkBaselineParity(torch.value.python) : null;
  if (parity) log(parity.ok ? `PyTorch baseline = albert-ts on shared weights (${parity.value})` : `WARNING: the PyTorch baseline differs from albert-ts: ${parity.reason}`);
  const ortDir = ensureOrt(log);
  const fp32: Found<string> = !ortDir.ok ? ortDir : torch.ok ? ensureOnnx(torch.value.python, configJson, log) : { ok: false, reason: `no ONNX file: ${torch.reason}` };
  const perChannel = v['ort-per-channel'] ?? false;
  let int8: Found<string> = fp32.ok ? (() => { const q = ensureOnnxInt8(fp32.value, log, perChannel); return q.ok ? { ok: true as const, value: q.value.file } : q; })() : fp32;
  // the int8 model is checked against fp32 on the same inputs before it is timed
  let int8Check = '';
  if (int8.ok && ortDir.ok && fp32.ok) {
    const c = await child(process.execPath, [ORT_RUNNER, '--ort-dir', ortDir.value, '--onnx', int8.value, '--reference', fp32.value,
      '--batch', '2', '--seq', '128', '--threads', String(threads), '--vocab', String(presetConfig(base).vocab_size)]);
    if (!c.ok) int8 = { ok: false, reason: `the int8 model's check failed: ${c.reason}` };
    else {
      const top1 = Number(c.value.top1_agreement), rel = Number(c.value.max_rel_diff);
      int8Check = `ORT int8 vs ORT fp32 on 2x128 random tokens: top-1 (argmax per token of the last hidden state) agreement ${(100 * top1).toFixed(1)}%, max abs diff ${rel.toExponential(1)} of the largest |value|` +
        ` (quantize_dynamic's defaults${perChannel ? ' but per_channel' : ''}: s8 symmetric ${perChannel ? 'per-column' : 'per-tensor'} weights, u8 dynamic per-tensor activations, the MatMuls with a constant B)`;
      log(int8Check);
      if (!(top1 >= INT8_MIN_TOP1 && rel <= INT8_MAX_REL_DIFF)) {
        int8 = { ok: false, reason: `the int8 model is too far from fp32 (top-1 ${(100 * top1).toFixed(1)}% < ${100 * INT8_MIN_TOP1}% or max diff ${rel.toExponential(1)} > ${INT8_MAX_REL_DIFF}): not timed` };
      }
    }
  }

  // ---- the runs, interleaved over rounds ----
  const runs: Run[] = [];
  const skipped = new Map<Run, string>();
  const want = (engine: Run['engine'], mode: BenchMode, batch: number, seq: number, tag?: string, skip?: string | null) => {
    const r: Run = { engine, config: base, mode, batch, seq, steps: batch === 1 ? latencySteps : steps, warmup: batch === 1 ? latencyWarmup : 1, checkpoint: false, tag };
    runs.push(r);
    if (skip) skipped.set(r, skip);
    return r;
  };
  const oi = want('ours', 'infer', 8, 128), ri = want('ort', 'infer', 8, 128), pi = want('torch', 'infer', 8, 128);
  const oi8 = want('ours', 'infer', 8, 128, 'int8', noDtype), ri8 = want('ort', 'infer', 8, 128, 'int8', int8.ok ? null : int8.reason);
  const oib = want('ours', 'infer', 8, 128, 'bf16', noDtype);
  const ol = want('ours', 'infer', 1, 128), rl = want('ort', 'infer', 1, 128);
  const ot = want('ours', 'train', 8, 128), pt = want('torch', 'train', 8, 128), otb = want('ours', 'train', 8, 128, 'bf16', noPrecision);

  const byRound = new Map<Run, Outcome[]>(runs.map((r) => [r, []]));
  const results = new Map<Run, Outcome>();
  for (const [r, why] of skipped) results.set(r, { ok: false, reason: why });
  const common = (r: Run) => ['--batch', String(r.batch), '--seq', String(r.seq), '--threads', String(threads), '--steps', String(r.steps), '--warmup', String(r.warmup)];
  for (let round = 1; round <= rounds; round++) for (const r of roundOrder(runs.filter((x) => !skipped.has(x)), round)) {
    log(`${rounds > 1 ? `[round ${round}/${rounds}] ` : ''}${ENGINE_NAMES[r.engine]}: ${label(r)}, ${r.warmup} warmup + ${r.steps} steps ...`);
    let out: Outcome;
    if (r.engine === 'ours') {
      const variant = r.tag ? (r.mode === 'train' ? ['--precision', r.tag] : ['--dtype', r.tag]) : [];
      out = await child(process.execPath, [OURS_MAIN, 'bench', '--config', r.config, '--mode', r.mode, ...common(r), ...variant, '--json']);
    } else if (r.engine === 'torch') {
      out = torch.ok ? await child(torch.value.python, [TORCH_SCRIPT, '--config-json', configJson, '--mode', r.mode, ...common(r)]) : { ok: false, reason: torch.reason };
    } else {
      const file = r.tag === 'int8' ? int8 : fp32;
      out = !file.ok ? file : !ortDir.ok ? ortDir
        : await child(process.execPath, [ORT_RUNNER, '--ort-dir', ortDir.value, '--onnx', file.value, '--vocab', String(presetConfig(base).vocab_size), '--mode', r.mode, ...common(r)]);
    }
    if (out.ok) out.value.gflops ??= modelFlops(presetConfig(base), r.batch, r.seq, r.mode) / out.value.step_s_median / 1e9;
    byRound.get(r)!.push(out);
    results.set(r, overRounds(byRound.get(r)!));
    log(out.ok ? `  ${out.value.tokens_per_s.toFixed(1)} tokens/s, step ${out.value.step_s_median.toFixed(3)} s, peak RSS ${fmtBytes(out.value.peak_rss_bytes)}` : `  unavailable: ${out.reason}`);
  }

  // ---- the profiles of a training step and an inference step (int8 too where there is --dtype), and the peak again ----
  const profiled: { title: string; flags: string[] }[] = v['no-profile'] ? [] : [
    { title: `one ${short} training step, 8 x 128 (albert bench --mode train --profile)`, flags: ['--mode', 'train'] },
    { title: `one ${short} fp32 inference step, 8 x 128 (albert bench --mode infer --profile)`, flags: ['--mode', 'infer'] },
    ...(noDtype ? [] : [{ title: `one ${short} int8 inference step, 8 x 128 (albert bench --mode infer --dtype int8 --profile)`, flags: ['--mode', 'infer', '--dtype', 'int8'] }]),
  ];
  const profiles: { title: string; outcome: Outcome }[] = [];
  for (const p of profiled) {
    log(`albert-ts: ${p.title} ...`);
    profiles.push({ title: p.title, outcome: await child(process.execPath, [OURS_MAIN, 'bench', '--config', base, ...p.flags, '--batch', '8', '--seq', '128',
      '--threads', String(threads), '--steps', String(Math.min(steps, 3)), '--warmup', '1', '--profile', '--json']) });
  }
  log('FMA peak again ...');
  const peak = maxPeak(peakStart, await peakRun());

  // ---- the table ----
  const get = (r: Run) => results.get(r);
  const ok = (r: Run): RunResult | null => { const o = get(r); return o?.ok ? o.value : null; };
  const tps = (r: Run) => { const o = get(r); return o?.ok ? o.value.tokens_per_s.toFixed(1) : o ? 'n/a' : ''; };
  const ms = (r: Run) => { const o = get(r); return o?.ok ? `${(o.value.step_s_median * 1000).toFixed(1)} ms` : o ? 'n/a' : ''; };
  const rss = (r: Run) => { const o = get(r); return o?.ok ? fmtBytes(o.value.peak_rss_bytes) : o ? 'n/a' : ''; };
  const ratio = (a: Run, b: Run, f: (x: RunResult) => number) => { const x = ok(a), y = ok(b); return x && y ? f(x) / f(y) : null; };
  const T = (x: RunResult) => x.tokens_per_s;
  const rows: string[][] = [];
  /** goal: [threshold, '>=' | '<='] or null where the column has no target. */
  const row = (id: string, work: string, metric: string, ours: string, ort: string, pyt: string, value: number | null, text: (x: number) => string,
    goal: [number, '>=' | '<='] | null, goalText: string) => {
    const met = goal === null ? '' : value === null ? 'n/a' : (goal[1] === '>=' ? value >= goal[0] : value <= goal[0]) ? 'yes' : 'NO';
    rows.push([id, work, metric, ours, ort, pyt, value === null ? 'n/a' : text(value), goal === null ? '—' : goalText, met]);
  };
  const A = column === 'avx512';
  const x2 = (x: number) => `${x.toFixed(2)}x`;
  const fp32Kind = A ? 'avx512_fma' : 'avx2_fma';
  const peakRate = peak.ok ? peak.value.kinds[fp32Kind]?.[String(threads)] ?? null : null;

  let r = ratio(oi, ri, T);
  row('1', 'inference fp32, 8 x 128', 'tokens/s', tps(oi), tps(ri), tps(pi), r, (x) => `${x2(x)} ORT fp32`, [A ? 1.15 : 1.0, '>='], `>= ${A ? '1.15' : '1.0'}x ORT fp32`);
  r = ratio(oi8, ri, T);
  row('2a', 'inference int8, 8 x 128', 'tokens/s', tps(oi8), tps(ri), '', r, (x) => `${x2(x)} ORT fp32`, [A ? 2.5 : 1.5, '>='], `>= ${A ? '2.5' : '1.5'}x ORT fp32`);
  r = ratio(oi8, ri8, T);
  row('2b', 'inference int8, 8 x 128', 'tokens/s', tps(oi8), tps(ri8) + (get(ri8)?.ok ? ' (int8)' : ''), '', r, (x) => `${x2(x)} ORT int8`, A ? [1.2, '>='] : null, '>= 1.2x ORT int8');
  r = ratio(oib, ri, T);
  row('3', 'inference bf16, 8 x 128', 'tokens/s', tps(oib), tps(ri), '', r, (x) => `${x2(x)} ORT fp32`, A ? [1.8, '>='] : null, '>= 1.8x ORT fp32');
  r = ratio(ol, rl, (q) => q.step_s_median);
  row('4', 'latency fp32, 1 x 128', 'median step', ms(ol), ms(rl), '', r, (x) => `${x2(x)} ORT's`, [A ? 0.9 : 1.0, '<='], `<= ${A ? '0.9' : '1.0'}x ORT's`);
  const otr = ok(ot);
  const share = otr && peakRate ? otr.gflops! / peakRate : null;
  row('5a', 'training fp32, 8 x 128', 'model GFLOP/s', otr ? otr.gflops!.toFixed(1) : get(ot) ? 'n/a' : '', '', ok(pt) ? ok(pt)!.gflops!.toFixed(1) : '', share,
    (x) => `${(100 * x).toFixed(0)}% of ${fp32Kind} peak ${peakRate!.toFixed(0)}`, [A ? 0.75 : 0.8, '>='], `>= ${A ? 75 : 80}% of the fp32 FMA peak`);
  r = ratio(ot, pt, T);
  row('5b', 'training fp32, 8 x 128', 'tokens/s', tps(ot), '', tps(pt), r, (x) => `${x2(x)} PyTorch`, [A ? 3 : 2, '>='], `>= ${A ? 3 : 2}x PyTorch`);
  r = ratio(otb, ot, T);
  row('6', 'training bf16, 8 x 128', 'tokens/s', tps(otb), '', '', r, (x) => `${x2(x)} our fp32`, A ? [1.6, '>='] : null, '>= 1.6x our fp32 training');
  r = ratio(ot, pt, (q) => q.peak_rss_bytes);
  row('7', 'training peak RSS, 8 x 128', 'peak RSS', rss(ot), '', rss(pt), r, (x) => `${x2(x)} PyTorch`, [0.5, '<='], '<= 0.5x PyTorch');

  const header = ['#', `work (${short}, ${threads} threads)`, 'metric', 'albert-ts', 'onnxruntime-node', 'PyTorch', 'ratio', `target (${COLUMN_NAMES[column]})`, 'met'];
  const notes: string[] = [];
  for (const [run, o] of results) if (!o.ok && !notes.some((n) => n.endsWith(o.reason))) notes.push(`${ENGINE_NAMES[run.engine]} (${label(run)}): ${o.reason}`);
  if (!peak.ok) notes.push(`FMA peak: ${peak.reason}`);
  if (parity && !parity.ok) notes.push(`WARNING: the PyTorch baseline (and its ONNX export) differs from albert-ts on shared weights: ${parity.reason}`);
  const peakRows = peak.ok ? Object.entries(peak.value.kinds).map(([k, byT]) => [k, ...Object.keys(byT).map((t) => `${byT[t].toFixed(0)} ${PEAK_UNITS[k] ?? ''} (${t} thread${t === '1' ? '' : 's'})`)]) : [];
  const ours = [...results].find(([run, o]) => run.engine === 'ours' && o.ok)?.[1];
  const intro = [
    `machine: ${cpuLine()}; ${fmtBytes(os.totalmem())} RAM; node ${process.versions.node}${torch.ok ? `, torch ${torch.value.version}` : ''}${ortDir.ok ? `, onnxruntime-node ${ORT_VERSION}` : ''}`,
    `albert-ts backend: ${ours?.ok ? String(ours.value.backend_description) : '?'}; target column: ${COLUMN_NAMES[column]}${v.column ? ' (--column)' : ''}`,
    `${threads} threads, medians of ${steps} steps after 1 warmup (latency ${latencySteps} after ${latencyWarmup}), median of ${rounds} interleaved round${rounds > 1 ? 's' : ''}; peak: the larger of two measurements (start, end), ${peakSeconds} s each`,
    ...(int8Check ? [int8Check] : []),
    ...(parity?.ok ? [`PyTorch baseline checked equal to albert-ts on shared weights (${parity.value})`] : []),
  ];
  const line = (cells: string[], width: number[]) => cells.map((c, i) => c.padEnd(width[i])).join('  ');
  const widthOf = (h: string[], rs: string[][]) => h.map((x, i) => Math.max(x.length, ...rs.map((q) => (q[i] ?? '').length)));
  const w = widthOf(header, rows);
  const profileText = (fence: boolean) => profiles.flatMap(({ title, outcome }) => {
    const lines = outcome.ok ? formatProfile(outcome.value as unknown as BenchResult) : [`  unavailable: ${outcome.reason}`];
    return [`profile of ${title}:`, ...(fence ? ['', '```', ...lines, '```'] : lines), ''];
  });
  process.stdout.write(['', ...intro, '', line(header, w), line(w.map((n) => '-'.repeat(n)), w), ...rows.map((q) => line(q, w)), '',
    'FMA peak (native/peak.cc):', ...peakRows.map((q) => `  ${q.join('  ')}`), '', ...notes, '',
    ...profileText(false)].join('\n') + '\n');

  if (v.markdown) {
    const md = (cells: string[]) => `| ${cells.join(' | ')} |`;
    const text = [
      `Command: \`npm run bench -- --goals${argv.map((a) => ` ${a}`).join('')}\``, '', ...intro.map((l) => `- ${l}`), '',
      md(header), md(header.map(() => '---')), ...rows.map(md), '', ...notes.map((n) => `- ${n}`), '',
      '| FMA peak | rates |', '| --- | --- |', ...peakRows.map((q) => md([q[0], q.slice(1).join(', ')])), '',
      '| engine | shape | tokens/s | median step | GFLOP/s | peak RSS |', '| --- | --- | --- | --- | --- | --- |',
      ...runs.map((run) => md([ENGINE_NAMES[run.engine], label(run), tps(run), ms(run), ok(run)?.gflops?.toFixed(1) ?? '', rss(run)])), '',
      ...profileText(true),
    ].join('\n');
    writeFileSync(v.markdown, text);
    log(`wrote ${v.markdown}`);
  }
  if (v.json) {
    writeFileSync(v.json, JSON.stringify({ column, threads, steps, rounds, peak, int8Check, rows, runs: runs.map((run) => ({ ...run, ...results.get(run) })), profiles }, null, 1) + '\n');
    log(`wrote ${v.json}`);
  }
  return 0;
}
