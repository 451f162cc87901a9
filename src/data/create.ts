// create-pretraining-data as an API: corpus files -> tokenized documents -> instances -> shards.
//
// Streaming: documents are gathered into chunks of about `chunkTokens` tokens; each chunk is
// shuffled, turned into instances `dupeFactor` times (a fresh masking each pass), each pass is
// shuffled and written out. Memory is bounded by the chunk, not the corpus. NSP draws its random
// "next" segments from the same chunk. Everything random comes from one Rng(seed).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { fsyncDir, installDir, makeTempDir, tempSibling, writeTextAtomic } from '../io/atomic.js';
import { claimOutput } from '../io/output_path.js';
import { countCurlyQuotes, expandInputs, readDocuments, straightenQuotes, type Layout } from './corpus.js';
import { createInstancesFromDocument, type Instance, type InstanceOptions, type Objective, type TokenizedDocument } from './instances.js';
import { Rng } from './rng.js';
import { instanceToJson, ShardWriter } from './shards.js';
import { instanceVocab, type DataTokenizer } from './vocab.js';

export interface CreateOptions {
  inputs: string[];
  layout: Layout;
  tokenizer: DataTokenizer;
  tokenizerSha256?: string;
  output: string;
  format?: 'binary' | 'jsonl';
  maxSeqLength?: number;
  maxPredictionsPerSeq?: number;
  maskedLmProb?: number;
  shortSeqProb?: number;
  ngram?: number;
  dupeFactor?: number;
  objective?: Objective;
  seed?: number;
  /** Tokens gathered before a chunk is turned into instances (memory bound). */
  chunkTokens?: number;
  instancesPerShard?: number;
  /** Replace an existing output (see io/output_path.ts); without it an existing one is an error. */
  overwrite?: boolean;
  /** Curly quotes to straight ones before tokenizing (ALBERT's vocabulary has no curly quotes, so
   *  they become <unk>). Off by default: the ids are then exactly HF AlbertTokenizer's. */
  normalizeQuotes?: boolean;
  /** Progress in input bytes: (done, total, instancesSoFar). */
  onProgress?: (doneBytes: number, totalBytes: number, instances: number) => void;
}

export interface CreateSummary {
  files: number; documents: number; sentences: number;
  instances: number; tokens: number;
  /** Tokens of the tokenized corpus (each sentence once), how many are the unknown piece, and their share. */
  corpusTokens: number; unknownTokens: number; unknownFraction: number;
  /** Curly quotes in the text as read (before --normalize-quotes). */
  curlyQuotes: number;
  normalizeQuotes: boolean;
  maskedTokens: number; maskedFraction: number;
  /** Fractions of masked positions that became [MASK], kept the original, got a random token. */
  replacement: { mask: number; keep: number; random: number };
  /** ngramHistogram[n-1] = number of masked spans of n words. */
  ngramHistogram: number[];
  /** Fraction of instances with label 1 (SOP: swapped; NSP: random next). */
  label1Fraction: number;
  shortInstances: number; truncatedInstances: number;
  objective: Objective;
  output: string;
}

export const DEFAULTS = {
  maxSeqLength: 512, maxPredictionsPerSeq: 20, maskedLmProb: 0.15, shortSeqProb: 0.1, ngram: 3,
  dupeFactor: 40, objective: 'sop' as Objective, seed: 12345, chunkTokens: 2_000_000, instancesPerShard: 100_000,
  overwrite: false, normalizeQuotes: false,
};

/** What a pretraining-data folder holds (so that --overwrite replaces only such a folder). */
const DATA_ENTRY = /^(shard-\d+\.bin|index\.json(\.tmp)?|summary\.json)$/;

/** Writes lines to a file through a 1 MiB buffer. */
class LineWriter {
  private fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'wx');
  }
  write(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void { fs.writeSync(this.fd, this.parts.join('')); this.parts = []; this.size = 0; }
  /** Flush and fsync (commit), or just let go of the file (on failure); idempotent. */
  close(commit: boolean): void {
    if (this.fd < 0) return;
    try {
      if (commit) { this.flush(); fs.fsyncSync(this.fd); }
    } finally {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export async function createPretrainingData(o: CreateOptions): Promise<CreateSummary> {
  const opts = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<CreateOptions>;
  if (opts.maxSeqLength < 5) throw new UserError('--max-seq-length must be at least 5');
  if (opts.ngram < 1) throw new UserError('--ngram must be at least 1');
  const files = expandInputs(opts.inputs);
  if (files.length === 0) throw new UserError('no input files');
  const totalBytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  const tok = opts.tokenizer;
  const meta = {
    objective: opts.objective, max_seq_length: opts.maxSeqLength, max_predictions_per_seq: opts.maxPredictionsPerSeq,
    vocab_size: tok.vocabSize, cls_id: tok.clsId, sep_id: tok.sepId, mask_id: tok.maskId, pad_id: tok.padId,
    tokenizer_sha256: opts.tokenizerSha256 ?? '',
    options: {
      layout: opts.layout, masked_lm_prob: opts.maskedLmProb, short_seq_prob: opts.shortSeqProb, ngram: opts.ngram,
      dupe_factor: opts.dupeFactor, seed: opts.seed, chunk_tokens: opts.chunkTokens, normalize_quotes: opts.normalizeQuotes,
    },
  };
  const binary = opts.format !== 'jsonl';
  claimOutput(opts.output, {
    kind: binary ? 'folder' : 'file', what: binary ? 'a pretraining-data folder' : 'a jsonl file', overwrite: opts.overwrite,
    ownsEntries: (entries) => entries.every((e) => DATA_ENTRY.test(e)),
  });
  // Everything is written under a temporary name and renamed into place once complete: a failure
  // (or Ctrl-C) leaves an earlier output as it was.
  fs.mkdirSync(path.dirname(path.resolve(opts.output)), { recursive: true });
  const tmp = binary ? makeTempDir(opts.output) : tempSibling(opts.output);
  let lines: LineWriter | null = null;
  try {
    const shards = binary ? new ShardWriter(tmp, meta, opts.instancesPerShard) : null;
    lines = binary ? null : new LineWriter(tmp);
    const s = await writeInstances(opts, files, totalBytes, shards, lines);
    if (shards) {
      writeTextAtomic(path.join(tmp, 'summary.json'), JSON.stringify({ ...s, output: undefined }, null, 2) + '\n');
      installDir(tmp, opts.output);
    } else {
      lines!.close(true);
      fs.renameSync(tmp, opts.output);
      fsyncDir(path.dirname(path.resolve(opts.output)));
    }
    return s;
  } catch (e) {
    lines?.close(false);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Tokenize, build and write the instances; the summary of what was written. */
async function writeInstances(
  opts: Required<CreateOptions>, files: string[], totalBytes: number, shards: ShardWriter | null, lines: LineWriter | null,
): Promise<CreateSummary> {
  const tok = opts.tokenizer;
  const vocab = instanceVocab(tok);
  const iopts: InstanceOptions = {
    maxSeqLength: opts.maxSeqLength, shortSeqProb: opts.shortSeqProb, objective: opts.objective,
    maskedLmProb: opts.maskedLmProb, maxPredictionsPerSeq: opts.maxPredictionsPerSeq, ngram: opts.ngram,
  };
  const rng = new Rng(opts.seed);

  const s: CreateSummary = {
    files: files.length, documents: 0, sentences: 0, instances: 0, tokens: 0, maskedTokens: 0, maskedFraction: 0,
    replacement: { mask: 0, keep: 0, random: 0 }, ngramHistogram: new Array(opts.ngram).fill(0), label1Fraction: 0,
    shortInstances: 0, truncatedInstances: 0, objective: opts.objective, output: opts.output,
    corpusTokens: 0, unknownTokens: 0, unknownFraction: 0, curlyQuotes: 0, normalizeQuotes: opts.normalizeQuotes,
  };
  let label1 = 0;
  const emit = (inst: Instance, originalAt: (p: number) => number) => {
    s.instances++;
    s.tokens += inst.inputIds.length;
    s.maskedTokens += inst.maskedPositions.length;
    for (let j = 0; j < inst.maskedPositions.length; j++) {
      const now = inst.inputIds[inst.maskedPositions[j]];
      if (now === vocab.maskId) s.replacement.mask++;
      else if (now === originalAt(j)) s.replacement.keep++;
      else s.replacement.random++;
    }
    for (const n of inst.spanWords) s.ngramHistogram[n - 1]++;
    label1 += inst.label;
    if (inst.short) s.shortInstances++;
    if (inst.truncated) s.truncatedInstances++;
    if (shards) shards.write(inst);
    else lines!.write(instanceToJson(inst, opts.objective));
  };

  let chunk: TokenizedDocument[] = [];
  let chunkTokens = 0;
  const flushChunk = () => {
    if (chunk.length === 0) return;
    rng.shuffle(chunk);
    for (let d = 0; d < opts.dupeFactor; d++) {
      const instances: Instance[] = [];
      for (let i = 0; i < chunk.length; i++) instances.push(...createInstancesFromDocument(chunk, i, vocab, iopts, rng));
      rng.shuffle(instances);
      for (const inst of instances) emit(inst, (j) => inst.maskedIds[j]);
    }
    chunk = [];
    chunkTokens = 0;
  };

  let done = 0;
  for (const file of files) {
    for await (const doc of readDocuments(file, opts.layout, (n) => { done += n; opts.onProgress?.(done, totalBytes, s.instances); })) {
      const tokenized: TokenizedDocument = [];
      for (const sentence of doc) {
        const curly = countCurlyQuotes(sentence);
        s.curlyQuotes += curly;
        const ids = Int32Array.from(tok.encodeText(opts.normalizeQuotes && curly ? straightenQuotes(sentence) : sentence));
        for (let i = 0; i < ids.length; i++) if (ids[i] === tok.unkId) s.unknownTokens++;
        s.corpusTokens += ids.length;
        if (ids.length) { tokenized.push(ids); chunkTokens += ids.length; }
      }
      if (!tokenized.length) continue;
      s.documents++;
      s.sentences += tokenized.length;
      chunk.push(tokenized);
      if (chunkTokens >= opts.chunkTokens) flushChunk();
    }
  }
  flushChunk();
  if (s.instances === 0) {
    throw new UserError(`no training instances: the input (${files.length} file(s), layout ${opts.layout}) holds no document with text`);
  }
  shards?.finish();
  s.maskedFraction = s.maskedTokens / s.tokens;
  const m = s.maskedTokens || 1;
  s.replacement = { mask: s.replacement.mask / m, keep: s.replacement.keep / m, random: s.replacement.random / m };
  s.label1Fraction = label1 / s.instances;
  s.unknownFraction = s.unknownTokens / s.corpusTokens;
  return s;
}

/** The summary as the CLI prints it. */
export function formatSummary(s: CreateSummary): string {
  const spans = s.ngramHistogram.reduce((a, b) => a + b, 0) || 1;
  const pct = (x: number) => (100 * x).toFixed(1) + '%';
  return [
    `files ${s.files}, documents ${s.documents}, sentences ${s.sentences}`,
    `instances ${s.instances}, tokens ${s.tokens} (mean length ${(s.tokens / s.instances).toFixed(1)})`,
    `masked ${s.maskedTokens} tokens = ${pct(s.maskedFraction)} of all tokens; [MASK] ${pct(s.replacement.mask)}, kept ${pct(s.replacement.keep)}, random ${pct(s.replacement.random)}`,
    `n-gram spans: ${s.ngramHistogram.map((c, i) => `${i + 1}-gram ${pct(c / spans)}`).join(', ')}`,
    `labels: ${s.objective === 'sop' ? 'swapped' : 'random next'} ${pct(s.label1Fraction)}, ${s.objective === 'sop' ? 'in order' : 'real next'} ${pct(1 - s.label1Fraction)}`,
    unknownLine(s),
    `short target ${s.shortInstances} (${pct(s.shortInstances / s.instances)}), truncated ${s.truncatedInstances} (${pct(s.truncatedInstances / s.instances)})`,
    `written: ${s.output}`,
  ].join('\n');
}

function unknownLine(s: CreateSummary): string {
  const line = `unknown tokens (<unk>) ${(100 * s.unknownFraction).toFixed(2)}% (${s.unknownTokens} of the corpus's ${s.corpusTokens})`;
  if (s.normalizeQuotes || s.unknownTokens === 0 || s.curlyQuotes === 0) return line;
  return `${line}; the text has ${s.curlyQuotes} curly quotes, which the ALBERT vocabulary lacks: try --normalize-quotes`;
}
