// Shared by the parity tests: the committed PyTorch-reference fixtures and the tolerance rule of
// issue 2 section 6 (max |ours - theirs| <= tol * max(1, max |theirs|), per tensor).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import type { Tensor } from '../src/io/safetensors.js';

/** test/fixtures/parity in the source tree (tests run from dist/test). */
export const PARITY_DIR = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../test/fixtures/parity');

export interface ParityCase {
  name: string;
  dir: string;
  description: string;
  head: string;
  grads: boolean;
}

export function parityCases(): ParityCase[] {
  return fs.readdirSync(PARITY_DIR).sort().map((name) => {
    const dir = path.join(PARITY_DIR, name);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
    return { name, dir, description: meta.description, head: meta.head, grads: meta.grads };
  });
}

/** Same names and shapes; every tensor within tol * max(1, max |expected|). Returns the worst relative error. */
export function assertTensorsClose(actual: Map<string, Tensor>, expected: Map<string, Tensor>, tol: number, what: string): number {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${what}: tensor names`);
  let worst = 0;
  for (const [name, want] of expected) {
    const got = actual.get(name)!;
    assert.deepEqual(got.shape, want.shape, `${what}: shape of ${name}`);
    let maxAbs = 0;
    let maxErr = 0;
    for (let i = 0; i < want.data.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want.data[i]));
      const err = Math.abs(got.data[i] - want.data[i]);
      maxErr = Number.isNaN(err) ? Infinity : Math.max(maxErr, err);
    }
    const scale = Math.max(1, maxAbs);
    assert.ok(maxErr <= tol * scale, `${what}: ${name}: max |ours - reference| = ${maxErr.toExponential(3)} > ${tol} x ${scale.toPrecision(4)}`);
    worst = Math.max(worst, maxErr / scale);
  }
  return worst;
}

export const FORWARD_TOL = 1e-4;
export const GRAD_TOL = 1e-3;
