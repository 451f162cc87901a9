// Prints what binding.gyp needs to build against a CBLAS: `node find_blas.cjs kind|cflags|libs`.
// kind: openblas (Linux, via pkg-config), accelerate (macOS), or none (portable GEMM).
// ALBERT_NO_BLAS=1 forces none, e.g. to build and test the portable GEMM.
'use strict';
const { execFileSync } = require('node:child_process');

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function detect() {
  if (process.env.ALBERT_NO_BLAS) return { kind: 'none', cflags: '', libs: '' };
  if (process.platform === 'darwin') return { kind: 'accelerate', cflags: '-DALBERT_CBLAS_ACCELERATE', libs: '-framework Accelerate' };
  const libs = pkgConfig(['--libs', 'openblas']);
  if (libs !== null) return { kind: 'openblas', cflags: `-DALBERT_CBLAS_OPENBLAS ${pkgConfig(['--cflags', 'openblas']) ?? ''}`, libs };
  return { kind: 'none', cflags: '', libs: '' };
}

const what = process.argv[2] ?? 'kind';
const found = detect();
if (!(what in found)) {
  process.stderr.write(`find_blas.cjs: unknown query "${what}" (kind, cflags or libs)\n`);
  process.exit(2);
}
if (what === 'cflags' && found.kind === 'none') {
  process.stderr.write('albert-ts: no CBLAS found (install libopenblas-dev for full speed); building the portable GEMM\n');
}
process.stdout.write(found[what] + '\n');
