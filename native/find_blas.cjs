// Prints what binding.gyp needs to build against a CBLAS and oneDNN: `node find_blas.cjs kind|cflags|libs`.
// kind: openblas (Linux, via pkg-config), accelerate (macOS), or none (portable GEMM); prefixed by `onednn+`
// when oneDNN is found too (its prepacked matmuls, native/onednn.cc, beside the CBLAS).
// ALBERT_NO_BLAS=1 forces none (no oneDNN either), e.g. to build and test the portable GEMM.
// ALBERT_NO_DNNL=1 builds without oneDNN; ALBERT_DNNL_DIR=/opt/dnnl uses the one installed there
// (include/ and lib/, found at run time through an rpath).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function blas() {
  if (process.platform === 'darwin') return { kind: 'accelerate', cflags: '-DALBERT_CBLAS_ACCELERATE', libs: '-framework Accelerate' };
  const libs = pkgConfig(['--libs', 'openblas']);
  if (libs !== null) return { kind: 'openblas', cflags: `-DALBERT_CBLAS_OPENBLAS ${pkgConfig(['--cflags', 'openblas']) ?? ''}`, libs };
  return { kind: 'none', cflags: '', libs: '' };
}

/** Whether a program calling dnnl_version() compiles and links with these flags (Debian ships no dnnl.pc). */
function linksDnnl(cflags, libs) {
  const out = path.join(os.tmpdir(), `albert-dnnl-probe-${process.pid}`);
  const program = '#include <oneapi/dnnl/dnnl.h>\nint main(void) { return dnnl_version()->major > 0 ? 0 : 1; }\n';
  try {
    execFileSync(process.env.CXX || 'c++', ['-x', 'c++', '-', '-o', out, ...cflags, ...libs],
      { input: program, stdio: ['pipe', 'ignore', 'ignore'] });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** oneDNN's flags, or null when it is not wanted or not found. */
function dnnl() {
  if (process.env.ALBERT_NO_DNNL) return null;
  const dir = process.env.ALBERT_DNNL_DIR;
  if (dir) {
    if (!fs.existsSync(path.join(dir, 'include', 'oneapi', 'dnnl', 'dnnl.h'))) return null;  // not some other -ldnnl
    const cflags = [`-I${path.join(dir, 'include')}`];
    const libs = [`-L${path.join(dir, 'lib')}`, `-Wl,-rpath,${path.join(dir, 'lib')}`, '-ldnnl'];
    return linksDnnl(cflags, libs) ? { cflags: cflags.join(' '), libs: libs.join(' ') } : null;
  }
  const libs = pkgConfig(['--libs', 'dnnl']);
  if (libs !== null) return { cflags: pkgConfig(['--cflags', 'dnnl']) ?? '', libs };
  return linksDnnl([], ['-ldnnl']) ? { cflags: '', libs: '-ldnnl' } : null;
}

function detect() {
  if (process.env.ALBERT_NO_BLAS) return { kind: 'none', cflags: '', libs: '', dnnl: false };
  const b = blas();
  const d = dnnl();
  if (!d) return { ...b, dnnl: false };
  return {
    kind: b.kind === 'none' ? 'onednn' : `onednn+${b.kind}`,
    cflags: ['-DALBERT_DNNL', d.cflags, b.cflags].filter(Boolean).join(' '),
    libs: [d.libs, b.libs].filter(Boolean).join(' '),
    dnnl: true,
  };
}

const what = process.argv[2] ?? 'kind';
if (!['kind', 'cflags', 'libs'].includes(what)) {
  process.stderr.write(`find_blas.cjs: unknown query "${what}" (kind, cflags or libs)\n`);
  process.exit(2);
}
const found = detect();
if (what === 'cflags' && found.kind === 'none') {
  process.stderr.write('albert-ts: no CBLAS found (install libopenblas-dev for full speed); building the portable GEMM\n');
}
// once per build (gyp asks for libs once, for cflags twice)
if (what === 'libs' && !found.dnnl && !process.env.ALBERT_NO_DNNL && !process.env.ALBERT_NO_BLAS) {
  const where = process.env.ALBERT_DNNL_DIR ? ` in ALBERT_DNNL_DIR=${process.env.ALBERT_DNNL_DIR}` : ' (install libdnnl-dev, or set ALBERT_DNNL_DIR)';
  process.stderr.write(`albert-ts: no oneDNN found${where}; building without its engine\n`);
}
process.stdout.write(found[what] + '\n');
