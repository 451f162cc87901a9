// `albert create-pretraining-data`: text corpus -> masked-LM + SOP/NSP instances (binary shards or jsonl).
import { createPretrainingData, DEFAULTS, formatSummary } from '../data/create.js';
import { loadDataTokenizer } from '../data/tokenizer.js';
import { floatFlag, intFlag, parseCommandArgs, required } from './args.js';
import { UserError } from '../errors.js';
import { Progress } from './progress.js';

export const summary = 'make pretraining instances (n-gram MLM + SOP/NSP) from text files';

export const help = `usage: albert create-pretraining-data --input FILE|GLOB [--input ...] --tokenizer MODEL --output PATH [flags]

Reads a corpus, tokenizes it, builds segment pairs and masks them as ALBERT's create_pretraining_data.py
does (whole-word n-gram masking with p(n) ∝ 1/n, 80% [MASK] / 10% random / 10% unchanged), and writes
binary shards + index.json into the --output directory (or one jsonl file with --format jsonl).
Same --seed, same bytes.

  --input FILE|GLOB          text file(s); repeatable; globs like 'corpus/**/*.txt' are expanded
  --layout lines|docs        lines: one sentence per line, blank line between documents (default)
                             docs: one document per file of raw prose (BOM, CRLF, Project Gutenberg
                             header/footer and hard-wrapped lines handled; sentences found by Intl.Segmenter)
  --tokenizer MODEL          SentencePiece .model file (ALBERT preprocessing: lower-case, accents, quotes)
  --normalize-quotes         curly quotes to straight ones before tokenizing (ALBERT's vocabulary has no
                             curly quotes: they become <unk>); off by default, so that ids equal HF's
  --output PATH              directory for binary shards, file for jsonl; must not exist yet (or be empty)
  --overwrite                replace an existing --output (once the new data is complete)
  --format binary|jsonl      (default binary)
  --objective sop|nsp        sentence-order prediction (default) or BERT's next-sentence prediction
  --max-seq-length N         (default ${DEFAULTS.maxSeqLength})
  --max-predictions-per-seq N (default ${DEFAULTS.maxPredictionsPerSeq})
  --masked-lm-prob P         (default ${DEFAULTS.maskedLmProb})
  --short-seq-prob P         (default ${DEFAULTS.shortSeqProb})
  --ngram N                  largest n-gram masked as one span (default ${DEFAULTS.ngram})
  --dupe-factor N            passes over the corpus, each with a fresh masking (default ${DEFAULTS.dupeFactor})
  --seed N                   (default ${DEFAULTS.seed})
  --quiet                    no progress bar or summary
`;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    input: { type: 'string', multiple: true }, layout: { type: 'string' }, tokenizer: { type: 'string' }, output: { type: 'string' },
    format: { type: 'string' }, objective: { type: 'string' }, 'max-seq-length': { type: 'string' },
    'max-predictions-per-seq': { type: 'string' }, 'masked-lm-prob': { type: 'string' }, 'short-seq-prob': { type: 'string' },
    ngram: { type: 'string' }, 'dupe-factor': { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' },
    overwrite: { type: 'boolean' }, 'normalize-quotes': { type: 'boolean' },
  }, help);
  if (!a) return 0;
  const v = a.values;
  if (!v.input?.length) throw new UserError('missing required flag --input (see --help)');
  const layout = v.layout ?? 'lines';
  if (layout !== 'lines' && layout !== 'docs') throw new UserError(`--layout must be lines or docs, got "${layout}"`);
  const format = v.format ?? 'binary';
  if (format !== 'binary' && format !== 'jsonl') throw new UserError(`--format must be binary or jsonl, got "${format}"`);
  const objective = v.objective ?? 'sop';
  if (objective !== 'sop' && objective !== 'nsp') throw new UserError(`--objective must be sop or nsp, got "${objective}"`);
  const tokFile = required(v.tokenizer, 'tokenizer');
  const { tokenizer, sha256 } = loadDataTokenizer(tokFile);
  const maxSeqLength = intFlag(v['max-seq-length'], 'max-seq-length', DEFAULTS.maxSeqLength, 5, 65535);
  const progress = new Progress('create-pretraining-data', 0, Boolean(v.quiet));
  const s = await createPretrainingData({
    inputs: v.input, layout, tokenizer, tokenizerSha256: sha256, output: required(v.output, 'output'), format, objective,
    maxSeqLength,
    maxPredictionsPerSeq: intFlag(v['max-predictions-per-seq'], 'max-predictions-per-seq', DEFAULTS.maxPredictionsPerSeq, 0, 255),
    maskedLmProb: floatFlag(v['masked-lm-prob'], 'masked-lm-prob', DEFAULTS.maskedLmProb, 0, 1),
    shortSeqProb: floatFlag(v['short-seq-prob'], 'short-seq-prob', DEFAULTS.shortSeqProb, 0, 1),
    ngram: intFlag(v.ngram, 'ngram', DEFAULTS.ngram, 1, 10),
    dupeFactor: intFlag(v['dupe-factor'], 'dupe-factor', DEFAULTS.dupeFactor, 1),
    seed: intFlag(v.seed, 'seed', DEFAULTS.seed, 0, 2 ** 32 - 1),
    overwrite: Boolean(v.overwrite), normalizeQuotes: Boolean(v['normalize-quotes']),
    onProgress: (done, total, instances) => { progress.setTotal(total); progress.update(done, `${instances} instances`); },
  });
  progress.finish(`${s.instances} instances`);
  if (!v.quiet) process.stderr.write(formatSummary(s) + '\n');
  return 0;
}
