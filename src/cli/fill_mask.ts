// `albert fill-mask --model DIR "text with [MASK]"`: top-k predictions of a masked-LM model, printed
// for reading (`albert run fill-mask` gives HF's JSON); loaded as the fill-mask pipeline, run by fillMask.
import { pipeline } from '../pipelines/pipeline.js';
import { fillMask, filledText } from '../train/fill_mask.js';
import { loadBackend } from '../backend/index.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, parseCommandArgs, required, threadsFlag } from './args.js';
import { UserError } from '../errors.js';

export const summary = 'top-k predictions for [MASK] tokens in a text';

export const help = `usage: albert fill-mask --model DIR [--top-k N] [--json] "text with [MASK] ..." [more texts]

DIR is an HF model directory with a masked-LM head (AlbertForPreTraining, AlbertForMaskedLM, or a
pretrain checkpoint) and its spiece.model or tokenizer.json (or --tokenizer). A directory of another
class is read as AlbertForMaskedLM when its weights still hold the masked-LM head (predictions.*), and
refused otherwise. Every piece of the vocabulary is scored, special pieces included, as HF's
fill-mask pipeline (\`albert run fill-mask\` prints that pipeline's JSON).

  --model DIR        model directory
  --tokenizer FILE   SentencePiece model or tokenizer.json (default: the directory's)
  --top-k N          predictions per mask (default 5)
  --json             one JSON object per text: {text, filled, masks: [{position, top: [{token, id, score}]}]}
  --threads N        kernel threads
  --max-memory SIZE  ${MAX_MEMORY_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    model: { type: 'string' }, tokenizer: { type: 'string' }, 'top-k': { type: 'string' }, json: { type: 'boolean' }, threads: { type: 'string' }, ...MAX_MEMORY_FLAG,
  }, help, true);
  if (!a) return 0;
  const dir = required(a.values.model, 'model');
  if (a.positionals.length === 0) throw new UserError('give a text with [MASK] (see --help)');
  const topK = intFlag(a.values['top-k'], 'top-k', 5, 1);
  const p = await pipeline('fill-mask', dir, {
    tokenizer: a.values.tokenizer, backend: loadBackend({ threads: threadsFlag(a.values.threads) }), maxMemory: memoryFlag(a.values['max-memory']),
  });
  for (const text of a.positionals) {
    const preds = fillMask(p.model, p.tokenizer, text, topK);
    if (a.values.json) {
      process.stdout.write(JSON.stringify({ text, filled: filledText(p.tokenizer, text, preds), masks: preds }) + '\n');
      continue;
    }
    process.stdout.write(`${filledText(p.tokenizer, text, preds)}\n`);
    preds.forEach((m, i) => {
      process.stdout.write(`  [MASK] #${i + 1}: ${m.top.map((t) => `${t.token === '\u2581' ? t.token : t.token.replace(/^\u2581/, '')} ${t.score.toFixed(3)}`).join('  ')}\n`);
    });
  }
  p.dispose();
  return 0;
}
