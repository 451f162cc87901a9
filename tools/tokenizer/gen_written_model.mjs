#!/usr/bin/env node
// Builds test/fixtures/tokenizer/models/written.model with OUR writer (writeSentencePieceModel) from
// the spec in written_spec.json (a word-level unigram vocabulary with control, user-defined and
// unused pieces), so that gen_expected.sh can have spm_encode (the reference) encode the stress set
// with it: that checks that SentencePiece accepts what we write, and our encoder on it.
// Run after `npx tsc -p .` from the repository root: node tools/tokenizer/gen_written_model.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { writeSentencePieceModel } from '../../dist/src/tokenizer/index.js';

const fx = new URL('../../test/fixtures/tokenizer/', import.meta.url);
const common = ['the', 'of', 'and', 'to', 'a', 'in', 'was', 'he', 'that', 'it', 'his', 'her', 'with', 'as', 'had', 'you', 'for', 'she', 'not', 'at', 'but', 'be', 'on', 'is', 'they', 'said', 'all', 'so', 'my', 'one', 'have', 'this', 'were', 'by', 'which', 'from', 'there', 'we', 'alice', 'rabbit', 'queen', 'king', 'hatter', 'turtle'];
const pieces = [
  { piece: '<unk>', score: 0, type: 2 },
  { piece: '<s>', score: 0, type: 3 },
  { piece: '</s>', score: 0, type: 3 },
  { piece: '[MASK]', score: 0, type: 4 },
  { piece: 'ab', score: 0, type: 4 },
];
common.forEach((w, i) => pieces.push({ piece: '\u2581' + w, score: -1 - i * 0.25, type: i % 11 === 5 ? 5 : 1 }));
common.forEach((w, i) => { if (i % 3 === 0) pieces.push({ piece: w, score: -8 - i * 0.125, type: 1 }); });
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?\'"-()') pieces.push({ piece: c, score: -12, type: 1 });
pieces.push({ piece: '\u2581', score: -3, type: 1 });
// An exact tie: ▁x~ scores what ▁x + ~ score together (-2 = -1 + -1).
pieces.push({ piece: '\u2581x~', score: -2, type: 1 }, { piece: '\u2581x', score: -1, type: 1 }, { piece: '~', score: -1, type: 1 });
const spec = { pieces, trainerSpec: { unkId: 0, bosId: 1, eosId: 2, padId: -1 }, normalizerSpec: { name: 'identity', addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true } };
writeFileSync(new URL('written_spec.json', fx), JSON.stringify(spec) + '\n');
writeFileSync(new URL('models/written.model', fx), writeSentencePieceModel(spec));
// The same vocabulary keeping whitespace as is (remove_extra_whitespaces=false, dummy prefix on).
const keepws = { ...spec, normalizerSpec: { ...spec.normalizerSpec, removeExtraWhitespaces: false } };
writeFileSync(new URL('models/written_keepws.model', fx), writeSentencePieceModel(keepws));
console.log(pieces.length, 'pieces');
