// albert serve under pressure, with a classifier slow enough (~0.1-1 s a batch) that requests stay in
// flight: over max_concurrent_requests the next get 429 at once while the admitted ones succeed;
// /health answers while a long batch computes (inference is off the event loop); a
// client that disconnects frees its slot; SIGTERM to the CLI answers every request in flight, refuses
// new ones, and exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type Server } from '../src/serve/server.js';
import { call, metric, savedModel, tempDir, until, words } from './serve_helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const tmp = tempDir('albert-serve-load-');
const slow = savedModel(tmp, 'slow', 'sequence-classification', 'slow');
const LONG = Array.from({ length: 16 }, (_, i) => words(480, i));
let server: Server;

before(async () => {
  server = await serve({ models: [{ dir: slow }], port: 0, threads: 1, maxConcurrentRequests: 4 });
});
after(() => server?.close());

const inFlight = async (url: string) => metric((await call(url, '/metrics')).text, 'albert_serve_requests_in_flight') ?? 0;

test('over --max-concurrent-requests: 429 with Retry-After at once, while the admitted requests succeed', async () => {
  let longAt = Infinity;
  const long = call(server.url, '/predict', { inputs: LONG }).then((r) => { longAt = performance.now(); return r; });
  await until(async () => (await inFlight(server.url)) === 1, 10_000, 'the long request to be admitted');
  const flood = await Promise.all(Array.from({ length: 12 }, (_, i) => call(server.url, '/predict', { inputs: words(5, i) }).then((r) => ({ ...r, at: performance.now() }))));
  const statuses = flood.map((r) => r.status);
  // 1 long + 3 admitted = the limit of 4; the other 9 are refused without waiting for the long batch.
  assert.equal(statuses.filter((s) => s === 200).length, 3, statuses.join(' '));
  assert.equal(statuses.filter((s) => s === 429).length, 9, statuses.join(' '));
  for (const r of flood.filter((x) => x.status === 429)) {
    assert.deepEqual(r.body, { error: 'Model is overloaded', error_type: 'Overloaded' });
    assert.equal(r.headers.get('retry-after'), '1');
    assert.ok(r.at < longAt, 'a 429 answered at once, before the long batch ended');
  }
  const l = await long;
  assert.equal(l.status, 200, l.text);
  assert.equal((l.body as unknown[]).length, 16);
  const m = (await call(server.url, '/metrics')).text;
  assert.ok((metric(m, 'albert_serve_requests_total', '{route="/predict",status="429"}') ?? 0) >= 9);
  assert.equal((await call(server.url, '/predict', { inputs: words(5) })).status, 200, 'the server serves on');
});

// No time bound here (a shared machine makes any one flaky; bench/serve_load.ts measures /health's p99
// under load): what shows inference is off the event loop is that they answer before the batch ends.
test('/health and /metrics answer while a long batch computes', async () => {
  let done = false;
  const long = call(server.url, '/predict', { inputs: LONG }).then((r) => { done = true; return r; });
  await until(async () => (await inFlight(server.url)) === 1, 10_000, 'the long request to be admitted');
  await new Promise((r) => setTimeout(r, 20));
  const times: number[] = [];
  for (let i = 0; i < 5 && !done; i++) {
    const t = performance.now();
    const h = await call(server.url, '/health');
    times.push(performance.now() - t);
    assert.equal(h.status, 200);
    const t2 = performance.now();
    await call(server.url, '/metrics');
    times.push(performance.now() - t2);
  }
  const computing = !done;
  assert.equal((await long).status, 200);
  assert.ok(times.length >= 2 && computing, `the batch was still computing during the checks (${times.length} checks)`);
});

test('a client that disconnects frees its slot and its queued inputs are dropped', async () => {
  const long = call(server.url, '/predict', { inputs: LONG });
  await until(async () => (await inFlight(server.url)) === 1, 10_000, 'the long request to be admitted');
  const u = new URL(server.url);
  // Three more fill the limit of 4 ...
  const reqs = Array.from({ length: 3 }, (_, i) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/predict', method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.end(JSON.stringify({ inputs: words(5, i) }));
    return req;
  });
  await until(async () => (await inFlight(server.url)) === 4, 10_000, 'four requests in flight');
  assert.equal((await call(server.url, '/predict', { inputs: 'x' })).status, 429);
  // ... and hang up: their slots free at once, the long batch still computing.
  for (const r of reqs) r.destroy();
  await until(async () => (await inFlight(server.url)) === 1, 5_000, 'the slots of the disconnected clients to free');
  const m = (await call(server.url, '/metrics')).text;
  assert.equal(metric(m, 'albert_serve_queue_size'), 0, 'their inputs left the queue');
  assert.equal(metric(m, 'albert_serve_requests_total', '{route="/predict",status="499"}'), 3);
  const after = await call(server.url, '/predict', { inputs: words(3) });
  assert.equal(after.status, 200);
  assert.equal((await long).status, 200);
});

test('SIGTERM: the CLI answers every request in flight, refuses new ones, exits 0', async () => {
  const child = spawn(process.execPath, [MAIN, 'serve', '--model', slow, '--port', '0', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => /^http:\/\/\S+\n/.test(stdout), 30_000, 'the URL on stdout');
  const url = stdout.split('\n')[0];
  const pending = [call(url, '/predict', { inputs: LONG.slice(0, 8) }), ...Array.from({ length: 5 }, (_, i) => call(url, '/predict', { inputs: words(4, i) }))];
  await until(async () => (await inFlight(url)) === 6, 10_000, 'six requests in flight');
  child.kill('SIGTERM');
  await until(() => stderr.includes('SIGTERM'), 5_000, 'the SIGTERM line');
  const refused = await call(url, '/predict', { inputs: words(2) }).then((r) => r.status, () => 'refused');
  assert.ok(refused === 'refused' || refused === 503, `a request after SIGTERM: ${refused}`);
  const replies = await Promise.all(pending);
  assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 200], replies.map((r) => r.text).join('\n'));
  assert.equal((replies[0].body as unknown[]).length, 8);
  assert.equal(await exited, 0, stderr);
});

test('the CLI: --help, and bad flags or a model that cannot do its task as one line and exit 1', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'serve', ...args], { encoding: 'utf8', timeout: 30_000 });
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--max-concurrent-requests N/);
  const cases: [string[], RegExp][] = [
    [[], /^albert: missing required flag --model/],
    [['--model', slow, '--pooling', 'max'], /^albert: --pooling must be mean or cls, got "max"/],
    [['--model', slow, '--port', '70000'], /^albert: --port must be an integer >= 0 and <= 65535/],
    [['--model', path.join(tmp, 'nowhere')], /nowhere: no such model directory/],
    [['--model', slow, '--task', 'question-answering'], /question-answering needs AlbertForQuestionAnswering/],
    [['--model', `a=${slow}`, '--model', `a=${slow}`], /two models are named "a"/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args, '--port', args.includes('--port') ? args[args.indexOf('--port') + 1] : '0');
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});
