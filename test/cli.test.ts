import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('albert --help lists commands and exits 0', () => {
  const r = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: albert <command>/);
});

test('an unknown command is one clear error and a non-zero exit', () => {
  const r = spawnSync(process.execPath, [MAIN, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "no-such-command"/);
});
