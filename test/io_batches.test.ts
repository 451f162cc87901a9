import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBatches } from '../src/io/batches.js';
import { parseConfig } from '../src/model/config.js';
import { UserError } from '../src/errors.js';
import type { HeadKind } from '../src/model/albert.js';

const config = parseConfig({
  vocab_size: 50, embedding_size: 8, hidden_size: 16, num_attention_heads: 2, intermediate_size: 20,
  num_hidden_layers: 2, max_position_embeddings: 6, type_vocab_size: 2,
}, 'config.json');
const withLabels = (n: number, extra: Record<string, unknown> = {}) => parseConfig({ ...configToPlain(), ...extra, num_labels: n }, 'config.json');
function configToPlain(): Record<string, unknown> {
  const { sharing: _s, num_labels: _n, ...rest } = config;
  return rest;
}

const ok = { name: 'b0', input_ids: [[1, 2, 3], [4, 5, 0]], attention_mask: [[1, 1, 1], [1, 1, 0]], token_type_ids: [[0, 0, 1], [0, 1, 0]] };

test('a valid file gives flat row-major Int32Arrays with batch and seq', () => {
  const [b] = parseBatches({ batches: [ok] }, 'in.json', config, 'base', false);
  assert.equal(b.name, 'b0');
  assert.equal(b.inputs.batch, 2);
  assert.equal(b.inputs.seq, 3);
  assert.deepEqual([...b.inputs.inputIds], [1, 2, 3, 4, 5, 0]);
  assert.deepEqual([...b.inputs.attentionMask!], [1, 1, 1, 1, 1, 0]);
  assert.deepEqual([...b.inputs.tokenTypeIds!], [0, 0, 1, 0, 1, 0]);
  assert.equal(b.labels, undefined);
  const [m] = parseBatches({ batches: [{ name: 'm', input_ids: [[[1, 2], [3, 4], [5, 6]]] }] }, 'in.json', config, 'multiple-choice', false);
  assert.equal(m.inputs.batch, 1);
  assert.equal(m.inputs.numChoices, 3);
  assert.equal(m.inputs.seq, 2);
  assert.equal(m.inputs.attentionMask, undefined);
});

test('labels per head', () => {
  const pre = parseBatches({ batches: [{ ...ok, labels: [[-100, 7, -100], [1, -100, -100]], sentence_order_label: [1, 0] }] }, 'f', config, 'pretraining', true)[0];
  assert.deepEqual([...pre.labels!.labels!], [-100, 7, -100, 1, -100, -100]);
  assert.ok(pre.labels!.labels instanceof Int32Array);
  assert.deepEqual([...pre.labels!.sentenceOrderLabel!], [1, 0]);
  const single = parseBatches({ batches: [{ ...ok, labels: [2, 0] }] }, 'f', withLabels(3), 'sequence-classification', true)[0];
  assert.ok(single.labels!.labels instanceof Int32Array);
  const reg = parseBatches({ batches: [{ ...ok, labels: [0.5, -1.25] }] }, 'f', withLabels(1), 'sequence-classification', true)[0];
  assert.ok(reg.labels!.labels instanceof Float32Array);
  assert.deepEqual([...reg.labels!.labels!], [0.5, -1.25]);
  const multi = parseBatches({ batches: [{ ...ok, labels: [[1, 0, 1], [0, 0, 1]] }] }, 'f', withLabels(3), 'sequence-classification', true)[0];
  assert.ok(multi.labels!.labels instanceof Float32Array);
  const qa = parseBatches({ batches: [{ ...ok, start_positions: [0, 9], end_positions: [2, -1] }] }, 'f', config, 'question-answering', true)[0];
  assert.deepEqual([...qa.labels!.endPositions!], [2, -1]);
});

function expectError(json: unknown, head: HeadKind, re: RegExp, labels = false, cfg = config): void {
  assert.throws(() => parseBatches(json, 'inputs.json', cfg, head, labels), (e: Error) => {
    assert.ok(e instanceof UserError, String(e));
    assert.ok(e.message.startsWith('inputs.json: '), e.message);
    assert.match(e.message, re);
    return true;
  });
}

const cases: [string, unknown, HeadKind, RegExp, boolean?, ReturnType<typeof parseConfig>?][] = [
  ['not an object', [1, 2], 'base', /expected a JSON object/],
  ['no batches', {}, 'base', /"batches" must be a non-empty array/],
  ['empty batches', { batches: [] }, 'base', /"batches" must be a non-empty array/],
  ['unknown top-level key', { batches: [ok], extra: 1 }, 'base', /unknown top-level key "extra"/],
  ['unknown batch key (typo)', { batches: [{ ...ok, attention_masks: ok.attention_mask }] }, 'base', /unknown key "attention_masks"/],
  ['missing name', { batches: [{ input_ids: [[1]] }] }, 'base', /batches\[0\]\.name must be a non-empty string/],
  ['duplicate names', { batches: [ok, ok] }, 'base', /batch name "b0" is used twice/],
  ['missing input_ids', { batches: [{ name: 'x' }] }, 'base', /"input_ids" is required/],
  ['ragged input_ids', { batches: [{ name: 'x', input_ids: [[1, 2, 3], [1, 2]] }] }, 'base', /input_ids is ragged: rows of length 3 and 2/],
  ['1-level input_ids', { batches: [{ name: 'x', input_ids: [1, 2] }] }, 'base', /input_ids must be a 2-level nested array/],
  ['3-level input_ids for a 2-level head', { batches: [{ name: 'x', input_ids: [[[1]]] }] }, 'base', /nested 3 levels deep, expected 2/],
  ['strings in input_ids', { batches: [{ name: 'x', input_ids: [['1']] }] }, 'base', /must contain only numbers, found "1"/],
  ['non-integer id', { batches: [{ name: 'x', input_ids: [[1.5]] }] }, 'base', /input_ids\[0\]\[0\] = 1.5 is not an integer/],
  ['id out of range', { batches: [{ name: 'x', input_ids: [[1, 50]] }] }, 'base', /input_ids\[0\]\[1\] = 50 is out of range: expected an integer in \[0, 50\)/],
  ['negative id', { batches: [{ name: 'x', input_ids: [[-1]] }] }, 'base', /= -1 is out of range/],
  ['empty sequence', { batches: [{ name: 'x', input_ids: [[]] }] }, 'base', /empty dimension/],
  ['too long', { batches: [{ name: 'x', input_ids: [[1, 2, 3, 4, 5, 6, 7]] }] }, 'base', /sequence length 7 exceeds max_position_embeddings 6/],
  ['mask shape mismatch', { batches: [{ ...ok, attention_mask: [[1, 1], [1, 1]] }] }, 'base', /attention_mask has shape \[2,2\] but input_ids has \[2,3\]/],
  ['mask not 0/1', { batches: [{ ...ok, attention_mask: [[1, 1, 2], [1, 1, 1]] }] }, 'base', /attention_mask\[0\]\[2\] = 2 is out of range/],
  ['token type out of range', { batches: [{ ...ok, token_type_ids: [[0, 0, 2], [0, 0, 0]] }] }, 'base', /token_type_ids\[0\]\[2\] = 2 is out of range: expected an integer in \[0, 2\)/],
  ['grad on the base model', { batches: [ok] }, 'base', /has no loss/, true],
  ['missing labels', { batches: [ok] }, 'masked-lm', /"labels" is required/, true],
  ['label out of vocab', { batches: [{ ...ok, labels: [[50, 1, 1], [1, 1, 1]] }] }, 'masked-lm', /labels\[0\]\[0\] = 50 is out of range: expected an integer in \[0, 50\) or -100/, true],
  ['labels wrong shape', { batches: [{ ...ok, labels: [[1, 1], [1, 1]] }] }, 'masked-lm', /labels has shape \[2,2\], expected \[2,3\]/, true],
  ['missing sentence order', { batches: [{ ...ok, labels: [[1, 1, 1], [1, 1, 1]] }] }, 'pretraining', /"sentence_order_label" is required/, true],
  ['sentence order not 0/1', { batches: [{ ...ok, labels: [[1, 1, 1], [1, 1, 1]], sentence_order_label: [0, 2] }] }, 'pretraining', /sentence_order_label\[1\] = 2 is out of range/, true],
  ['class out of range', { batches: [{ ...ok, labels: [0, 2] }] }, 'sequence-classification', /labels\[1\] = 2 is out of range: expected an integer in \[0, 2\)/, true],
  ['multi-label wrong width', { batches: [{ ...ok, labels: [[1, 0], [0, 1]] }] }, 'sequence-classification', /labels has shape \[2,2\], expected \[2,3\]/, true, withLabels(3)],
  ['choice out of range', { batches: [{ name: 'm', input_ids: [[[1], [2]]], labels: [2] }] }, 'multiple-choice', /labels\[0\] = 2 is out of range/, true],
  ['QA missing end', { batches: [{ ...ok, start_positions: [0, 1] }] }, 'question-answering', /"end_positions" is required/, true],
];
for (const [what, json, head, re, labels, cfg] of cases) {
  test(`bad inputs: ${what}`, () => expectError(json, head, re, labels ?? false, cfg ?? config));
}
