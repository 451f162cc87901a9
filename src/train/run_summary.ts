// What a training run (pretraining, fine-tuning) is about to do, said before its first step: the model's size, the data,
// the length of the run, and what it runs on.

export interface RunSummary {
  /** What the run is (default 'pretrain'; fine-tuning says 'finetune'). */
  command?: string;
  output: string;
  parameters: number;
  objective: string; optimizer: string; lr: number;
  batchSize: number; gradAccum: number;
  trainInstances: number;
  /** Each evaluation set and the instances scored in it. */
  evalSets: { name: string; instances: number }[];
  stepsPerEpoch: number; steps: number; warmupSteps: number;
  /** describeBackend(): backend, GEMM, kernels and threads. */
  backend: string;
  /** On resume: the checkpoint and its step. */
  resumedFrom?: { dir: string; step: number };
  /** Data parallel: the ranks and the MPI library (absent for one process). */
  ranks?: { size: number; library: string };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The summary as a few lines for a terminal. */
export function formatRunSummary(s: RunSummary): string[] {
  const evals = s.evalSets.length ? s.evalSets.map((e) => `${e.name} ${n(e.instances)}`).join(', ') : 'none';
  return [
    `${s.command ?? 'pretrain'} ${s.output}: ${n(s.parameters)} parameters, ${s.objective}, ${s.optimizer} lr ${s.lr}, batch ${s.batchSize} x ${s.gradAccum} accumulated`,
    `  data: ${n(s.trainInstances)} training instances, ${n(s.stepsPerEpoch)} steps per epoch; evaluation instances: ${evals}`,
    `  steps: ${n(s.steps)} (${(s.steps / s.stepsPerEpoch).toFixed(2)} epochs), warmup ${n(s.warmupSteps)}`
      + (s.resumedFrom ? `; resuming at step ${n(s.resumedFrom.step)} from ${s.resumedFrom.dir}` : ''),
    `  backend: ${s.backend}`
      + (s.ranks ? `; ${s.ranks.size} ranks (${s.ranks.library}), ${n(s.batchSize / s.ranks.size)} instances each per micro-batch` : ''),
  ];
}
