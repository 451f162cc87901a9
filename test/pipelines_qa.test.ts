// question-answering's windows and character offsets, with logits made to point at a known answer:
// an answer that straddles a window boundary is found whole in the next window, and on SQuAD dev
// contexts (accents, other scripts, and again with the whitespace multiplied) the answer cut out at
// start/end is the gold text wherever the gold text begins and ends on token boundaries. A squad-v2
// model (AlbertForQuestionAnsweringV2) answers by its beam, batched as one window at a time would, and
// with handle_impossible_answer says "no answer" where its answer class is at the config's threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlbertModel, AlbertTokenizer, beamResultsOf, decodeQaBeam, loadBackend, pipeline, pipelineTaskForModel, presetConfig, readSquad, savePretrained, withConfig, type QaAnswer } from '../src/index.js';
import { qaAnswers, qaSettings, qaWindows } from '../src/pipelines/question_answering.js';
import { squadBatch, type SquadFeature } from '../src/tasks/squad.js';
import { scratch, tinyTokenizer, tinyTokenizerFile } from './tasks_helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = path.resolve(ROOT, '../shared/data');
const SPM = path.join(DATA, 'tokenizers/albert-30k-clean.model');
const DEV = path.join(DATA, 'squad/dev-v1.1.json');

/** Per window, start/end logits 8 at the tokens holding the gold span's first and last character, 0 elsewhere. */
function pointAt(windows: readonly SquadFeature[], gold: (example: number) => [number, number]) {
  const starts: Float32Array[] = [], ends: Float32Array[] = [];
  for (const w of windows) {
    const [a, b] = gold(w.example);
    const s = new Float32Array(w.ids.length), e = new Float32Array(w.ids.length);
    w.offsets.forEach((o, i) => {
      if (!o) return;
      if (o[0] <= a && a < o[1]) s[i] = 8;
      if (o[0] <= b - 1 && b - 1 < o[1]) e[i] = 8;
    });
    starts.push(s);
    ends.push(e);
  }
  return { starts, ends };
}

test('an answer across the end of a window is found whole in the next one, at its offsets in the context', () => {
  const tok = tinyTokenizer();
  const context = 'the cat sat on the mat in paris. the dog was in france, on a red river. who was blue? the city of paris was.';
  const s = qaSettings({ max_seq_len: 24, doc_stride: 6 }, 64);
  const { examples, windows } = qaWindows(tok, [{ question: 'who?', context }], s);
  assert.ok(windows.length >= 2, `${windows.length} windows`);
  // The last three context tokens of window 0 and the first beyond it.
  const w0 = windows[0];
  const from = w0.offsets[w0.contextEnd - 3]!, beyond = windows[1].offsets.find((o) => o && o[0] >= w0.offsets[w0.contextEnd - 1]![1])!;
  const gold: [number, number] = [from[0] + (context[from[0]] === ' ' ? 1 : 0), beyond[1]];
  const text = context.slice(...gold);
  assert.ok(!windows[0].offsets.some((o) => o && o[1] === gold[1]), 'window 0 holds only the beginning of the answer');
  const { starts, ends } = pointAt(windows, () => gold);
  const [best] = qaAnswers(examples, windows, starts, ends, s) as QaAnswer[];
  assert.deepEqual([best.answer, best.start, best.end], [text, gold[0], gold[1]]);
  assert.ok(best.score > 0.5, `score ${best.score}`);
  // With the answer only as long as window 0 allows, window 0's part is what is left.
  const short = qaSettings({ max_seq_len: 24, doc_stride: 6, max_answer_len: 1 }, 64);
  assert.notEqual((qaAnswers(examples, windows, starts, ends, short)[0] as QaAnswer).answer, text);
});

/** `text` with each space made two, every third a space, tab and newline; and where each old index went. */
function widen(text: string): { text: string; at: number[] } {
  const at: number[] = [];
  let out = '', spaces = 0;
  for (const ch of text) {
    for (let k = 0; k < ch.length; k++) at.push(out.length + k);
    out += ch === ' ' ? (spaces++ % 3 === 0 ? ' \t\n' : '  ') : ch;
  }
  at.push(out.length);
  return { text: out, at };
}

test('SQuAD dev: answers cut out at their offsets are the gold texts (accents, other scripts, extra whitespace)', (t) => {
  if (!fs.existsSync(DEV) || !fs.existsSync(SPM)) { t.skip(`../shared/data not present (${DEV}, ${SPM})`); return; }
  const tok = AlbertTokenizer.load(SPM);
  const all = readSquad(DEV).examples;
  // Every 16th question, and every question whose context is not plain ASCII among the first 3000; answers
  // of at most 60 characters (no more than 64 tokens: max_answer_len).
  const picked = all.filter((ex, i) => (i % 16 === 0 || (i < 3000 && /[^\x00-\x7f]/.test(ex.context))) && ex.answers[0].text.length <= 60);
  const s = qaSettings({ max_answer_len: 64 }, 512);
  for (const variant of ['as given', 'whitespace widened'] as const) {
    const cases = picked.map((ex) => {
      const g: [number, number] = [ex.answers[0].start, ex.answers[0].start + ex.answers[0].text.length];
      if (variant === 'as given') return { question: ex.question, context: ex.context, gold: g };
      const w = widen(ex.context);
      return { question: ex.question, context: w.text, gold: [w.at[g[0]], w.at[g[1] - 1] + 1] as [number, number] };
    });
    const { examples, windows } = qaWindows(tok, cases, s);
    const { starts, ends } = pointAt(windows, (e) => cases[e].gold);
    const answers = qaAnswers(examples, windows, starts, ends, s) as QaAnswer[];
    let exact = 0, nonAscii = 0;
    answers.forEach((a, i) => {
      const { context, gold } = cases[i];
      const want = context.slice(...gold);
      assert.equal(a.answer, context.slice(a.start, a.end), `${variant} ${examples[i].id}: the answer is the context at start..end`);
      // Token boundaries may be wider than the gold span ("1850" of "1850s"), never narrower.
      assert.ok(a.start <= gold[0] && a.end >= gold[1], `${variant} ${examples[i].id}: ${JSON.stringify(a.answer)} does not hold ${JSON.stringify(want)}`);
      if (a.answer === want) {
        exact++;
        if (/[^\x00-\x7f]/.test(want)) nonAscii++;
      }
    });
    t.diagnostic(`${variant}: ${exact} of ${answers.length} answers exactly the gold text, ${nonAscii} of them not ASCII`);
    assert.ok(exact / answers.length > 0.9, `${variant}: only ${exact} of ${answers.length} exact`);
    assert.ok(nonAscii > 20, `${variant}: ${nonAscii} non-ASCII answers exact`);
  }
});

test('with the ALBERT tokenizer: a tiny random QA model over a long context answers with a substring at its offsets', async (t) => {
  if (!fs.existsSync(SPM)) { t.skip(`../shared/data not present (${SPM})`); return; }
  const backend = loadBackend({ threads: 1 });
  const tok = AlbertTokenizer.load(SPM);
  const c = withConfig(presetConfig('tiny'), {
    vocab_size: tok.vocabSize, embedding_size: 8, hidden_size: 16, num_attention_heads: 2, intermediate_size: 32, num_hidden_layers: 1, max_position_embeddings: 128,
  });
  const dir = path.join(scratch('pipeline-qa'), 'model');
  const m = new AlbertModel(c, 'question-answering', backend);
  m.initWeights(5);
  savePretrained(m, dir, { tokenizerModel: SPM });
  const p = await pipeline('question-answering', dir, { backend });
  const context = 'Frédéric Chopin, né à Żelazowa Wola, was a Polish composer.  He moved to Paris in 1831; his works — études, nocturnes — are famous. '.repeat(4);
  const answers = await p({ question: 'Where did Chopin move?', context }, { top_k: 5, max_seq_len: 64, doc_stride: 16 }) as QaAnswer[];
  assert.equal(answers.length, 5);
  for (const a of answers) {
    assert.equal(a.answer, context.slice(a.start, a.end));
    assert.ok(a.answer.length > 0 && a.answer === a.answer.trim(), JSON.stringify(a.answer));
  }
  assert.ok(answers.every((a, i) => i === 0 || a.score <= answers[i - 1].score));
});

test('align_to_words widens an answer to whole space-separated words (HF\'s default, off here)', () => {
  const tok = tinyTokenizer();
  const context = 'the zebras, in paris';
  const gold: [number, number] = [context.indexOf('bra'), context.indexOf('bra') + 3];
  for (const [align, want] of [[false, 'bra'], [true, 'zebras,']] as const) {
    const s = qaSettings({ align_to_words: align }, 64);
    const { examples, windows } = qaWindows(tok, [{ question: 'what?', context }], s);
    const { starts, ends } = pointAt(windows, () => gold);
    const [a] = qaAnswers(examples, windows, starts, ends, s) as QaAnswer[];
    assert.deepEqual([a.answer, context.slice(a.start, a.end)], [want, want]);
  }
});

test('a squad-v2 model: its beam decoded as predict does, batches as single windows, "no answer" by config.json\'s threshold', async () => {
  const backend = loadBackend({ threads: 1 });
  const tok = tinyTokenizer();
  const c = withConfig(presetConfig('tiny'), {
    vocab_size: tok.vocabSize, embedding_size: 8, hidden_size: 16, num_attention_heads: 2, intermediate_size: 32, num_hidden_layers: 1, max_position_embeddings: 64,
  });
  const root = scratch('pipeline-qa-v2'), dir = path.join(root, 'model');
  const m = new AlbertModel(c, 'squad-v2', backend);
  m.initWeights(11);
  savePretrained(m, dir, { tokenizerModel: tinyTokenizerFile(root) });
  assert.equal(pipelineTaskForModel(dir), 'question-answering');
  const inputs = [
    { question: 'who sat?', context: 'the cat sat on the mat in paris. the dog was in france, on a red river. who was blue? the city of paris was.' },
    { question: 'where is the river?', context: 'a red river is in france.' },
    { question: 'what?', context: 'the capital of france is paris, a city on a river.' },
  ];
  const opts = { max_seq_len: 24, doc_stride: 8 };
  // The reference: every window alone through the model, decoded by decodeQaBeam (nBest 1, HF's max_answer_len 15).
  const { examples, windows } = qaWindows(tok, inputs, qaSettings(opts, 64));
  assert.ok(windows.length > inputs.length, `${windows.length} windows`);
  const results = windows.flatMap((w) => beamResultsOf(m.forward(squadBatch([w], { seq: 'longest', padId: tok.padId }).inputs), 1));
  const want = decodeQaBeam(examples, windows, results, { nBest: 3, maxAnswerLength: 15 });

  const p = await pipeline('question-answering', dir, { backend, maxBatchSize: 2 });
  const answers = await p(inputs, opts) as QaAnswer[];
  answers.forEach((a, i) => {
    const best = want.nbest[String(i)][0];
    assert.equal(a.answer, best.text);
    assert.equal(a.answer, inputs[i].context.slice(a.start, a.end));
    assert.ok(Math.abs(a.score - Math.exp(best.startLogProb + best.endLogProb)) < 1e-6 && a.score > 0 && a.score <= 1, `score ${a.score}`);
  });
  const three = await p(inputs[0], { ...opts, top_k: 3 }) as QaAnswer[];
  assert.deepEqual(three.map((a) => a.answer), want.nbest['0'].map((x) => x.text));
  assert.ok(three.every((a, i) => i === 0 || a.score <= three[i - 1].score));
  p.dispose();

  // A threshold between the questions' null scores (the smallest cls logit of their windows): "no answer"
  // for those at or above it, with handle_impossible_answer only.
  const odds = inputs.map((_, i) => want.nullOdds[String(i)]);
  const sorted = [...odds].sort((a, b) => a - b);
  assert.ok(sorted[2] - sorted[0] > 1e-4, `null scores ${odds}`);
  const threshold = (sorted[0] + sorted[1]) / 2;
  const cfgFile = path.join(dir, 'config.json'), cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, albert_ts_null_threshold: threshold }));
  const q = await pipeline('question-answering', dir, { backend });
  assert.deepEqual((await q(inputs, opts) as QaAnswer[]).map((a) => a.answer), answers.map((a) => a.answer), 'no handle_impossible_answer: always a span');
  const v2 = await q(inputs, { ...opts, handle_impossible_answer: true }) as QaAnswer[];
  v2.forEach((a, i) => {
    if (odds[i] >= threshold) assert.deepEqual(a, { score: 1 / (1 + Math.exp(-odds[i])), start: 0, end: 0, answer: '' }, `question ${i}`);
    else assert.deepEqual(a, answers[i], `question ${i}`);
  });
  const nulled = odds.findIndex((o) => o >= threshold);
  const top = await q(inputs[nulled], { ...opts, handle_impossible_answer: true, top_k: 3 }) as QaAnswer[];
  assert.deepEqual(top.map((a) => a.answer), ['', ...want.nbest[String(nulled)].slice(0, 2).map((x) => x.text)]);

  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, albert_ts_null_threshold: 'high' }));
  await assert.rejects(pipeline('question-answering', dir, { backend }), /albert_ts_null_threshold "high": expected a number/);
});
