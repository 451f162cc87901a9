import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../src/data/corpus.js';
import { createPretrainingData } from '../src/data/create.js';
import { ShardDataset } from '../src/data/shards.js';
import { loadDataTokenizer } from '../src/data/tokenizer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA = path.resolve(ROOT, '../shared/data');
const BOOK = path.join(DATA, 'corpus/gutenberg/pg1080.txt'); // "A Modest Proposal", 40 KB, CRLF, BOM, PG header/footer
const SPM = path.join(DATA, 'tokenizers/albert-30k-clean.model');

test('a real Project Gutenberg book with the ALBERT tokenizer', async (t) => {
  if (!fs.existsSync(BOOK) || !fs.existsSync(SPM)) { t.skip('../shared/data not present'); return; }
  const docs = [];
  for await (const d of readDocuments(BOOK, 'docs')) docs.push(d);
  assert.equal(docs.length, 1);
  const text = docs[0].join(' ');
  assert.ok(!/project gutenberg/i.test(text), 'the PG header/footer was not stripped');
  assert.ok(!/\r|\ufeff/.test(text));
  assert.ok(docs[0].length > 50 && docs[0].every((s) => s.length < 2000 && !s.includes('\n')));

  const { tokenizer, albert, sha256 } = loadDataTokenizer(SPM);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-real-'));
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  const s = await createPretrainingData({ inputs: [BOOK], layout: 'docs', tokenizer, tokenizerSha256: sha256, output: out, maxSeqLength: 128, dupeFactor: 3, seed: 7 });
  assert.ok(s.instances > 50);
  assert.ok(s.maskedFraction > 0.13 && s.maskedFraction < 0.16, `masked fraction ${s.maskedFraction}`);
  const ds = ShardDataset.open(out);
  assert.equal(ds.index.id_bytes, 2);
  assert.equal(ds.index.tokenizer_sha256, sha256);
  // whole-word masking: a masked span never starts in the middle of a word, i.e. the piece right after
  // a span's last position never continues a masked word that was cut
  for (let i = 0; i < ds.count; i++) {
    const inst = ds.get(i);
    const masked = new Set(inst.maskedPositions);
    const orig = Int32Array.from(inst.inputIds);
    inst.maskedPositions.forEach((p, j) => { orig[p] = inst.maskedIds[j]; });
    for (const p of masked) {
      const next = p + 1;
      if (next < orig.length && !masked.has(next) && !albert.sp.isControl(orig[next])) {
        const piece = albert.sp.idToPiece(orig[next]);
        assert.ok(piece.startsWith('\u2581') || /^[\p{P}<]/u.test(piece), `masked word cut before "${piece}" in instance ${i}`);
      }
    }
  }
  ds.close();
});
