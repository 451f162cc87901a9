// Finds or prepares what the baselines need, none of which albert-ts itself depends on:
// - PyTorch: a python3 that imports torch ($ALBERT_BENCH_PYTHON, else /usr/bin/python3, else python3 on PATH);
// - npm tools (onnxruntime-node; autocannon for bench/serve_load.ts): installed on demand from the npm
//   registry into bench/.cache/NAME (git-ignored); onnxruntime-node with
//   its post-install download of GPU binaries skipped (ONNXRUNTIME_NODE_INSTALL=skip: the CPU binaries
//   ship inside the npm package, and the download host is unreachable offline);
// - the ONNX files: exported by torch_albert.py with torch.onnx.export (the bare model; the sequence
//   classifier's evaluation), cached per config, head and script version.
// Each returns either what it found or the reason the baseline is unavailable.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type QuantizeReport, quantizeDynamic } from './onnx_int8.js';

export const ORT_VERSION = '1.30.0';

/** The repository root (this file runs as dist/bench/baselines/deps.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CACHE_DIR = join(REPO_ROOT, 'bench', '.cache');
export const TORCH_SCRIPT = join(REPO_ROOT, 'bench', 'baselines', 'torch_albert.py');
export const ORT_RUNNER = join(REPO_ROOT, 'dist', 'bench', 'baselines', 'ort_runner.js');

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

/** A python interpreter that has torch, with torch's version. */
export function findTorchPython(): Found<{ python: string; version: string }> {
  const candidates = process.env.ALBERT_BENCH_PYTHON ? [process.env.ALBERT_BENCH_PYTHON] : ['/usr/bin/python3', 'python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { ok: true, value: { python, version: r.stdout.trim() } };
    tried.push(`${python}: ${r.error ? r.error.message : lastLine(r.stderr)}`);
  }
  return { ok: false, reason: `PyTorch not found (${tried.join('; ')}); install python3-torch (apt) or set ALBERT_BENCH_PYTHON` };
}

/**
 * The folder whose node_modules holds `name`@`version`, installed there from the npm registry when missing
 * (bench/.cache/FOLDER, git-ignored: the benchmarks' tools are no dependency of albert-ts, not even a dev one).
 */
export function ensureNpmPackage(name: string, version: string, folder: string, log: (msg: string) => void, env: NodeJS.ProcessEnv = {}): Found<string> {
  const dir = join(CACHE_DIR, folder);
  const installed = () => existsSync(join(dir, 'node_modules', name, 'package.json'));
  if (installed()) return { ok: true, value: dir };
  log(`installing ${name}@${version} into ${dir} (once; not a dependency of albert-ts)`);
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `${name}@${version}`], {
    encoding: 'utf8', env: { ...process.env, ...env },
  });
  if (r.status !== 0 || !installed()) {
    return { ok: false, reason: `${name} could not be installed (${r.error?.message ?? lastLine(r.stderr)})` };
  }
  return { ok: true, value: dir };
}

/** The folder whose node_modules holds onnxruntime-node, installing it when missing. */
export function ensureOrt(log: (msg: string) => void): Found<string> {
  return ensureNpmPackage('onnxruntime-node', ORT_VERSION, 'ort', log, { ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' });
}

/** What an exported eval model outputs: the bare AlbertModel's states, or a classifier's logits and softmax. */
export type OnnxHead = 'base' | 'classification';

/** The ONNX file of the eval model for this config (HF config.json keys) and head, exported once and cached. */
export function ensureOnnx(python: string, configJson: string, log: (msg: string) => void, head: OnnxHead = 'base'): Found<string> {
  // keyed by the config, the head and the exporting script, so an edited model is exported again
  const hash = createHash('sha256').update(configJson).update(readFileSync(TORCH_SCRIPT)).digest('hex').slice(0, 16);
  const file = join(CACHE_DIR, 'onnx', `albert-${head === 'base' ? '' : `${head}-`}${hash}.onnx`);
  if (existsSync(file)) return { ok: true, value: file };
  mkdirSync(dirname(file), { recursive: true });
  log(`exporting the PyTorch baseline${head === 'base' ? '' : ` (${head})`} to ONNX: ${file}`);
  const tmp = `${file}.tmp${process.pid}`;
  const r = spawnSync(python, [TORCH_SCRIPT, '--config-json', configJson, '--export-onnx', tmp, '--head', head], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, reason: `torch.onnx.export failed (${lastLine(r.stderr)})` };
  renameSync(tmp, file); // only complete exports land under the cached name
  return { ok: true, value: file };
}

/**
 * The int8 model of an exported fp32 ONNX file (onnx_int8.ts: quantize_dynamic's defaults, or per_channel),
 * made once beside it; keyed by the builder's code, so a changed builder makes it again.
 */
export function ensureOnnxInt8(fp32File: string, log: (msg: string) => void, perChannel = false): Found<{ file: string; report?: QuantizeReport }> {
  const builder = fileURLToPath(new URL('./onnx_int8.js', import.meta.url));
  const hash = createHash('sha256').update(readFileSync(builder)).digest('hex').slice(0, 12);
  const file = fp32File.replace(/\.onnx$/, '') + `-int8${perChannel ? '-per-channel' : ''}-${hash}.onnx`;
  if (existsSync(file)) return { ok: true, value: { file } };
  try {
    log(`quantizing ${fp32File} as onnxruntime's quantize_dynamic${perChannel ? ' (per_channel)' : ''} does: ${file}`);
    const { model, report } = quantizeDynamic(readFileSync(fp32File), { perChannel });
    const tmp = `${file}.tmp${process.pid}`;
    writeFileSync(tmp, model);
    renameSync(tmp, file); // only complete models land under the cached name
    return { ok: true, value: { file, report } };
  } catch (e) {
    return { ok: false, reason: `the int8 ONNX model could not be made (${(e as Error).message})` };
  }
}
