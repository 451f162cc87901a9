// --input globs and folders follow symbolic links to files and folders, end link cycles, read a
// file reached twice once, and name a broken link the glob matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expandInputs } from '../src/data/corpus.js';
import { UserError } from '../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-links-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (p: string) => path.join(tmp, p);
const rel = (files: string[]) => files.map((f) => path.relative(tmp, f));

fs.mkdirSync(at('books/more'), { recursive: true });
fs.mkdirSync(at('b'));
for (const f of ['books/one.txt', 'books/two.txt', 'books/more/three.txt']) fs.writeFileSync(at(f), 'a sentence .\n');
fs.symlinkSync(at('books/one.txt'), at('b/one.txt'));
fs.symlinkSync('../books/two.txt', at('b/two.txt')); // relative target
fs.symlinkSync(at('books/more'), at('b/more')); // a link to a folder
fs.symlinkSync(at('b'), at('b/more/loop')); // a cycle: b/more/loop -> b

test('a glob over symbolic links to files matches them', () => {
  assert.deepEqual(rel(expandInputs([at('b/*.txt')])), ['b/one.txt', 'b/two.txt']);
});

test('folders and ** follow links to folders, and a link cycle ends', () => {
  assert.deepEqual(rel(expandInputs([at('b')])), ['b/more/three.txt', 'b/one.txt', 'b/two.txt']);
  assert.deepEqual(rel(expandInputs([at('b/**/*.txt')])), ['b/more/three.txt', 'b/one.txt', 'b/two.txt']);
});

test('one file reached by two paths is read once (the first path given)', () => {
  assert.deepEqual(rel(expandInputs([at('b/*.txt'), at('books/*.txt'), at('./books/one.txt')])), ['b/one.txt', 'b/two.txt']);
});

test('a broken link that the glob (or folder) matches is named; elsewhere it is ignored', () => {
  fs.mkdirSync(at('c'));
  fs.writeFileSync(at('c/ok.txt'), 'x\n');
  fs.symlinkSync(at('c/gone.txt'), at('c/dangling.txt'));
  assert.throws(() => expandInputs([at('c/*.txt')]), (e: Error) => e instanceof UserError && e.message === `${at('c/dangling.txt')}: a broken symbolic link (matched by --input ${at('c/*.txt')}): its target does not exist`);
  assert.throws(() => expandInputs([at('c')]), /dangling\.txt: a broken symbolic link/);
  assert.deepEqual(rel(expandInputs([at('c/ok*')])), ['c/ok.txt']);
});
