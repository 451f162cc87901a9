// The squad-v2 head's decoding and google-research/albert's dev-tuned threshold against the independent
// Python reference tools/reference/squad_v2_decode_ref.py (Google's accumulate_predictions_v2,
// write_predictions_v2 and evaluate_v2 on synthetic windows and beams; regenerate with
// /usr/bin/python3 tools/reference/squad_v2_decode_ref.py): the same n-best (texts, log-probs,
// probabilities), best texts, null scores, threshold, tuned predictions and official scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../src/backend/js.js';
import { readBatchesFile } from '../src/io/batches.js';
import { loadPretrained } from '../src/io/hf_dir.js';
import { evaluateSquadV2Tuned } from '../src/metrics/squad.js';
import { beamResultsOf, decodeQaBeam, type QaBeamResult } from '../src/tasks/qa_beam_decode.js';
import type { SquadFeature } from '../src/tasks/squad.js';
import { PARITY_DIR } from './parity_util.js';

const FIXTURE = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../test/fixtures/squad_v2_decode/cases.json');

interface Case {
  seed: number; nBest: number; maxAnswerLength: number;
  examples: { id: string; context: string; answers: string[] }[];
  features: { example: number; window: number; contextStart: number; contextEnd: number; offsets: ([number, number] | null)[]; maxContext: boolean[] }[];
  results: QaBeamResult[];
  best: Record<string, string>;
  nbest: Record<string, { text: string; startLogProb: number; endLogProb: number; probability: number }[]>;
  nullOdds: Record<string, number>;
  tunedPredictions: Record<string, string>;
  scores: [string, number][];
}

const cases: Case[] = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')).cases;
const featuresOf = (c: Case): SquadFeature[] => c.features.map((f) => ({ ...f, ids: [], typeIds: [], startPosition: 0, endPosition: 0 }));

for (const c of cases) {
  test(`squad-v2 decoding (seed ${c.seed}, n-best ${c.nBest}, max answer ${c.maxAnswerLength}): Google's n-best, best texts and null scores`, () => {
    const p = decodeQaBeam(c.examples, featuresOf(c), c.results, { nBest: c.nBest, maxAnswerLength: c.maxAnswerLength });
    assert.deepEqual(p.best, c.best);
    assert.deepEqual(p.predictions, c.best, 'no threshold: the best text everywhere');
    assert.deepEqual(p.nullOdds, c.nullOdds);
    for (const ex of c.examples) {
      const got = p.nbest[ex.id], want = c.nbest[ex.id];
      assert.deepEqual(got.map((x) => [x.text, x.startLogProb, x.endLogProb]), want.map((x) => [x.text, x.startLogProb, x.endLogProb]), ex.id);
      got.forEach((x, k) => assert.ok(Math.abs(x.probability - want[k].probability) < 1e-12, `${ex.id} probability ${k}`));
    }
  });

  test(`squad-v2 threshold tuned on the set (seed ${c.seed}): evaluate_v2's scores, threshold and predictions`, () => {
    const p = decodeQaBeam(c.examples, featuresOf(c), c.results, { nBest: c.nBest, maxAnswerLength: c.maxAnswerLength });
    const questions = c.examples.map((e) => ({ id: e.id, answers: e.answers }));
    const scores = evaluateSquadV2Tuned(questions, new Map(Object.entries(p.best)), new Map(Object.entries(p.nullOdds)));
    assert.deepEqual(Object.keys(scores), c.scores.map(([k]) => k), 'the official keys in the official order, then the threshold');
    for (const [k, v] of c.scores) assert.ok(Math.abs((scores as unknown as Record<string, number>)[k] - v) < 1e-9, `${k}: ${(scores as unknown as Record<string, number>)[k]} vs ${v}`);
    const atThreshold = decodeQaBeam(c.examples, featuresOf(c), c.results, { nBest: c.nBest, maxAnswerLength: c.maxAnswerLength, nullThreshold: scores.null_score_diff_threshold });
    assert.deepEqual(atThreshold.predictions, c.tunedPredictions);
  });
}

test('squad-v2 decoding: the fixtures reach every branch (fallback, dedup by text, strip, a tuned threshold)', () => {
  let fallback = 0, stripped = 0, tuned = 0;
  for (const c of cases) {
    for (const list of Object.values(c.nbest)) if (list.length === 1 && list[0].startLogProb === -1e6) fallback++;
    for (const ex of c.examples) for (const f of c.features) if (c.examples[f.example] === ex) for (const o of f.offsets) if (o && ex.context[o[0]] === ' ') stripped++;
    if (c.scores.find(([k]) => k === 'null_score_diff_threshold')![1] !== 0) tuned++;
  }
  assert.ok(fallback > 0 && stripped > 0 && tuned > 0, `${fallback} fallbacks, ${stripped} offsets on a space, ${tuned} tuned thresholds`);
});

test('squad-v2 decoding: beamResultsOf slices a forward\'s outputs per window; mismatched results are an error', () => {
  const dir = path.join(PARITY_DIR, 'squad_v2');
  const model = loadPretrained(dir, { backend: new JsBackend() });
  const [b0] = readBatchesFile(path.join(dir, 'batch.json'), model.config, model.head, false);
  const out = model.forward(b0.inputs);
  const r = beamResultsOf(out, 3);
  assert.equal(r.length, 3);
  assert.equal(r[2].clsLogit, out.clsLogits![2]);
  assert.deepEqual(Array.from(r[1].startTopIndex), [...out.startTopIndex!.subarray(5, 10)]);
  assert.deepEqual(Array.from(r[1].endTopLogProbs), [...out.endTopLogProbs!.subarray(25, 50)]);
  assert.throws(() => beamResultsOf({ lastHiddenState: new Float32Array(0), poolerOutput: new Float32Array(0) }, 1), /not the squad-v2 head's/);
  const c = cases[0];
  assert.throws(() => decodeQaBeam(c.examples, featuresOf(c), c.results.slice(1)), /features but .* beam results/);
});
