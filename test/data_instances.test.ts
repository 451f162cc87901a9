import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInstancesFromDocument, type Instance, type Objective, type TokenizedDocument } from '../src/data/instances.js';
import { Rng } from '../src/data/rng.js';
import { syntheticDocuments } from '../src/data/synthetic.js';
import { instanceVocab } from '../src/data/vocab.js';
import { wordTokenizer } from './data_helpers.js';

const tok = wordTokenizer();
const vocab = instanceVocab(tok);
const docs: TokenizedDocument[] = syntheticDocuments(300, 1).map((d) => d.map((s) => Int32Array.from(tok.encodeText(s))));
const MAX_SEQ = 64;

function build(objective: Objective, seed = 5, dupe = 4): Instance[] {
  const rng = new Rng(seed);
  const opts = { maxSeqLength: MAX_SEQ, shortSeqProb: 0.1, objective, maskedLmProb: 0.15, maxPredictionsPerSeq: 20, ngram: 3 };
  const out: Instance[] = [];
  for (let d = 0; d < dupe; d++) for (let i = 0; i < docs.length; i++) out.push(...createInstancesFromDocument(docs, i, vocab, opts, rng));
  return out;
}

/** The instance with its masked positions restored. */
function unmasked(inst: Instance): Int32Array {
  const ids = Int32Array.from(inst.inputIds);
  inst.maskedPositions.forEach((p, j) => { ids[p] = inst.maskedIds[j]; });
  return ids;
}

const docText = docs.map((d) => ' ' + d.map((s) => Array.from(s).join(' ')).join(' ') + ' ');
const contiguousInSomeDoc = (ids: number[]) => { const t = ' ' + ids.join(' ') + ' '; return docText.some((d) => d.includes(t)); };

for (const objective of ['sop', 'nsp'] as const) {
  test(`${objective}: masking statistics match the specification`, () => {
    const all = build(objective);
    assert.ok(all.length > 500, `only ${all.length} instances`);
    let tokens = 0, masked = 0, expected = 0, toMask = 0, kept = 0, random = 0, label1 = 0, short = 0;
    const hist = [0, 0, 0], drawn = [0, 0, 0];
    for (const inst of all) {
      const len = inst.inputIds.length;
      const orig = unmasked(inst);
      // structure: [CLS] A [SEP] B [SEP], within max length, both segments non-empty
      assert.ok(len <= MAX_SEQ && inst.lenA >= 3 && inst.lenA <= len - 2);
      assert.equal(orig[0], tok.clsId); assert.equal(orig[inst.lenA - 1], tok.sepId); assert.equal(orig[len - 1], tok.sepId);
      for (let i = 1; i < len - 1; i++) if (i !== inst.lenA - 1) assert.ok(!vocab.special[orig[i]], 'special token inside a segment');
      // never a special token masked, positions sorted and unique, at most the budget
      const budget = Math.min(20, Math.max(1, Math.round(len * 0.15)));
      assert.ok(inst.maskedPositions.length <= budget);
      for (let j = 0; j < inst.maskedPositions.length; j++) {
        const p = inst.maskedPositions[j];
        assert.ok(!vocab.special[inst.maskedIds[j]], 'a special token was masked');
        if (j) assert.ok(p > inst.maskedPositions[j - 1]);
        const now = inst.inputIds[p];
        assert.ok(!vocab.special[now] || now === tok.maskId, 'random replacement is a special token');
        if (now === tok.maskId) toMask++; else if (now === inst.maskedIds[j]) kept++; else random++;
      }
      tokens += len; masked += inst.maskedPositions.length; expected += budget;
      for (const n of inst.spanWords) hist[n - 1]++;
      for (const n of inst.spanDrawn) drawn[n - 1]++;
      label1 += inst.label;
      short += inst.short ? 1 : 0;
    }
    // short_seq_prob 0.1, drawn per instance
    assert.ok(Math.abs(short / all.length - 0.1) < 0.03, `short fraction ${short / all.length}`);
    // masked fraction: close to the budget (round(0.15 len), one word = one piece here)
    assert.ok(masked / expected > 0.97, `masked ${masked} of a budget of ${expected}`);
    assert.ok(Math.abs(masked / tokens - 0.15) < 0.01, `masked fraction ${masked / tokens}`);
    // n-gram lengths are drawn with p(n) ∝ 1/n -> 6/11, 3/11, 2/11 (only the last words of a sequence
    // cannot start a 3-gram); the spans kept lean towards n = 1, since a long span more often
    // overflows the budget (falls back to shorter) or overlaps an earlier one (skipped).
    const nd = drawn[0] + drawn[1] + drawn[2], spans = hist[0] + hist[1] + hist[2];
    [6 / 11, 3 / 11, 2 / 11].forEach((p, i) => assert.ok(Math.abs(drawn[i] / nd - p) < 0.02, `drawn n=${i + 1}: ${drawn[i] / nd} vs ${p}`));
    assert.ok(hist[0] > hist[1] && hist[1] > hist[2] && hist[2] / spans > 0.1, `kept spans ${hist}`);
    // 80 / 10 / 10
    assert.ok(Math.abs(toMask / masked - 0.8) < 0.02 && Math.abs(kept / masked - 0.1) < 0.02 && Math.abs(random / masked - 0.1) < 0.02,
      `mask ${toMask / masked}, keep ${kept / masked}, random ${random / masked}`);
    // label balance
    assert.ok(Math.abs(label1 / all.length - 0.5) < 0.05, `label-1 fraction ${label1 / all.length}`);
  });

  test(`${objective}: segments are consecutive text, labels say what was done`, () => {
    let checked = 0, negativesContiguous = 0, negatives = 0;
    for (const inst of build(objective, 9, 1)) {
      if (inst.truncated) continue;
      const ids = Array.from(unmasked(inst));
      const a = ids.slice(1, inst.lenA - 1), b = ids.slice(inst.lenA, ids.length - 1);
      if (inst.label === 0) assert.ok(contiguousInSomeDoc([...a, ...b]), 'label 0 but A+B is not consecutive text');
      else if (objective === 'sop') assert.ok(contiguousInSomeDoc([...b, ...a]), 'SOP label 1 but B+A is not consecutive text');
      else { negatives++; if (contiguousInSomeDoc([...a, ...b])) negativesContiguous++; }
      checked++;
    }
    assert.ok(checked > 100);
    if (objective === 'nsp') assert.ok(negativesContiguous / negatives < 0.05, 'NSP random-next segments continue A');
  });
}

test('same seed -> same instances; another seed -> different ones', () => {
  const ser = (xs: Instance[]) => JSON.stringify(xs.map((x) => [Array.from(x.inputIds), Array.from(x.maskedPositions), x.label]));
  assert.equal(ser(build('sop', 3, 1)), ser(build('sop', 3, 1)));
  assert.notEqual(ser(build('sop', 3, 1)), ser(build('sop', 4, 1)));
});
