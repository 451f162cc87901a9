// How the server's queue makes batches: the oldest input always goes first (nothing starves), joined
// by inputs that can share its forward, closest in length first, within max_batch_tokens (padded:
// rows x longest) and max_batch_requests; inputs of disconnected clients are dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchQueue, paddedTokens, type QueueEntry } from '../src/serve/batch_queue.js';

interface E extends QueueEntry { id: string }
const entry = (id: string, length: number, key = 'a', rows = 1): E => ({ id, key, rows, length, enqueuedAt: 0, cancelled: false });
const ids = (b: E[]) => b.map((e) => e.id);

test('the head goes first, then the compatible inputs of the closest lengths, under the padded token budget', () => {
  const q = new BatchQueue<E>();
  for (const e of [entry('h', 10), entry('x', 100), entry('b', 12), entry('other-task', 10, 'b'), entry('c', 9), entry('d', 30)]) q.push(e);
  // Budget 40 = 4 rows of 10: h(10), then c(9, |1|), b(12, |2| -> 3 rows x 12 = 36), d(30) would make 4 x 30.
  const first = q.take({ maxBatchTokens: 40, maxBatchRequests: 32 });
  assert.deepEqual(ids(first), ['h', 'c', 'b']);
  assert.equal(paddedTokens(first), 36);
  // x is the oldest left: it goes next, alone (x + d = 2 x 100 > 150).
  assert.deepEqual(ids(q.take({ maxBatchTokens: 150, maxBatchRequests: 32 })), ['x']);
  // The other task's input never joins another key's batch; it heads its own when it is the oldest.
  assert.deepEqual(ids(q.take({ maxBatchTokens: 1000, maxBatchRequests: 32 })), ['other-task']);
  assert.deepEqual(ids(q.take({ maxBatchTokens: 1000, maxBatchRequests: 32 })), ['d']);
  assert.deepEqual(q.take({ maxBatchTokens: 1000, maxBatchRequests: 32 }), []);
});

test('max_batch_requests caps a batch; equal distances keep arrival order; an input over the budget runs alone', () => {
  const q = new BatchQueue<E>();
  for (let i = 0; i < 6; i++) q.push(entry(`e${i}`, 8));
  assert.deepEqual(ids(q.take({ maxBatchTokens: 1e6, maxBatchRequests: 4 })), ['e0', 'e1', 'e2', 'e3']);
  assert.deepEqual(ids(q.take({ maxBatchTokens: 1e6, maxBatchRequests: 4 })), ['e4', 'e5']);
  q.push(entry('huge', 500, 'a', 4));
  q.push(entry('small', 5));
  assert.deepEqual(ids(q.take({ maxBatchTokens: 100, maxBatchRequests: 4 })), ['huge']);
  assert.deepEqual(ids(q.take({ maxBatchTokens: 100, maxBatchRequests: 4 })), ['small']);
});

test('rows count: a QA input of several windows or a zero-shot input of several labels takes that many rows of the budget', () => {
  const q = new BatchQueue<E>();
  q.push(entry('qa', 20, 'a', 3));
  q.push(entry('one', 20));
  q.push(entry('two', 20, 'a', 2));
  assert.deepEqual(ids(q.take({ maxBatchTokens: 80, maxBatchRequests: 32 })), ['qa', 'one']);
  assert.deepEqual(ids(q.take({ maxBatchTokens: 80, maxBatchRequests: 32 })), ['two']);
});

test('cancelled inputs (their client went away) are dropped, never batched', () => {
  const q = new BatchQueue<E>();
  const gone = entry('gone', 10);
  for (const e of [gone, entry('a', 10), entry('b', 10)]) q.push(e);
  gone.cancelled = true;
  assert.equal(q.prune(), 1);
  assert.equal(q.size, 2);
  q.push(entry('c', 10));
  q.push({ ...entry('late', 10), cancelled: true });
  assert.deepEqual(ids(q.take({ maxBatchTokens: 1000, maxBatchRequests: 32 })), ['a', 'b', 'c']);
});
