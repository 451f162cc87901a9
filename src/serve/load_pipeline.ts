// The server's one door to src/pipelines/: what a worker loads (a task's pipeline) and what the
// main thread reads without loading weights (config, tokenizer, default task), so the rest of
// src/serve/ depends only on the shapes declared here.
import fs from 'node:fs';
import { fileError } from '../errors.js';
import { modelTokenizer } from '../finetune/model.js';
import { readModelConfig } from '../io/hf_dir.js';
import type { AlbertConfig } from '../model/config.js';
import { pipeline, pipelineTaskForModel } from '../pipelines/pipeline.js';
import type { PipelineTask } from '../pipelines/types.js';
import { AlbertTokenizer } from '../tokenizer/albert.js';
import type { Dtype } from '../backend/dtype.js';

export type { PipelineTask };
/** The call options as the pipelines read them (their defaults), for the routes' counting of rows. */
export { qaSettings } from '../pipelines/question_answering.js';
export { zeroShotSettings } from '../pipelines/zero_shot.js';

/** What a worker needs of a pipeline: the synchronous batch core and a way to free it. */
export interface BatchPipeline {
  runBatch(inputs: unknown[], callOptions?: Record<string, unknown>): unknown[];
  dispose(): void;
}

export interface LoadPipelineOptions { threads?: number; maxBatchSize?: number; maxLength?: number; dtype?: Dtype }

export async function loadPipeline(task: PipelineTask, dir: string, o: LoadPipelineOptions): Promise<BatchPipeline> {
  // The inputs were shaped by the routes; the pipeline checks them again (runBatch validates each).
  return (await pipeline(task, dir, o)) as unknown as BatchPipeline;
}

/** The task `--task auto` serves: the one config.json's architectures names. */
export function defaultTask(dir: string): PipelineTask {
  return pipelineTaskForModel(dir);
}

/** config.json and the tokenizer of a model directory, for the main thread (counting tokens, /tokenize, /info). */
export function readModelDir(dir: string): { config: AlbertConfig; tokenizer: AlbertTokenizer } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw fileError(dir, 'no such model directory');
  // The tokenizer file the pipelines load (spiece.model, else tokenizer.json), so both count alike.
  return { config: readModelConfig(dir), tokenizer: AlbertTokenizer.load(modelTokenizer(dir)) };
}
