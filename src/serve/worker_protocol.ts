// The messages between the server's main thread and its workers (structured-cloned plain data).
import type { PipelineTask } from './load_pipeline.js';
import type { Dtype } from '../backend/dtype.js';

export interface WorkerModel { name: string; dir: string; task: PipelineTask; maxLength: number }

/** workerData of every worker. */
export interface WorkerInit { models: WorkerModel[]; threads?: number; maxBatchSize: number; dtype?: Dtype }

/** Main -> worker: one batch, all inputs of one model, task and call options. */
export interface BatchMessage { id: number; model: string; task: PipelineTask; inputs: unknown[]; options: Record<string, unknown> }

/** One input's result, or why it failed (`user`: the input's fault, a UserError, not the server's). */
export type Outcome = { value: unknown } | { error: string; user: boolean };

/** Worker -> main. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; error: string; user: boolean }
  | { type: 'done'; id: number; outcomes: Outcome[]; ms: number };
