// pipeline(task, modelDir): a model directory loaded for one task, as a callable object. The head comes
// from config.json's "architectures" and must be one that can do the task (fill-mask also reads a
// directory whose weights still hold the masked-LM head; feature extraction runs the encoder of any
// ALBERT); the tokenizer is the directory's. The model runs inferenceOnly: its weights are packed once.
import { loadBackend } from '../backend/index.js';
import { UserError, fileError } from '../errors.js';
import { modelTokenizer } from '../finetune/model.js';
import { loadPretrained, readModelConfig } from '../io/hf_dir.js';
import { architectureOf, headFromArchitectures, type AlbertModel, type HeadKind } from '../model/albert.js';
import type { AlbertConfig } from '../model/config.js';
import { AlbertTokenizer } from '../tokenizer/albert.js';
import { loadMaskedLm } from '../train/fill_mask.js';
import type { Engine } from './engine.js';
import { featureExtractionRunner, sentenceSimilarityRunner } from './feature_extraction.js';
import { fillMaskRunner } from './fill_mask.js';
import { multipleChoiceRunner } from './multiple_choice.js';
import type { RawOptions } from './options.js';
import { questionAnsweringRunner, squadV2Runner } from './question_answering.js';
import type { TaskRunner } from './task.js';
import { textClassificationRunner } from './text_classification.js';
import { tokenClassificationRunner } from './token_classification.js';
import { PIPELINE_TASKS, type Pipeline, type PipelineOptions, type PipelineTask } from './types.js';
import { entailmentId, zeroShotRunner } from './zero_shot.js';

interface Family {
  /** The heads that can do the task; 'mlm': what loadMaskedLm accepts; 'any': the encoder of any model. */
  heads: readonly HeadKind[] | 'mlm' | 'any';
  runner(config: AlbertConfig, dir: string, head: HeadKind): TaskRunner;
}

const classification: Family = { heads: ['sequence-classification'], runner: () => textClassificationRunner as TaskRunner };
const tokenClassification: Family = { heads: ['token-classification'], runner: () => tokenClassificationRunner as TaskRunner };

const FAMILIES: Record<PipelineTask, Family> = {
  'fill-mask': { heads: 'mlm', runner: () => fillMaskRunner as TaskRunner },
  'text-classification': classification,
  'sentiment-analysis': classification,
  'token-classification': tokenClassification,
  ner: tokenClassification,
  'question-answering': {
    heads: ['question-answering', 'squad-v2'],
    runner: (config, _dir, head) => (head === 'squad-v2' ? squadV2Runner(config) : questionAnsweringRunner) as TaskRunner,
  },
  'feature-extraction': { heads: 'any', runner: () => featureExtractionRunner as TaskRunner },
  'sentence-similarity': { heads: 'any', runner: () => sentenceSimilarityRunner as TaskRunner },
  'zero-shot-classification': {
    heads: ['sequence-classification'],
    runner(config, dir) {
      const entail = entailmentId(config);
      if (entail < 0 || entail >= config.num_labels) {
        const labels = Object.values(config.id2label ?? {}).join(', ') || 'none';
        throw fileError(dir, `zero-shot-classification needs an NLI model: config.json has no "entailment" label (its labels: ${labels})`);
      }
      return zeroShotRunner(entail) as TaskRunner;
    },
  },
  'multiple-choice': { heads: ['multiple-choice'], runner: () => multipleChoiceRunner as TaskRunner },
};

/** The task a model directory is for, by its config.json "architectures" (`albert run auto`, `albert serve --task auto`). */
export function pipelineTaskForModel(modelDir: string): PipelineTask {
  const head = headFromArchitectures(readModelConfig(modelDir).architectures);
  const byHead: Partial<Record<HeadKind, PipelineTask>> = {
    pretraining: 'fill-mask', 'pretraining-nsp': 'fill-mask', 'masked-lm': 'fill-mask', 'sequence-classification': 'text-classification',
    'token-classification': 'token-classification', 'question-answering': 'question-answering', 'squad-v2': 'question-answering', 'multiple-choice': 'multiple-choice',
  };
  return byHead[head] ?? 'feature-extraction';
}

export function checkTask(task: string): PipelineTask {
  if (!(PIPELINE_TASKS as readonly string[]).includes(task)) throw new UserError(`unknown pipeline task "${task}" (one of ${PIPELINE_TASKS.join(', ')})`);
  return task as PipelineTask;
}

/** Loads `modelDir` for `task`; see PipelineOptions. */
export async function pipeline<T extends PipelineTask>(task: T, modelDir: string, options: PipelineOptions = {}): Promise<Pipeline<T>> {
  return loadPipeline(task, modelDir, options);
}

function loadPipeline<T extends PipelineTask>(task: T, dir: string, o: PipelineOptions): Pipeline<T> {
  const family = FAMILIES[checkTask(task)];
  const config = readModelConfig(dir);
  const maxBatchSize = o.maxBatchSize ?? 32;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new UserError(`maxBatchSize must be an integer >= 1, got ${maxBatchSize}`);
  const mpe = config.max_position_embeddings;
  const maxLength = o.maxLength ?? Math.min(512, mpe);
  if (!Number.isInteger(maxLength) || maxLength < 8 || maxLength > mpe) {
    throw new UserError(`maxLength must be an integer from 8 to the model's max_position_embeddings (${mpe}), got ${maxLength}`);
  }
  const head = headFromArchitectures(config.architectures);
  if (Array.isArray(family.heads) && !family.heads.includes(head)) {
    const is = config.architectures?.length ? config.architectures.join(', ') : `a bare ALBERT (${architectureOf(head)})`;
    throw fileError(dir, `the model is ${is} (config.json "architectures"): ${task} needs ${family.heads.map(architectureOf).join(' or ')}`);
  }
  const runner = family.runner(config, dir, head);
  const tokFile = modelTokenizer(dir, o.tokenizer);
  const tokenizer = AlbertTokenizer.load(tokFile);
  if (tokenizer.vocabSize > config.vocab_size) throw fileError(tokFile, `has ${tokenizer.vocabSize} pieces but the model's vocab_size is ${config.vocab_size}`);
  const load = { backend: o.backend ?? loadBackend({ threads: o.threads }), maxMemory: o.maxMemory, onWarning: o.onWarning };
  let model: AlbertModel | null;
  if (family.heads === 'mlm') model = loadMaskedLm(dir, load);
  // The encoder alone: a head's weights unused and a pooler the head lacks are expected, not worth a warning.
  else if (family.heads === 'any') model = loadPretrained(dir, { ...load, head: 'base', onWarning: () => {} });
  else model = loadPretrained(dir, { ...load, head });
  model.inferenceOnly = true;
  if (o.dtype) model.dtype = o.dtype;
  const engine: Engine = { model, tokenizer, maxBatchSize, maxLength };
  const runBatch = (inputs: readonly unknown[], options?: RawOptions) => {
    if (!model) throw new UserError(`this ${task} pipeline was disposed`);
    if (!Array.isArray(inputs)) throw new UserError(`${task}: runBatch takes an array of inputs`);
    const checked = inputs.map((x, i) => runner.check(x, `input ${i}`));
    return checked.length === 0 ? [] : runner.run(engine, checked, options);
  };
  const call = async (inputs: unknown, options?: RawOptions) => {
    if (Array.isArray(inputs)) return runBatch(inputs, options);
    const [result] = runBatch([inputs], options);
    return runner.single ? runner.single(result, options) : result;
  };
  const p = Object.assign(call, {
    task, tokenizer, config: model.config, maxLength, runBatch,
    checkInput: (x: unknown, where: string) => runner.check(x, where),
    dispose() {
      if (model) model.inferenceOnly = false; // drops the packed weights
      model = null;
    },
  });
  Object.defineProperty(p, 'model', {
    enumerable: true,
    get(): AlbertModel {
      if (!model) throw new UserError(`this ${task} pipeline was disposed`);
      return model;
    },
  });
  return p as unknown as Pipeline<T>;
}
