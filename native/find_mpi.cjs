// Prints what binding.gyp needs to build albert_mpi.node against MPI: `node find_mpi.cjs kind|cflags|libs`.
// kind: ompi (pkg-config), mpicc (`mpicc --showme`), or none (the addon is built without MPI and says so).
// ALBERT_NO_MPI=1 forces none.
'use strict';
const { execFileSync } = require('node:child_process');

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function detect() {
  const none = { kind: 'none', cflags: '', libs: '' };
  if (process.env.ALBERT_NO_MPI) return none;
  for (const pkg of ['ompi', 'mpich']) {
    const libs = run('pkg-config', ['--libs', pkg]);
    if (libs !== null) return { kind: pkg, cflags: `-DALBERT_HAVE_MPI ${run('pkg-config', ['--cflags', pkg]) ?? ''}`.trim(), libs: `${libs} -ldl` };
  }
  const cflags = run('mpicc', ['--showme:compile']), libs = run('mpicc', ['--showme:link']);
  if (cflags !== null && libs !== null) return { kind: 'mpicc', cflags: `-DALBERT_HAVE_MPI ${cflags}`, libs: `${libs} -ldl` };
  return none;
}

const what = process.argv[2] ?? 'kind';
const found = detect();
if (!(what in found)) {
  process.stderr.write(`find_mpi.cjs: unknown query "${what}" (kind, cflags or libs)\n`);
  process.exit(2);
}
if (what === 'cflags' && found.kind === 'none') {
  process.stderr.write('albert-ts: no MPI found (install libopenmpi-dev for multi-process training); building albert_mpi without it\n');
}
process.stdout.write(found[what] + '\n');
