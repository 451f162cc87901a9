// The progress bar's layout (terminal width, what goes first), its ETA and its output on TTYs and logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ETA_AFTER_UPDATES, Progress, formatProgressLine, type ProgressState } from '../src/cli/progress.js';

const PRETRAIN: ProgressState = {
  label: 'pretrain', done: 504, total: 1200, rate: 12.3, eta: 65, elapsed: 41,
  extra: ['loss 3.123', 'mlm 12.3%', 'sent 50.0%', '12.3k tok/s', 'lr 1.76e-03'],
};

/** A stream that records what is written, as a TTY of `columns` columns or as a file (columns 0). */
function fakeStream(columns: number) {
  const writes: string[] = [];
  const stream = { isTTY: columns > 0, columns: columns || undefined, write: (s: string) => { writes.push(s); return true; } };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

test('a progress line stays below the last column at every width', () => {
  for (const columns of [10, 20, 40, 60, 80, 100, 120, 200]) {
    for (const s of [PRETRAIN, { ...PRETRAIN, total: 0 }, { ...PRETRAIN, label: 'create-pretraining-data', extra: ['123456 instances'] }]) {
      const line = formatProgressLine(s, columns);
      assert.ok(line.length < columns, `${columns} columns: ${JSON.stringify(line)} (${line.length})`);
      assert.ok(line.length > 0);
    }
  }
});

test('the bar goes first, then the extra fields from the last, then the rate', () => {
  const wide = formatProgressLine(PRETRAIN, 200);
  assert.match(wide, /^pretrain \[#{10} {14}\] 42% 504\/1200 12\/s ETA 1m05s loss 3\.123 mlm 12\.3% sent 50\.0% 12\.3k tok\/s lr 1\.76e-03$/);
  // 80 columns: no room for the bar once the fields are there; the least important fields go
  const at80 = formatProgressLine(PRETRAIN, 80);
  assert.equal(at80, 'pretrain 42% 504/1200 12/s ETA 1m05s loss 3.123 mlm 12.3% sent 50.0%');
  assert.equal(formatProgressLine(PRETRAIN, 90), 'pretrain 42% 504/1200 12/s ETA 1m05s loss 3.123 mlm 12.3% sent 50.0% 12.3k tok/s');
  const noBar = formatProgressLine({ ...PRETRAIN, extra: ['loss 3.123'] }, 52);
  assert.equal(noBar, 'pretrain 42% 504/1200 12/s ETA 1m05s loss 3.123', 'the bar is dropped before any field');
  const narrow = formatProgressLine(PRETRAIN, 32);
  assert.equal(narrow, 'pretrain 42% 504/1200 ETA 1m05s');
  assert.equal(formatProgressLine(PRETRAIN, 12), 'pretrai 42%');
  // a plain log line (no width): every field, no bar
  assert.equal(formatProgressLine(PRETRAIN, Infinity), 'pretrain 42% 504/1200 12/s ETA 1m05s loss 3.123 mlm 12.3% sent 50.0% 12.3k tok/s lr 1.76e-03');
});

test('on an 80-column TTY every redraw fits the line it overwrites', () => {
  let t = 0;
  const { stream, writes } = fakeStream(80);
  const p = new Progress('pretrain', 1200, false, { stream, now: () => t });
  for (let step = 1; step < 1200; step++) {
    t += 150;
    p.update(step, ['loss 3.123', 'mlm 12.3%', 'sent 50.0%', '12.3k tok/s', 'lr 1.76e-03']);
  }
  assert.ok(writes.length > 1000);
  for (const w of writes) {
    assert.ok(w.startsWith('\r\x1b[K'), JSON.stringify(w));
    assert.ok(w.length - 4 < 80, JSON.stringify(w));
    assert.ok(!w.includes('\n'));
  }
});

test('on a non-TTY stream: a plain line every 5 seconds, no carriage returns', () => {
  let t = 0;
  const { stream, writes } = fakeStream(0);
  const p = new Progress('pretrain', 100, false, { stream, now: () => t });
  for (let step = 1; step <= 100; step++) { t += 500; p.update(step, ['loss 1.000']); }
  // 50 s of updates: the first one, then one every 5 s, then the final 100% line
  assert.ok(writes.length >= 10 && writes.length <= 12, String(writes.length));
  for (const w of writes) { assert.ok(!w.includes('\r')); assert.ok(w.endsWith('\n')); assert.ok(!w.includes('[#')); }
  assert.match(writes[writes.length - 1], /^pretrain 100% 100\/100 2\.0\/s ETA 0s loss 1\.000\n$/);
});

test('the ETA waits for a few updates and ignores the slow first one (start-up, resumed steps)', () => {
  let t = 0;
  const p = new Progress('pretrain', 1000, true, { now: () => t });
  t = 10_000; // data loading and the first step's warm-up
  p.update(501); // resumed at 500
  assert.ok(Number.isNaN(p.state().eta));
  for (let i = 1; i < ETA_AFTER_UPDATES; i++) { t += 1000; p.update(501 + i); assert.ok(Number.isNaN(p.state().eta), `after ${i} updates`); }
  t += 1000;
  p.update(501 + ETA_AFTER_UPDATES);
  const s = p.state();
  assert.equal(s.rate, 1, 'one step per second since the first update');
  assert.equal(s.eta, 1000 - 501 - ETA_AFTER_UPDATES);
});

test('reaching the total ends the bar at once: what is printed next comes after the 100% line', () => {
  let t = 0;
  const { stream, writes } = fakeStream(80);
  const p = new Progress('pretrain', 10, false, { stream, now: () => t });
  for (let step = 1; step <= 10; step++) { t += 1000; p.update(step, ['loss 2.000']); }
  stream.write('held-out MLM accuracy 40.0%\n');
  p.finish();
  p.update(10);
  assert.match(writes[writes.length - 3], /^\r\x1b\[K.* 100% 10\/10 .*loss 2\.000$/);
  assert.equal(writes[writes.length - 2], '\n');
  assert.equal(writes[writes.length - 1], 'held-out MLM accuracy 40.0%\n', 'nothing is drawn after the summary');
});

test('albert pretrain --first-job: the final 100% line comes before the summary', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-progress-'));
  try {
    const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const r = spawnSync(process.execPath, [main, 'pretrain', '--first-job', '--steps', '12', '--threads', '1', '--output', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n');
    const last = lines.findIndex((l) => l.startsWith('pretrain 100% 12/12 '));
    const summary = lines.findIndex((l) => l.startsWith('held-out MLM accuracy'));
    assert.ok(last >= 0 && summary > last, r.stderr);
    assert.ok(!lines.slice(last + 1).some((l) => l.startsWith('pretrain ')), r.stderr);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
