// `albert reproduce table5|table4|table3|figure1`: one of the paper's analyses at small scale (a thin
// layer over reproduce()).
import { reproduce } from '../reproduce/reproduce.js';
import { ANALYSES } from '../reproduce/analyses.js';
import { DOWNSTREAM_TASKS } from '../reproduce/downstream_data.js';
import { UserError } from '../errors.js';
import { intFlag, parseCommandArgs, threadsFlag } from './args.js';
import { saveOnInterrupt } from './interrupt.js';
import { Progress, formatCount } from './progress.js';

export const summary = "reproduce one of the paper's analyses (Table 5, 4, 3, Figure 1) at small scale";

export const help = `usage: albert reproduce ${ANALYSES.join('|')} [--budget 45m] [--output DIR] [--resume] [flags]

Builds the data once in the analysis folder (a SentencePiece model trained on the training books; every
10th book held out; sequence-128 shards), pretrains each model the analysis compares with the same steps
and seed, scores held-out MLM / SOP / NSP accuracy, fine-tunes each on the downstream tasks with the same
recipe, and writes results.json, results.md (our table beside the paper's) and results.svg (+ .png).

  table5    MLM only / MLM + NSP / MLM + SOP
  table4    all-shared / attention-shared / FFN-shared / not-shared, at the scale's E
  table3    E in three sizes (the last = H), all-shared and not-shared
  figure1   per-layer L2 distance and cosine similarity of input vs output embeddings, ALBERT vs BERT-like (E = H, no sharing)

  --budget TIME        wall time for the whole analysis on this machine (45m, 90s, 1h30m; default 45m): picks the
                       model scale (<= 3m tiny, <= 40m H 128, beyond H 256) and, from a short measured
                       calibration, the steps (saved in plan.json)
  --output DIR         the analysis folder (default reproduce/<analysis>)
  --resume             continue the analysis in --output: its saved plan; each unfinished run resumes exactly
  --data-root DIR      the project's data (corpus/gutenberg, glue/, squad/, race.tar.gz; default shared/data)
  --corpus PATH        book files or folders instead (repeatable)
  --tokenizer MODEL    use this SentencePiece model instead of training one
  --vocab-size N       of the trained tokenizer (default 8000; 1000 at the tiny scale)
  --tasks LIST         downstream tasks, comma-separated, of ${DOWNSTREAM_TASKS.join(', ')} (default all; "none" for none)
  --scale NAME         tiny|small|default instead of the budget's
  --steps N            pretraining steps per model instead of the budget's (then fine-tuning 2 unless --finetune-steps)
  --finetune-steps N   fine-tuning steps per task
  --seed N             (default 12345)
  --threads N          kernel threads (default $ALBERT_NUM_THREADS or all cores)
  --quiet              no progress
Ctrl-C saves the current run's checkpoint and exits (code 130); --resume continues.
`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    budget: { type: 'string' }, output: { type: 'string' }, resume: { type: 'boolean' }, 'data-root': { type: 'string' },
    corpus: { type: 'string', multiple: true }, tokenizer: { type: 'string' }, 'vocab-size': { type: 'string' }, tasks: { type: 'string' },
    scale: { type: 'string' }, steps: { type: 'string' }, 'finetune-steps': { type: 'string' }, seed: { type: 'string' },
    threads: { type: 'string' }, quiet: { type: 'boolean' },
  }, help, true);
  if (!a) return 0;
  const v = a.values;
  const [name, ...extra] = a.positionals;
  if (!name) throw new UserError(`which analysis? albert reproduce ${ANALYSES.join('|')} (see --help)`);
  if (extra.length) throw new UserError(`one analysis at a time, got ${a.positionals.join(' ')}`);
  const scale = v.scale;
  if (scale !== undefined && scale !== 'tiny' && scale !== 'small' && scale !== 'default') throw new UserError(`--scale must be tiny, small or default, got "${scale}"`);
  const int = (k: 'vocab-size' | 'steps' | 'finetune-steps' | 'seed', min: number) => (v[k] === undefined ? undefined : intFlag(v[k], k, 0, min));
  const quiet = Boolean(v.quiet);
  let progress: Progress | null = null, current = '';
  const interrupt = saveOnInterrupt();
  try {
    const r = await reproduce({
      analysis: name, budget: v.budget, output: v.output, resume: Boolean(v.resume), dataRoot: v['data-root'], corpus: v.corpus,
      tokenizer: v.tokenizer, vocabSize: int('vocab-size', 1),
      tasks: v.tasks === undefined ? undefined : v.tasks === 'none' ? [] : v.tasks.split(',').map((t) => t.trim()).filter(Boolean),
      scale, pretrainSteps: int('steps', 1), finetuneSteps: int('finetune-steps', 1), seed: int('seed', 0), threads: threadsFlag(v.threads),
      signal: interrupt.signal,
      onPhase: (line) => { progress?.finish(); progress = null; if (!quiet) process.stderr.write(`${line}\n`); },
      onStep: (runName, s) => {
        if (quiet) return;
        if (!progress || current !== runName) { progress?.finish(); progress = new Progress(runName, s.totalSteps); current = runName; }
        progress.update(s.step, [`loss ${s.loss.toFixed(3)}`, ...(s.mlmAcc !== undefined ? [`mlm ${(100 * s.mlmAcc).toFixed(1)}%`] : []), `${formatCount(s.tokensPerSecond)} tok/s`]);
      },
    });
    (progress as Progress | null)?.finish();
    if (r.interrupted) {
      process.stderr.write(`albert: stopped; continue with: albert reproduce ${name} --output ${r.output} --resume\n`);
      return 130;
    }
    process.stdout.write(`${r.files.find((f) => f.endsWith('.md'))}\n`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}
