// `albert evaluate`: a fine-tuned model's official metrics on a task's dev data, or a predictions
// file's without a model (evaluate() in src/finetune/evaluate.ts).
import { evaluate } from '../finetune/evaluate.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, parseCommandArgs, required, threadsFlag } from './args.js';
import { maxSeqLengthFlag, TASK_FLAGS, TASK_FLAGS_HELP, TASK_LIST_HELP, taskOptionsFromFlags } from './task_flags.js';

export const summary = 'official metrics of a fine-tuned model, or of a predictions file, on a task\'s dev data';

export const help = `usage: albert evaluate --task T --data PATH --model DIR [--output report.json] [--json]
       albert evaluate --task T --data PATH --predictions FILE [--na-probs FILE] [--json]

With --model, runs a fine-tuned model (finetune's OUT/model, or an HF fine-tuned ALBERT directory) on
the task's dev data and prints the official metrics: GLUE as HF evaluate's glue metric (accuracy, f1,
matthews_correlation, pearson, spearmanr; in [0, 1]; MNLI: matched, then mismatched suffixed
_dev_mismatched); SQuAD 1.1 exact_match, f1 and SQuAD 2.0 the official evaluate-v2.0 keys (percent);
RACE accuracy (+ accuracy_middle, accuracy_high); own data accuracy (+ f1 for two classes), pearson,
spearmanr, mse, or multi-label f1 (micro) and accuracy (exact match).
With --predictions, scores a predictions file made anywhere, without a model, in the formats predict
writes: GLUE and own data the TSV index<TAB>prediction (index = the example's position in the file),
SQuAD predictions.json (+ --na-probs null_odds.json for 2.0), RACE JSON question id -> letter.
PATH is: GLUE the task's folder (or one .tsv); SQuAD the dev JSON; RACE the RACE/ folder (or HF jsonl);
own data the file.
${TASK_LIST_HELP}

  --task T                   the task
  --data PATH                the data (see above)
  --split NAME               GLUE: dev (default), dev_mismatched (MNLI), train; RACE: dev (default), test, train
  --model DIR                the fine-tuned model
  --predictions FILE         a predictions file to score instead of a model
  --na-probs FILE            SQuAD 2.0 with --predictions: null_odds.json
  --output FILE              write the report (JSON) there, atomically
  --json                     the last stdout line is one JSON object of the metrics
  --batch-size N             examples per forward (default 32)
  --max-seq-length N         longest input in tokens (default 128 text, 384 SQuAD, 512 RACE)
  --tokenizer MODEL          SentencePiece model (default DIR/spiece.model)
${TASK_FLAGS_HELP}
  --threads N                kernel threads
  --max-memory SIZE          ${MAX_MEMORY_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    ...TASK_FLAGS, split: { type: 'string' }, model: { type: 'string' }, predictions: { type: 'string' }, 'na-probs': { type: 'string' },
    output: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, threads: { type: 'string' }, ...MAX_MEMORY_FLAG,
  }, help);
  if (!a) return 0;
  const v = a.values;
  const r = await evaluate({
    task: required(v.task, 'task'), data: required(v.data, 'data'), split: v.split, model: v.model, predictions: v.predictions, naProbs: v['na-probs'],
    output: v.output, batchSize: intFlag(v['batch-size'], 'batch-size', 32, 1), maxSeqLength: maxSeqLengthFlag(v), tokenizer: v.tokenizer,
    threads: threadsFlag(v.threads), maxMemory: memoryFlag(v['max-memory']), ...taskOptionsFromFlags(v),
  });
  for (const w of r.warnings) process.stderr.write(`albert: ${w}\n`);
  if (v.json) {
    process.stdout.write(JSON.stringify(r.metrics) + '\n');
    return 0;
  }
  for (const s of r.splits) {
    process.stdout.write(`${r.task} ${s.name} (${s.file}${Number.isFinite(s.examples) ? `, ${s.examples} examples` : ''}):\n`);
    for (const [k, x] of Object.entries(s.metrics)) process.stdout.write(`  ${k.padEnd(22)} ${Number.isInteger(x) ? x : x.toFixed(4)}\n`);
  }
  return 0;
}
