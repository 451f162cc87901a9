// `albert train-tokenizer`: text files -> a SentencePiece .model (unigram or BPE) with ALBERT's special pieces.
import { trainTokenizer } from '../data/train_tokenizer.js';
import { floatFlag, intFlag, parseCommandArgs, required } from './args.js';
import { UserError } from '../errors.js';
import { Progress } from './progress.js';

export const summary = 'train a SentencePiece model (unigram or BPE) on text files, as spm_train does';

export const help = `usage: albert train-tokenizer --input FILE|GLOB [--input ...] --vocab-size N --output my.model [flags]

Trains a SentencePiece model with ALBERT's special pieces (<pad> 0, <unk> 1, [CLS] 2, [SEP] 3, [MASK] 4)
and the nmt_nfkc normalization; spm_encode loads the .model and gives the ids albert-ts gives.
Each line of the input is one sentence.

  --input FILE|GLOB          text file(s) or folders; repeatable; globs like 'corpus/*.txt' are expanded
  --vocab-size N             pieces in the model, the 5 special ones included
  --output FILE              the .model file (written atomically)
  --model-type unigram|bpe   (default unigram)
  --character-coverage X     share of the characters kept in the vocabulary, the rest unknown (default 0.9995)
  --input-sentence-size N    lines sampled for training, 0 = all (default 0, as spm_train)
  --seed N                   sampling seed (default 0)
  --quiet                    no progress or summary
`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    input: { type: 'string', multiple: true }, 'vocab-size': { type: 'string' }, output: { type: 'string' }, 'model-type': { type: 'string' },
    'character-coverage': { type: 'string' }, 'input-sentence-size': { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' },
  }, help);
  if (!a) return 0;
  const v = a.values;
  if (!v.input?.length) throw new UserError('missing required flag --input (see --help)');
  const modelType = v['model-type'] ?? 'unigram';
  if (modelType !== 'unigram' && modelType !== 'bpe') throw new UserError(`--model-type must be unigram or bpe, got "${modelType}"`);
  const progress = new Progress('train-tokenizer', 0, Boolean(v.quiet));
  const s = trainTokenizer({
    input: v.input, output: required(v.output, 'output'), vocabSize: intFlag(required(v['vocab-size'], 'vocab-size'), 'vocab-size', 0, 6),
    modelType, characterCoverage: floatFlag(v['character-coverage'], 'character-coverage', 0.9995, 0.98, 1),
    inputSentenceSize: intFlag(v['input-sentence-size'], 'input-sentence-size', 0, 0), seed: intFlag(v.seed, 'seed', 0, 0, 2 ** 32 - 1),
    onProgress: (stage, done, total) => { progress.setTotal(0); progress.update(done, `${stage} (target ${total})`); },
  });
  progress.finish(`${s.vocabSize} pieces`);
  if (!v.quiet) process.stderr.write(`${s.files} files, ${s.lines} lines, ${s.sentences} sentences, ${s.words} distinct words, ${s.requiredChars} characters; wrote ${v.output} (${s.vocabSize} pieces) in ${s.seconds.toFixed(1)} s\n`);
  return 0;
}
