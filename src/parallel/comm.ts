// The processes of a data-parallel run and the collectives the Trainer needs between them. A process
// started by mpirun (Open MPI: OMPI_COMM_WORLD_SIZE; MPICH/PMI: PMI_SIZE; PMIx: PMIX_RANK) is one rank
// of an MPI job, through build/Release/albert_mpi.node (native/mpi.cc); any other process is the single
// rank of its own run (LOCAL), and MPI is never loaded. MPI is initialized lazily, at the first
// worldComm(), and finalized when the process exits.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

export interface Communicator {
  readonly rank: number;
  readonly size: number;
  /** 'local' (one process) or the MPI library's version line. */
  readonly library: string;
  /** Sum every array over the ranks, in place (Float32Array gradients in buckets; Float64Array statistics exactly in fp64). */
  allreduceSum(arrays: (Float32Array | Float64Array)[]): void;
  /** Rank `root`'s contents into every rank's `a`. */
  broadcast(a: Float32Array | Float64Array | Uint8Array | Int32Array, root?: number): void;
  barrier(): void;
  /** End the whole job now (every rank), with this exit code; returns only in a single process. */
  abort(code: number): void;
  /** What the allreduces have cost so far: bytes of the arrays reduced (fp32, before any bf16 on the wire), and seconds. */
  readonly stats: { allreduceBytes: number; allreduceSeconds: number; calls: number };
}

/** The number of ranks the launcher says this process belongs to, or undefined when not launched by an MPI launcher. */
export function launchedRanks(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.OMPI_COMM_WORLD_SIZE ?? env.PMI_SIZE ?? env.PMIX_SIZE ?? (env.PMIX_RANK !== undefined ? '0' : undefined);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

interface MpiAddon {
  built(): boolean;
  init(): { rank: number; size: number; library: string };
  allreduceSum(arrays: (Float32Array | Float64Array)[], timeoutMs: number, bf16: boolean, bucketBytes: number): void;
  broadcast(a: ArrayBufferView, root: number, timeoutMs: number): void;
  barrier(timeoutMs: number): void;
  abort(code: number): void;
  finalize(): void;
}

const ADDON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../build/Release/albert_mpi.node');
let addon: MpiAddon | null | undefined;

function loadAddon(): MpiAddon | null {
  if (addon === undefined) {
    try { addon = createRequire(import.meta.url)(ADDON) as MpiAddon; } catch { addon = null; }
  }
  return addon;
}

/** Whether this albert-ts has MPI (the addon was built against an mpi.h): what `--version` and `bench` say. */
export function mpiBuilt(): boolean {
  return loadAddon()?.built() ?? false;
}

/** One process: every collective is the identity. */
export const LOCAL: Communicator = {
  rank: 0, size: 1, library: 'local',
  allreduceSum() {}, broadcast() {}, barrier() {},
  abort(code) { process.exit(code); },
  stats: { allreduceBytes: 0, allreduceSeconds: 0, calls: 0 },
};

/** Seconds a collective waits for the other ranks before the job is aborted: $ALBERT_MPI_TIMEOUT, default 600. */
export function collectiveTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.ALBERT_MPI_TIMEOUT;
  if (v === undefined || v === '') return 600;
  const s = Number(v);
  if (!(s > 0) || !Number.isFinite(s)) throw new UserError(`ALBERT_MPI_TIMEOUT=${v} must be a number of seconds > 0`);
  return s;
}

/** Gradients on the wire: $ALBERT_ALLREDUCE=fp32 (default) or bf16 (half the bytes; fp32 additions, each partial sum rounded to bf16). */
export function wireType(env: NodeJS.ProcessEnv = process.env): 'fp32' | 'bf16' {
  const v = env.ALBERT_ALLREDUCE ?? 'fp32';
  if (v !== 'fp32' && v !== 'bf16') throw new UserError(`ALBERT_ALLREDUCE=${v} must be fp32 or bf16`);
  return v;
}

const BUCKET_BYTES = 16 << 20;

function mpiComm(m: MpiAddon): Communicator {
  const { rank, size, library } = m.init();
  process.on('exit', () => m.finalize());
  const timeoutMs = collectiveTimeoutSeconds() * 1000, bf16 = wireType() === 'bf16';
  const stats = { allreduceBytes: 0, allreduceSeconds: 0, calls: 0 };
  return {
    rank, size, library, stats,
    allreduceSum(arrays) {
      const t = performance.now();
      m.allreduceSum(arrays, timeoutMs, bf16, BUCKET_BYTES);
      stats.allreduceSeconds += (performance.now() - t) / 1000;
      stats.allreduceBytes += arrays.reduce((a, x) => a + x.byteLength, 0);
      stats.calls++;
    },
    broadcast(a, root = 0) { m.broadcast(a, root, timeoutMs); },
    barrier() { m.barrier(timeoutMs); },
    abort(code) { m.abort(code); process.exit(code); },
  };
}

let world: Communicator | undefined;

/**
 * This process's run: LOCAL unless launched by mpirun, then its MPI rank (initialized here, once).
 * Launched by mpirun without MPI in the addon is one clear error (N copies of a single-process run
 * would each train alone and overwrite each other's files).
 */
export function worldComm(): Communicator {
  if (world) return world;
  const launched = launchedRanks();
  if (launched === undefined) return (world = LOCAL);
  const m = loadAddon();
  if (!m?.built()) {
    throw new UserError(`this process was started by an MPI launcher (${launched} ranks), but albert-ts was built without MPI: `
      + 'install libopenmpi-dev and rebuild the addon (npx node-gyp rebuild), or run without mpirun');
  }
  return (world = mpiComm(m));
}

/** The line `--version` and `bench` print about MPI. */
export function mpiLine(): string {
  if (!mpiBuilt()) return 'MPI: not built in (install libopenmpi-dev and rebuild for mpirun -np N training)';
  const n = launchedRanks();
  return n === undefined ? 'MPI: built in (mpirun -np N albert pretrain|finetune ... trains on N ranks)'
    : `MPI: built in, rank ${worldComm().rank} of ${worldComm().size} (${worldComm().library})`;
}

/** "rank R of N: " in an MPI job of several ranks, else "" (error messages). */
export function rankPrefix(): string {
  return world && world.size > 1 ? `rank ${world.rank} of ${world.size}: ` : '';
}

/** In an MPI job of several ranks: end every rank now with this exit code (MPI_Abort); otherwise nothing. */
export function abortJob(code: number): void {
  if (world && world.size > 1) world.abort(code);
}
