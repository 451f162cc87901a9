// `albert --help`, `albert bench --help` and `albert bench` say which backend computes, with which GEMM and kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nativeUnavailableReason } from '../src/backend/index.js';
import { PORTABLE_ADDON_PATH } from '../src/backend/native.js';
import fs from 'node:fs';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const albert = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const native = nativeUnavailableReason() === null;
const NATIVE_LINE = /^backend: native \(GEMM: (openblas( \([A-Za-z0-9]+(, pinned by OPENBLAS_CORETYPE)?\))?|accelerate|portable \(built without OpenBLAS\))(, forward: packed)?(, inference: oneDNN [0-9.]+ \(isa [a-z0-9_]+\))?, kernels: (avx512|avx2|generic)( \+ [a-z0-9_]+)*, 3 threads\)$/m;

test('albert --help and albert bench --help name the backend, its GEMM and its kernels', { skip: !native && 'the native addon is not built' }, () => {
  for (const args of [['--help'], ['bench', '--help']]) {
    const r = albert(args, { ALBERT_NUM_THREADS: '3' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, NATIVE_LINE);
    assert.equal(r.stderr, '');
  }
  if (fs.existsSync(PORTABLE_ADDON_PATH)) {
    const r = albert(['bench', '--help'], { ALBERT_NATIVE_ADDON: PORTABLE_ADDON_PATH, ALBERT_NUM_THREADS: '3' });
    assert.match(r.stdout, /^backend: native \(GEMM: portable \(built without OpenBLAS\), kernels: (avx512|avx2|generic)( \+ [a-z0-9_]+)*, 3 threads\)$/m);
  }
});

test('--help works without the addon, and with a bad environment, and says why', () => {
  const none = albert(['--help'], { ALBERT_NATIVE_ADDON: '/nonexistent/albert_native.node' });
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stdout, /^backend: js \(the TypeScript specification, slow; .*nonexistent.*\)$/m);
  assert.equal(none.stderr, '', 'no fallback notice in help');
  const bad = albert(['bench', '--help'], { ALBERT_NUM_THREADS: 'many' });
  assert.equal(bad.status, 0, bad.stderr);
  assert.match(bad.stdout, /^backend: none \(ALBERT_NUM_THREADS must be an integer in 1\.\.1024, got "many"\)$/m);
});

test('albert bench prints the backend, GEMM and kernels, in its text and in --json', () => {
  const r = albert(['bench', '--config', 'tiny', '--batch', '1', '--seq', '8', '--steps', '1', '--warmup', '0', '--threads', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const json = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  assert.ok(lines[0].endsWith(`, backend ${json.backend_description as string}`), lines[0]);
  assert.match(r.stdout, json.mpi ? /^  MPI: built in/m : /^  MPI: not built in/m);
  if (native) {
    assert.equal(json.backend_description, `native (GEMM: ${json.gemm_engine as string}, kernels: ${json.kernels as string}, 1 thread)`);
    assert.match(String(json.gemm), /^(openblas|accelerate|portable)$/);
    assert.match(String(json.kernels), /^(avx512|avx2|generic)( \+ [a-z0-9_]+)*$/);
  } else {
    assert.equal(json.gemm, null);
    assert.equal(json.kernels, null);
    assert.equal(json.gemm_engine, null);
  }
});
