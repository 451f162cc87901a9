// Shared by the fine-tuning tests: a word-level tokenizer file, synthetic sentence tasks whose answer
// one word decides, a tiny model's settings and the CLI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/data/rng.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';

export const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A preset 'tiny' made smaller: trains in a second on 1 thread. */
export const TINY_SET = { embedding_size: 16, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, num_hidden_layers: 2 };
export const TINY_SET_FLAGS = Object.entries(TINY_SET).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

/** The synthetic corpus's word-level tokenizer (its words, ALBERT's specials at 0..4) written at dir/tok.model. */
export function tokenizerFile(dir: string): string {
  const file = path.join(dir, 'tok.model');
  if (!fs.existsSync(file)) fs.writeFileSync(file, syntheticTokenizerModel());
  return file;
}

const FILLER = ['anna', 'ben', 'clara', 'apples', 'bread', 'forest', 'village', 'castle', 'honey', 'nuts', 'mill', 'cheese', 'garden', 'rice'];

/** Six filler words with the given key words put at random places. */
function sentence(r: Rng, keys: string[]): string {
  const w: string[] = [];
  for (let k = 0; k < 6; k++) w.push(FILLER[r.randint(0, FILLER.length - 1)]);
  for (const key of keys) w.splice(r.randint(0, w.length), 0, key);
  return w.join(' ');
}

export type SyntheticKind = 'classification' | 'regression' | 'multi-label';

/** Rows of a task one word decides: classification cat -> yes, dog -> no; regression cat 1, fox 2, dog 3; multi-label which of cat, dog appear. */
export function syntheticRows(kind: SyntheticKind, n: number, seed: number): { text: string; label: string }[] {
  const r = new Rng(seed);
  const rows: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    if (kind === 'classification') {
      const y = r.randint(0, 1);
      rows.push({ text: sentence(r, [y ? 'cat' : 'dog']), label: y ? 'yes' : 'no' });
    } else if (kind === 'regression') {
      const k = r.randint(0, 2);
      rows.push({ text: sentence(r, [['cat', 'fox', 'dog'][k]]), label: String(k + 1) });
    } else {
      const keys = [['cat'], ['dog'], ['cat', 'dog']][r.randint(0, 2)];
      rows.push({ text: sentence(r, keys), label: keys.join(',') });
    }
  }
  return rows;
}

/** A header `text<TAB>label` and the rows, as a TSV file. */
export function writeTsv(file: string, rows: { text: string; label: string }[]): string {
  fs.writeFileSync(file, 'text\tlabel\n' + rows.map((x) => `${x.text}\t${x.label}\n`).join(''));
  return file;
}

/** Runs `albert ARGS` in `cwd`. */
export function albert(args: string[], cwd?: string) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd, env: { ...process.env, ALBERT_NUM_THREADS: '1' } });
}
