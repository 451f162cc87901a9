// Flags shared by the commands that run a model on a batches file (forward, grad):
// --model DIR|PRESET, --head, --backend, --threads, --seed, --max-memory.
import { loadBackend, type Backend, type BackendKind } from '../backend/index.js';
import { openModel } from '../io/hf_dir.js';
import { HEAD_KINDS, parseHeadKind, type AlbertModel } from '../model/albert.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, required, threadsFlag } from './args.js';
import { UserError } from '../errors.js';

export const MODEL_FLAGS = {
  model: { type: 'string' },
  head: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  seed: { type: 'string' },
  ...MAX_MEMORY_FLAG,
} as const;

export const MODEL_FLAGS_HELP = `  --model DIR|PRESET  an HF ALBERT directory (config.json + model.safetensors), or a preset name
                      (random weights, seeded by --seed)
  --head KIND         override the head that config.json "architectures" names: one of
                      ${HEAD_KINDS.join(', ')} (or an HF class name)
  --backend KIND      auto (default; native when built, else js), native or js (env ALBERT_BACKEND)
  --threads T         kernel threads (env ALBERT_NUM_THREADS; default: all cores)
  --seed N            seed for weights the checkpoint lacks / preset weights (default 0)
  --max-memory SIZE   ${MAX_MEMORY_HELP}`;

/** The backend --backend and --threads name. */
export function backendFromFlags(values: { backend?: string; threads?: string }): Backend {
  const kind = values.backend;
  if (kind !== undefined && kind !== 'auto' && kind !== 'js' && kind !== 'native') {
    throw new UserError(`--backend must be auto, native or js, got "${kind}"`);
  }
  return loadBackend({ kind: kind as BackendKind | undefined, threads: threadsFlag(values.threads) });
}

export function openModelFromFlags(values: { model?: string; head?: string; backend?: string; threads?: string; seed?: string; 'max-memory'?: string }): AlbertModel {
  const spec = required(values.model, 'model');
  const head = values.head === undefined ? undefined : parseHeadKind(values.head);
  const backend = backendFromFlags(values);
  return openModel(spec, { backend, head, seed: intFlag(values.seed, 'seed', 0, 0, 2 ** 32 - 1), maxMemory: memoryFlag(values['max-memory']) });
}
