// Learning-rate schedules, each the rate of update number `step` (0-based: the first update is step 0):
// - 'warmup-poly' (pretraining's): warmup (step + 1) / W, then polynomial decay to endLr starting where
//   warmup ends. The reference decays over all steps and lets warmup override the start, which makes
//   the rate jump down at the end of warmup; this one does not jump.
// - 'linear': HF's get_linear_schedule_with_warmup (fine-tuning): lr * step / W during warmup (so the
//   first update has rate 0 when W > 0, exactly as HF), then lr * (T - step) / (T - W).
// - 'google': google-research/albert's optimization.py: polynomial decay from step 0 over T steps,
//   replaced by lr * step / W during warmup (the rate drops at the end of warmup: RTE's T 800, W 200
//   goes from ~lr to 0.75 lr).

export type ScheduleKind = 'warmup-poly' | 'linear' | 'google';

export interface ScheduleOptions {
  lr: number;
  totalSteps: number;
  warmupSteps: number;
  /** 1 = linear decay (the reference's default); 'linear' ignores it. */
  power?: number;
  /** 'warmup-poly' only. */
  endLr?: number;
}

/** 'warmup-poly': the rate of update `step`. */
export function learningRate(step: number, o: ScheduleOptions): number {
  const end = o.endLr ?? 0, power = o.power ?? 1;
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const span = o.totalSteps - o.warmupSteps;
  if (span <= 0) return o.lr;
  const frac = Math.min(1, (step - o.warmupSteps) / span);
  return (o.lr - end) * Math.pow(1 - frac, power) + end;
}

/** 'linear': HF's lr_lambda (a factor, then times lr, as torch's LambdaLR multiplies). */
export function linearWithWarmup(step: number, o: ScheduleOptions): number {
  const W = o.warmupSteps, T = o.totalSteps;
  const factor = step < W ? step / Math.max(1, W) : Math.max(0, (T - step) / Math.max(1, T - W));
  return o.lr * factor;
}

/** 'google': tf.train.polynomial_decay(lr, step, T, 0, power) unless step < W, then lr * step / W. */
export function googleSchedule(step: number, o: ScheduleOptions): number {
  const W = o.warmupSteps, T = o.totalSteps;
  if (step < W) return o.lr * (step / W);
  return o.lr * Math.pow(1 - Math.min(step, T) / T, o.power ?? 1);
}

export const SCHEDULES: Record<ScheduleKind, (step: number, o: ScheduleOptions) => number> = {
  'warmup-poly': learningRate, linear: linearWithWarmup, google: googleSchedule,
};

/**
 * Warmup steps from `steps` or a `ratio` of the run, as HF's TrainingArguments.get_warmup_steps:
 * steps > 0 win, else ceil(totalSteps * ratio); neither: 0.
 */
export function warmupStepsFor(totalSteps: number, o: { steps?: number; ratio?: number }): number {
  if (o.steps !== undefined && o.steps > 0) return o.steps;
  return o.ratio !== undefined ? Math.ceil(totalSteps * o.ratio) : 0;
}
