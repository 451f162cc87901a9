// Fine-tuning the text family end to end: a tiny model trained from scratch learns synthetic tasks
// one word decides (classification, regression, multi-label), OUT holds what the contract says, GLUE
// runs on the real glue_data files, a cut and resumed run repeats the uninterrupted one's losses,
// --recipe paper gives Table 14, predict / evaluate --predictions agree with hand counts, and bad input
// is one line naming file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { finetune, type FinetuneOptions } from '../src/finetune/finetune.js';
import { paperRecipe } from '../src/finetune/recipes.js';
import { loadBackend } from '../src/backend/index.js';
import { loadPretrained } from '../src/io/hf_dir.js';
import { loadDataTokenizer } from '../src/data/tokenizer.js';
import { dtypeAgreement, textBatches } from '../src/metrics/dtype_agreement.js';
import { resolveFinetuneSettings, resolveTaskSettings } from '../src/finetune/settings.js';
import { TINY_SET, TINY_SET_FLAGS, albert, syntheticRows, tokenizerFile, writeTsv, type SyntheticKind } from './finetune_helpers.js';
import { put, scratch } from './tasks_helpers.js';

const dir = scratch('finetune-text');
const tok = tokenizerFile(dir);
const quiet = { onWarning: () => {} };

/** Train and dev files of a synthetic task, in their own folder. */
function task(kind: SyntheticKind, name: string = kind, train = 256, dev = 100) {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  return { dir: d, train: writeTsv(path.join(d, 'train.tsv'), syntheticRows(kind, train, 1)), dev: writeTsv(path.join(d, 'dev.tsv'), syntheticRows(kind, dev, 2)) };
}

const base = (o: Partial<FinetuneOptions> & { output: string }): FinetuneOptions => ({
  model: 'tiny', tokenizer: tok, set: TINY_SET, lr: 2e-3, batchSize: 16, warmupSteps: 10, maxSeqLength: 16, threads: 1, logEvery: 10, ...quiet, ...o,
});

const readJsonl = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
/** The predictions of a predict TSV (after its header), in file order. */
const tsvPredictions = (file: string) => {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(header, 'index\tprediction');
  rows.forEach((r, i) => assert.equal(r.split('\t')[0], String(i)));
  return rows.map((r) => r.split('\t')[1]);
};

test('classification from scratch: >= 95% dev accuracy; OUT holds checkpoints, the best, model/, report.json, curves', async () => {
  const t = task('classification');
  const out = path.join(dir, 'cls-out');
  const r = await finetune(base({ task: 'classification', data: t.train, evalData: t.dev, output: out, steps: 120, evalEvery: 40 }));
  assert.equal(r.steps, 120);
  const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.equal(rep.task, 'classification');
  assert.equal(rep.main_metric, 'accuracy');
  assert.ok(rep.best.metrics.accuracy >= 0.95, JSON.stringify(rep.best));
  assert.deepEqual(Object.keys(rep.final.splits.dev).sort(), ['accuracy', 'f1']);
  assert.equal(rep.train.examples, 256);
  for (const f of ['metrics.jsonl', 'curves.svg', 'spiece.model', 'model/config.json', 'model/model.safetensors', 'model/spiece.model']) {
    assert.ok(fs.existsSync(path.join(out, f)), f);
  }
  assert.ok(fs.existsSync(path.join(out, rep.best.checkpoint)), 'the best checkpoint is kept');
  const config = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
  assert.deepEqual([config.id2label, config.label2id, config.problem_type, config.architectures], [{ 0: 'no', 1: 'yes' }, { no: 0, yes: 1 }, 'single_label_classification', ['AlbertForSequenceClassification']]);
  const evals = readJsonl(path.join(out, 'metrics.jsonl')).filter((x) => x.type === 'eval');
  assert.deepEqual(evals.map((e) => [e.step, e.split]), [[40, 'dev'], [80, 'dev'], [120, 'dev']]);

  // predict's TSV, counted here against the dev file's labels.
  const preds = path.join(dir, 'cls-preds.tsv');
  const p = albert(['predict', '--task', 'classification', '--data', t.dev, '--model', path.join(out, 'model'), '--output', preds]);
  assert.equal(p.status, 0, p.stderr);
  const gold = syntheticRows('classification', 100, 2).map((x) => x.label);
  const got = tsvPredictions(preds);
  const right = got.filter((g, i) => g === gold[i]).length / gold.length;
  assert.ok(right >= 0.95, `predict's accuracy ${right}`);

  // evaluate with the model and evaluate --predictions of that file give that accuracy.
  const e = albert(['evaluate', '--task', 'classification', '--data', t.dev, '--model', path.join(out, 'model'), '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout.trim().split('\n').pop()!).accuracy, right);
  const s = albert(['evaluate', '--task', 'classification', '--data', t.dev, '--predictions', preds, '--json']);
  assert.equal(s.status, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout.trim().split('\n').pop()!).accuracy, right);

  // int8 (and bf16) inference of the fine-tuned classifier: the same argmax on >= 99% of the dev sentences
  const model = loadPretrained(path.join(out, 'model'), { backend: loadBackend({ threads: 1 }) });
  const sentences = syntheticRows('classification', 300, 3).map((x) => x.text);
  const agree = dtypeAgreement(model, textBatches(loadDataTokenizer(path.join(out, 'model', 'spiece.model')).albert, sentences, { seq: 16, batch: 100 }), ['bf16', 'int8'], -1);
  console.log(`classifier, dtypes vs fp32: ${JSON.stringify(agree)}`);
  for (const a of agree) assert.ok(a.compared === 300 && a.top1Agreement >= 0.99, `${a.dtype}: ${JSON.stringify(a)}`);
});

test('regression and multi-label from scratch learn their word: pearson >= 0.95, exact-match accuracy >= 95%', async () => {
  const reg = task('regression');
  const r = await finetune(base({ task: 'regression', data: reg.train, evalData: reg.dev, output: path.join(dir, 'reg-out'), steps: 150, evalEvery: 50 }));
  assert.deepEqual(Object.keys(r.report!.final!.splits.dev).sort(), ['mse', 'pearson', 'spearmanr']);
  assert.ok(r.report!.best!.metrics.pearson >= 0.95, JSON.stringify(r.report!.best));
  const config = JSON.parse(fs.readFileSync(path.join(r.modelDir, 'config.json'), 'utf8'));
  // one output: HF's id2label of one LABEL_0, as save_pretrained writes a regression config
  assert.deepEqual([config.id2label, config.problem_type], [{ 0: 'LABEL_0' }, 'regression']);

  const ml = task('multi-label');
  const m = await finetune(base({ task: 'multi-label', data: ml.train, evalData: ml.dev, output: path.join(dir, 'ml-out'), steps: 150, evalEvery: 50 }));
  assert.equal(m.report!.main_metric, 'f1');
  assert.ok(m.report!.best!.metrics.accuracy >= 0.95, JSON.stringify(m.report!.best));
  // predict writes label names joined by ","; counted here as exact matches of the label sets.
  const preds = path.join(dir, 'ml-preds.tsv');
  const p = albert(['predict', '--task', 'multi-label', '--data', ml.dev, '--model', m.modelDir, '--output', preds]);
  assert.equal(p.status, 0, p.stderr);
  const gold = syntheticRows('multi-label', 100, 2).map((x) => x.label);
  const exact = tsvPredictions(preds).filter((g, i) => g.split(',').sort().join(',') === gold[i]).length / gold.length;
  assert.ok(exact >= 0.95, `exact match ${exact}`);
});

test('--resume: a run cut after step 7 and resumed logs the same losses, bit for bit, as an uninterrupted one', async () => {
  const t = task('classification', 'resume', 60, 20);
  const o = (output: string) => base({ task: 'classification', data: t.train, evalData: t.dev, output, steps: 16, logEvery: 1, evalEvery: 5, dropout: 0.1, batchSize: 8 });
  const whole = path.join(dir, 'whole');
  await finetune(o(whole));
  const cut = path.join(dir, 'cut');
  const abort = new AbortController();
  const first = await finetune({ ...o(cut), signal: abort.signal, onStep: (s) => { if (s.step === 7) abort.abort(); } });
  assert.deepEqual([first.interrupted, first.steps], [true, 7]);
  assert.ok(!fs.existsSync(path.join(cut, 'model')), 'no model/ from an interrupted run');
  const second = await finetune({ output: cut, resume: true, threads: 1, ...quiet });
  assert.equal(second.steps, 16);
  const losses = (out: string) => readJsonl(path.join(out, 'metrics.jsonl')).filter((x) => x.type === 'train').map((x) => [x.step, x.loss, x.lr]);
  assert.equal(losses(whole).length, 16);
  assert.deepEqual(losses(cut), losses(whole));
  const evals = (out: string) => readJsonl(path.join(out, 'metrics.jsonl')).filter((x) => x.type === 'eval').map((x) => [x.step, x.accuracy]);
  assert.deepEqual(evals(cut), evals(whole));
  // A flag that disagrees with the saved run is refused, naming it.
  await assert.rejects(finetune({ output: cut, resume: true, lr: 1e-4, steps: 20, ...quiet }), /--resume: these settings differ from the saved run: lr \(was 0\.002, now 0\.0001\)/);
  const done = await finetune({ output: cut, resume: true, ...quiet });
  assert.equal(done.alreadyComplete, true);
});

test('--precision bf16: a cut and resumed run repeats the uninterrupted one bit for bit, another precision on resume is refused', async () => {
  const t = task('classification', 'resume-bf16', 60, 20);
  const o = (output: string) => base({ task: 'classification', data: t.train, evalData: t.dev, output, steps: 12, logEvery: 1, evalEvery: 4, dropout: 0.1, batchSize: 8, precision: 'bf16' });
  const whole = path.join(dir, 'whole-bf16'), cut = path.join(dir, 'cut-bf16'), f32 = path.join(dir, 'fp32-bf16');
  await finetune(o(whole));
  const abort = new AbortController();
  await finetune({ ...o(cut), signal: abort.signal, onStep: (s) => { if (s.step === 5) abort.abort(); } });
  await assert.rejects(finetune({ output: cut, resume: true, precision: 'fp32', ...quiet }), /--resume: these settings differ from the saved run: precision \(was "bf16", now "fp32"\)/);
  await finetune({ output: cut, resume: true, threads: 1, ...quiet });
  const records = (out: string) => readJsonl(path.join(out, 'metrics.jsonl')).map(({ tokens_per_s: _t, elapsed_s: _e, ...x }) => x);
  assert.deepEqual(records(cut), records(whole));
  await finetune({ ...o(f32), precision: 'fp32', steps: 2, warmupSteps: 1, evalEvery: 0 });
  assert.notEqual(records(f32)[0].loss, records(whole)[0].loss); // bf16 ran
  assert.equal(JSON.parse(fs.readFileSync(path.join(whole, 'report.json'), 'utf8')).settings.run.precision, 'bf16');
});

test('--recipe paper: Table 14 per task, google-research/albert\'s optimizer, and flags override it', () => {
  // The paper's Table 14 (lr, batch, ALBERT dropout, classifier dropout, steps, warmup, max length), typed from the fact sheet.
  const table: Record<string, number[]> = {
    'glue/cola': [1e-5, 16, 0, 0.1, 5336, 320, 512], 'glue/stsb': [2e-5, 16, 0, 0.1, 3598, 214, 512], 'glue/sst2': [1e-5, 32, 0, 0.1, 20935, 1256, 512],
    'glue/mnli': [3e-5, 128, 0, 0.1, 10000, 1000, 512], 'glue/qnli': [1e-5, 32, 0, 0.1, 33112, 1986, 512], 'glue/qqp': [5e-5, 128, 0.1, 0.1, 14000, 1000, 512],
    'glue/rte': [3e-5, 32, 0.1, 0.1, 800, 200, 512], 'glue/mrpc': [2e-5, 32, 0, 0.1, 800, 200, 512], 'glue/wnli': [2e-5, 16, 0.1, 0.1, 2000, 250, 512],
    squad1: [5e-5, 48, 0, 0.1, 3649, 365, 384], squad2: [3e-5, 48, 0, 0.1, 8144, 814, 512], race: [2e-5, 32, 0.1, 0.1, 12000, 1000, 512],
  };
  for (const [id, [lr, batch, dr, cls, steps, warmup, msl]] of Object.entries(table)) {
    const o = { task: id, data: '/data', recipe: 'paper' };
    const t = resolveTaskSettings(o);
    const { run, session } = resolveFinetuneSettings(o, t, 1000);
    assert.deepEqual([run.lr, run.batchSize, run.dropout, run.classifierDropout, run.steps, run.warmupSteps, run.maxSeqLength], [lr, batch, dr, cls, steps, warmup, msl], id);
    assert.deepEqual([run.optimizer, run.weightDecay, run.eps, run.schedule, session.evalEvery], ['adamw-google', 0.01, 1e-6, 'google', 100], id);
  }
  assert.deepEqual(paperRecipe('glue/rte').steps, 800);
  // Flags win; --epochs replaces the recipe's steps.
  const o = { task: 'glue/rte', data: '/data', recipe: 'paper', lr: 1e-5, dropout: 0, epochs: 2, warmupSteps: 3, maxSeqLength: 128 };
  const { run } = resolveFinetuneSettings(o, resolveTaskSettings(o), 2490);
  assert.deepEqual([run.lr, run.dropout, run.steps, run.warmupSteps, run.maxSeqLength, run.batchSize], [1e-5, 0, Math.ceil((2 * 2490) / 32), 3, 128, 32]);
  // Without a recipe: HF Trainer's defaults, steps from 3 epochs.
  const d = { task: 'classification', data: '/data' };
  const plain = resolveFinetuneSettings(d, resolveTaskSettings(d), 100).run;
  assert.deepEqual([plain.optimizer, plain.lr, plain.weightDecay, plain.eps, plain.warmupSteps, plain.clipNorm, plain.batchSize, plain.steps, plain.seed, plain.schedule, plain.maxSeqLength],
    ['adamw', 5e-5, 0, 1e-8, 0, 1, 32, 10, 42, 'linear', 128]);
  assert.throws(() => resolveFinetuneSettings({ ...d, recipe: 'paper' }, resolveTaskSettings(d), 100), /the paper fine-tunes GLUE, SQuAD and RACE only/);
  // An optimizer fine-tuning lacks is refused with the task's settings, before any data is read.
  assert.throws(() => resolveTaskSettings({ ...d, optimizer: 'lamb' }), /^UserError: --optimizer must be adamw or adamw-google, got "lamb"$/);
  const r = albert(['finetune', '--help']);
  assert.match(r.stdout, /v1 recipe/);
  assert.match(r.stdout, /RACE, where they use --lr 1e-5 --dropout 0/);
});

const GLUE = '/work/shared/data/glue';
const ALBERT_TOKENIZER = '/work/shared/data/tokenizers/albert-30k-clean.model';
const haveGlue = fs.existsSync(GLUE) && fs.existsSync(ALBERT_TOKENIZER);
if (!haveGlue) console.log(`# skipping the real GLUE test: ${GLUE} or ${ALBERT_TOKENIZER} is absent`);

test('GLUE on the real glue_data files (subsets): SST-2, STS-B and CoLA fine-tune, and the report names their metrics', { skip: !haveGlue && 'no ../shared/data/glue' }, async () => {
  const expect: Record<string, { folder: string; header: boolean; metrics: string[]; main: string }> = {
    'glue/sst2': { folder: 'SST-2', header: true, metrics: ['accuracy'], main: 'accuracy' },
    'glue/stsb': { folder: 'STS-B', header: true, metrics: ['pearson', 'spearmanr'], main: 'pearson' },
    'glue/cola': { folder: 'CoLA', header: false, metrics: ['matthews_correlation'], main: 'matthews_correlation' },
  };
  for (const [id, e] of Object.entries(expect)) {
    // The first rows of the real files, in the same layout (header, columns) in a folder of the task's name.
    const sub = path.join(dir, 'glue', e.folder);
    for (const f of ['train', 'dev']) {
      const lines = fs.readFileSync(path.join(GLUE, e.folder, `${f}.tsv`), 'utf8').split('\n');
      put(sub, `${f}.tsv`, lines.slice(0, (e.header ? 1 : 0) + 40).join('\n') + '\n');
    }
    const out = path.join(dir, `glue-${e.folder}`);
    const r = albert(['finetune', '--task', id, '--data', sub, '--model', 'tiny', '--tokenizer', ALBERT_TOKENIZER, ...TINY_SET_FLAGS, '--steps', '3',
      '--batch-size', '8', '--max-seq-length', '32', '--output', out, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.deepEqual([rep.main_metric, Object.keys(rep.final.splits.dev)], [e.main, e.metrics], id);
    assert.deepEqual(rep.eval_splits.map((s: { name: string; examples: number }) => [s.name, s.examples]), [['dev', 40]], id);
    assert.equal(rep.train.examples, 40);
  }
});

test('MNLI (files in glue_data\'s layout): matched and mismatched dev are both evaluated, mismatched suffixed in report.json', async () => {
  const d = path.join(dir, 'MNLI');
  const header = 'index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label';
  const rows = (n: number, seed: number) => syntheticRows('classification', n, seed).map((x, i) =>
    `${i}\t0\t0\tfiction\t-\t-\t-\t-\t${x.text}\tanna ben\t-\t${x.label === 'yes' ? 'entailment' : 'contradiction'}`);
  put(d, 'train.tsv', [header, ...rows(40, 1)].join('\n') + '\n');
  put(d, 'dev_matched.tsv', [header, ...rows(12, 2)].join('\n') + '\n');
  put(d, 'dev_mismatched.tsv', [header, ...rows(10, 3)].join('\n') + '\n');
  const r = await finetune(base({ task: 'glue/mnli', data: d, output: path.join(dir, 'mnli-out'), steps: 2, warmupSteps: 0 }));
  const rep = r.report!;
  assert.deepEqual(rep.eval_splits.map((s) => [s.name, s.examples]), [['dev', 12], ['dev_mismatched', 10]]);
  assert.deepEqual(Object.keys(rep.final!.metrics), ['accuracy', 'accuracy_dev_mismatched']);
  const config = JSON.parse(fs.readFileSync(path.join(r.modelDir, 'config.json'), 'utf8'));
  assert.deepEqual(config.id2label, { 0: 'contradiction', 1: 'entailment', 2: 'neutral' });
  const e = albert(['evaluate', '--task', 'glue/mnli', '--data', d, '--model', r.modelDir, '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.deepEqual(Object.keys(JSON.parse(e.stdout.trim().split('\n').pop()!)), ['accuracy', 'accuracy_dev_mismatched']);
});

test('evaluate --predictions: hand-made files give the counted accuracy; GLUE labels and ids are checked', () => {
  const t = task('classification', 'pred-files', 20, 8);
  const gold = syntheticRows('classification', 8, 2).map((x) => x.label);
  // 6 of 8 right: flip the first two, rows in another order (any order is fine).
  const labels = gold.map((g, i) => (i < 2 ? (g === 'yes' ? 'no' : 'yes') : g));
  const file = put(dir, 'hand.tsv', 'index\tprediction\n' + labels.map((l, i) => `${i}\t${l}\n`).reverse().join(''));
  const r = albert(['evaluate', '--task', 'classification', '--data', t.dev, '--predictions', file, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()).accuracy, 6 / 8);
  // GLUE SST-2 dev in glue_data's layout: accuracy under HF evaluate's name.
  const sst = path.join(dir, 'SST-2');
  put(sst, 'dev.tsv', 'sentence\tlabel\na fine film \t1\na dull film \t0\nit works \t1\n');
  const g = put(dir, 'sst.tsv', 'index\tprediction\n0\t1\n1\t1\n2\t1\n');
  const s = albert(['evaluate', '--task', 'glue/sst2', '--data', sst, '--predictions', g, '--json']);
  assert.equal(s.status, 0, s.stderr);
  assert.deepEqual(JSON.parse(s.stdout.trim()), { accuracy: 2 / 3 });
});

test('bad input: one line naming the file (and line), a non-zero exit, and no --output left behind', async () => {
  const d = path.join(dir, 'bad');
  fs.mkdirSync(d, { recursive: true });
  const run = (args: string[]) => {
    const r = albert(args);
    assert.notEqual(r.status, 0, `exit 0 for ${args.join(' ')}`);
    const lines = r.stderr.trim().split('\n');
    return lines[lines.length - 1];
  };
  const ft = (data: string, extra: string[] = []) => run(['finetune', '--task', extra[0] ?? 'classification', '--data', data, '--model', 'tiny', '--tokenizer', tok,
    ...TINY_SET_FLAGS, '--steps', '1', '--output', path.join(d, 'out'), ...extra.slice(1)]);
  const cols = put(d, 'cols.tsv', 'text\tlabel\nanna cat\tyes\nben dog\tno\textra\n');
  assert.equal(ft(cols), `albert: ${cols}: line 3: 3 columns, expected 2 (as the header)`);
  const train = put(d, 'train.tsv', 'text\tlabel\nanna cat\tyes\nben dog\tno\n');
  const dev = put(d, 'dev.tsv', 'text\tlabel\nanna cat\tyes\nben dog\tmaybe\n');
  assert.equal(ft(train, ['classification', '--eval-data', dev]), `albert: ${dev}: line 3: unknown label "maybe" (the labels are "no", "yes")`);
  const reg = put(d, 'reg.tsv', 'text\tlabel\nanna cat\t1.5\nben dog\tlots\n');
  assert.equal(ft(reg, ['regression']), `albert: ${reg}: line 3: regression target "lots" is not a number`);
  const empty = put(d, 'empty.tsv', '');
  assert.equal(ft(empty), `albert: ${empty}: is empty`);
  assert.ok(!fs.existsSync(path.join(d, 'out')), 'a refused run writes nothing');

  // Predictions files that miss an example or name one the data lacks; --output is not written.
  const report = path.join(d, 'report.json');
  const missing = put(d, 'missing.tsv', 'index\tprediction\n0\tyes\n');
  assert.equal(run(['evaluate', '--task', 'classification', '--data', train, '--predictions', missing, '--output', report]),
    `albert: ${missing}: no entry for index "1" of ${train} (1 of 2 missing)`);
  const unknown = put(d, 'unknown.tsv', 'index\tprediction\n0\tyes\n1\tno\n2\tyes\n');
  assert.equal(run(['evaluate', '--task', 'classification', '--data', train, '--predictions', unknown, '--output', report]),
    `albert: ${unknown}: index "2" is not in ${train}`);
  const badLabel = put(d, 'badlabel.tsv', 'index\tprediction\n0\tyes\n1\tperhaps\n');
  assert.equal(run(['evaluate', '--task', 'classification', '--data', train, '--predictions', badLabel]),
    `albert: ${badLabel}: line 3: unknown label "perhaps" (the labels are "no", "yes")`);
  assert.ok(!fs.existsSync(report), 'no report from a failed evaluation');
  assert.deepEqual(fs.readdirSync(d).filter((f) => f.startsWith('.')), [], 'no temporary files left');
});
