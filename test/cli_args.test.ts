// The shared flag parser: negative numbers as flag values, node's messages as one line, thread counts
// from --threads or ALBERT_NUM_THREADS (each error names what the user set).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { floatFlag, intFlag, joinNegativeValues, parseCommandArgs, threadsFlag } from '../src/cli/args.js';
import { UserError } from '../src/errors.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const albert = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ALBERT_BACKEND: 'js', ...env } });

const OPTS = { steps: { type: 'string' }, lr: { type: 'string' }, quiet: { type: 'boolean' } } as const;

test('a negative number after a value flag is its value, so the flag\'s own check reports it', () => {
  const a = parseCommandArgs(['--steps', '-1', '--lr', '-1e-3', '--quiet'], OPTS, 'help')!;
  assert.equal(a.values.steps, '-1');
  assert.equal(a.values.lr, '-1e-3');
  assert.equal(a.values.quiet, true);
  assert.throws(() => intFlag(a.values.steps, 'steps', 0, 1), (e) => e instanceof UserError && e.message === '--steps must be an integer >= 1, got "-1"');
  assert.throws(() => floatFlag(a.values.lr, 'lr', 0, 0), (e) => e instanceof UserError && e.message === '--lr must be a number >= 0, got "-1e-3"');
  // not after a boolean flag, nor after "--", nor when the value is already attached
  assert.deepEqual(joinNegativeValues(['--quiet', '-1', '--', '--steps', '-2', '--lr=-3'], OPTS), ['--quiet', '-1', '--', '--steps', '-2', '--lr=-3']);
  assert.deepEqual(joinNegativeValues(['--lr', '-.5', '--steps', '-x'], OPTS), ['--lr=-.5', '--steps', '-x']);
});

test('parseArgs problems are one line naming the flag', () => {
  const one = (argv: string[], re: RegExp) => assert.throws(() => parseCommandArgs(argv, OPTS, 'help'),
    (e) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'));
  one(['--steps', '-x'], /^--steps needs a value; to give one that starts with a dash, write --steps=VALUE \(see --help\)$/);
  one(['--steps'], /--steps <value>' argument missing/);
  one(['--nope'], /^Unknown option '--nope' \(see --help\)$/);
});

test('every command: --steps -1 / --lr -1 give the one-line flag error, not node\'s ambiguity message', () => {
  for (const args of [['bench', '--steps', '-1'], ['pretrain', '--data', 'd', '--output', 'o', '--lr', '-1'], ['fill-mask', '--model', 'm', '--top-k', '-3', 'x']]) {
    const r = albert(args);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^albert: (\w+ \()?--(steps|lr|top-k)\)? must be (an integer|a number) >?=? ?\d, got "?-\d"?$/m);
  }
});

test('a bad ALBERT_NUM_THREADS is reported under its own name; --threads under --threads', () => {
  const old = process.env.ALBERT_NUM_THREADS;
  try {
    process.env.ALBERT_NUM_THREADS = 'abc';
    assert.throws(() => threadsFlag(undefined), (e) => e instanceof UserError && e.message === 'ALBERT_NUM_THREADS must be an integer in 1..1024, got "abc"');
    assert.equal(threadsFlag('2'), 2); // the flag overrides the variable
    assert.throws(() => threadsFlag('0'), (e) => e instanceof UserError && /^--threads must be an integer >= 1 and <= 1024, got "0"$/.test(e.message));
    process.env.ALBERT_NUM_THREADS = '3';
    assert.equal(threadsFlag(undefined), 3);
    delete process.env.ALBERT_NUM_THREADS;
    assert.equal(threadsFlag(undefined), undefined);
  } finally {
    if (old === undefined) delete process.env.ALBERT_NUM_THREADS; else process.env.ALBERT_NUM_THREADS = old;
  }
  const r = albert(['bench', '--config', 'tiny', '--steps', '1'], { ALBERT_NUM_THREADS: 'abc' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^albert: ALBERT_NUM_THREADS must be an integer in 1\.\.1024, got "abc"\n$/);
});
