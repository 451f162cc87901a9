// Buffers: what backward reads is what forward wrote; a read of a name never written, or of another
// size, is an error instead of a buffer of zeros (which would make wrong gradients silently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Embeddings, embeddingSpecs } from '../src/model/embeddings.js';
import { Buffers, ParamStore } from '../src/model/params.js';
import { backend, smallConfig } from './model_util.js';

test('a read hands out the array last written under the name, and refuses a name never written or another size', () => {
  const b = new Buffers();
  const a = b.f32('a', 6).fill(3);
  assert.equal(b.readF32('a', 6), a);
  assert.throws(() => b.readF32('a', 5), /^Error: buffer "a" holds 6 values, but 5 are read$/);
  assert.throws(() => b.readF32('never', 1), /^Error: buffer "never" is read before anything was written to it$/);
  // f32 and i32 names are apart
  assert.throws(() => b.readI32('a', 6), /"a" is read before anything was written/);
  b.i32('ids', 2).set([4, 5]);
  assert.deepEqual([...b.readI32('ids', 2)], [4, 5]);
  // a smaller write reuses the backing array; the read sees that size, not the backing's
  b.f32('a', 4);
  assert.equal(b.readF32('a', 4).length, 4);
  assert.throws(() => b.readF32('a', 6), /holds 4 values, but 6 are read/);
});

test('a backward without its forward throws instead of reading zeros', () => {
  const c = smallConfig();
  const emb = new Embeddings(new ParamStore(embeddingSpecs('', c)), '', c);
  assert.throws(() => emb.backward(backend, new Float32Array(0)), /buffer "normed" is read before anything was written/);
});
