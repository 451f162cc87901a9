// Picks a backend: native when the addon loads, else the js specification (said once on stderr).
import os from 'node:os';
import type { Backend } from './backend.js';
import { JsBackend } from './js.js';
import { NativeBackend } from './native.js';
import { UserError } from '../errors.js';

export type { Activation, Backend } from './backend.js';
export { dropoutKeep, fmix32 } from './backend.js';
export { JsBackend } from './js.js';
export { NativeBackend } from './native.js';

export type BackendKind = 'auto' | 'js' | 'native';

export interface LoadBackendOptions {
  /** Default: $ALBERT_BACKEND, else 'auto' (native if it loads, else js). */
  kind?: BackendKind;
  /** Kernel threads. Default: $ALBERT_NUM_THREADS, else os.availableParallelism(). */
  threads?: number;
}

let warnedFallback = false;

function defaultKind(): BackendKind {
  const env = process.env.ALBERT_BACKEND;
  if (env === undefined || env === '') return 'auto';
  if (env === 'auto' || env === 'js' || env === 'native') return env;
  throw new UserError(`ALBERT_BACKEND must be auto, js or native, got "${env}"`);
}

export const MAX_THREADS = 1024;

/** $ALBERT_NUM_THREADS, checked (the error names the variable); undefined when unset or empty. */
export function threadsFromEnv(): number | undefined {
  const env = process.env.ALBERT_NUM_THREADS;
  if (env === undefined || env === '') return undefined;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new UserError(`ALBERT_NUM_THREADS must be an integer in 1..${MAX_THREADS}, got "${env}"`);
  return n;
}

function defaultThreads(): number {
  return threadsFromEnv() ?? os.availableParallelism();
}

/** Returns the reason the native addon cannot be used, or null when it loads. */
export function nativeUnavailableReason(): string | null {
  try {
    new NativeBackend();
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

export function loadBackend(opts: LoadBackendOptions = {}): Backend {
  const kind = opts.kind ?? defaultKind();
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`threads must be an integer >= 1, got ${threads}`);
  if (kind !== 'auto' && kind !== 'js' && kind !== 'native') throw new UserError(`unknown backend kind "${String(kind)}" (expected auto, js or native)`);
  if (kind === 'js') return new JsBackend();
  try {
    return new NativeBackend(threads);
  } catch (e) {
    if (e instanceof UserError) throw e; // the user's own setting (ALBERT_ISA), not a missing build
    const reason = (e as Error).message.split('\n')[0];
    if (kind === 'native') throw new UserError(`the native backend is not available (${reason}); build it with \`npm run build:native\` or use ALBERT_BACKEND=js`);
    if (!warnedFallback) {
      warnedFallback = true;
      process.stderr.write(`albert: native backend unavailable (${reason}); using the slower js backend\n`);
    }
    return new JsBackend();
  }
}

/**
 * One line saying what computes: the backend, the GEMM the addon was built with (OpenBLAS or its own
 * portable one) and which hand-vectorized kernels run on this CPU, e.g.
 * "native (GEMM: openblas (SapphireRapids), kernels: avx512 + avx512_bf16, 2 threads)". Users check the README's build advice with it.
 */
export function describeBackend(backend: Backend): string {
  if (backend instanceof NativeBackend) {
    return `native (GEMM: ${backend.gemmEngine()}, kernels: ${backend.kernelDescription()}, ${backend.getThreads()} thread${backend.getThreads() === 1 ? '' : 's'})`;
  }
  return `${backend.name} (the TypeScript specification, slow; ${nativeUnavailableReason() ?? 'ALBERT_BACKEND=js'})`;
}
