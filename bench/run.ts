// `npm run bench`: ours against onnxruntime-node and PyTorch,
// every measurement in its own child process (so each peak RSS is that run's), printed as ONE table.
//
//   npm run bench -- [--only infer,train,memory,seq512,xxlarge,latency,finetune,small] [--steps 5] [--rounds 1]
//                    [--threads 2] [--markdown FILE] [--json FILE] [--no-baselines] [--model P] [--xxlarge-model P]
//   npm run bench -- --goals [...]   issue 18's goals table with the FMA peak and ORT int8 (bench/goals.ts)
//
// --rounds R runs the whole list of measurements R times, interleaved (every engine once per round), and
// reports each one's median over the rounds: on a shared machine a burst of load then hits a round of
// every engine rather than all steps of one, so the ratios hold better. The engines of one shape take
// turns at going first (see roundOrder), so that an effect of the position (such as running right after
// the previous shape's heavy run) does not fall on the same engine in every round.
//
// Baselines: bench/baselines/torch_albert.py (our own minimal PyTorch ALBERT of the same shapes) and
// the ONNX file torch.onnx.export makes of it, run by onnxruntime-node (installed on demand, see
// bench/baselines/deps.ts). When one is unavailable the table says so and why; ours still runs.
//
// finetune: SST-2's shapes (batch 32 x seq 128, two labels): a fine-tuning step (`albert bench --mode
// finetune`, the Trainer's update) against the same step in PyTorch (HF Trainer's: torch.optim.AdamW
// with its decay groups, clip_grad_norm_), and evaluation (`--mode classify`: the classifier's forward
// and softmax on packed weights) against onnxruntime-node running the exported classifier and PyTorch.
//
// small: the small pretraining model of the paper's analyses at small scale (issue 15: E = 128, H = 256,
// 4 layers, 4 heads, FFN 1024, 8k vocabulary; bench/configs/small-e128-h256.json), a pretraining step
// (MLM + SOP) at batch 32 x 128 against PyTorch's. Ours decodes the vocabulary at the masked positions
// only; the baseline decodes every position, as HF's AlbertForPreTraining does. Best with --rounds 5.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { nativeUnavailableReason } from '../src/backend/index.js';
import { configToJson } from '../src/model/config.js';
import { configFromSpec } from '../src/model/presets.js';
import { type BenchMode, modelFlops } from '../src/cli/bench_stats.js';
import { checkBaselineParity } from './baselines/parity.js';
import { ENGINE_NAMES, type Engine, OURS_MAIN, type Outcome, type Run, type RunResult, child, fmtBytes, label, log, overRounds, roundOrder } from './suite.js';
import { runGoals } from './goals.js';
import { cpuLine } from './machine.js';
import { ORT_RUNNER, ORT_VERSION, REPO_ROOT, TORCH_SCRIPT, ensureOnnx, ensureOrt, findTorchPython, type Found, type OnnxHead } from './baselines/deps.js';

const TARGETS = ['infer', 'train', 'memory', 'seq512', 'xxlarge', 'latency', 'finetune', 'small'] as const;
/** The small pretraining model of issue 15's analyses (target `small`). */
const SMALL_CONFIG = join(REPO_ROOT, 'bench', 'configs', 'small-e128-h256.json');
type Target = (typeof TARGETS)[number];
const MAIN = OURS_MAIN;
const SGEMM = join(REPO_ROOT, 'dist', 'bench', 'sgemm_ceiling.js');

async function main(): Promise<number> {
  if (process.argv.includes('--goals')) return runGoals(process.argv.slice(2).filter((a) => a !== '--goals'));
  const { values: v } = parseArgs({
    options: {
      only: { type: 'string' }, steps: { type: 'string' }, threads: { type: 'string' }, markdown: { type: 'string' },
      json: { type: 'string' }, model: { type: 'string' }, 'xxlarge-model': { type: 'string' }, 'no-baselines': { type: 'boolean' }, 'xxlarge-steps': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      rounds: { type: 'string' },
    },
  });
  if (v.help) {
    process.stdout.write('usage: npm run bench -- [--only ' + TARGETS.join(',') + '] [--steps 5] [--rounds 1] [--xxlarge-steps 1] [--threads 2] [--markdown FILE] [--json FILE] [--no-baselines] [--model albert-base-v2] [--xxlarge-model albert-xxlarge-v2]\n');
    return 0;
  }
  const only = new Set<Target>((v.only ?? TARGETS.join(',')).split(',').map((s) => s.trim()).filter(Boolean) as Target[]);
  for (const t of only) if (!TARGETS.includes(t)) { log(`bench: unknown target "${t}" (expected ${TARGETS.join(', ')})`); return 2; }
  const steps = Number(v.steps ?? 5), threads = Number(v.threads ?? 2), xxSteps = Number(v['xxlarge-steps'] ?? 1);
  const rounds = Number(v.rounds ?? 1);
  if (![steps, threads, xxSteps, rounds].every((x) => Number.isInteger(x) && x >= 1)) {
    log('bench: --steps, --rounds, --threads and --xxlarge-steps must be integers >= 1');
    return 2;
  }
  const baselines = !v['no-baselines'];
  const noNative = nativeUnavailableReason();
  if (noNative && process.env.ALBERT_BACKEND !== 'js') {
    // the js backend is the readable specification, ~100x slower: a full suite on it takes hours
    log(`bench: the native backend is not available (${noNative}); build it with \`npm run build:native\`, or set ALBERT_BACKEND=js to measure the js backend anyway`);
    return 1;
  }

  // --model / --xxlarge-model swap the shapes (e.g. `--model tiny` for a quick check of the harness)
  const base = v.model ?? 'albert-base-v2', xxl = v['xxlarge-model'] ?? 'albert-xxlarge-v2';
  const short = (name: string) => name.replace(/^(albert\/)?albert-/, '');
  const bs = short(base), xs = short(xxl);
  const runs: Run[] = [];
  const want = (engine: Engine, config: string, mode: BenchMode, batch: number, seq: number, n = steps, warmup = 1, checkpoint = false) => {
    if (engine !== 'ours' && !baselines) return;
    if (!runs.some((r) => r.engine === engine && r.config === config && r.mode === mode && r.batch === batch && r.seq === seq && r.checkpoint === checkpoint)) {
      runs.push({ engine, config, mode, batch, seq, steps: n, warmup, checkpoint });
    }
  };
  if (only.has('infer') || only.has('seq512')) for (const e of ['ours', 'ort', 'torch'] as const) want(e, base, 'infer', 8, 128);
  const plainTrain = only.has('train') || only.has('memory') || only.has('seq512');
  if (plainTrain || only.has('xxlarge')) want('ours', base, 'train', 8, 128);
  // checkpointing also at the base-v2 shape (row 5b), where activations (not the optimizer state) dominate,
  // right after the plain run it is compared with, so that both see the same load on a shared machine
  if (only.has('xxlarge')) want('ours', base, 'train', 8, 128, steps, 1, true);
  if (plainTrain) want('torch', base, 'train', 8, 128);
  if (only.has('seq512')) {
    for (const e of ['ours', 'ort', 'torch'] as const) want(e, base, 'infer', 2, 512);
    for (const e of ['ours', 'torch'] as const) want(e, base, 'train', 2, 512);
  }
  if (only.has('latency')) for (const e of ['ours', 'ort', 'torch'] as const) want(e, base, 'infer', 1, 128, Math.max(20, 4 * steps), 3);
  if (only.has('finetune')) { // SST-2's shapes
    for (const e of ['ours', 'torch'] as const) want(e, base, 'finetune', 32, 128);
    for (const e of ['ours', 'ort', 'torch'] as const) want(e, base, 'classify', 32, 128);
  }
  if (only.has('small')) for (const e of ['ours', 'torch'] as const) want(e, SMALL_CONFIG, 'train', 32, 128);
  if (only.has('xxlarge')) { // no warmup: one xxlarge step is minutes
    want('ours', xxl, 'train', 1, 512, xxSteps, 0);
    want('ours', xxl, 'train', 1, 512, xxSteps, 0, true);
  }

  // Baselines' prerequisites, each with the reason when missing.
  const configJson = (name: string) => JSON.stringify(configToJson(configFromSpec(name)));
  const torch: Found<{ python: string; version: string }> = baselines ? findTorchPython() : { ok: false, reason: 'skipped (--no-baselines)' };
  // the baselines must compute what albert-ts computes: checked on shared weights first
  const parity = torch.ok ? checkBaselineParity(torch.value.python) : null;
  if (parity) log(parity.ok ? `PyTorch baseline = albert-ts on shared weights (${parity.value})` : `WARNING: the PyTorch baseline differs from albert-ts: ${parity.reason}`);
  let ortDir: Found<string> = { ok: false, reason: 'skipped (--no-baselines)' };
  // one exported model per config and head: the bare model (infer) or the classifier (classify)
  const onnxHead = (r: Run): OnnxHead => (r.mode === 'classify' ? 'classification' : 'base');
  const onnxKey = (r: Run) => `${r.config} ${onnxHead(r)}`;
  const onnx = new Map<string, Found<string>>();
  if (runs.some((r) => r.engine === 'ort')) {
    ortDir = ensureOrt(log);
    for (const r of runs.filter((x) => x.engine === 'ort' && !onnx.has(onnxKey(x)))) {
      onnx.set(onnxKey(r), torch.ok ? ensureOnnx(torch.value.python, configJson(r.config), log, onnxHead(r)) : { ok: false, reason: `no ONNX file: ${torch.reason}` });
    }
  }

  const results = new Map<Run, Outcome>();
  const key = (e: Engine, config: string, mode: string, batch: number, seq: number, checkpoint = false) =>
    [...results].find(([r]) => r.engine === e && r.config === config && r.mode === mode && r.batch === batch && r.seq === seq && r.checkpoint === checkpoint)?.[1];

  let ceiling: Found<{ gflops: number }> = { ok: false, reason: 'not measured' };
  if (only.has('train')) {
    log(`sgemm ceiling (${threads} threads) ...`);
    ceiling = await child(process.execPath, [SGEMM, '--threads', String(threads)]) as Found<{ gflops: number }>;
    log(ceiling.ok ? `  ${ceiling.value.gflops.toFixed(1)} GFLOP/s` : `  failed: ${ceiling.reason}`);
  }

  const byRound = new Map<Run, Outcome[]>(runs.map((r) => [r, []]));
  for (let round = 1; round <= rounds; round++) for (const r of roundOrder(runs, round)) {
    // an xxlarge step takes minutes and its checks are absolute (8 GB) or ours alone: one round
    if (round > 1 && r.config === xxl) continue;
    const shape = label(r);
    log(`${rounds > 1 ? `[round ${round}/${rounds}] ` : ''}${ENGINE_NAMES[r.engine]}: ${shape}, ${r.warmup} warmup + ${r.steps} steps ...`);
    const common = ['--batch', String(r.batch), '--seq', String(r.seq), '--threads', String(threads), '--steps', String(r.steps), '--warmup', String(r.warmup)];
    let out: Outcome;
    if (r.engine === 'ours') {
      out = await child(process.execPath, [MAIN, 'bench', '--config', r.config, '--mode', r.mode, ...common, ...(r.checkpoint ? ['--checkpoint-activations'] : []), '--json']);
    } else if (r.engine === 'torch') {
      out = torch.ok
        ? await child(torch.value.python, [TORCH_SCRIPT, '--config-json', configJson(r.config), '--mode', r.mode, ...common])
        : { ok: false, reason: torch.reason };
    } else {
      const file = onnx.get(onnxKey(r))!;
      out = !ortDir.ok ? ortDir : !file.ok ? file
        : await child(process.execPath, [ORT_RUNNER, '--ort-dir', ortDir.value, '--onnx', file.value, '--vocab', String(configFromSpec(r.config).vocab_size), '--mode', r.mode, ...common]);
    }
    // the same model-FLOP count for every engine
    if (out.ok) out.value.gflops ??= modelFlops(configFromSpec(r.config), r.batch, r.seq, r.mode) / out.value.step_s_median / 1e9;
    byRound.get(r)!.push(out);
    results.set(r, overRounds(byRound.get(r)!));
    log(out.ok ? `  ${out.value.tokens_per_s.toFixed(1)} tokens/s, step ${out.value.step_s_median.toFixed(3)} s, peak RSS ${fmtBytes(out.value.peak_rss_bytes)}` : `  unavailable: ${out.reason}`);
  }

  // ---- the table: one row per target check ----
  type Cell = Outcome | undefined;
  const tps = (c: Cell) => (c?.ok ? c.value.tokens_per_s.toFixed(1) : c ? 'n/a' : '');
  const rss = (c: Cell) => (c?.ok ? fmtBytes(c.value.peak_rss_bytes) : c ? 'n/a' : '');
  const ms = (c: Cell) => (c?.ok ? `${(c.value.step_s_median * 1000).toFixed(1)} ms` : c ? 'n/a' : '');
  const gf = (c: Cell) => (c?.ok && c.value.gflops !== undefined ? c.value.gflops.toFixed(1) : '');
  const rows: string[][] = [];
  const notes: string[] = [];
  // met: undefined for a row without a goal (reported only)
  const row = (id: string, target: string, shape: string, metric: string, ours: string, ort: string, pt: string, gflops: string,
    ratio: number | null, ratioText: string, goal: string, met: boolean | null | undefined) => {
    rows.push([id, target, shape, metric, ours, ort, pt, gflops, ratio === null ? 'n/a' : ratioText, goal, met === undefined ? '' : met === null ? 'n/a' : met ? 'yes' : 'NO']);
  };
  const rate = (a: Cell, b: Cell, f: (x: RunResult) => number) => (a?.ok && b?.ok ? f(a.value) / f(b.value) : null);
  const why = (label: string, c: Cell) => { if (c && !c.ok && !notes.some((n) => n.endsWith(c.reason))) notes.push(`${label}: ${c.reason}`); };
  const T = (x: RunResult) => x.tokens_per_s;

  const oi = key('ours', base, 'infer', 8, 128), ri = key('ort', base, 'infer', 8, 128), pi = key('torch', base, 'infer', 8, 128);
  const ot = key('ours', base, 'train', 8, 128), pt = key('torch', base, 'train', 8, 128);
  // why each unavailable cell is empty: the first failure of each engine (and any other distinct one)
  for (const [r, o] of results) if (!o.ok) why(`${ENGINE_NAMES[r.engine]} (${label(r)})`, o);
  if (only.has('infer')) {
    const x = rate(oi, ri, T);
    row('1', 'inference vs ORT', `${bs} 8x128 infer`, 'tokens/s', tps(oi), tps(ri), tps(pi), gf(oi), x, `${x?.toFixed(2)}x ORT`, '>= 1.0x', x === null ? null : x >= 1.0);
  }
  if (only.has('train')) {
    const x = rate(ot, pt, T);
    row('2a', 'training vs PyTorch', `${bs} 8x128 train`, 'tokens/s', tps(ot), '', tps(pt), gf(ot), x, `${x?.toFixed(2)}x PyTorch`, '>= 2.0x', x === null ? null : x >= 2.0);
    const c = ceiling.ok && ot?.ok && ot.value.gflops !== undefined ? ot.value.gflops / ceiling.value.gflops : null;
    row('2b', 'training FLOP rate', `${bs} 8x128 train`, 'model GFLOP/s', gf(ot), '', gf(pt), '',
      c, `${((c ?? 0) * 100).toFixed(0)}% of sgemm ${ceiling.ok ? ceiling.value.gflops.toFixed(0) : '?'}`, '>= 75%', c === null ? null : c >= 0.75);
    if (!ceiling.ok) notes.push(`sgemm ceiling: ${ceiling.reason}`);
  }
  if (only.has('memory')) {
    const x = rate(ot, pt, (r) => r.peak_rss_bytes);
    row('3', 'training peak RSS', `${bs} 8x128 train`, 'peak RSS', rss(ot), '', rss(pt), '', x, `${x?.toFixed(2)}x PyTorch`, '<= 0.5x', x === null ? null : x <= 0.5);
  }
  if (only.has('seq512')) {
    for (const mode of ['infer', 'train'] as const) {
      const o = key('ours', base, mode, 2, 512), ref = mode === 'infer' ? oi : ot;
      const x = rate(o, ref, T);
      row(mode === 'infer' ? '4a' : '4b', `seq 512 ${mode}`, `${bs} 2x512 ${mode}`, 'tokens/s', tps(o), mode === 'infer' ? tps(key('ort', base, 'infer', 2, 512)) : '',
        tps(key('torch', base, mode, 2, 512)), gf(o), x, `${x?.toFixed(2)}x ours@8x128`, '>= 0.7x', x === null ? null : x >= 0.7);
    }
  }
  if (only.has('xxlarge')) {
    const o = key('ours', xxl, 'train', 1, 512);
    const limit = 8e9;
    row('5', 'xxlarge trains', `${xs} 1x512 train`, 'peak RSS', rss(o), '', '', gf(o), o?.ok ? o.value.peak_rss_bytes / limit : null,
      o?.ok ? `${(o.value.peak_rss_bytes / 1e9).toFixed(2)} GB` : '', '<= 8 GB', o?.ok ? o.value.peak_rss_bytes <= limit : null);
    // gradient checkpointing: at least 40% less peak RSS for at most 20% more time
    const checkpointRow = (id: string, shape: string, plain: Cell, k: Cell) => {
      const less = plain?.ok && k?.ok ? 1 - k.value.peak_rss_bytes / plain.value.peak_rss_bytes : null;
      const more = plain?.ok && k?.ok ? k.value.step_s_median / plain.value.step_s_median - 1 : null;
      row(id, 'gradient checkpointing', shape, 'peak RSS', rss(k), '', '', gf(k), less,
        `${((less ?? 0) * 100).toFixed(0)}% less RSS, ${more !== null && more >= 0 ? '+' : ''}${((more ?? 0) * 100).toFixed(0)}% time`, '>= 40% less, <= +20% time',
        less === null || more === null ? null : less >= 0.4 && more <= 0.2);
    };
    checkpointRow('5b', `${bs} 8x128 train`, ot, key('ours', base, 'train', 8, 128, true));
    checkpointRow('5c', `${xs} 1x512 train`, o, key('ours', xxl, 'train', 1, 512, true));
  }
  if (only.has('latency')) {
    const o = key('ours', base, 'infer', 1, 128), r = key('ort', base, 'infer', 1, 128), p = key('torch', base, 'infer', 1, 128);
    const x = rate(o, r, (q) => q.step_s_median);
    row('6', 'single-sequence latency', `${bs} 1x128 infer`, 'median step', ms(o), ms(r), ms(p), gf(o), x, `${x?.toFixed(2)}x ORT`, '<= 1.0x', x === null ? null : x <= 1.0);
  }

  if (only.has('finetune')) {
    const of = key('ours', base, 'finetune', 32, 128), pf = key('torch', base, 'finetune', 32, 128);
    const x = rate(of, pf, T);
    row('7a', 'fine-tuning vs PyTorch', `${bs} 32x128 finetune`, 'tokens/s', tps(of), '', tps(pf), gf(of), x, `${x?.toFixed(2)}x PyTorch`, '>= 2.0x', x === null ? null : x >= 2.0);
    const oc = key('ours', base, 'classify', 32, 128), rc = key('ort', base, 'classify', 32, 128), pc = key('torch', base, 'classify', 32, 128);
    const y = rate(oc, rc, T);
    row('7b', 'evaluation vs ORT', `${bs} 32x128 classify`, 'tokens/s', tps(oc), tps(rc), tps(pc), gf(oc), y, `${y?.toFixed(2)}x ORT`, '>= 1.0x', y === null ? null : y >= 1.0);
    const m = rate(of, pf, (r) => r.peak_rss_bytes);
    row('7c', 'fine-tuning peak RSS', `${bs} 32x128 finetune`, 'peak RSS', rss(of), '', rss(pf), '', m, `${m?.toFixed(2)}x PyTorch`, '', undefined);
  }

  if (only.has('small')) {
    const o = key('ours', SMALL_CONFIG, 'train', 32, 128), p = key('torch', SMALL_CONFIG, 'train', 32, 128);
    const x = rate(o, p, T);
    row('8', 'small-model pretraining vs PyTorch', 'small-e128-h256 32x128 train', 'tokens/s', tps(o), '', tps(p), gf(o), x, `${x?.toFixed(2)}x PyTorch`, '>= 2.0x', x === null ? null : x >= 2.0);
    notes.push('8: E 128, H 256, 4 layers, 8k vocabulary (bench/configs/small-e128-h256.json); albert-ts decodes the MLM vocabulary at the masked positions only, the PyTorch baseline at every position, as HF\'s AlbertForPreTraining does');
  }

  const header = ['#', 'target', 'shape', 'metric', 'albert-ts', 'onnxruntime-node', 'PyTorch', 'ours GFLOP/s', 'ratio', 'goal', 'met'];
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i])).join('  ');
  const machine = `${cpuLine()}; ${fmtBytes(os.totalmem())} RAM`;
  const versions = [`node ${process.versions.node}`, torch.ok ? `torch ${torch.value.version}` : null, ortDir.ok ? `onnxruntime-node ${ORT_VERSION}` : null]
    .filter(Boolean).join(', ');
  const ours = [...results].find(([r, o]) => r.engine === 'ours' && o.ok)?.[1];
  const backendName = ours?.ok ? String(ours.value.backend) : '?';
  const ceilingText = ceiling.ok ? `${ceiling.value.gflops.toFixed(1)} GFLOP/s (${String((ceiling.value as Record<string, unknown>).backend)} gemm, best of 4 shapes)` : 'not measured';
  if (parity && !parity.ok) notes.push(`WARNING: the PyTorch baseline (and its ONNX export) differs from albert-ts on shared weights: ${parity.reason}`);
  const intro = [
    `machine: ${machine}; ${versions}`,
    ...(parity?.ok ? [`baselines: bench/baselines/torch_albert.py (HF's computation, checked equal to albert-ts on shared weights: ${parity.value}) and its torch.onnx.export (opset 17) run by onnxruntime-node`] : []),
    `${threads} threads, medians of ${steps} steps${rounds > 1 ? `, then the median of ${rounds} interleaved rounds` : ''} (latency ${Math.max(20, 4 * steps)} after 3 warmup; others after 1 warmup; xxlarge ${xxSteps}, no warmup); albert-ts backend ${backendName}; sgemm ceiling ${ceilingText}`,
  ];
  process.stdout.write(['', ...intro, '', line(header), line(width.map((w) => '-'.repeat(w))), ...rows.map(line), '', ...notes, ''].join('\n') + '\n');

  if (v.markdown) {
    const md = (cells: string[]) => `| ${cells.join(' | ')} |`;
    const cmd = `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`;
    const text = [
      `Command: \`${cmd}\``, '', ...intro.map((l) => `- ${l}`), '',
      md(header), md(header.map(() => '---')), ...rows.map(md), '', ...notes.map((n) => `- ${n}`), '',
      '| engine | shape | tokens/s | median step | GFLOP/s | peak RSS |', '| --- | --- | --- | --- | --- | --- |',
      ...[...results].map(([r, o]) => md([ENGINE_NAMES[r.engine], label(r), tps(o), ms(o), gf(o), rss(o)])), '',
    ].join('\n');
    writeFileSync(v.markdown, text);
    log(`wrote ${v.markdown}`);
  }
  if (v.json) {
    writeFileSync(v.json, JSON.stringify({ machine, threads, steps, ceiling, runs: [...results].map(([r, o]) => ({ ...r, ...o })) }, null, 1) + '\n');
    log(`wrote ${v.json}`);
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`bench: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
