// Helpers shared by the kernel benchmarks.

/** A clock in seconds: wall time, or this process's CPU time (steadier on a shared machine with --threads 1). */
export function makeClock(cpuTime: boolean): () => number {
  if (!cpuTime) return () => performance.now() / 1000;
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
}

/** n deterministic pseudo-random values in [-1, 1) (an LCG: cheap to make at benchmark sizes). */
export function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 - 0.5) * 2;
  }
  return a;
}
