// Shared by the fine-tuning tests: a word-level tokenizer file, synthetic sentence tasks whose answer
// one word decides, a tiny model's settings and the CLI; for the SQuAD tests, synthetic SQuAD whose
// answer a pattern sets, from a seeded RNG.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/data/rng.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { rng as seeded } from './backend_util.js';

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

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const SQUAD_FILLER = ['the cat sat on the mat', 'a dog was in paris', 'the river is blue', 'paris is the capital of france', 'the red dog sat', 'a city on the river'];

/**
 * Synthetic SQuAD: contexts of filler sentences; an answerable question's context says "the code is
 * NNN" somewhere (the answer), maybe beside a distractor "the year was NNN"; an unanswerable one's
 * (2.0 only) has the distractor and no code.
 */
export function syntheticSquad(n: number, seed: number, v2: boolean): string {
  const r = seeded(seed);
  const paragraphs = Array.from({ length: n }, (_, k) => {
    const sentences = Array.from({ length: 2 + Math.floor(r() * 4) }, () => pick(r, SQUAD_FILLER));
    const code = String(100 + Math.floor(r() * 900));
    const answerable = !v2 || r() < 0.5;
    const distractor = `the year was ${100 + Math.floor(r() * 900)}`;
    sentences.splice(Math.floor(r() * (sentences.length + 1)), 0, answerable ? `the code is ${code}` : distractor);
    if (answerable && r() < 0.5) sentences.splice(Math.floor(r() * (sentences.length + 1)), 0, distractor);
    const context = sentences.join(' . ') + ' .';
    const at = context.indexOf(`code is ${code}`) + 'code is '.length;
    return {
      context,
      qas: [{
        id: `q${seed}-${k}`, question: 'what is the code?',
        answers: answerable ? [{ text: code, answer_start: at }] : [],
        ...(v2 ? { is_impossible: !answerable } : {}),
      }],
    };
  });
  return JSON.stringify({ version: v2 ? 'v2.0' : '1.1', data: [{ title: 'synthetic', paragraphs }] });
}
