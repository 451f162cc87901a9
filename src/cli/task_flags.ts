// The flags finetune, evaluate and predict share: the task, its data and the families' reading
// options (--text-column..., SQuAD's windows and decoding, RACE's levels), and their help text.
import { UserError } from '../errors.js';
import { SQUAD_HEADS, TASK_IDS, type SquadHead } from '../finetune/downstream.js';
import type { LoadTaskModelOptions } from '../finetune/load.js';
import { taskOptionsOf, type TaskOptions } from '../finetune/settings.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, floatFlag, intFlag, memoryFlag, required, threadsFlag } from './args.js';

export const TASK_FLAGS = {
  task: { type: 'string' }, data: { type: 'string' }, 'max-seq-length': { type: 'string' }, tokenizer: { type: 'string' },
  'text-column': { type: 'string' }, 'text-pair-column': { type: 'string' }, 'label-column': { type: 'string' }, format: { type: 'string' },
  'doc-stride': { type: 'string' }, 'max-query-length': { type: 'string' }, 'n-best': { type: 'string' }, 'max-answer-length': { type: 'string' },
  'null-threshold': { type: 'string' }, 'squad-head': { type: 'string' }, 'max-qa-length': { type: 'string' }, levels: { type: 'string' },
} as const;

export const TASK_LIST_HELP = `tasks: ${TASK_IDS.join(', ')}`;

export const TASK_FLAGS_HELP = `the user's own data (classification, regression, multi-label: TSV, CSV or JSONL)
  --text-column NAME         (default text)
  --text-pair-column NAME    a second text (default none)
  --label-column NAME        (default label; multi-label: names separated by ",", or a JSON list)
  --format tsv|csv|jsonl     default: from the extension
SQuAD
  --doc-stride N             tokens two consecutive windows of a long context overlap by (HF's stride
                             convention, not google-research/albert's step between window starts; default 128)
  --max-query-length N       question tokens kept (default 64)
  --n-best N                 candidates per question (default 20)
  --max-answer-length N      longest answer in tokens (default 30)
  --null-threshold X         v2: answer "" when the null score beats the best span by more than X (default 0);
                             xlnet: when the null score (smallest cls logit) is >= X, and evaluation takes X
                             instead of tuning it (predict's default: the threshold tuned when fine-tuning, else 0)
  --squad-head span|xlnet    v2's head: span (default; HF's AlbertForQuestionAnswering) or xlnet
                             (google-research/albert's: start, end on the start with a 5 x 5 beam, answer class;
                             threshold tuned on dev; AlbertForQuestionAnsweringV2, which HF cannot load)
RACE
  --max-qa-length N          question + option tokens kept (default 128)
  --levels middle,high       (default both)`;

type TaskFlagValues = Partial<Record<keyof typeof TASK_FLAGS, string>>;

/** The family options among the flags (ranges are each family's to check). */
export function taskOptionsFromFlags(v: TaskFlagValues): TaskOptions {
  const int = (k: keyof TaskFlagValues) => (v[k] === undefined ? undefined : intFlag(v[k], k, 0, 1));
  const format = v.format;
  if (format !== undefined && format !== 'tsv' && format !== 'csv' && format !== 'jsonl') throw new UserError(`--format must be tsv, csv or jsonl, got "${format}"`);
  const levels = v.levels?.split(',').map((l) => l.trim());
  if (levels?.some((l) => l !== 'middle' && l !== 'high')) throw new UserError(`--levels must be middle, high or middle,high, got "${v.levels}"`);
  const squadHead = v['squad-head'];
  if (squadHead !== undefined && !(SQUAD_HEADS as readonly string[]).includes(squadHead)) throw new UserError(`--squad-head must be ${SQUAD_HEADS.join(' or ')}, got "${squadHead}"`);
  return taskOptionsOf({
    textColumn: v['text-column'], textPairColumn: v['text-pair-column'], labelColumn: v['label-column'], format,
    docStride: int('doc-stride'), maxQueryLength: int('max-query-length'), nBest: int('n-best'), maxAnswerLength: int('max-answer-length'),
    nullThreshold: v['null-threshold'] === undefined ? undefined : floatFlag(v['null-threshold'], 'null-threshold', 0),
    squadHead: squadHead as SquadHead | undefined, maxQaLength: int('max-qa-length'), levels: levels as TaskOptions['levels'],
  });
}

/** --max-seq-length, when given. */
export const maxSeqLengthFlag = (v: TaskFlagValues) => (v['max-seq-length'] === undefined ? undefined : intFlag(v['max-seq-length'], 'max-seq-length', 0, 3));

/** evaluate's and predict's flags for running a fine-tuned model over a task's data. */
export const MODEL_RUN_FLAGS = {
  ...TASK_FLAGS, split: { type: 'string' }, model: { type: 'string' }, 'batch-size': { type: 'string' }, threads: { type: 'string' }, ...MAX_MEMORY_FLAG,
} as const;

export const MODEL_RUN_HELP = `  --batch-size N             examples per forward (default 32)
  --max-seq-length N         longest input in tokens (default 128 text, 384 SQuAD, 512 RACE)
  --tokenizer MODEL          SentencePiece model (default DIR/spiece.model)
${TASK_FLAGS_HELP}
  --threads N                kernel threads
  --max-memory SIZE          ${MAX_MEMORY_HELP}`;

/** The options of evaluate() / predict() that MODEL_RUN_FLAGS give (the model is each command's to require). */
export function modelRunOptions(v: TaskFlagValues & Partial<Record<'split' | 'model' | 'batch-size' | 'threads' | 'max-memory', string>>): Omit<LoadTaskModelOptions, 'model'> & { model?: string; batchSize: number } {
  return {
    task: required(v.task, 'task'), data: required(v.data, 'data'), split: v.split, model: v.model, batchSize: intFlag(v['batch-size'], 'batch-size', 32, 1),
    maxSeqLength: maxSeqLengthFlag(v), tokenizer: v.tokenizer, threads: threadsFlag(v.threads), maxMemory: memoryFlag(v['max-memory']), ...taskOptionsFromFlags(v),
  };
}
