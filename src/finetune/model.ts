// The model a fine-tuning run starts from: --model DIR's config.json (or a preset's, random weights:
// for tests), plus the task's head fields (num_labels, problem_type, id2label / label2id), the
// dropout flags and --set; weights from the directory, head weights it lacks initialized from the
// seed (HF's normal(0, initializer_range), zero biases) with the warning loadWeightsInto prints.
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { UserError, fileError } from '../errors.js';
import { CONFIG_FILE, loadWeightsInto, readModelConfig, TOKENIZER_FILE } from '../io/hf_dir.js';
import { AlbertModel } from '../model/albert.js';
import { checkOverrideKeys, withConfig, type AlbertConfig } from '../model/config.js';
import { configFromSpec, specSource } from '../model/presets.js';
import type { DownstreamTask } from './downstream.js';

export interface FinetuneModelOptions {
  /** A model directory, a config.json, or a preset name. */
  spec: string;
  task: Pick<DownstreamTask, 'head' | 'config'>;
  set: Record<string, unknown>;
  dropout: number | null;
  classifierDropout: number | null;
  seed: number;
  /** The tokenizer's vocabulary size: a preset gets it; a directory's config must cover it. */
  vocabSize: number;
  maxSeqLength: number;
  backend: Backend;
  maxMemory?: number;
  onWarning?: (m: string) => void;
}

export const isModelDir = (spec: string) => fs.existsSync(spec) && fs.statSync(spec).isDirectory();

/** The tokenizer a run uses: --tokenizer, else the model directory's spiece.model (or, without one, its HF tokenizer.json). */
export function modelTokenizer(spec: string, tokenizer?: string): string {
  const file = tokenizer ?? (isModelDir(spec) ? dirTokenizer(spec) : undefined);
  if (file === undefined) throw new UserError(`--model ${spec} is not a model directory: pass --tokenizer (a SentencePiece .model with [CLS], [SEP] and <pad>)`);
  if (!fs.existsSync(file)) throw fileError(file, tokenizer ? 'no such file' : 'missing: the model directory has no tokenizer (pass --tokenizer)');
  return file;
}

function dirTokenizer(dir: string): string {
  const spiece = path.join(dir, TOKENIZER_FILE), json = path.join(dir, 'tokenizer.json');
  return !fs.existsSync(spiece) && fs.existsSync(json) ? json : spiece;
}

export function buildFinetuneModel(o: FinetuneModelOptions): AlbertModel {
  checkOverrideKeys(o.set);
  const dir = isModelDir(o.spec);
  const base = dir ? readModelConfig(o.spec) : configFromSpec(o.spec);
  const changes: Partial<AlbertConfig> = { ...o.task.config };
  if (o.dropout !== null) Object.assign(changes, { hidden_dropout_prob: o.dropout, attention_probs_dropout_prob: o.dropout });
  if (o.classifierDropout !== null) changes.classifier_dropout_prob = o.classifierDropout;
  // A new model is sized for the tokenizer and the run's inputs.
  if (!dir) {
    changes.vocab_size = o.vocabSize;
    if (base.max_position_embeddings < o.maxSeqLength) changes.max_position_embeddings = o.maxSeqLength;
  }
  const config = withConfig(base, { ...changes, ...o.set } as Partial<AlbertConfig>);
  const source = dir ? path.join(o.spec, CONFIG_FILE) : specSource(o.spec);
  if (config.vocab_size < o.vocabSize) throw new UserError(`${source}: vocab_size ${config.vocab_size} is smaller than the tokenizer's ${o.vocabSize} pieces`);
  if (config.max_position_embeddings < o.maxSeqLength) {
    throw new UserError(`${source}: max_position_embeddings ${config.max_position_embeddings} is below --max-seq-length ${o.maxSeqLength}`);
  }
  const model = new AlbertModel(config, o.task.head, o.backend, { maxMemory: o.maxMemory, source });
  if (dir) loadWeightsInto(model, o.spec, { seed: o.seed, onWarning: o.onWarning });
  else model.initWeights(o.seed);
  return model;
}
