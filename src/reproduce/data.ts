// An analysis folder's data, built once and reused by every model it trains (and by --resume):
// the books split into training and held-out books (every 10th file, sorted, is held out), a
// SentencePiece model trained on the training books only, and sequence-128 shards of each
// sentence objective the analysis needs, for training and for held-out evaluation.
import fs from 'node:fs';
import path from 'node:path';
import { createPretrainingData } from '../data/create.js';
import { expandInputs, readDocuments } from '../data/corpus.js';
import { loadDataTokenizer } from '../data/tokenizer.js';
import { trainTokenizer } from '../data/train_tokenizer.js';
import { fileError, UserError } from '../errors.js';
import { writeTextAtomic } from '../io/atomic.js';

export interface DataOptions {
  /** The analysis folder; the data goes to DIR/data. */
  dir: string;
  /** Book files (one document each; Project Gutenberg headers are stripped). */
  corpus: string[];
  objectives: ('sop' | 'nsp')[];
  vocabSize: number;
  seed: number;
  /** A SentencePiece model to use instead of training one (copied in). */
  tokenizer?: string;
  onProgress?: (line: string) => void;
}

export interface AnalysisData {
  tokenizer: string;
  train: Partial<Record<'sop' | 'nsp', string>>;
  heldout: Partial<Record<'sop' | 'nsp', string>>;
  trainBooks: string[]; heldoutBooks: string[];
  /** Tokens of each training set (one pass, dupe factor 1). */
  trainTokens: Partial<Record<'sop' | 'nsp', number>>;
  vocabSize: number;
  wallS: number;
}

const DONE = 'data.json';

/** Every 10th book (sorted) held out; at least one of each. */
export function splitBooks(files: string[]): { train: string[]; heldout: string[] } {
  const sorted = [...files].sort();
  if (sorted.length < 2) throw new UserError(`the corpus needs at least 2 books (one for training, one held out), got ${sorted.length}`);
  const heldout = sorted.filter((_, i) => i % 10 === 9);
  if (heldout.length === 0) heldout.push(sorted[sorted.length - 1]);
  return { train: sorted.filter((f) => !heldout.includes(f)), heldout };
}

/** The training books as SentencePiece training text: one sentence a line, lower-cased and accents dropped as AlbertTokenizer does. */
async function writeTokenizerText(books: string[], file: string): Promise<void> {
  const fd = fs.openSync(file, 'w');
  try {
    for (const b of books) {
      for await (const doc of readDocuments(b, 'docs')) {
        const text = doc.map((s) => s.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '')).join('\n');
        if (text) fs.writeSync(fd, text + '\n');
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

export async function buildData(o: DataOptions): Promise<AnalysisData> {
  const root = path.join(o.dir, 'data');
  const done = path.join(root, DONE);
  if (fs.existsSync(done)) return JSON.parse(fs.readFileSync(done, 'utf8')) as AnalysisData;
  const started = Date.now();
  const books = expandInputs(o.corpus).filter((f) => f.endsWith('.txt'));
  if (books.length === 0) throw new UserError(`no .txt books in ${o.corpus.join(', ')}`);
  const { train, heldout } = splitBooks(books);
  fs.mkdirSync(root, { recursive: true });
  const tokenizer = path.join(root, 'spiece.model');
  if (o.tokenizer) {
    if (!fs.existsSync(o.tokenizer)) throw fileError(o.tokenizer, 'no such tokenizer model');
    fs.copyFileSync(o.tokenizer, tokenizer);
  } else if (!fs.existsSync(tokenizer)) {
    o.onProgress?.(`training a ${o.vocabSize}-piece tokenizer on ${train.length} books`);
    const text = path.join(root, 'tokenizer-text.txt');
    await writeTokenizerText(train, text);
    // Paragraphs are long lines: keep them whole (spm_train's 4192-byte default would drop most).
    trainTokenizer({ input: [text], output: tokenizer, vocabSize: o.vocabSize, modelType: 'unigram', characterCoverage: 0.9999,
      inputSentenceSize: 1_000_000, maxSentenceLength: 20_000, seed: o.seed });
    fs.rmSync(text, { force: true });
  }
  const tok = loadDataTokenizer(tokenizer);
  const out: AnalysisData = {
    tokenizer: path.resolve(tokenizer), train: {}, heldout: {}, trainBooks: train, heldoutBooks: heldout, trainTokens: {},
    vocabSize: tok.tokenizer.vocabSize, wallS: 0,
  };
  for (const objective of o.objectives) {
    for (const [set, inputs, seed] of [['train', train, o.seed], ['heldout', heldout, o.seed + 1]] as const) {
      const dir = path.join(root, `${objective}-${set}`);
      o.onProgress?.(`${objective} ${set} shards from ${inputs.length} books`);
      const s = await createPretrainingData({
        inputs: [...inputs], layout: 'docs', tokenizer: tok.tokenizer, tokenizerSha256: tok.sha256, output: dir, maxSeqLength: 128,
        dupeFactor: 1, objective, seed, overwrite: true,
      });
      out[set][objective] = path.resolve(dir);
      if (set === 'train') out.trainTokens[objective] = s.tokens;
    }
  }
  out.wallS = (Date.now() - started) / 1000;
  writeTextAtomic(done, JSON.stringify(out, null, 2) + '\n');
  return out;
}
