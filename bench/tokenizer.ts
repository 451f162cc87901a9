// Tokenizer benchmark (issue 3): `albert tokenize --raw` against Debian's spm_encode (SentencePiece's
// C++ CLI) on the same slice of the Gutenberg books, single thread, measured in the same run, plus
// model load time. Each timing is a fresh process; medians of --runs. Outputs are checked identical.
//
//   npx tsc -p . && node dist/bench/tokenizer.js [--mb 50] [--runs 3] [--model PATH] [--markdown FILE]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { median } from '../src/cli/bench_stats.js';
import { SentencePieceModel } from '../src/tokenizer/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const { values } = parseArgs({ options: { mb: { type: 'string', default: '50' }, runs: { type: 'string', default: '3' }, model: { type: 'string' }, markdown: { type: 'string' }, 'load-only': { type: 'boolean' } } });
const model = values.model ?? join(ROOT, '..', 'shared', 'data', 'tokenizers', 'albert-30k-clean.model');
const runs = Number(values.runs);

// In a child process: print this process's load time of the model (ms), then exit.
if (process.env.ALBERT_TOKENIZER_BENCH_LOAD) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  SentencePieceModel.load(process.env.ALBERT_TOKENIZER_BENCH_LOAD);
  const cpu = process.cpuUsage(c0);
  process.stdout.write(`${performance.now() - t0} ${(cpu.user + cpu.system) / 1000}`);
  process.exit(0);
}

/** The first `mb` MB of the books (sorted by name), cut at a line end. */
function slice(mb: number, dir: string): string {
  const books = join(ROOT, '..', 'shared', 'data', 'corpus', 'gutenberg');
  const parts: Buffer[] = [];
  let size = 0;
  for (const f of readdirSync(books).filter((x) => x.endsWith('.txt')).sort()) {
    const b = readFileSync(join(books, f));
    parts.push(b);
    size += b.length;
    if (size >= mb * 1e6) break;
  }
  let all = Buffer.concat(parts);
  if (all.length > mb * 1e6) all = all.subarray(0, all.lastIndexOf(10, mb * 1e6) + 1);
  const path = join(dir, 'slice.txt');
  writeFileSync(path, all);
  return path;
}

/** Wall seconds of `cmd args < input > output`. */
function timed(cmd: string, args: string[], input: string, output: string): number {
  const inFd = openSync(input, 'r'), outFd = openSync(output, 'w');
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: [inFd, outFd, 'pipe'] });
  const s = (performance.now() - t0) / 1000;
  closeSync(inFd); closeSync(outFd);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr?.toString() ?? r.error}`);
  return s;
}

const dir = mkdtempSync(join(os.tmpdir(), 'albert-tok-bench-'));
try {
  const loads: number[] = [], loadCpu: number[] = [];
  for (let i = 0; i < Math.max(7, runs); i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, ALBERT_TOKENIZER_BENCH_LOAD: model } });
    const [wall, cpu] = r.stdout.toString().split(' ').map(Number);
    loads.push(wall); loadCpu.push(cpu);
  }
  // spm_encode on empty input: its process start + model load, for scale.
  const spmLoad: number[] = [];
  for (let i = 0; i < 5; i++) spmLoad.push(timed('spm_encode', [`--model=${model}`], '/dev/null', '/dev/null') * 1000);
  const rows: string[] = [];
  let spmMBs = NaN, oursMBs = NaN, same = true;
  const size = { bytes: 0 };
  if (!values['load-only']) {
    const input = slice(Number(values.mb), dir);
    size.bytes = readFileSync(input).length;
    const spmT: number[] = [], oursT: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate the order so neither side always runs on a warmer cache.
      const order = i % 2 === 0 ? ['spm', 'ours'] : ['ours', 'spm'];
      for (const who of order) {
        if (who === 'spm') spmT.push(timed('spm_encode', [`--model=${model}`, '--output_format=id'], input, join(dir, 'spm.ids')));
        else oursT.push(timed(process.execPath, [MAIN, 'tokenize', '--raw', '--model', model], input, join(dir, 'ours.ids')));
      }
    }
    same = readFileSync(join(dir, 'spm.ids')).equals(readFileSync(join(dir, 'ours.ids')));
    spmMBs = size.bytes / 1e6 / median(spmT);
    oursMBs = size.bytes / 1e6 / median(oursT);
    rows.push(`| spm_encode --output_format=id (C++, SentencePiece ${spmVersion()}) | ${median(spmT).toFixed(2)} | ${spmMBs.toFixed(2)} | 1.00x |`);
    rows.push(`| albert tokenize --raw (this project, Node ${process.versions.node}) | ${median(oursT).toFixed(2)} | ${oursMBs.toFixed(2)} | ${(oursMBs / spmMBs).toFixed(2)}x |`);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    `Tokenizer throughput: ${(size.bytes / 1e6).toFixed(1)} MB of Gutenberg books, ${runs} runs each (median), single thread, whole process (startup + model load + encode + write ids).`,
    `Machine: ${cpu}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end.`,
    '',
    '| command | seconds | MB/s | vs spm_encode |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Outputs identical: ${same ? 'yes' : 'NO'}.`,
    `Model load (SentencePieceModel.load of ${model.split('/').pop()} in a fresh process, median of ${loads.length}): ${median(loads).toFixed(1)} ms wall, ${median(loadCpu).toFixed(1)} ms CPU (all threads) (target < 100 ms); wall of each: ${loads.map((x) => x.toFixed(0)).join(', ')} ms. For scale: spm_encode on empty input (process start + model load) ${median(spmLoad).toFixed(0)} ms wall.`,
  ].join('\n');
  console.log(out);
  if (values.markdown) writeFileSync(values.markdown, out + '\n');
  if (!same) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function spmVersion(): string {
  const r = spawnSync('spm_encode', ['--version']);
  return (r.stdout?.toString() ?? '').trim().split(/\s+/).pop() ?? '?';
}
