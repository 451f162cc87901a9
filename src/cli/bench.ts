// `albert bench`: tokens/s and peak RSS of one model shape, random weights and tokens.
// One process = one measurement, so the peak RSS printed is this run's (the suite in bench/run.ts
// starts one `albert bench --json` per measurement).
import { dtypeEngine, type Dtype } from '../backend/dtype.js';
import { dtypeFlag } from './dtype_flag.js';
import { PRECISIONS, type Precision } from '../backend/bf16.js';
import type { Backend } from '../backend/backend.js';
import { NativeBackend, describeBackend, loadBackend } from '../backend/index.js';
import { AlbertModel, type HeadKind, type Labels, type ModelInputs } from '../model/albert.js';
import type { AlbertConfig } from '../model/config.js';
import { configFromSpec } from '../model/presets.js';
import { softmax } from '../model/top_k.js';
import { Optimizer, clipGradNorm } from '../train/optim.js';
import { linearWithWarmup } from '../train/schedule.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, parseCommandArgs, threadsFlag } from './args.js';
import { BENCH_MODES, type BenchMode, maskedPerSequence, median, modelFlops, peakRssBytes, randomTokenIds } from './bench_stats.js';
import { UserError } from '../errors.js';
import { mpiBuilt, mpiLine } from '../parallel/comm.js';
import { helpWithBackend } from './backend_line.js';

/** The fine-tuning step's settings: the contract's defaults (clipping 1.0, lr 5e-5) and decay as the paper's recipe. */
const FINETUNE_CLIP = 1.0, FINETUNE_LR = 5e-5, FINETUNE_WEIGHT_DECAY = 0.01;

export const summary = 'measure tokens/s and peak RSS of a model shape (random weights)';
export const help = `usage: albert bench [--config base-v2] [--mode infer|train|finetune|classify] [--batch 8] [--seq 128] [--steps N] [--threads T] [--checkpoint-activations] [--json]

Runs --warmup steps, then --steps timed steps, on random weights and random tokens, and prints the
median step's tokens/s, the model GFLOP/s and the peak RSS of this process.
  infer:    eval forward of AlbertModel (with pooler), packed weights
  train:    AlbertForPreTraining forward + backward (MLM on 15% of positions + SOP) + AdamW update
  finetune: a fine-tuning step as \`albert finetune\` makes it: AlbertForSequenceClassification
            (num_labels of the config, random labels) forward + cross-entropy + backward, clipping
            to global norm ${FINETUNE_CLIP.toFixed(1)}, torch's AdamW (weight decay ${FINETUNE_WEIGHT_DECAY} except on biases and
            LayerNorm weights) at HF's linear schedule from lr ${FINETUNE_LR.toExponential(0)}
  classify: its evaluation: eval forward of AlbertForSequenceClassification + softmax, packed weights

  --config NAME|FILE   a preset (see \`albert params\`) or a config.json (default base-v2)
  --mode MODE          infer, train, finetune or classify (default infer)
  --batch B --seq S    shape (default 8 x 128)
  --steps N            timed steps (default 5); --warmup W untimed steps first (default 1)
  --threads T          kernel threads (default: $ALBERT_NUM_THREADS, else all cores)
  --max-memory SIZE    ${MAX_MEMORY_HELP}
  --precision fp32|bf16
                       bf16: the model's GEMMs on bf16-rounded operands with fp32 sums (train and
                       finetune: mixed-precision training, as pretrain/finetune --precision bf16)
  --dtype fp32|bf16|int8
                       infer and classify: the encoder's Linear GEMMs in bf16 or int8 (dynamic quantization,
                       as onnxruntime's quantize_dynamic; see loadPretrained's dtype); the output names the
                       engine (native, or emulated at fp32 speed where the build lacks oneDNN)
  --checkpoint-activations
                       train with gradient checkpointing (recompute each layer's activations in backward)
  --profile            also time each backend kernel (adds a little overhead)
  --json               print one JSON object as the last line: config, mode, batch, seq, threads,
                       tokens_per_s, step_s_median, peak_rss_bytes, backend, backend_description, gemm,
                       kernels (and gflop_per_step, gflops, ...)

The first line of the output names the backend, the GEMM the addon was built with (openblas, or
its own portable one) and the kernels this CPU runs (avx512, avx2 or generic, with the extensions in use),
as the line below does.
`;

/** The model each mode runs. */
const MODE_HEADS: Record<BenchMode, HeadKind> = {
  infer: 'base', train: 'pretraining', finetune: 'sequence-classification', classify: 'sequence-classification',
};

export interface BenchOptions {
  config: AlbertConfig;
  /** How the config was named (preset or path), echoed in the result. */
  configName: string;
  mode: BenchMode;
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
  threads?: number;
  seed?: number;
  /** Time every backend call by kernel name. */
  profile?: boolean;
  /** Gradient checkpointing (train mode). */
  checkpointActivations?: boolean;
  /** The GEMMs' precision (default fp32; backend/bf16.ts). */
  precision?: Precision;
  /** Inference dtype (infer and classify; default fp32; backend/dtype.ts). */
  dtype?: Dtype;
  /** Bytes the model may use (default: this machine's memory). */
  maxMemory?: number;
  /** Called after every step (warmup included) with its duration in seconds. */
  onStep?: (step: number, seconds: number, warmup: boolean) => void;
}

export interface ProfileRow { kernel: string; calls: number; seconds: number; gflop?: number }

export interface BenchResult {
  config: string; mode: BenchMode; batch: number; seq: number; threads: number; backend: string;
  /** describeBackend's line, e.g. "native (GEMM: openblas (Haswell), forward: packed, kernels: avx2, 2 threads)". */
  backend_description: string;
  /** The addon's GEMM ('openblas', 'accelerate', 'portable') and hand-vectorized kernels ('avx512 + avx512_bf16', 'avx2', 'generic'); null on js. */
  gemm: string | null; kernels: string | null;
  /** The engine in full, as the backend line names it (the CBLAS's kernel family, whether the forward runs packed). */
  gemm_engine: string | null;
  /** Whether the MPI addon is built in (data-parallel training under mpirun). */
  mpi: boolean;
  steps: number; tokens_per_s: number; step_s_median: number; step_s: number[]; peak_rss_bytes: number;
  gflop_per_step: number; gflops: number; loss?: number; checkpoint_activations?: boolean; precision?: 'bf16';
  /** infer / classify in bf16 or int8, and whether that ran natively or emulated. */
  dtype?: Dtype; dtype_engine?: 'native' | 'emulated';
  /** finetune: the last step's gradient norm before clipping. */
  grad_norm?: number;
  /** Kernel times summed over the timed steps (only with profile). */
  profile?: ProfileRow[];
  /** The gemm row split by transposes and shape, "NT 1024x3072x768 x1" = (m x n x k, batch). */
  profile_gemm?: ProfileRow[];
}

/** Backend methods that ask or set something rather than compute (not timed). */
const NOT_KERNELS = new Set(['runsDtype', 'dnnl', 'getThreads', 'setThreads', 'usesDnnlForward', 'simdKernels', 'cpuIsa']);

/** A Backend whose every method call is timed by name; the GEMMs (gemm, gemmPacked, linearBackward) also count their FLOPs, per shape too. */
export function profiledBackend(inner: Backend): { backend: Backend; rows(): ProfileRow[]; gemmRows(): ProfileRow[]; reset(): void } {
  let stats = new Map<string, ProfileRow>(), gemms = new Map<string, ProfileRow>();
  const add = (map: Map<string, ProfileRow>, key: string, dt: number, gflop?: number) => {
    let row = map.get(key);
    if (!row) map.set(key, row = { kernel: key, calls: 0, seconds: 0 });
    row.calls++;
    row.seconds += dt;
    if (gflop !== undefined) row.gflop = (row.gflop ?? 0) + gflop;
  };
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (NOT_KERNELS.has(prop)) return fn.bind(target);
      return (...args: unknown[]) => {
        const t0 = process.hrtime.bigint();
        const out = fn.apply(target, args);
        const dt = Number(process.hrtime.bigint() - t0) / 1e9;
        if (prop === 'gemmPacked') { // (m, a, lda, packed { k, n }, ...)
          const [m, , , packed] = args as [number, unknown, unknown, { k: number; n: number }];
          const gflop = 2 * m * packed.n * packed.k / 1e9;
          add(stats, prop, dt, gflop);
          add(gemms, `packed ${m}x${packed.n}x${packed.k}`, dt, gflop);
        } else if (prop === 'linearBackward') { // (dy, x, ldx, w, dw, db, dx, lddx, rows, in, out, ...): dW and dx
          const [, , , , , , dx, , rows, inF, outF] = args as [unknown, unknown, unknown, unknown, unknown, unknown, unknown, unknown, number, number, number];
          const gflop = (dx ? 4 : 2) * rows * inF * outF / 1e9;
          add(stats, prop, dt, gflop);
          add(gemms, `${dx ? 'dW+dx' : 'dW'} ${outF}x${inF} rows ${rows}`, dt, gflop);
        } else if (prop !== 'gemm' && prop !== 'gemmBf16') {
          add(stats, prop, dt);
        } else { // (transA, transB, m, n, k, ..., batch at index 13)
          const [tA, tB, m, n, k] = args as [boolean, boolean, number, number, number];
          const batch = (args[13] as number | undefined) ?? 1, gflop = 2 * m * n * k * batch / 1e9;
          add(stats, prop, dt, gflop);
          add(gemms, `${prop === 'gemmBf16' ? 'bf16 ' : ''}${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k} x${batch}`, dt, gflop);
        }
        return out;
      };
    },
  });
  const sorted = (map: Map<string, ProfileRow>) => [...map.values()].sort((a, b) => b.seconds - a.seconds);
  return { backend, rows: () => sorted(stats), gemmRows: () => sorted(gemms), reset: () => { stats = new Map(); gemms = new Map(); } };
}

/** Random (B, S) inputs: uniform ids, all attended, token types 0 then 1 (two segments). */
function randomInputs(c: AlbertConfig, batch: number, seq: number, seed: number): ModelInputs {
  const n = batch * seq;
  const tokenTypeIds = new Int32Array(n);
  for (let i = 0; i < n; i++) tokenTypeIds[i] = c.type_vocab_size > 1 && i % seq >= seq >> 1 ? 1 : 0;
  return { inputIds: randomTokenIds(n, c.vocab_size, seed), attentionMask: new Int32Array(n).fill(1), tokenTypeIds, batch, seq };
}

/** MLM labels at maskedPerSequence(seq) random positions of each sequence (-100 elsewhere) and SOP labels. */
function randomLabels(inputs: ModelInputs, seed: number): Labels {
  const { batch, seq } = inputs;
  const labels = new Int32Array(batch * seq).fill(-100);
  const order = randomTokenIds(batch * seq, 0x7fffffff, seed + 1);
  const k = maskedPerSequence(seq);
  for (let b = 0; b < batch; b++) {
    // the k positions with the smallest random keys
    const pos = Array.from({ length: seq }, (_, s) => s).sort((x, y) => order[b * seq + x] - order[b * seq + y]).slice(0, k);
    for (const s of pos) labels[b * seq + s] = inputs.inputIds[b * seq + s];
  }
  const sentenceOrderLabel = randomTokenIds(batch, 2, seed + 2);
  return { labels, sentenceOrderLabel };
}

/** Build the model, run warmup + timed steps, and report the median step. */
export function runBenchmark(o: BenchOptions): BenchResult {
  const seed = o.seed ?? 1;
  const base = loadBackend({ threads: o.threads });
  const prof = o.profile ? profiledBackend(base) : null;
  const pretrain = o.mode === 'train', finetune = o.mode === 'finetune';
  const model = new AlbertModel(o.config, MODE_HEADS[o.mode], prof?.backend ?? base,
    { checkpointActivations: o.checkpointActivations, precision: o.precision, maxMemory: o.maxMemory, source: o.configName });
  model.initWeights(seed);
  // inference (infer, classify): packed once, as ORT prepacks and as evaluation runs the model
  model.inferenceOnly = !pretrain && !finetune;
  if (o.dtype && o.dtype !== 'fp32') {
    if (pretrain || finetune) throw new UserError(`--dtype ${o.dtype} is for inference (--mode infer or classify); training takes --precision bf16`);
    model.dtype = o.dtype;
  }
  const inputs = randomInputs(o.config, o.batch, o.seq, seed);
  const labels = pretrain ? randomLabels(inputs, seed) : finetune ? { labels: randomTokenIds(o.batch, o.config.num_labels, seed + 1) } : null;
  const params = model.params();
  const optimizer = pretrain ? new Optimizer(params, model.backend, { kind: 'adamw', eps: 1e-8 })
    : finetune ? new Optimizer(params, model.backend, { kind: 'adamw', weightDecay: FINETUNE_WEIGHT_DECAY }) : null;
  const times: number[] = [];
  let loss: number | undefined, gradNorm: number | undefined;
  for (let i = 0; i < o.warmup + o.steps; i++) {
    if (i === o.warmup) prof?.reset();
    const t0 = process.hrtime.bigint();
    if (pretrain) {
      model.zeroGrad();
      loss = model.lossAndBackward(inputs, labels!, { train: true, seed: seed + i }).loss;
      optimizer!.step(1e-4);
    } else if (finetune) { // the Trainer's update (src/train/trainer.ts), one micro-batch
      model.zeroGrad();
      loss = model.lossAndBackward(inputs, labels!, { train: true, seed: seed + i }).loss;
      gradNorm = clipGradNorm(params, FINETUNE_CLIP, model.backend);
      optimizer!.step(linearWithWarmup(i, { lr: FINETUNE_LR, totalSteps: o.warmup + o.steps, warmupSteps: 0 }));
    } else {
      const out = model.forward(inputs, { train: false, headOutputsOnly: o.mode === 'classify' });
      if (o.mode === 'classify') { // the class probabilities, as the text-classification pipeline takes them
        const K = o.config.num_labels;
        for (let b = 0; b < o.batch; b++) softmax(out.logits!.subarray(b * K, (b + 1) * K));
      }
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (i >= o.warmup) times.push(dt);
    o.onStep?.(i, dt, i < o.warmup);
  }
  const med = median(times);
  const flop = modelFlops(o.config, o.batch, o.seq, o.mode);
  return {
    config: o.configName, mode: o.mode, batch: o.batch, seq: o.seq, threads: base.getThreads(), backend: base.name,
    backend_description: describeBackend(base),
    gemm: base instanceof NativeBackend ? base.gemmImpl() : null, gemm_engine: base instanceof NativeBackend ? base.gemmEngine() : null, kernels: base instanceof NativeBackend ? base.kernelDescription() : null,
    mpi: mpiBuilt(), steps: o.steps, tokens_per_s: (o.batch * o.seq) / med, step_s_median: med, step_s: times,
    peak_rss_bytes: peakRssBytes(), gflop_per_step: flop / 1e9, gflops: flop / med / 1e9,
    ...(loss !== undefined ? { loss } : {}), ...(gradNorm !== undefined ? { grad_norm: gradNorm } : {}), ...(o.checkpointActivations ? { checkpoint_activations: true } : {}), ...(o.precision === 'bf16' ? { precision: 'bf16' } : {}), ...(model.dtype !== 'fp32' ? { dtype: model.dtype, dtype_engine: dtypeEngine(base, model.dtype) } : {}), ...(prof ? { profile: prof.rows(), profile_gemm: prof.gemmRows() } : {}),
  };
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** The profile as text lines: kernel, calls, seconds per step, share of the step time. */
export function formatProfile(r: BenchResult): string[] {
  if (!r.profile) return [];
  const total = r.step_s.reduce((a, b) => a + b, 0);
  const line = (name: string, calls: string, seconds: number, gflop?: number) =>
    `    ${name.padEnd(26)} ${calls.padStart(6)}  ${(seconds / r.steps).toFixed(3)} s  ${(100 * seconds / total).toFixed(1).padStart(5)}%` +
    (gflop ? `  ${(gflop / seconds).toFixed(1)} GFLOP/s` : '');
  const lines = [`  profile over ${r.steps} timed steps (calls and seconds per step, share of step time):`];
  let kernels = 0;
  for (const row of r.profile) {
    kernels += row.seconds;
    lines.push(line(row.kernel, String(row.calls / r.steps), row.seconds, row.gflop));
  }
  lines.push(line('(outside kernels)', '', total - kernels));
  if (r.profile_gemm?.length) {
    lines.push('  GEMMs by shape (gemm: op(A) op(B) m x n x k x batch; gemmPacked: packed m x n x k; linearBackward: dW+dx out x in, rows):');
    for (const row of r.profile_gemm.slice(0, 16)) lines.push(line(row.kernel, String(row.calls / r.steps), row.seconds, row.gflop));
  }
  return lines;
}

function precisionFlag(p: string | undefined): Precision | undefined {
  if (p !== undefined && !(PRECISIONS as readonly string[]).includes(p)) throw new UserError(`--precision must be fp32 or bf16, got "${p}"`);
  return p as Precision | undefined;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    config: { type: 'string' }, mode: { type: 'string' }, batch: { type: 'string' }, seq: { type: 'string' },
    steps: { type: 'string' }, warmup: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' },
    profile: { type: 'boolean' }, json: { type: 'boolean' }, precision: { type: 'string' }, dtype: { type: 'string' }, 'checkpoint-activations': { type: 'boolean' }, ...MAX_MEMORY_FLAG,
  }, argv.includes('--help') || argv.includes('-h') ? helpWithBackend(help) : help); // the backend is loaded only for help
  if (!args) return 0;
  const v = args.values;
  const mode = (v.mode ?? 'infer') as BenchMode;
  if (!(BENCH_MODES as string[]).includes(mode)) throw new UserError(`--mode must be ${BENCH_MODES.slice(0, -1).join(', ')} or ${BENCH_MODES.at(-1)}, got "${mode}"`);
  const configName = v.config ?? 'base-v2';
  const config = configFromSpec(configName);
  const opts: BenchOptions = {
    config, configName, mode,
    batch: intFlag(v.batch, 'batch', 8, 1),
    seq: intFlag(v.seq, 'seq', 128, 1, config.max_position_embeddings),
    steps: intFlag(v.steps, 'steps', 5, 1),
    warmup: intFlag(v.warmup, 'warmup', 1, 0),
    threads: threadsFlag(v.threads),
    seed: intFlag(v.seed, 'seed', 1, 0, 0xffffffff),
    profile: v.profile ?? false,
    checkpointActivations: v['checkpoint-activations'] ?? false,
    precision: precisionFlag(v.precision),
    dtype: dtypeFlag(v.dtype),
    maxMemory: memoryFlag(v['max-memory']),
  };
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`albert bench: ${configName} ${mode}${opts.precision === 'bf16' ? ' bf16' : ''}${opts.dtype && opts.dtype !== 'fp32' ? ` ${opts.dtype}` : ''}, batch ${opts.batch} x seq ${opts.seq}, ${opts.warmup} warmup + ${opts.steps} steps`);
  const r = runBenchmark({
    ...opts,
    onStep: (i, s, warm) => log(`  ${warm ? 'warmup' : 'step'} ${warm ? i + 1 : i - opts.warmup + 1}: ${s.toFixed(3)} s`),
  });
  const out = [
    `${r.config} ${r.mode} batch ${r.batch} x seq ${r.seq}, backend ${r.backend_description}` +
      (r.checkpoint_activations ? ', checkpointed activations' : '') + (r.dtype ? `, ${r.dtype} Linear GEMMs (${r.dtype_engine === 'native' ? 'native' : 'emulated at fp32 speed: this build has no native ' + r.dtype + ' GEMM'})` : ''),
    `  tokens/s ${r.tokens_per_s.toFixed(1)} (median step ${r.step_s_median.toFixed(3)} s of ${r.steps})  ` +
      `model ${r.gflops.toFixed(1)} GFLOP/s (${r.gflop_per_step.toFixed(1)} GFLOP/step)  peak RSS ${mb(r.peak_rss_bytes)}`,
    ...formatProfile(r),
    `  ${mpiLine()}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (v.json) process.stdout.write(JSON.stringify(r) + '\n');
  return 0;
}
