// The whole corpus: for every line of every book, our --raw ids equal spm_encode's, for both shared
// models. tools/tokenizer/gen_corpus_hashes.py recorded what spm_encode printed for each book (line
// count, sha256, and a hash per block of 2000 lines); we print the same way and compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SentencePieceModel } from '../src/tokenizer/index.js';
import { IdLineWriter } from '../src/tokenizer/id_writer.js';
import { BOOKS, FIXTURES, SKIP_SHARED, TOKENIZERS, hasSharedData, lineRanges } from './tokenizer_helpers.js';

interface BookHash { lines: number; sha256: string; blocks: string[] }
const fixture = JSON.parse(readFileSync(join(FIXTURES, 'corpus_spm_hashes.json'), 'utf8')) as { block_lines: number; models: Record<string, Record<string, BookHash>> };
const skip = !(hasSharedData() && existsSync(BOOKS)) && SKIP_SHARED;

for (const model of Object.keys(fixture.models)) {
  test(`every line of every book: ${model} ids equal spm_encode`, { skip }, () => {
    const sp = SentencePieceModel.load(join(TOKENIZERS, model));
    const expected = fixture.models[model];
    const books = readdirSync(BOOKS).filter((f) => f.endsWith('.txt')).sort();
    assert.deepEqual(books, Object.keys(expected).sort(), 'the book list matches the fixture');
    const writer = new IdLineWriter(1 << 22);
    const failures: string[] = [];
    let lines = 0;
    for (const book of books) {
      const buf = readFileSync(join(BOOKS, book));
      const ranges = lineRanges(buf);
      const whole = createHash('sha256');
      const exp = expected[book];
      let badBlock = -1;
      for (let b = 0; b * fixture.block_lines < ranges.length; b++) {
        for (const [s, e] of ranges.slice(b * fixture.block_lines, (b + 1) * fixture.block_lines)) {
          const r = sp.encodeBytes(buf, s, e);
          writer.line(r.ids, r.count);
        }
        const block = writer.take();
        whole.update(block);
        if (badBlock < 0 && createHash('sha256').update(block).digest('hex').slice(0, 16) !== exp.blocks[b]) badBlock = b;
      }
      lines += ranges.length;
      if (ranges.length !== exp.lines) failures.push(`${book}: ${ranges.length} lines, spm_encode printed ${exp.lines}`);
      else if (whole.digest('hex') !== exp.sha256) {
        failures.push(`${book}: ids differ from spm_encode in lines ${badBlock * fixture.block_lines + 1}..${(badBlock + 1) * fixture.block_lines}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(lines > 1_000_000, `${lines} lines checked`);
  });
}
