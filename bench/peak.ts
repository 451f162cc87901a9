// The machine's arithmetic peak in the same run as the benchmarks it anchors: the addon's fmaPeak
// (native/peak.cc: a tight loop of independent vfmadd231ps ymm / zmm, vdpbf16ps, vpdpbusd chains, AMX tiles) for
// every kind this CPU runs, on 1 and on T threads. Run as a child of bench/goals.ts; prints one JSON line:
// { kinds: { avx2_fma: { "1": GFLOP/s, "2": GFLOP/s }, ... }, seconds }.
//
//   node dist/bench/peak.js [--threads 2] [--seconds 1]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ADDON_PATH } from '../src/backend/native.js';

/** G(FL)OP/s of one instruction kind; int8 kinds count each multiply and add of vpdpbusd as an op. */
export const PEAK_UNITS: Record<string, string> = {
  avx2_fma: 'GFLOP/s', avx512_fma: 'GFLOP/s', avx512_bf16: 'GFLOP/s', avx512_vnni: 'GOP/s', avx_vnni: 'GOP/s', amx_bf16: 'GFLOP/s', amx_int8: 'GOP/s',
};

interface PeakAddon { fmaPeak(kind: string, threads: number, seconds: number): number; fmaPeakKinds(): string[] }

/** The addon's peak functions, or why there are none (an addon built before native/peak.cc). */
export function loadPeak(): { ok: true; value: PeakAddon } | { ok: false; reason: string } {
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Partial<PeakAddon>;
    if (typeof addon.fmaPeak !== 'function' || typeof addon.fmaPeakKinds !== 'function') {
      return { ok: false, reason: `${ADDON_PATH} has no fmaPeak (rebuild it: npm run build:native)` };
    }
    return { ok: true, value: addon as PeakAddon };
  } catch (e) {
    return { ok: false, reason: `no native addon (${(e as Error).message.split('\n')[0]})` };
  }
}

/** kind -> threads -> rate, for every kind this CPU runs. */
export function measurePeaks(threads: number[], seconds: number): Record<string, Record<string, number>> {
  const p = loadPeak();
  if (!p.ok) throw new Error(p.reason);
  const out: Record<string, Record<string, number>> = {};
  for (const kind of p.value.fmaPeakKinds()) {
    out[kind] = {};
    for (const t of threads) out[kind][String(t)] = p.value.fmaPeak(kind, t, seconds);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) { // run as a script, not imported
  const { values } = parseArgs({ options: { threads: { type: 'string' }, seconds: { type: 'string' } } });
  const threads = Number(values.threads ?? 2), seconds = Number(values.seconds ?? 1);
  const counts = [...new Set([1, threads])];
  process.stdout.write(JSON.stringify({ kinds: measurePeaks(counts, seconds), seconds, threads: counts }) + '\n');
}
