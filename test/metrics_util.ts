// Shared pieces of the metrics tests: the reference fixtures (tools/metrics/make_metric_refs.py) and
// comparisons at 1e-9.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SQUAD_DATA = join(ROOT, '..', 'shared', 'data', 'squad');

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'metrics', name), 'utf8')) as T;
}

/** A reference number (null stands for NaN) equals ours within 1e-9. */
export function close(actual: number | undefined, expected: number | null, what: string): void {
  if (expected === null) { assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`); return; }
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-9, `${what}: expected ${expected}, got ${actual}`);
}

/** Our metrics object has exactly the reference's keys, in its order, with its values. */
export function sameMetrics(actual: object, expected: Array<[string, number | null]> | Record<string, number | null>, what: string): void {
  const pairs = Array.isArray(expected) ? expected : Object.entries(expected);
  assert.deepEqual(Object.keys(actual), pairs.map(([k]) => k), `${what}: keys`);
  for (const [k, v] of pairs) close((actual as Record<string, number>)[k], v, `${what}: ${k}`);
}

/** A fresh temporary folder with the given files (name -> text, or a value to write as JSON). */
export function tempFiles(files: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'albert-metrics-'));
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], typeof content === 'string' ? content : JSON.stringify(content));
  }
  return paths;
}
