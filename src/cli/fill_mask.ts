// `albert fill-mask --model DIR "text with [MASK]"`: top-k predictions of a masked-LM model.
import path from 'node:path';
import fs from 'node:fs';
import { loadBackend } from '../backend/index.js';
import { AlbertTokenizer } from '../tokenizer/index.js';
import { fillMask, filledText, loadMaskedLm } from '../train/fill_mask.js';
import { MAX_MEMORY_FLAG, MAX_MEMORY_HELP, intFlag, memoryFlag, parseCommandArgs, required, threadsFlag } from './args.js';
import { fileError, UserError } from '../errors.js';

export const summary = 'top-k predictions for [MASK] tokens in a text';

export const help = `usage: albert fill-mask --model DIR [--top-k N] [--json] "text with [MASK] ..." [more texts]

DIR is an HF model directory with a masked-LM head (AlbertForPreTraining, AlbertForMaskedLM, or a
pretrain checkpoint) and its spiece.model (or --tokenizer MODEL). A directory of another class is
read as AlbertForMaskedLM when its weights still hold the masked-LM head (predictions.*), and refused
otherwise.

  --model DIR        model directory
  --tokenizer MODEL  SentencePiece model (default DIR/spiece.model)
  --top-k N          predictions per mask (default 5)
  --json             one JSON object per text
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
  const tokFile = a.values.tokenizer ?? path.join(dir, 'spiece.model');
  if (!fs.existsSync(tokFile)) throw fileError(tokFile, 'no such tokenizer model (pass --tokenizer)');
  const tok = AlbertTokenizer.load(tokFile);
  const model = loadMaskedLm(dir, { backend: loadBackend({ threads: threadsFlag(a.values.threads) }), maxMemory: memoryFlag(a.values['max-memory']) });
  if (model.config.vocab_size !== tok.vocabSize) throw fileError(tokFile, `has ${tok.vocabSize} pieces but the model's vocab_size is ${model.config.vocab_size}`);
  for (const text of a.positionals) {
    const preds = fillMask(model, tok, text, topK);
    if (a.values.json) {
      process.stdout.write(JSON.stringify({ text, filled: filledText(tok, text, preds), masks: preds }) + '\n');
      continue;
    }
    process.stdout.write(`${filledText(tok, text, preds)}\n`);
    preds.forEach((p, i) => {
      process.stdout.write(`  [MASK] #${i + 1}: ${p.top.map((t) => `${t.token === '\u2581' ? t.token : t.token.replace(/^\u2581/, '')} ${t.score.toFixed(3)}`).join('  ')}\n`);
    });
  }
  return 0;
}
