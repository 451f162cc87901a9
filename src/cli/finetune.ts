// `albert finetune`: fine-tune a model on a downstream task (finetune() in src/finetune/finetune.ts).
import { UserError } from '../errors.js';
import { finetune, type FinetuneOptions } from '../finetune/finetune.js';
import type { TrainerRecord } from '../train/trainer.js';
import { formatRunSummary } from '../train/run_summary.js';
import { saveOnInterrupt } from './interrupt.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, floatFlag, intFlag, memoryFlag, parseCommandArgs, parseSet, threadsFlag } from './args.js';
import { worldComm } from '../parallel/comm.js';
import { Progress, formatCount } from './progress.js';
import { maxSeqLengthFlag, TASK_FLAGS, TASK_FLAGS_HELP, TASK_LIST_HELP, taskOptionsFromFlags } from './task_flags.js';

export const summary = 'fine-tune on GLUE, SQuAD, RACE or your own classification / regression data';

export const help = `usage: albert finetune --task T --data PATH --model DIR --output OUT [--eval-data PATH] [--recipe paper] [flags]

Fine-tunes a model on a task and evaluates it on the task's dev data. PATH is: GLUE the task's folder
(train.tsv, dev.tsv; MNLI dev_matched and dev_mismatched); SQuAD the train JSON, with --eval-data the
dev JSON (without it nothing is evaluated); RACE the unpacked RACE/ folder (train/, dev/) or an HF-style
jsonl file (with --eval-data for its dev); your own data the train file, with --eval-data a dev file
(labels are discovered from the train file and written to config.json's id2label / label2id).
${TASK_LIST_HELP}

OUT gets checkpoint-NNNNNNN/ folders (HF directories + optimizer and data state: --resume continues
exactly), the best checkpoint by the task's main metric (accuracy; CoLA matthews_correlation; STS-B
pearson; SQuAD f1; own regression pearson, multi-label f1) kept beside the newest, metrics.jsonl,
curves.svg, report.json (settings, best and final metrics per split, wall time, tokens/s) and model/:
the best checkpoint's HF directory, which albert evaluate / predict --model take. Ctrl-C saves a
checkpoint and exits (code 130).

model
  --model DIR|PRESET         an HF ALBERT directory (e.g. albert-base-v2: config.json, model.safetensors,
                             spiece.model), or a preset name (random weights: for tests; needs --tokenizer).
                             Head weights it lacks are initialized from --seed (with a warning)
  --tokenizer MODEL          SentencePiece model (default DIR/spiece.model)
  --set KEY=VALUE            config override (repeatable)
  --dropout P                ALBERT's hidden and attention dropout (default: config.json's)
  --classifier-dropout P     the head's dropout (default: config.json's classifier_dropout_prob)
recipe
  --recipe paper             the paper's Table 14 for the task (lr, batch size, ALBERT and classifier dropout,
                             steps, warmup, max length 512, SQuAD 1.1 384), with google-research/albert's
                             optimizer (adamw-google, weight decay 0.01) and best-of-dev evaluated every 100
                             steps; flags given override it. Table 14 is the v1 recipe: for v2 the authors
                             keep it except for RACE, where they use --lr 1e-5 --dropout 0
optimizer and schedule (defaults: HF Trainer's)
  --precision fp32|bf16      bf16: mixed precision, the GEMMs on bf16-rounded weights and activations with
                             fp32 sums; weights, optimizer, LayerNorm, softmax, loss fp32 (default fp32; --resume keeps it)
  --optimizer adamw|adamw-google   adamw: torch AdamW (bias correction, eps 1e-8), HF's linear schedule;
                             adamw-google: google-research/albert's (no bias correction, eps 1e-6, linear
                             decay counted from step 0, replaced by warmup during warmup)
  --lr X                     peak learning rate (default 5e-5)
  --warmup-steps N           linear warmup steps (default 0)
  --warmup-ratio X           warmup as a fraction of the steps (--warmup-steps > 0 wins)
  --weight-decay X           (default 0; adamw-google 0.01; never on biases and LayerNorm weights)
  --clip-norm X              global gradient-norm clipping (default 1.0; 0 = off)
  --steps N | --epochs X     length of the run (default 3 epochs; --steps wins)
  --batch-size N             examples per micro-batch (default 32; training batches pad to --max-seq-length)
  --grad-accum N             micro-batches per update (default 1)
  --seed N                   data order, dropout and new head weights (default 42)
  --no-shuffle               examples in file order (default: each epoch a permutation drawn from the seed)
data
  --data PATH                training data (see above)
  --eval-data PATH           evaluation data where it is not beside --data
  --max-seq-length N         longest input in tokens (default 128 text, 384 SQuAD, 512 RACE)
${TASK_FLAGS_HELP}
evaluation and output
  --output OUT               run directory
  --eval-every N             evaluate every N steps (default 0: at the end; the last step is always evaluated)
  --eval-batch-size N        examples per forward when evaluating (default: the batch size)
  --log-every N              metrics record every N steps (default 10)
  --save-every N             checkpoint every N steps (default 0: the best and the last only)
  --keep N                   newest checkpoints kept besides the best (default 1)
  --resume                   continue the run in OUT from its newest intact checkpoint; flags given must agree
                             with the saved run, except a larger --steps (extends it)
  --resume-from DIR          continue from this checkpoint folder
  --max-bad-steps N          stop after N NaN/Inf steps in a row (default 5); such steps never update the weights
  --checkpoint-activations   recompute activations in backward (less memory, more time)
  --threads N                kernel threads (default $ALBERT_NUM_THREADS or all cores)
  --max-memory SIZE          ${MAX_MEMORY_HELP}
  --quiet                    no run summary, no progress bar
`;

const fmt = (x: unknown) => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : String(x));
const metricsOf = (r: TrainerRecord) => Object.entries(r).filter(([k]) => !['type', 'step', 'split'].includes(k)).map(([k, v]) => `${k} ${fmt(v)}`);
const evalLine = (r: TrainerRecord) => `eval step ${r.step} ${r.split}: ${metricsOf(r).join(', ')}`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    ...TASK_FLAGS, 'eval-data': { type: 'string' }, model: { type: 'string' }, output: { type: 'string' }, recipe: { type: 'string' },
    set: { type: 'string', multiple: true }, dropout: { type: 'string' }, 'classifier-dropout': { type: 'string' },
    precision: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' }, 'warmup-steps': { type: 'string' }, 'warmup-ratio': { type: 'string' },
    'weight-decay': { type: 'string' }, 'clip-norm': { type: 'string' }, steps: { type: 'string' }, epochs: { type: 'string' },
    'batch-size': { type: 'string' }, 'grad-accum': { type: 'string' }, seed: { type: 'string' }, 'no-shuffle': { type: 'boolean' },
    'eval-every': { type: 'string' }, 'eval-batch-size': { type: 'string' }, 'log-every': { type: 'string' }, 'save-every': { type: 'string' },
    keep: { type: 'string' }, resume: { type: 'boolean' }, 'resume-from': { type: 'string' }, 'max-bad-steps': { type: 'string' },
    'checkpoint-activations': { type: 'boolean' }, threads: { type: 'string' }, quiet: { type: 'boolean' }, ...MAX_MEMORY_FLAG,
  }, help);
  if (!a) return 0;
  const v = a.values;
  if (v.output === undefined) throw new UserError('missing required flag --output (see --help)');
  // Only the type here: finetune() refuses values outside their range (and unknown optimizers), naming the flag.
  const num = (k: keyof typeof v) => (v[k] === undefined ? undefined : floatFlag(v[k] as string, k, 0));
  const int = (k: keyof typeof v) => (v[k] === undefined ? undefined : intFlag(v[k] as string, k, 0));
  // Data parallel: rank 0 alone reports (the others train silently; their errors still show).
  const lead = worldComm().rank === 0;
  const quiet = Boolean(v.quiet) || !lead;
  const progress = new Progress('finetune', 0, quiet);
  // The progress line shows the first split's latest metrics (the first of them decides the best checkpoint for most tasks).
  let dev = '', firstSplit: unknown;
  const onRecord = (r: TrainerRecord) => {
    if (r.type !== 'eval') return;
    if (!quiet) process.stderr.write((process.stderr.isTTY ? '\r\x1b[K' : '') + evalLine(r) + '\n');
    firstSplit ??= r.split;
    if (r.split === firstSplit) dev = `${r.split} ${metricsOf(r).slice(0, 2).join(' ')}`;
  };
  const interrupt = saveOnInterrupt();
  try {
    const r = await finetune({
      task: v.task, data: v.data, evalData: v['eval-data'], model: v.model, output: v.output, tokenizer: v.tokenizer, recipe: v.recipe,
      set: parseSet(v.set), dropout: num('dropout'), classifierDropout: num('classifier-dropout'),
      precision: v.precision as FinetuneOptions['precision'], optimizer: v.optimizer as FinetuneOptions['optimizer'], lr: num('lr'), warmupSteps: int('warmup-steps'), warmupRatio: num('warmup-ratio'),
      weightDecay: num('weight-decay'), clipNorm: num('clip-norm'), steps: int('steps'), epochs: num('epochs'), batchSize: int('batch-size'),
      gradAccum: int('grad-accum'), seed: int('seed'), shuffle: v['no-shuffle'] ? false : undefined, maxSeqLength: maxSeqLengthFlag(v),
      evalEvery: int('eval-every'), evalBatchSize: v['eval-batch-size'] === undefined ? undefined : intFlag(v['eval-batch-size'], 'eval-batch-size', 0, 1),
      logEvery: int('log-every'), saveEvery: int('save-every'), keep: int('keep'), resume: Boolean(v.resume), resumeFrom: v['resume-from'],
      maxBadSteps: int('max-bad-steps'), checkpointActivations: v['checkpoint-activations'] ? true : undefined,
      threads: threadsFlag(v.threads), maxMemory: memoryFlag(v['max-memory']), signal: interrupt.signal, ...taskOptionsFromFlags(v),
      onStart: (s) => { if (!quiet) process.stderr.write(formatRunSummary(s).join('\n') + '\n'); },
      onRecord,
      onStep: (s) => {
        progress.setTotal(s.totalSteps);
        progress.update(s.step, [`loss ${s.loss.toFixed(4)}`, ...(dev ? [dev] : []), `${formatCount(s.tokensPerSecond)} tok/s`, `lr ${s.lr.toExponential(2)}`]);
      },
    });
    if (r.alreadyComplete) {
      if (lead) process.stderr.write(`albert: ${v.output}: the run is complete (${r.steps} steps; checkpoint ${r.checkpoint}); nothing was changed. To train it longer, resume with a larger --steps\n`);
      return 0;
    }
    progress.finish();
    if (r.interrupted) {
      if (lead) process.stderr.write(`albert: stopped at step ${r.steps}; checkpoint ${r.checkpoint}; continue with the same command plus --resume\n`);
      return 130;
    }
    const best = r.report?.best;
    if (lead) process.stderr.write(`done: ${r.steps} steps, ${formatCount(r.tokensPerSecond)} tokens/s, ${r.skippedSteps} skipped`
      + (best ? `; best ${r.report!.main_metric} ${fmt(best.value)} at step ${best.step}` : '') + `; model ${r.modelDir}, report ${r.reportFile}\n`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}
