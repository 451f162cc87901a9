// `albert run TASK --model DIR [inputs...]`: a pipeline (src/pipelines/) over texts from the arguments,
// a file or stdin, one JSON line per input on stdout.
import fs from 'node:fs';
import readline from 'node:readline';
import { UserError, fileError } from '../errors.js';
import { inputFromLine } from '../pipelines/inputs.js';
import { checkTask, pipeline, pipelineTaskForModel } from '../pipelines/pipeline.js';
import { PIPELINE_TASKS, type Pipeline, type PipelineTask } from '../pipelines/types.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, parseCommandArgs, required } from './args.js';
import { backendFromFlags } from './model_flags.js';

export const summary = 'a task pipeline (fill-mask, classification, NER, QA, embeddings, ...) over texts, one JSON line each';

export const help = `usage: albert run TASK --model DIR [flags] [INPUT ...]

TASK is one of ${PIPELINE_TASKS.join(', ')}, or auto (the task of config.json's "architectures").
Inputs are the arguments, else the lines of --file F, else the lines of stdin (empty lines skipped): a
text as it is; question-answering {"question", "context"}, sentence-similarity {"source_sentence",
"sentences"} and multiple-choice {"context", "question", "choices"} as one JSON object per line, and
text-classification pairs as {"text", "text_pair"} (a line starting with "{"). Each input's result is
printed as one JSON line, in input order (the shapes of transformers.js's pipelines; see README).

  --model DIR                  an HF model directory with its spiece.model (or tokenizer.json)
  --file F                     read the inputs from F
  --top-k N                    fill-mask (5), text-classification (1; "all" for every label), question-answering (1)
  --function-to-apply F        text-classification: softmax, sigmoid or none (default: from the config)
  --aggregation S              token-classification: none (default) or simple (B-/I- groups)
  --ignore-labels A,B          token-classification: labels left out (default O; "" for none)
  --pooling P                  feature-extraction: none (default), mean or cls; sentence-similarity: mean (default) or cls
  --normalize                  feature-extraction: L2-normalize the vectors
  --candidate-labels A,B,...   zero-shot-classification: the labels (required)
  --hypothesis-template T      zero-shot-classification: default "This example is {}."
  --multi-label                zero-shot-classification: score each label on its own
  --handle-impossible-answer   question-answering: "no answer" may win
  --max-answer-len N           question-answering: longest answer in tokens (15)
  --doc-stride N               question-answering: tokens shared by consecutive windows (128, at most half a window)
  --max-question-len N         question-answering: question tokens kept (64)
  --max-seq-len N              question-answering: window length (384, at most --max-length)
  --align-to-words             question-answering: widen answers to whole space-separated words
  --tokenizer FILE             SentencePiece model or tokenizer.json (default: the model directory's)
  --batch-size N               sequences per forward (32)
  --max-length N               longest sequence in tokens (max_position_embeddings, at most 512)
  --backend KIND               auto (default), native or js
  --threads N                  kernel threads (env ALBERT_NUM_THREADS; default: all cores)
  --max-memory SIZE            ${MAX_MEMORY_HELP}
`;

const FLAGS = {
  model: { type: 'string' }, file: { type: 'string' }, tokenizer: { type: 'string' }, 'batch-size': { type: 'string' }, 'max-length': { type: 'string' },
  backend: { type: 'string' }, threads: { type: 'string' }, ...MAX_MEMORY_FLAG,
  'top-k': { type: 'string' }, 'function-to-apply': { type: 'string' }, aggregation: { type: 'string' }, 'ignore-labels': { type: 'string' },
  pooling: { type: 'string' }, normalize: { type: 'boolean' }, 'candidate-labels': { type: 'string' }, 'hypothesis-template': { type: 'string' },
  'multi-label': { type: 'boolean' }, 'handle-impossible-answer': { type: 'boolean' }, 'max-answer-len': { type: 'string' },
  'doc-stride': { type: 'string' }, 'max-question-len': { type: 'string' }, 'max-seq-len': { type: 'string' }, 'align-to-words': { type: 'boolean' },
} as const;

type Values = { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K] extends { type: 'boolean' } ? boolean : string };

/** The call options the flags give (only those given: the pipeline refuses the ones its task does not take). */
function callOptions(v: Values): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const int = (flag: keyof Values, key: string, min = 1) => { if (v[flag] !== undefined) o[key] = intFlag(v[flag] as string, flag, 0, min); };
  if (v['top-k'] !== undefined) o.top_k = v['top-k'] === 'all' ? null : intFlag(v['top-k'], 'top-k', 1, 1);
  if (v['function-to-apply'] !== undefined) o.function_to_apply = v['function-to-apply'];
  if (v.aggregation !== undefined) o.aggregation_strategy = v.aggregation;
  if (v['ignore-labels'] !== undefined) o.ignore_labels = v['ignore-labels']; // the pipeline splits A,B ("": none) as candidate_labels
  if (v.pooling !== undefined) o.pooling = v.pooling;
  if (v.normalize) o.normalize = true;
  if (v['candidate-labels'] !== undefined) o.candidate_labels = v['candidate-labels'];
  if (v['hypothesis-template'] !== undefined) o.hypothesis_template = v['hypothesis-template'];
  if (v['multi-label']) o.multi_label = true;
  if (v['handle-impossible-answer']) o.handle_impossible_answer = true;
  if (v['align-to-words']) o.align_to_words = true;
  int('max-answer-len', 'max_answer_len');
  int('doc-stride', 'doc_stride', 0);
  int('max-question-len', 'max_question_len');
  int('max-seq-len', 'max_seq_len', 4);
  return o;
}

/** The inputs' lines with where each comes from: the arguments, --file, or stdin. */
async function* inputLines(args: readonly string[], file: string | undefined): AsyncGenerator<{ text: string; where: string }> {
  if (args.length > 0) {
    if (file !== undefined) throw new UserError('give the inputs as arguments or with --file, not both');
    for (const [i, text] of args.entries()) yield { text, where: `argument ${i + 1}` };
    return;
  }
  if (file === undefined && process.stdin.isTTY) throw new UserError('no inputs: give them as arguments, with --file, or on stdin (see --help)');
  let stream: NodeJS.ReadableStream = process.stdin;
  if (file !== undefined) {
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw fileError(file, 'no such file');
    stream = fs.createReadStream(file, { encoding: 'utf8' });
  }
  let n = 0;
  for await (const line of readline.createInterface({ input: stream, crlfDelay: Infinity })) {
    n++;
    if (line.trim() !== '') yield { text: line, where: `${file ?? 'stdin'}:${n}` };
  }
}

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, FLAGS, help, true);
  if (!a) return 0;
  const v = a.values as Values;
  const [taskArg, ...args] = a.positionals;
  if (taskArg === undefined) throw new UserError(`give a task: one of ${PIPELINE_TASKS.join(', ')} or auto (see --help)`);
  const dir = required(v.model, 'model');
  const task: PipelineTask = taskArg === 'auto' ? pipelineTaskForModel(dir) : checkTask(taskArg);
  const options = callOptions(v);
  const backend = backendFromFlags(v);
  const batchSize = intFlag(v['batch-size'], 'batch-size', 32, 1);
  const p: Pipeline = await pipeline(task, dir, {
    backend,
    maxBatchSize: batchSize,
    maxLength: v['max-length'] === undefined ? undefined : intFlag(v['max-length'], 'max-length', 0, 8),
    tokenizer: v.tokenizer,
    maxMemory: memoryFlag(v['max-memory']),
  });
  // A few batches at a time: results come out while stdin is still being read.
  let pending: unknown[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const out = p.runBatch(pending as never[], options as never).map((r) => JSON.stringify(r)).join('\n');
    process.stdout.write(`${out}\n`);
    pending = [];
  };
  for await (const { text, where } of inputLines(args, v.file)) {
    pending.push(p.checkInput(inputFromLine(task, text, where), where));
    if (pending.length >= 4 * batchSize) flush();
  }
  flush();
  return 0;
}
