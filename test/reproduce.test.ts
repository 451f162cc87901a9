// `albert reproduce`: each analysis end to end at a tiny scale (synthetic books, the word-level
// tokenizer, a few steps), its files and tables, exact resume after an interruption, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBackend } from '../src/backend/index.js';
import { syntheticCorpusText } from '../src/data/synthetic.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { UserError } from '../src/errors.js';
import { parseBudget, scaleFor } from '../src/reproduce/budget.js';
import { buildData, splitBooks } from '../src/reproduce/data.js';
import { loadDataTokenizer } from '../src/data/tokenizer.js';
import { mlmBaselines } from '../src/reproduce/baseline.js';
import { ShardWriter } from '../src/data/shards.js';
import { downstreamAverage, type Results } from '../src/reproduce/report.js';
import { reproduce, type ReproduceOptions } from '../src/reproduce/reproduce.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const backend = loadBackend({ threads: 1 });

/** Ten synthetic books, the word-level tokenizer, and a data root holding only a small SST-2. */
function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-reproduce-'));
  const corpus = path.join(dir, 'books');
  fs.mkdirSync(corpus);
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(corpus, `book${i}.txt`), syntheticCorpusText(12, i + 1));
  const tokenizer = path.join(dir, 'words.model');
  fs.writeFileSync(tokenizer, syntheticTokenizerModel());
  const sst = path.join(dir, 'root', 'glue', 'SST-2');
  fs.mkdirSync(sst, { recursive: true });
  const rows = (n: number, off: number) => ['sentence\tlabel', ...Array.from({ length: n }, (_, i) => `${(i + off) % 2 ? 'a good story' : 'the bad end'} ${i}\t${(i + off) % 2}`)].join('\n') + '\n';
  fs.writeFileSync(path.join(sst, 'train.tsv'), rows(40, 0));
  fs.writeFileSync(path.join(sst, 'dev.tsv'), rows(12, 1));
  return { dir, corpus, tokenizer, dataRoot: path.join(dir, 'root') };
}

const F = fixture();
const base = (analysis: string, output: string, extra: Partial<ReproduceOptions> = {}): ReproduceOptions => ({
  analysis, output, corpus: [F.corpus], tokenizer: F.tokenizer, dataRoot: F.dataRoot, scale: 'tiny', pretrainSteps: 4, finetuneSteps: 2,
  tasks: [], backend, ...extra,
});
const read = (f: string) => fs.readFileSync(f, 'utf8');
/** What must be equal between an interrupted-then-resumed analysis and an uninterrupted one: all but timings and paths. */
const comparable = (r: Results) => r.models.map((m) => ({ ...m, wall_s: 0, checkpoint: path.basename(m.checkpoint), downstream: m.downstream.map((d) => ({ ...d, wall_s: 0 })) }));

test('budgets parse, with one clear error for nonsense; the scale follows the budget', () => {
  assert.equal(parseBudget('45m'), 2700);
  assert.equal(parseBudget('1h30m'), 5400);
  assert.equal(parseBudget('90s'), 90);
  assert.equal(parseBudget('2'), 120);
  assert.throws(() => parseBudget('soon'), (e: Error) => e instanceof UserError && /--budget must be a wall time/.test(e.message));
  assert.equal(scaleFor(60).name, 'tiny');
  assert.equal(scaleFor(30 * 60).name, 'small');
  assert.equal(scaleFor(45 * 60).name, 'default');
  assert.deepEqual(scaleFor(45 * 60).embeddings, [64, 128, 256]);
});

test('without --tokenizer the data trains its SentencePiece model on the training books with albert-ts\'s trainer', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-reproduce-data-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const d = await buildData({ dir, corpus: [F.corpus], objectives: ['sop'], vocabSize: 300, seed: 3, onProgress: (l) => lines.push(l) });
  assert.match(lines.join('\n'), /training a 300-piece tokenizer on 9 books/);
  const { albert } = loadDataTokenizer(d.tokenizer);
  assert.ok(d.vocabSize <= 300 && d.vocabSize > 100, `vocabulary ${d.vocabSize}`);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => albert.sp.idToPiece(i)), ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]']);
  // the synthetic books' frequent words are whole pieces; their text is lower-cased first, as ALBERT's tokenizer does
  assert.deepEqual(albert.tokenize('The Swan went to the tower.').slice(0, 4), ['\u2581the', '\u2581swan', '\u2581went', '\u2581to']);
  assert.ok(!fs.existsSync(path.join(dir, 'data', 'tokenizer-text.txt')));
});

test('every 10th book is held out, at least one; the paper-style average counts SQuAD as mean(F1, EM)', () => {
  const books = Array.from({ length: 20 }, (_, i) => `b${String(i).padStart(2, '0')}.txt`);
  assert.deepEqual(splitBooks(books).heldout, ['b09.txt', 'b19.txt']);
  assert.deepEqual(splitBooks(['x.txt', 'y.txt']).heldout, ['y.txt']);
  assert.throws(() => splitBooks(['x.txt']), /at least 2 books/);
  const avg = downstreamAverage([
    { task: 'glue/sst2', metric: 'accuracy', value: 0.8, metrics: {}, steps: 1, wall_s: 0 },
    { task: 'squad1', metric: 'f1', value: 60, metrics: { f1: 60, exact_match: 40 }, steps: 1, wall_s: 0 },
  ]);
  assert.ok(Math.abs(avg! - 0.65) < 1e-12);
});

/** A shard folder of hand-made instances: [input ids, masked positions, their original ids]. */
function shards(dir: string, rows: [number[], number[], number[]][]): string {
  fs.mkdirSync(dir, { recursive: true });
  const w = new ShardWriter(dir, {
    objective: 'sop', max_seq_length: 8, max_predictions_per_seq: 4, vocab_size: 20, cls_id: 2, sep_id: 3, mask_id: 4, pad_id: 0,
    tokenizer_sha256: '', options: {},
  } as never);
  for (const [ids, pos, orig] of rows) {
    w.write({ inputIds: Int32Array.from(ids), lenA: 2, maskedPositions: Int32Array.from(pos), maskedIds: Int32Array.from(orig), label: 0, spanWords: [], spanDrawn: [], short: false, truncated: false } as never);
  }
  w.finish();
  return dir;
}

test('the MLM baselines: the most frequent masked token, and the most frequent one after the token left of the mask', () => {
  // training: token 7 is masked 3 times (twice after 10), token 9 twice after 11
  const train = shards(path.join(F.dir, 'bl-train'), [
    [[2, 10, 4, 3, 11, 4, 3], [2, 5], [7, 9]], [[2, 10, 4, 3, 11, 4, 3], [2, 5], [7, 9]], [[2, 12, 4, 3], [2], [7]],
  ]);
  // held out: 4 masked positions; answers 7 (after 10), 9 (after 11), 9 (after 12), 8 (after 11)
  const held = shards(path.join(F.dir, 'bl-held'), [[[2, 10, 4, 11, 4, 3], [2, 4], [7, 9]], [[2, 12, 4, 11, 4, 3], [2, 4], [9, 8]]]);
  const b = mlmBaselines(train, held, 100);
  assert.equal(b.unigram, 1 / 4); // always 7: right once
  assert.equal(b.bigram, 2 / 4); // 10 -> 7 right, 11 -> 9 right once, 12 -> 7 wrong, 11 -> 9 wrong
  // counts 7: 3, 9: 2 of 5, vocabulary 20, add-one: p(7) = 4/25, p(9) = 3/25, p(8) = 1/25
  assert.ok(Math.abs(b.unigramLoss - -(Math.log(4 / 25) + 2 * Math.log(3 / 25) + Math.log(1 / 25)) / 4) < 1e-12);
});

test('table5 end to end: three models, held-out accuracies, SST-2 fine-tuned, the absent tasks skipped with the reason, files and tables written', async () => {
  const out = path.join(F.dir, 't5');
  const phases: string[] = [];
  const r = await reproduce(base('table5', out, { tasks: ['glue/sst2', 'glue/rte', 'squad1', 'race'], onPhase: (l) => phases.push(l) }));
  assert.equal(r.interrupted, false);
  const res = r.results!;
  assert.deepEqual(res.models.map((m) => m.name), ['mlm', 'nsp', 'sop']);
  for (const m of res.models) {
    assert.equal(m.steps, 4);
    assert.ok(m.parameters > 0 && m.tokens > 0);
    assert.ok(m.intrinsic.mlm_acc! >= 0 && m.intrinsic.mlm_acc! <= 1);
    assert.equal(m.downstream.length, 1);
    assert.equal(m.downstream[0].task, 'glue/sst2');
    assert.ok(m.downstream[0].value >= 0 && m.downstream[0].value <= 1);
  }
  // the MLM-only model has no sentence head; the others are scored on both sentence tasks
  assert.equal(res.models[0].intrinsic.sop_acc, null);
  for (const m of res.models.slice(1)) assert.ok(m.intrinsic.sop_acc !== null && m.intrinsic.nsp_acc !== null);
  assert.deepEqual(res.skipped.map((s) => s.task).sort(), ['glue/rte', 'race', 'squad1']);
  assert.ok(phases.some((l) => /^skipping glue\/rte: no .*RTE/.test(l)), phases.join('\n'));
  const md = read(path.join(out, 'results.md'));
  assert.match(md, /\| Model \| Parameters \| MLM \| NSP \| SOP \| SST-2 \| Avg \|/);
  assert.match(md, /\| mlm \|.*\n\| nsp \|.*\n\| sop \|/);
  assert.match(md, /Table 5/);
  assert.match(md, /\| SOP \| 54\.0 \| 78\.9 \| 86\.5 \|/); // the paper's row beside ours
  assert.match(md, /Skipped: .*glue\/rte/);
  assert.match(md, /the most frequent masked token \d+\.\d%, the most frequent after the token left of the mask \d+\.\d%/);
  assert.match(read(path.join(out, 'mlm-curve.svg')), /most frequent token/);
  assert.match(read(path.join(out, 'results.svg')), /^<svg[^>]*>[\s\S]*<\/svg>\n$/);
  assert.deepEqual(JSON.parse(read(path.join(out, 'results.json'))).models.length, 3);
  if (spawnSync('rsvg-convert', ['--version']).status === 0) {
    assert.deepEqual([...fs.readFileSync(path.join(out, 'results.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  }
  await assert.rejects(reproduce(base('table5', out)), /already holds an analysis \(table5\): pass --resume/);
  await assert.rejects(reproduce(base('table4', out, { resume: true })), /holds analysis table5, not table4/);
});

test('an analysis interrupted in its second model resumes exactly: the same results as an uninterrupted run', async () => {
  const whole = await reproduce(base('table5', path.join(F.dir, 'whole'), { tasks: ['glue/sst2'], pretrainSteps: 6 }));
  const out = path.join(F.dir, 'cut');
  const ctl = new AbortController();
  const first = await reproduce(base('table5', out, {
    tasks: ['glue/sst2'], pretrainSteps: 6, signal: ctl.signal, onStep: (run, s) => { if (run === 'nsp' && s.step === 3) ctl.abort(); },
  }));
  assert.equal(first.interrupted, true);
  assert.ok(!fs.existsSync(path.join(out, 'models', 'nsp', 'result.json')));
  const resumed: string[] = [];
  const second = await reproduce(base('table5', out, { resume: true, tasks: undefined, pretrainSteps: undefined, onStep: (run, s) => resumed.push(`${run}@${s.step}`) }));
  assert.equal(second.interrupted, false);
  assert.equal(resumed.filter((x) => x.startsWith('nsp@'))[0], 'nsp@4'); // continued after the saved step, not from 1
  assert.ok(!resumed.some((x) => x.startsWith('mlm@'))); // the finished model is not retrained
  assert.deepEqual(comparable(second.results!), comparable(whole.results!));
});

test('table4, table3 and figure1 end to end: their models, tables and the per-layer transitions', async () => {
  const t4 = (await reproduce(base('table4', path.join(F.dir, 't4')))).results!;
  assert.deepEqual(t4.models.map((m) => m.name), ['all-shared', 'shared-attention', 'shared-ffn', 'not-shared']);
  const p = Object.fromEntries(t4.models.map((m) => [m.name, m.parameters]));
  // sharing less means more parameters: all < ffn-only, attention-only < none
  assert.ok(p['all-shared'] < p['shared-attention'] && p['all-shared'] < p['shared-ffn'] && p['shared-attention'] < p['not-shared'] && p['shared-ffn'] < p['not-shared']);
  assert.match(read(path.join(F.dir, 't4', 'results.md')), /\| shared-FFN \| 38M \|/);

  const t3 = (await reproduce(base('table3', path.join(F.dir, 't3'), { pretrainSteps: 2 }))).results!;
  assert.deepEqual(t3.models.map((m) => m.name), ['not-shared-E8', 'not-shared-E16', 'not-shared-E32', 'all-shared-E8', 'all-shared-E16', 'all-shared-E32']);
  assert.ok(t3.models[0].parameters < t3.models[2].parameters);

  const f1 = (await reproduce(base('figure1', path.join(F.dir, 'f1')))).results!;
  assert.deepEqual(f1.models.map((m) => m.name), ['albert', 'bert']);
  for (const m of f1.models) {
    const t = m.transitions!;
    assert.equal(t.l2.length, 2);
    assert.ok(t.tokens > 0);
    for (const v of t.l2) assert.ok(v > 0 && Number.isFinite(v));
    for (const v of t.cosine) assert.ok(v > -1 && v <= 1);
  }
  const md = read(path.join(F.dir, 'f1', 'results.md'));
  assert.match(md, /\| layer \| L2 albert \| L2 bert \| cosine albert \| cosine bert \|\n\|---\|---\|---\|---\|---\|\n\| 1 \|/);
  assert.match(read(path.join(F.dir, 'f1', 'results.svg')), /L2 distance[\s\S]*cosine similarity/);
});

test('bad input: one clear error each', async () => {
  await assert.rejects(reproduce(base('table9', path.join(F.dir, 'x'))), /unknown analysis "table9" \(one of table5, table4, table3, figure1\)/);
  await assert.rejects(reproduce(base('table5', path.join(F.dir, 'x'), { tasks: ['glue/cola'] })), /unknown downstream task "glue\/cola"/);
  await assert.rejects(reproduce(base('table5', path.join(F.dir, 'x'), { budget: '5 minutes' })), /--budget must be a wall time/);
  await assert.rejects(reproduce({ analysis: 'table5', output: path.join(F.dir, 'y'), dataRoot: path.join(F.dir, 'nowhere'), backend }), /corpus\/gutenberg: no such folder: pass --data-root/);
  const cli = spawnSync(process.execPath, [MAIN, 'reproduce'], { encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /^albert: which analysis\? albert reproduce table5\|table4\|table3\|figure1/);
  const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /\n {2}reproduce +reproduce one of the paper's analyses/);
});
