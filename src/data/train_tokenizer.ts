// trainTokenizer: text files -> a SentencePiece .model (unigram or BPE) with ALBERT's special
// pieces, trained as spm_train does: lines sampled (reservoir, seeded) up to inputSentenceSize,
// nmt_nfkc-normalized, split into ▁-words, rare characters (beyond characterCoverage) unknown.
import fs from 'node:fs';
import { UserError, fileError } from '../errors.js';
import { writeFileAtomic, writeAllSync } from '../io/atomic.js';
import { defaultNormalizerSpec, ModelType } from '../tokenizer/model_proto.js';
import { trainBpe } from '../tokenizer/train/bpe.js';
import { nmtNfkcCharsmap } from '../tokenizer/train/charsmap.js';
import { trainUnigram } from '../tokenizer/train/unigram.js';
import { charCounts, maskRareChars, requiredChars, WordCounter } from '../tokenizer/train/words.js';
import { ALBERT_SPECIALS, trainedModelBytes } from '../tokenizer/train/write_model.js';
import { expandInputs } from './corpus.js';
import { Rng } from './rng.js';

export interface TrainTokenizerOptions {
  /** Files, directories or globs. */
  input: string[];
  output: string;
  vocabSize: number;
  modelType?: 'unigram' | 'bpe';
  /** Share of characters that must be in the vocabulary (spm_train's default 0.9995). */
  characterCoverage?: number;
  /** Lines sampled for training; 0 = all (spm_train's default). */
  inputSentenceSize?: number;
  seed?: number;
  /** Lines longer than this many bytes are skipped (default 4192, as spm_train). */
  maxSentenceLength?: number;
  maxPieceLength?: number;
  seedSize?: number;
  /** Called with the stage and a count (lines read, pieces left). */
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface TrainTokenizerSummary {
  files: number; lines: number; sentences: number; words: number; requiredChars: number; vocabSize: number; seconds: number;
}

export function trainTokenizer(o: TrainTokenizerOptions): TrainTokenizerSummary {
  const t0 = Date.now();
  const modelType = o.modelType ?? 'unigram';
  if (modelType !== 'unigram' && modelType !== 'bpe') throw new UserError(`--model-type must be unigram or bpe, got "${modelType}"`);
  const coverage = o.characterCoverage ?? 0.9995;
  if (!(coverage >= 0.98 && coverage <= 1)) throw new UserError(`--character-coverage must be in [0.98, 1], got ${coverage}`);
  if (!Number.isInteger(o.vocabSize) || o.vocabSize <= ALBERT_SPECIALS.length) throw new UserError(`--vocab-size must be an integer above ${ALBERT_SPECIALS.length}, got ${o.vocabSize}`);
  const progress = o.onProgress ?? (() => {});
  const files = expandInputs(o.input);
  const sampleSize = o.inputSentenceSize ?? 0;
  const rng = new Rng(o.seed ?? 0);
  const reservoir: string[] = [];
  let lines = 0;
  const spec = { ...defaultNormalizerSpec(), name: 'nmt_nfkc', precompiledCharsmap: nmtNfkcCharsmap() };
  const counter = new WordCounter(spec, o.maxSentenceLength ?? 4192, ['[CLS]', '[SEP]', '[MASK]']);
  files.forEach((f, fi) => {
    let text: string;
    try { text = fs.readFileSync(f, 'utf8'); } catch (e) { throw fileError(f, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      lines++;
      if (sampleSize <= 0) { counter.add(line); continue; }
      // Reservoir sampling: each line kept with probability sampleSize / lines.
      if (reservoir.length < sampleSize) reservoir.push(line);
      else { const j = Math.floor(rng.random() * lines); if (j < sampleSize) reservoir[j] = line; }
    }
    progress('reading', fi + 1, files.length);
  });
  for (const line of reservoir) counter.add(line);
  reservoir.length = 0;
  let table = counter.table();
  if (table.words.length === 0) throw new UserError(`--input: no text found in ${files.length} file(s)`);
  const required = requiredChars(charCounts(table), coverage);
  table = maskRareChars(table, required);
  const pieceCount = o.vocabSize - ALBERT_SPECIALS.length;
  if (required.size >= pieceCount) throw new UserError(`--vocab-size ${o.vocabSize} is too small for the ${required.size} required characters (lower --character-coverage or raise --vocab-size)`);
  const rules = { maxPieceLength: o.maxPieceLength ?? 16, splitByUnicodeScript: true, splitByNumber: true };
  const pieces = modelType === 'unigram'
    ? trainUnigram(table, required, { ...rules, pieceCount, seedSize: o.seedSize ?? 1_000_000, shrinkingFactor: 0.75, numSubIterations: 2, onProgress: (stage, n) => progress(stage, n, pieceCount) })
    : trainBpe(table, required, { ...rules, pieceCount, onProgress: (stage, n) => progress(stage, n, pieceCount) });
  const bytes = trainedModelBytes(pieces, modelType === 'unigram' ? ModelType.UNIGRAM : ModelType.BPE);
  writeFileAtomic(o.output, (fd) => writeAllSync(fd, bytes));
  return { files: files.length, lines, sentences: counter.sentences, words: table.words.length, requiredChars: required.size, vocabSize: pieces.length + ALBERT_SPECIALS.length, seconds: (Date.now() - t0) / 1000 };
}
