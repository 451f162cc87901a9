// The machine a benchmark ran on, as BENCHMARKS.md names it: the CPU model, its cores and the vector
// extensions the kernels and BLAS can use (AVX2/FMA, AVX-512), which decide most of the speed figures.
import fs from 'node:fs';
import os from 'node:os';

/** "MODEL, N cores; avx2, fma, avx512bw avx512f ..." (or "no AVX2", "no AVX-512"). */
export function cpuLine(): string {
  const info = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set((info.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  const avx512 = [...flags].filter((f) => f.startsWith('avx512')).sort();
  return `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores; ${['avx2', 'fma'].filter((f) => flags.has(f)).join(', ') || 'no AVX2'}${avx512.length ? `, ${avx512.join(' ')}` : ', no AVX-512'}`;
}
