// The one place that trains the analyses' SentencePiece model: the project's trainer
// (`trainTokenizer`, issue 15 §1) once it has landed; until then Debian's `spm_train` with the same
// settings (ALBERT's special pieces at ids 0-4, nmt_nfkc, unigram). Switch here, nowhere else.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

export interface TokenizerTraining {
  /** Text files, one paragraph per line (already lower-cased as ALBERT's tokenizer does). */
  input: string;
  vocabSize: number;
  seed: number;
  /** The .model written. */
  output: string;
}

export function trainAnalysisTokenizer(o: TokenizerTraining): void {
  // When src/tokenizer's trainTokenizer lands: `await trainTokenizer({ input: [o.input], vocabSize: o.vocabSize,
  // modelType: 'unigram', seed: o.seed, output: o.output })` replaces the rest of this function.
  const prefix = o.output.replace(/\.model$/, '');
  const args = [`--input=${o.input}`, `--model_prefix=${prefix}`, `--vocab_size=${o.vocabSize}`, '--model_type=unigram',
    '--character_coverage=0.9999', '--normalization_rule_name=nmt_nfkc', '--pad_id=0', '--unk_id=1', '--bos_id=-1', '--eos_id=-1',
    '--control_symbols=[CLS],[SEP],[MASK]', '--input_sentence_size=1000000', '--shuffle_input_sentence=true',
    '--max_sentence_length=20000', '--num_threads=1', '--hard_vocab_limit=false'];
  const r = spawnSync('spm_train', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new UserError(`training the tokenizer needs spm_train (Debian's sentencepiece) until albert-ts's own trainer lands`
      + ` (${r.error ? r.error.message : `exit ${r.status}: ${String(r.stderr).trim().split('\n').pop()}`}); or pass --tokenizer MODEL`);
  }
  fs.rmSync(prefix + '.vocab', { force: true });
  if (!fs.existsSync(o.output)) throw new UserError(`spm_train wrote no ${path.basename(o.output)}`);
}
