// `albert pretrain`: MLM + SOP/NSP pretraining over shards from create-pretraining-data; `--first-job`
// runs the self-contained synthetic demo.
import { runFirstJob } from '../train/first_job.js';
import { pretrain, type PretrainObjective, type PretrainOptions, type MetricsRecord } from '../train/pretrain.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, floatFlag, intFlag, memoryFlag, parseCommandArgs, parseSet, required, threadsFlag } from './args.js';
import { UserError } from '../errors.js';
import { worldComm } from '../parallel/comm.js';
import { Progress, formatCount } from './progress.js';
import { formatRunSummary } from '../train/run_summary.js';
import { saveOnInterrupt } from './interrupt.js';

export const summary = 'pretrain ALBERT (MLM + SOP / NSP) from create-pretraining-data shards';

export const help = `usage: albert pretrain --data DIR --output DIR [flags]
       albert pretrain --first-job [--output DIR] [--steps N] [--overwrite]

Trains a model from a preset, a config.json or an HF model directory on shards made by
albert create-pretraining-data. Checkpoints (HF directories + optimizer and data state) go to
--output/checkpoint-NNNNNNN, metrics to --output/metrics.jsonl, curves to --output/curves.svg.
Ctrl-C saves a checkpoint and exits (code 130); --resume continues exactly where it stopped.
Before the first step it prints what it will do (parameters, data, steps, warmup, backend).

model
  --model PRESET|FILE|DIR    preset (tiny, albert-base-v2, bert-base, ...), config.json, or a model directory (default tiny)
  --set KEY=VALUE            override a config field of a new model (repeatable), e.g. --set hidden_size=256
  --tokenizer MODEL          the .model the data was made with (copied into every checkpoint)
objective and optimizer
  --objective sop|nsp|mlm    default: the data's (sop or nsp); mlm = masked LM only
  --precision fp32|bf16      bf16: mixed precision, the GEMMs on bf16-rounded weights and activations with
                             fp32 sums; weights, optimizer, LayerNorm, softmax, loss fp32 (default fp32; --resume keeps it)
  --optimizer lamb|adamw     (default lamb: b1 0.9, b2 0.999, eps 1e-6, no bias correction, trust ratio)
  --lr X                     peak learning rate (default 0.00176 for lamb, 1e-4 for adamw)
  --warmup-steps N           linear warmup (default 5% of the steps), then polynomial decay to 0
  --decay-power X            (default 1: linear)
  --weight-decay X           (default 0.01; never on LayerNorm and bias)
  --clip-norm X              global gradient-norm clipping (default 1.0; 0 = off)
  --steps N | --epochs X     length of the run (default 1 epoch); counts and rates must be > 0
  --batch-size N             instances per micro-batch (default 32)
  --grad-accum N             micro-batches per update (default 1)
  --seed N                   (default 12345)
data and evaluation
  --data DIR                 training shards (on --resume: default the run's)
  --shuffle-buffer N         (default 10000)
  --eval-instances N         held out from the end of --data (default min(500, 5%))
  --eval-data DIR            another evaluation set (repeatable; e.g. SOP and NSP data for the paper's Table 5)
  --eval-limit N             instances used from each --eval-data (default 1000)
  --eval-every N             evaluate every N steps (default 0: only at the end)
output
  --output DIR               run directory
  --log-every N              metrics record every N steps (default 10)
  --save-every N             checkpoint every N steps (default 0: only at the end)
  --keep N                   checkpoints kept (default 3)
  --resume                   continue the run in --output from its newest intact checkpoint (a damaged newer
                             one is skipped with a warning). The run's saved settings are reused: --output
                             is enough; flags given must agree with them, except a larger --steps, which
                             extends the run (its learning-rate schedule becomes the one of the new length:
                             warmup unchanged, decay to 0 at the new last step). A complete run is left as it is.
  --resume-from DIR          continue from this checkpoint folder (refused if damaged)
  --max-bad-steps N          stop after N NaN/Inf steps in a row (default 5); such steps never update the weights
  --threads N                kernel threads (default $ALBERT_NUM_THREADS or all cores)
  --checkpoint-activations   recompute activations in backward: 45% less peak memory, 15% more time (base-v2, 8x128; BENCHMARKS.md)
  --max-memory SIZE          ${MAX_MEMORY_HELP}
  --quiet                    no run summary, no progress bar
first job
  --first-job                generate a synthetic corpus + tokenizer, pretrain a tiny ALBERT on it (a few
                             minutes on 2 cores), print held-out MLM/SOP accuracy and a fill-mask example
                             (default --output first-job, --steps 1200)
  --overwrite                replace an earlier first job in --output (without it, a non-empty one is refused)
`;

const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : (100 * x).toFixed(1) + '%');

function evalLine(r: Extract<MetricsRecord, { type: 'eval' }>): string {
  return `eval step ${r.step} ${r.set} (${r.objective}, ${r.instances}): mlm loss ${r.mlm_loss.toFixed(4)}, mlm acc ${pct(r.mlm_acc)}`
    + (r.sentence_acc !== null ? `, ${r.objective} acc ${pct(r.sentence_acc)}` : '');
}

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    data: { type: 'string' }, output: { type: 'string' }, model: { type: 'string' }, set: { type: 'string', multiple: true },
    tokenizer: { type: 'string' }, objective: { type: 'string' }, precision: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' },
    'warmup-steps': { type: 'string' }, 'decay-power': { type: 'string' }, 'weight-decay': { type: 'string' },
    'clip-norm': { type: 'string' }, steps: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
    'grad-accum': { type: 'string' }, seed: { type: 'string' }, 'shuffle-buffer': { type: 'string' },
    'eval-instances': { type: 'string' }, 'eval-data': { type: 'string', multiple: true }, 'eval-limit': { type: 'string' },
    'eval-every': { type: 'string' }, 'log-every': { type: 'string' }, 'save-every': { type: 'string' }, keep: { type: 'string' },
    resume: { type: 'boolean' }, 'resume-from': { type: 'string' }, 'max-bad-steps': { type: 'string' }, threads: { type: 'string' }, quiet: { type: 'boolean' },
    'checkpoint-activations': { type: 'boolean' }, ...MAX_MEMORY_FLAG,
    'first-job': { type: 'boolean' }, overwrite: { type: 'boolean' },
  }, help);
  if (!a) return 0;
  const v = a.values;
  // Data parallel: rank 0 alone reports (the others train silently; their errors still show).
  const lead = worldComm().rank === 0;
  const quiet = Boolean(v.quiet) || !lead;
  const threads = threadsFlag(v.threads);
  const progress = new Progress('pretrain', 0, quiet);
  const onStart: PretrainOptions['onStart'] = (s) => { if (!quiet) process.stderr.write(formatRunSummary(s).join('\n') + '\n'); };
  const onRecord = (r: MetricsRecord) => { if (r.type === 'eval' && !quiet) process.stderr.write((process.stderr.isTTY ? '\r\x1b[K' : '') + evalLine(r) + '\n'); };
  const onStep: PretrainOptions['onStep'] = (s) => {
    progress.setTotal(s.totalSteps);
    progress.update(s.step, [`loss ${s.loss.toFixed(3)}`, `mlm ${pct(s.mlmAcc)}`, `sent ${pct(s.sentenceAcc)}`, `${formatCount(s.tokensPerSecond)} tok/s`, `lr ${s.lr.toExponential(2)}`]);
  };
  const interrupt = saveOnInterrupt();
  try {
    if (v['first-job']) {
      const fj = await runFirstJob({
        output: v.output ?? 'first-job', steps: v.steps !== undefined ? intFlag(v.steps, 'steps', 0, 1) : undefined, threads, quiet,
        overwrite: Boolean(v.overwrite),
        pretrain: { onStart, onRecord, onStep, signal: interrupt.signal, precision: v.precision as PretrainOptions['precision'] },
      });
      progress.finish();
      return fj.result.interrupted ? 130 : 0;
    }
    if (v.overwrite) throw new UserError('--overwrite goes with --first-job: a pretrain run is continued with --resume, or started in another --output');
    const objective = v.objective;
    if (objective !== undefined && objective !== 'sop' && objective !== 'nsp' && objective !== 'mlm') throw new UserError(`--objective must be sop, nsp or mlm, got "${objective}"`);
    const optimizer = v.optimizer;
    if (optimizer !== undefined && optimizer !== 'lamb' && optimizer !== 'adamw') throw new UserError(`--optimizer must be lamb or adamw, got "${optimizer}"`);
    // Only the type here: pretrain() refuses values outside their range, naming the flag.
    const num = (k: string) => (v[k as keyof typeof v] === undefined ? undefined : floatFlag(v[k as keyof typeof v] as string, k, 0));
    const int = (k: string) => (v[k as keyof typeof v] === undefined ? undefined : intFlag(v[k as keyof typeof v] as string, k, 0));
    const r = await pretrain({
      data: v.data, output: required(v.output, 'output'), model: v.model, set: parseSet(v.set),
      tokenizer: v.tokenizer, objective: objective as PretrainObjective | undefined, precision: v.precision as PretrainOptions['precision'], optimizer: optimizer as PretrainOptions['optimizer'],
      lr: num('lr'), warmupSteps: int('warmup-steps'), decayPower: num('decay-power'), weightDecay: num('weight-decay'),
      clipNorm: num('clip-norm'), steps: int('steps'), epochs: num('epochs'), batchSize: int('batch-size'),
      gradAccum: int('grad-accum'), seed: int('seed'), shuffleBuffer: int('shuffle-buffer'),
      evalInstances: int('eval-instances'), evalData: v['eval-data'], evalLimit: int('eval-limit'),
      evalEvery: int('eval-every'), logEvery: int('log-every'), saveEvery: int('save-every'), keep: int('keep'),
      resume: Boolean(v.resume), resumeFrom: v['resume-from'], maxBadSteps: int('max-bad-steps'), threads, quiet, signal: interrupt.signal,
      onStart, onRecord, onStep, checkpointActivations: v['checkpoint-activations'] ? true : undefined, maxMemory: memoryFlag(v['max-memory']),
    });
    if (r.alreadyComplete) {
      if (lead) process.stderr.write(`albert: ${v.output}: the run is complete (${r.steps} steps; checkpoint ${r.checkpoint}); nothing was changed. `
        + 'To train it longer, resume with a larger --steps\n');
      return 0;
    }
    progress.finish();
    if (r.interrupted) {
      if (lead) process.stderr.write(`albert: stopped at step ${r.steps}; checkpoint ${r.checkpoint}; continue with the same command plus --resume\n`);
      return 130;
    }
    if (lead) process.stderr.write(`done: ${r.steps} steps, ${formatCount(r.tokensPerSecond)} tokens/s, ${r.skippedSteps} skipped; checkpoint ${r.checkpoint}\n`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}
