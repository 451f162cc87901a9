// A fine-tuned model and its task, for evaluation and prediction: the model directory's labels
// (config.json id2label) decide what its class ids mean, its architecture must be the task's head
// (a model without the head's weights would predict noise), and it runs in inference mode.
import type { Backend } from '../backend/backend.js';
import { loadBackend } from '../backend/index.js';
import { UserError } from '../errors.js';
import { loadPretrained, readModelConfig } from '../io/hf_dir.js';
import { headFromArchitectures, type AlbertModel } from '../model/albert.js';
import { AlbertTokenizer } from '../tokenizer/albert.js';
import type { DownstreamTask, TaskRole } from './downstream.js';
import { isModelDir, modelTokenizer } from './model.js';
import { taskOptionsOf, type TaskOptions } from './settings.js';
import { openTask } from './tasks.js';

export interface LoadTaskModelOptions extends TaskOptions {
  task: string;
  data: string;
  /** The fine-tuned model directory (finetune's OUT/model, or an HF fine-tuned ALBERT). */
  model: string;
  split?: string;
  tokenizer?: string;
  maxSeqLength?: number;
  threads?: number;
  maxMemory?: number;
  backend?: Backend;
}

/** The labels of a config's id2label in id order (none when it has none). */
function configLabels(id2label: Record<string, string> | undefined): string[] | undefined {
  if (!id2label) return undefined;
  return Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((k) => id2label[k]);
}

export function loadTaskModel(o: LoadTaskModelOptions, role: TaskRole): { task: DownstreamTask; model: AlbertModel } {
  if (!isModelDir(o.model)) throw new UserError(`--model ${o.model}: no such model directory (evaluate and predict take a fine-tuned model, e.g. finetune's OUT/model)`);
  const config = readModelConfig(o.model);
  const tokenizer = AlbertTokenizer.load(modelTokenizer(o.model, o.tokenizer));
  const head = headFromArchitectures(config.architectures);
  // SQuAD 2.0 has two heads: a model of google-research/albert's is run with it unless told otherwise.
  const squadHead = o.squadHead ?? (o.task === 'squad2' && head === 'squad-v2' ? 'xlnet' : undefined);
  const task = openTask(o.task, {
    role, data: o.data, split: o.split, tokenizer, maxSeqLength: o.maxSeqLength, labels: configLabels(config.id2label), ...taskOptionsOf(o),
    ...(squadHead ? { squadHead } : {}),
  });
  if (head !== task.head) {
    throw new UserError(`${o.model}: the model is ${config.architectures?.join(', ') ?? 'a bare ALBERT'} (${head}), but ${task.id} needs a fine-tuned ${task.head} model`);
  }
  const model = loadPretrained(o.model, { backend: o.backend ?? loadBackend({ threads: o.threads }), head, maxMemory: o.maxMemory });
  model.inferenceOnly = true;
  return { task, model };
}
