// Tokenizer-training benchmark (issue 15 §1): `albert train-tokenizer` against Debian's spm_train with
// the same settings (ALBERT's special pieces, nmt_nfkc, character coverage 0.9995, the same
// --input-sentence-size) on the same books; held-out books (every 8th file) measure pieces per word
// and the unknown rate, both models encoded by spm_encode. Each training is one fresh process, run
// back to back; wall time and peak memory (from /usr/bin/time) are reported.
//
//   npx tsc -p . && node dist/bench/tokenizer_train.js [--vocab 8000,16000] [--input-sentence-size 0] [--markdown FILE] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cpuLine } from './machine.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const { values } = parseArgs({ options: {
  vocab: { type: 'string', default: '8000,16000' }, 'input-sentence-size': { type: 'string', default: '0' },
  books: { type: 'string', default: join(ROOT, '..', 'shared', 'data', 'corpus', 'gutenberg') },
  markdown: { type: 'string' }, keep: { type: 'string' },
} });
const sentences = values['input-sentence-size']!;
const files = readdirSync(values.books!).filter((f) => f.endsWith('.txt')).sort().map((f) => join(values.books!, f));
const train = files.filter((_, i) => i % 8 !== 7), heldOut = files.filter((_, i) => i % 8 === 7);
const dir = mkdtempSync(join(os.tmpdir(), 'albert-tok-train-'));
const heldText = join(dir, 'held_out.txt');
writeFileSync(heldText, heldOut.map((f) => readFileSync(f, 'utf8')).join('\n'));
const words = readFileSync(heldText, 'utf8').split(/\s+/).filter((w) => w.length > 0).length;

/** Runs a command under /usr/bin/time -v: wall seconds and peak RSS (MiB). */
function timed(cmd: string, args: string[]): { seconds: number; rssMiB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { seconds, rssMiB: m ? Number(m[1]) / 1024 : NaN };
}

/** spm_encode's ids of the held-out text: pieces per word and the share of <unk> (id 1). */
function quality(model: string): { piecesPerWord: number; unkRate: number } {
  const r = spawnSync('spm_encode', ['--model', model, '--output_format', 'id', '--input', heldText], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`spm_encode failed: ${r.stderr}`);
  let pieces = 0, unk = 0;
  for (const t of r.stdout.split(/\s+/)) { if (t === '') continue; pieces++; if (t === '1') unk++; }
  return { piecesPerWord: pieces / words, unkRate: unk / pieces };
}

const rows: string[] = [];
console.log(cpuLine());
console.log(`${train.length} training books, ${heldOut.length} held-out books (${words} words); --input-sentence-size ${sentences}`);
for (const v of values.vocab!.split(',').map(Number)) {
  const spmPrefix = join(dir, `spm-${v}`), ours = join(dir, `ours-${v}.model`);
  const spm = timed('spm_train', [`--input=${train.join(',')}`, `--model_prefix=${spmPrefix}`, `--vocab_size=${v}`, '--model_type=unigram',
    '--character_coverage=0.9995', `--input_sentence_size=${sentences}`, '--shuffle_input_sentence=true', '--pad_id=0', '--unk_id=1',
    '--bos_id=-1', '--eos_id=-1', '--control_symbols=[CLS],[SEP],[MASK]', '--minloglevel=2']);
  const us = timed('node', [MAIN, 'train-tokenizer', ...train.flatMap((f) => ['--input', f]), '--vocab-size', String(v), '--output', ours,
    '--character-coverage', '0.9995', '--input-sentence-size', sentences, '--quiet']);
  const qs = quality(`${spmPrefix}.model`), qo = quality(ours);
  const line = `| ${v} | ${spm.seconds.toFixed(1)} s | ${us.seconds.toFixed(1)} s (${(us.seconds / spm.seconds).toFixed(2)}×) | ${spm.rssMiB.toFixed(0)} / ${us.rssMiB.toFixed(0)} MiB | ${qs.piecesPerWord.toFixed(4)} | ${qo.piecesPerWord.toFixed(4)} (${((qo.piecesPerWord / qs.piecesPerWord - 1) * 100).toFixed(2)}%) | ${(qs.unkRate * 100).toFixed(4)}% | ${(qo.unkRate * 100).toFixed(4)}% |`;
  console.log(line);
  rows.push(line);
  if (values.keep) { if (!existsSync(values.keep)) mkdirSync(values.keep, { recursive: true }); copyFileSync(ours, join(values.keep, `ours-${v}.model`)); copyFileSync(`${spmPrefix}.model`, join(values.keep, `spm-${v}.model`)); }
}
const table = ['| vocab | spm_train | albert train-tokenizer | peak RSS spm / ours | pieces/word spm | pieces/word ours | unk spm | unk ours |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
if (values.markdown) writeFileSync(values.markdown, table + '\n');
rmSync(dir, { recursive: true, force: true });
