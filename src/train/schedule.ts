// Learning-rate schedule: linear warmup, then polynomial decay to endLr.
// The reference (ALBERT optimization.py) decays over all steps and lets warmup override the start,
// which makes the rate jump down at the end of warmup; here the decay starts where warmup ends.

export interface ScheduleOptions {
  lr: number;
  totalSteps: number;
  warmupSteps: number;
  /** 1 = linear decay (the reference's default). */
  power?: number;
  endLr?: number;
}

/** Learning rate of update number `step` (0-based: the first update is step 0). */
export function learningRate(step: number, o: ScheduleOptions): number {
  const end = o.endLr ?? 0, power = o.power ?? 1;
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const span = o.totalSteps - o.warmupSteps;
  if (span <= 0) return o.lr;
  const frac = Math.min(1, (step - o.warmupSteps) / span);
  return (o.lr - end) * Math.pow(1 - frac, power) + end;
}
