// The server's one door to src/pipelines/: what a worker loads (a task's pipeline) and what the
// main thread reads without loading weights (config, tokenizer, default task), so the rest of
// src/serve/ depends only on the shapes declared here.
import fs from 'node:fs';
import path from 'node:path';
import { fileError } from '../errors.js';
import { readModelConfig } from '../io/hf_dir.js';
import type { AlbertConfig } from '../model/config.js';
import { AlbertTokenizer } from '../tokenizer/albert.js';
import { pipeline, pipelineTaskForModel, type PipelineTask } from './pipeline_stub.js';

export type { PipelineTask };

/** What a worker needs of a pipeline: the synchronous batch core and a way to free it. */
export interface BatchPipeline {
  runBatch(inputs: unknown[], callOptions?: Record<string, unknown>): unknown[];
  dispose(): void;
}

export interface LoadPipelineOptions { threads?: number; maxBatchSize?: number; maxLength?: number }

export async function loadPipeline(task: PipelineTask, dir: string, o: LoadPipelineOptions): Promise<BatchPipeline> {
  return pipeline(task, dir, o);
}

/** The task `--task auto` serves: the one config.json's architectures names. */
export function defaultTask(dir: string): PipelineTask {
  return pipelineTaskForModel(dir);
}

/** config.json and the tokenizer of a model directory, for the main thread (counting tokens, /tokenize, /info). */
export function readModelDir(dir: string): { config: AlbertConfig; tokenizer: AlbertTokenizer } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw fileError(dir, 'no such model directory');
  const config = readModelConfig(dir);
  const file = ['spiece.model', 'tokenizer.json'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw fileError(dir, 'the model directory has no tokenizer (spiece.model or tokenizer.json)');
  return { config, tokenizer: AlbertTokenizer.load(file) };
}
