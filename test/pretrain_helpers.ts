// Shared by the pretrain tests: a small synthetic SOP data set and its tokenizer in a temp directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPretrainingData } from '../src/data/create.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { loadDataTokenizer, syntheticTokenizerModel } from '../src/data/tokenizer.js';

/** A tiny config for fast runs; dropout on, so that its seeds are part of what resume must restore. */
export const SMALL_MODEL = { embedding_size: 16, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, num_hidden_layers: 2, hidden_dropout_prob: 0.1 };

export async function smallData(docs = 150, maxSeqLength = 48): Promise<{ dir: string; data: string; tokenizer: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-pretrain-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const tokenizer = path.join(dir, 'tok.model');
  fs.writeFileSync(tokenizer, syntheticTokenizerModel());
  fs.writeFileSync(path.join(dir, 'corpus.txt'), syntheticCorpusText(docs, 3));
  const { tokenizer: tok, sha256 } = loadDataTokenizer(tokenizer);
  const data = path.join(dir, 'data');
  await createPretrainingData({ inputs: [path.join(dir, 'corpus.txt')], layout: 'lines', tokenizer: tok, tokenizerSha256: sha256, output: data, maxSeqLength, dupeFactor: 2, seed: 5, maxPredictionsPerSeq: 8 });
  return { dir, data, tokenizer };
}
