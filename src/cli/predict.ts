// `albert predict`: a fine-tuned model's predictions on a task's data in the official format
// (predict() in src/finetune/predict.ts).
import { predict } from '../finetune/predict.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, parseCommandArgs, required, threadsFlag } from './args.js';
import { maxSeqLengthFlag, TASK_FLAGS, TASK_FLAGS_HELP, TASK_LIST_HELP, taskOptionsFromFlags } from './task_flags.js';

export const summary = 'predictions of a fine-tuned model in the official formats (GLUE submission TSV, SQuAD, RACE)';

export const help = `usage: albert predict --task T --data PATH --model DIR --output FILE

Runs a fine-tuned model (finetune's OUT/model, or an HF fine-tuned ALBERT directory) over a task's
data and writes its predictions, atomically: GLUE and own data the submission TSV with the header
index<TAB>prediction (label names; the value for regression; multi-label names joined by ","), SQuAD
predictions.json (question id -> text) and, for 2.0, null_odds.json beside it, RACE a JSON object
question id -> option letter. PATH is: GLUE the task's folder (its test set unless --split; MNLI
test_matched) or one .tsv; SQuAD the JSON; RACE the RACE/ folder (test unless --split) or HF jsonl;
own data the file (a label column is not needed).
${TASK_LIST_HELP}

  --task T                   the task
  --data PATH                the data (see above)
  --split NAME               GLUE: test (default), test_mismatched, dev, train; RACE: test (default), dev, train
  --model DIR                the fine-tuned model
  --output FILE              the predictions file
  --batch-size N             examples per forward (default 32)
  --max-seq-length N         longest input in tokens (default 128 text, 384 SQuAD, 512 RACE)
  --tokenizer MODEL          SentencePiece model (default DIR/spiece.model)
${TASK_FLAGS_HELP}
  --threads N                kernel threads
  --max-memory SIZE          ${MAX_MEMORY_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    ...TASK_FLAGS, split: { type: 'string' }, model: { type: 'string' }, output: { type: 'string' }, 'batch-size': { type: 'string' },
    threads: { type: 'string' }, ...MAX_MEMORY_FLAG,
  }, help);
  if (!a) return 0;
  const v = a.values;
  const r = await predict({
    task: required(v.task, 'task'), data: required(v.data, 'data'), split: v.split, model: required(v.model, 'model'), output: required(v.output, 'output'),
    batchSize: intFlag(v['batch-size'], 'batch-size', 32, 1), maxSeqLength: maxSeqLengthFlag(v), tokenizer: v.tokenizer,
    threads: threadsFlag(v.threads), maxMemory: memoryFlag(v['max-memory']), ...taskOptionsFromFlags(v),
  });
  process.stderr.write(`${r.task} ${r.split}: ${r.examples} predictions (${r.file}) -> ${r.files.join(', ')}\n`);
  return 0;
}
