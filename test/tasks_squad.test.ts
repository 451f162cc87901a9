// SQuAD: reading the official JSON (answer_start checked, code points -> UTF-16), windows in HF's
// stride convention with offsets into the original context and CLS labels, the real dev sets'
// answers cut back out of their contexts by the offsets, and span decoding on hand-made logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AlbertTokenizer, decodeQa, featurizeSquad, readSquad, squadBatch, type SquadExample, type SquadFeature } from '../src/index.js';
import { ALBERT_MODEL, SHARED, SKIP_SHARED, hasSharedData } from './tokenizer_helpers.js';
import { put, scratch, tinyTokenizer } from './tasks_helpers.js';

const squad = (paragraphs: unknown[], version = '1.1') => JSON.stringify({ version, data: [{ title: 'T', paragraphs }] });

test('reading SQuAD JSON: answers checked against the context, code point answer_start as UTF-16, v2 unanswerables', () => {
  const dir = scratch('squad');
  const context = 'Emoji \u{1F600} first; then Paris is the capital.';
  const file = put(dir, 'ok.json', squad([{ context, qas: [
    { id: 'q1', question: 'What is the capital?', answers: [{ text: 'Paris', answer_start: 20 }, { text: 'Paris is', answer_start: 20 }] },
    { id: 'q2', question: 'Who?', answers: [], is_impossible: true, plausible_answers: [{ text: 'Emoji', answer_start: 0 }] },
  ] }], 'v2.0'));
  const d = readSquad(file);
  assert.equal(d.version, 'v2.0');
  assert.deepEqual(d.examples[0].answers, [{ text: 'Paris', start: 21 }, { text: 'Paris is', start: 21 }]); // U+1F600 is two UTF-16 units
  assert.equal(context.slice(21, 26), 'Paris');
  assert.deepEqual([d.examples[1].isImpossible, d.examples[1].answers, d.examples[1].title], [true, [], 'T']);

  const bad = put(dir, 'bad.json', squad([{ context: 'Paris is nice.', qas: [{ id: 'x7', question: 'Where?', answers: [{ text: 'Paris', answer_start: 3 }] }] }]));
  assert.throws(() => readSquad(bad), { message: `${bad}: question x7: answer 0 "Paris" is not at answer_start 3 (the context there reads "is is")` });
  const past = put(dir, 'past.json', squad([{ context: 'abc', qas: [{ id: 'x8', question: '?', answers: [{ text: 'c', answer_start: 9 }] }] }]));
  assert.throws(() => readSquad(past), { message: `${past}: question x8: answer 0 "c" is not at answer_start 9 (outside the context)` });
  const twice = put(dir, 'twice.json', squad([{ context: 'a', qas: [{ id: 'd', question: '?', answers: [] }, { id: 'd', question: '?', answers: [] }] }]));
  assert.throws(() => readSquad(twice), { message: `${twice}: question d: the id appears twice` });
  const noText = put(dir, 'notext.json', squad([{ context: 'a', qas: [{ id: 'n', question: '?', answers: [{ answer_start: 0 }] }] }]));
  assert.throws(() => readSquad(noText), /question n: answer 0 needs a "text" string and an integer "answer_start"/);
  assert.throws(() => readSquad(put(dir, 'empty.json', '')), /empty.json: is empty$/);
  assert.throws(() => readSquad(put(dir, 'list.json', '[]')), /list.json: is not SQuAD JSON/);
  assert.throws(() => readSquad(put(dir, 'none.json', squad([]))), /none.json: has no questions$/);
  assert.throws(() => readSquad(put(dir, 'broken.json', '{"data": [')), /broken.json: is not valid JSON/);
});

function example(context: string, question: string, answer: string | null): SquadExample {
  const start = answer === null ? -1 : context.indexOf(answer);
  return { id: question, title: '', question, context, answers: answer === null ? [] : [{ text: answer, start }], isImpossible: answer === null };
}

test('windows: [CLS] question [SEP] context [SEP], HF stride = overlap, offsets into the original context, CLS labels', () => {
  const tok = tinyTokenizer();
  const context = 'The  cat sat on the mat in Paris, the dog sat in France.';
  const ctx = tok.encode(context, null, { addSpecialTokens: false, returnOffsets: true });
  const ex = example(context, 'Where is the dog?', 'France');
  const q = tok.encodeIds(ex.question);
  const feats = featurizeSquad(tok, [ex], { maxSeqLength: q.length + 3 + 8, stride: 3 });
  // Windows of 8 context tokens, each starting 8 - 3 = 5 after the previous, until the last token.
  const starts = feats.map((_, w) => 5 * w);
  assert.ok(feats.length >= 3);
  assert.equal(starts.at(-1)! + 8 >= ctx.ids.length, true);
  for (const [w, f] of feats.entries()) {
    const from = starts[w], to = Math.min(from + 8, ctx.ids.length);
    assert.deepEqual(f.ids, [tok.clsId, ...q, tok.sepId, ...ctx.ids.slice(from, to), tok.sepId]);
    assert.deepEqual(f.typeIds, f.ids.map((_, i) => (i < q.length + 2 ? 0 : 1)));
    assert.deepEqual([f.example, f.window, f.contextStart, f.contextEnd], [0, w, q.length + 2, q.length + 2 + to - from]);
    assert.deepEqual(f.offsets, f.ids.map((_, i) => (i >= f.contextStart && i < f.contextEnd ? ctx.offsets![from + i - f.contextStart] : null)));
  }
  // Only the window(s) holding all of "France" are labelled with it; the others point at CLS.
  const labelled = feats.filter((f) => f.startPosition !== 0);
  assert.ok(labelled.length >= 1);
  for (const f of labelled) assert.equal(context.slice(f.offsets[f.startPosition]![0], f.offsets[f.endPosition]![1]).trim(), 'France');
  for (const f of feats) if (f.startPosition === 0) assert.equal(f.endPosition, 0);
  assert.ok(feats.some((f) => f.startPosition === 0));
  // Each context token has exactly one max-context window.
  for (let t = 0; t < ctx.ids.length; t++) {
    const owners = feats.filter((f, w) => t >= starts[w] && t < starts[w] + 8 && f.maxContext[f.contextStart + t - starts[w]]);
    assert.equal(owners.length, 1, `token ${t}`);
  }
  // An answer that ends the window: the label walk stops at the last context token (HF's loop would run into [SEP] and padding).
  const [last] = featurizeSquad(tok, [example('the cat sat on the mat', 'what?', 'mat')], { maxSeqLength: 32, stride: 2 });
  assert.deepEqual([last.startPosition, last.endPosition], [last.contextEnd - 1, last.contextEnd - 1]);
  // An unanswerable question: every window is labelled CLS.
  assert.ok(featurizeSquad(tok, [example(context, 'Who?', null)], { maxSeqLength: 16, stride: 2 }).every((f) => f.startPosition === 0 && f.endPosition === 0));
  // The question keeps its first maxQueryLength tokens.
  const long = featurizeSquad(tok, [example(context, 'what is the capital of france', 'Paris')], { maxSeqLength: 64, maxQueryLength: 3, stride: 8 });
  assert.deepEqual(long[0].ids.slice(0, 5), [tok.clsId, ...tok.encodeIds('what is the'), tok.sepId]);
  assert.throws(() => featurizeSquad(tok, [ex], { maxSeqLength: q.length + 3 + 4, stride: 4 }), /need more than the stride \(4\)/);
  const { inputs, labels } = squadBatch(feats, { seq: 32, padId: tok.padId });
  assert.deepEqual([inputs.batch, inputs.seq], [feats.length, 32]);
  assert.deepEqual([...labels.startPositions!], feats.map((f) => f.startPosition));
  // squad-v2's answer class: a window labelled CLS (no answer in it) is impossible
  assert.deepEqual([...labels.isImpossible!], feats.map((f) => Number(f.startPosition === 0 && f.endPosition === 0)));
});

const skip = !hasSharedData() && SKIP_SHARED;
const DEV1 = join(SHARED, 'squad', 'dev-v1.1.json'), DEV2 = join(SHARED, 'squad', 'dev-v2.0.json');

test('real SQuAD dev sets: every answer is cut back out of its original context by the window offsets', { skip: skip || (!existsSync(DEV1) && 'needs ../shared/data/squad') }, () => {
  const tok = AlbertTokenizer.load(ALBERT_MODEL);
  const d = readSquad(DEV1);
  assert.equal(d.examples.length, 10570);
  const feats = featurizeSquad(tok, d.examples, { maxSeqLength: 384, stride: 128 });
  let labelled = 0, exact = 0, nonAscii = 0, nonAsciiExact = 0;
  const found = new Set<number>();
  for (const f of feats) {
    const ex = d.examples[f.example];
    for (let i = f.contextStart; i < f.contextEnd; i++) {
      const [a, b] = f.offsets[i]!;
      assert.ok(a >= 0 && a <= b && b <= ex.context.length);
    }
    if (f.startPosition === 0 || found.has(f.example)) continue;
    found.add(f.example);
    labelled++;
    const text = ex.context.slice(f.offsets[f.startPosition]![0], f.offsets[f.endPosition]![1]);
    const answer = ex.answers[0].text;
    assert.ok(text.includes(answer), `${ex.id}: ${JSON.stringify(text)} lacks ${JSON.stringify(answer)}`);
    // A token's span includes the space before it, as HF's offset_mapping for SentencePiece pieces.
    const same = text.trim() === answer;
    if (same) exact++;
    if (/[^\x00-\x7f]/.test(ex.context.slice(Math.max(0, ex.answers[0].start - 20), ex.answers[0].start + answer.length + 20))) { nonAscii++; if (same) nonAsciiExact++; }
  }
  assert.equal(labelled, 10570); // every answer lies whole in some window
  assert.ok(exact / labelled > 0.995, `exact ${exact}/${labelled}`); // the rest are answers inside a token ("gold" in "golden")
  // Near non-ASCII text (accents, dashes, "½") as well: the few misses are gold answers cut inside a number ("8" of "20–18").
  assert.ok(nonAscii > 600 && nonAsciiExact / nonAscii > 0.985, `non-ASCII ${nonAsciiExact}/${nonAscii}`);
});

test('real SQuAD 2.0 dev: unanswerable questions get CLS in every window', { skip: skip || (!existsSync(DEV2) && 'needs ../shared/data/squad') }, () => {
  const tok = AlbertTokenizer.load(ALBERT_MODEL);
  const d = readSquad(DEV2);
  assert.deepEqual([d.examples.length, d.examples.filter((e) => e.isImpossible).length], [11873, 5945]);
  const some = d.examples.slice(0, 1500);
  const feats = featurizeSquad(tok, some, {});
  for (const f of feats) if (some[f.example].isImpossible) assert.deepEqual([f.startPosition, f.endPosition], [0, 0]);
  const answered = new Set(feats.filter((f) => f.startPosition > 0).map((f) => f.example));
  assert.equal(answered.size, some.filter((e) => !e.isImpossible).length);
});

/** A window over a space-separated context: [CLS] q q [SEP] words... [SEP], offsets per word. */
function handFeature(exampleIndex: number, context: string, window: number, from: number, count: number): SquadFeature {
  const words: Array<[number, number]> = [];
  for (const m of context.matchAll(/\S+/g)) words.push([m.index!, m.index! + m[0].length]);
  const ctx = words.slice(from, from + count);
  const offsets = [null, null, null, null, ...ctx, null];
  return { example: exampleIndex, window, ids: offsets.map(() => 5), typeIds: offsets.map(() => 0), offsets, contextStart: 4, contextEnd: 4 + ctx.length,
    maxContext: offsets.map((o) => o !== null), startPosition: 0, endPosition: 0 };
}

test('decoding spans: n-best over all windows, spans inside the context, end >= start, max length; text from the original context', () => {
  const context = 'alpha beta gamma delta epsilon zeta';
  const examples = [{ id: 'q', context }];
  const f0 = handFeature(0, context, 0, 0, 4), f1 = handFeature(0, context, 1, 2, 4); // words 0-3 and 2-5
  const S = f0.offsets.length;
  const logits = (hot: Record<number, number>) => Array.from({ length: S }, (_, i) => hot[i] ?? -10);
  // Window 0: the best start is a question token (skipped), then "beta" (pos 5); ends: "gamma" (6) best, "alpha" before the start.
  const s0 = logits({ 1: 9, 5: 3, 4: 1 }), e0 = logits({ 6: 2, 4: 5, 2: 8 });
  // Window 1: "epsilon" (pos 6) .. "zeta" (7) scores 4 + 4 = 8, the best of all.
  const s1 = logits({ 6: 4 }), e1 = logits({ 7: 4 });
  let r = decodeQa(examples, [f0, f1], [s0, s1], [e0, e1]);
  assert.equal(r.predictions.q, 'epsilon zeta');
  const nbest = r.nbest.q;
  assert.deepEqual(nbest.slice(0, 3).map((c) => [c.text, c.startLogit + c.endLogit]), [['epsilon zeta', 8], ['alpha', 6], ['beta gamma', 5]]);
  assert.ok(Math.abs(nbest.reduce((x, c) => x + c.probability, 0) - 1) < 1e-9);
  assert.ok(nbest.every((c, i) => i === 0 || c.probability <= nbest[i - 1].probability));
  // Spans longer than maxAnswerLength are dropped.
  r = decodeQa(examples, [f0, f1], [s0, s1], [e0, e1], { maxAnswerLength: 1 });
  assert.equal(r.predictions.q, 'alpha');
  // nBest bounds both the starts/ends tried and the list kept.
  assert.equal(decodeQa(examples, [f0, f1], [s0, s1], [e0, e1], { nBest: 3 }).nbest.q.length, 3);
  // The top starts and ends are all outside the context: no candidate, HF's "empty".
  const none = logits({ 0: 5, 1: 5 });
  r = decodeQa(examples, [f0], [none], [none], { nBest: 2 });
  assert.deepEqual([r.predictions.q, r.nbest.q[0].text], ['empty', 'empty']);
  // Max-context filtering, when asked: a start outside its token's max-context window is dropped.
  f1.maxContext[6] = false;
  assert.equal(decodeQa(examples, [f0, f1], [s0, s1], [e0, e1]).predictions.q, 'epsilon zeta');
  assert.equal(decodeQa(examples, [f0, f1], [s0, s1], [e0, e1], { useMaxContext: true }).predictions.q, 'alpha');
  assert.throws(() => decodeQa(examples, [f0, f1], [s0], [e0, e1]), /2 features but 1 start and 2 end logit rows/);
});

test('decoding SQuAD 2.0: the minimum CLS score over windows against the best span, with a threshold; null_odds', () => {
  const context = 'one two three four';
  const examples = [{ id: 'a', context }, { id: 'b', context }];
  const fa0 = handFeature(0, context, 0, 0, 2), fa1 = handFeature(0, context, 1, 2, 2), fb = handFeature(1, context, 0, 0, 4);
  const S = fa0.offsets.length, Sb = fb.offsets.length;
  const row = (n: number, hot: Record<number, number>) => Array.from({ length: n }, (_, i) => hot[i] ?? -10);
  // a: CLS scores 1 + 1 = 2 (window 0) and 0 + 1 = 1 (window 1, the minimum); best span "three" = 3 + 0.5.
  const starts = [row(S, { 0: 1, 4: 1 }), row(S, { 0: 0, 4: 3 }), row(Sb, { 0: 5, 4: 1 })];
  const ends = [row(S, { 0: 1, 4: 1 }), row(S, { 0: 1, 4: 0.5 }), row(Sb, { 0: 5, 5: 1 })];
  const r = decodeQa(examples, [fa0, fa1, fb], starts, ends, { version2: true });
  assert.deepEqual(r.nullOdds, { a: 1 - 3.5, b: 10 - 2 });
  assert.deepEqual(r.predictions, { a: 'three', b: '' });
  assert.ok(r.nbest.b.some((c) => c.text === '' && c.startLogit === 5 && c.endLogit === 5)); // the null candidate is listed
  // The threshold moves the decision: answer b unless its score difference exceeds 8.
  assert.deepEqual(decodeQa(examples, [fa0, fa1, fb], starts, ends, { version2: true, nullScoreDiffThreshold: 8 }).predictions, { a: 'three', b: 'one two' });
  assert.deepEqual(decodeQa(examples, [fa0, fa1, fb], starts, ends, { version2: true, nullScoreDiffThreshold: -3 }).predictions, { a: '', b: '' });
  // SQuAD 1.1 decoding never answers "" and writes no null odds.
  const v1 = decodeQa(examples, [fa0, fa1, fb], starts, ends);
  assert.deepEqual([v1.predictions, v1.nullOdds], [{ a: 'three', b: 'one two' }, {}]);
});
