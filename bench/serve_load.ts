// `albert serve` under load (a benchmark, never a test): a sequence classifier of a preset's shape
// (random weights) served by the CLI in its own process, POST /predict with texts of 16-128 tokens
// (SQuAD dev contexts cut to length where ../shared/data has them, else synthetic words) from autocannon
// at each concurrency: requests/s, tokens/s (the inputs' and the padded batches'), p50/p99 latency, the
// status codes, and /health's latency polled meanwhile. Then a soak at one concurrency sampling the
// server's RSS, and `albert bench --mode classify` at the batch and padded length the server ran, in the
// same run (server tokens/s over bench tokens/s = what HTTP, JSON and batching cost).
//
//   npm run build && node dist/bench/serve_load.js [--config base-v2] [--concurrency 1,8,64,256] [--duration 20]
//     [--soak 300] [--soak-concurrency 64] [--threads N] [--workers 1] [--max-concurrent-requests 512] [--json FILE]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JsBackend } from '../src/backend/js.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { syntheticWords } from '../src/data/synthetic.js';
import { writeTextAtomic } from '../src/io/atomic.js';
import { savePretrained } from '../src/io/hf_dir.js';
import { AlbertModel, presetConfig, withConfig } from '../src/model/index.js';
import { AlbertTokenizer } from '../src/tokenizer/albert.js';
import { REPO_ROOT, ensureNpmPackage } from './baselines/deps.js';
import { cpuLine } from './machine.js';

const AUTOCANNON_VERSION = '9.0.0';
const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const SHARED = path.resolve(REPO_ROOT, '..', 'shared', 'data');

const { values: a } = parseArgs({
  options: {
    config: { type: 'string', default: 'base-v2' }, concurrency: { type: 'string', default: '1,8,64,256' },
    duration: { type: 'string', default: '20' }, soak: { type: 'string', default: '300' }, 'soak-concurrency': { type: 'string', default: '64' },
    threads: { type: 'string' }, workers: { type: 'string', default: '1' }, 'max-concurrent-requests': { type: 'string', default: '512' },
    'min-tokens': { type: 'string', default: '16' }, 'max-tokens': { type: 'string', default: '128' }, json: { type: 'string' },
  },
});
const log = (m: string) => process.stderr.write(`serve_load: ${m}\n`);
const num = (s: string | undefined, name: string) => {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${s}`);
  return n;
};

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { total: number; average: number };
  errors: number; timeouts: number; non2xx: number; duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}

function loadAutocannon(): Autocannon {
  const dir = ensureNpmPackage('autocannon', AUTOCANNON_VERSION, 'autocannon', log);
  if (!dir.ok) throw new Error(dir.reason);
  return createRequire(path.join(dir.value, 'package.json'))('autocannon') as Autocannon;
}

/** The served model: the preset's shape with a 2-label classification head, random weights, and a tokenizer. */
function makeModel(dir: string): { dir: string; tokenizer: AlbertTokenizer; real: boolean } {
  const spm = path.join(SHARED, 'tokenizers', 'albert-30k-clean.model');
  const real = fs.existsSync(spm);
  const tokFile = real ? spm : path.join(dir, 'synthetic.model');
  if (!real) fs.writeFileSync(tokFile, syntheticTokenizerModel());
  const tokenizer = AlbertTokenizer.load(tokFile);
  const base = presetConfig(a.config!);
  const config = withConfig(base, { architectures: ['AlbertForSequenceClassification'], num_labels: 2, vocab_size: Math.max(base.vocab_size, tokenizer.vocabSize) });
  const model = new AlbertModel(config, 'sequence-classification', new JsBackend());
  model.initWeights(0);
  const out = path.join(dir, 'model');
  savePretrained(model, out, { tokenizerModel: tokFile });
  return { dir: out, tokenizer, real };
}

/** Texts of min..max tokens ([CLS] and [SEP] included), lengths spread evenly: SQuAD contexts cut to length, else synthetic words. */
function makeTexts(tok: AlbertTokenizer, n: number, min: number, max: number): string[] {
  const squad = path.join(SHARED, 'squad', 'dev-v1.1.json');
  const sources: string[] = fs.existsSync(squad)
    ? (JSON.parse(fs.readFileSync(squad, 'utf8')) as { data: { paragraphs: { context: string }[] }[] }).data.flatMap((d) => d.paragraphs.map((p) => p.context))
    : Array.from({ length: 64 }, (_, i) => { const w = syntheticWords(); return Array.from({ length: 200 }, (_, k) => w[(k * 7 + i * 13) % w.length]).join(' '); });
  return Array.from({ length: n }, (_, i) => {
    const want = min + Math.round(((max - min) * i) / Math.max(1, n - 1));
    const words = sources[(i * 7919) % sources.length].split(/\s+/);
    // The longest prefix of whole words within `want` tokens (binary search on the word count).
    let lo = 1, hi = words.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (tok.encode(words.slice(0, mid).join(' ')).ids.length <= want) lo = mid; else hi = mid - 1;
    }
    return words.slice(0, lo).join(' ');
  });
}

async function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const args = [MAIN, 'serve', '--model', dir, '--port', '0', '--workers', a.workers!, '--max-concurrent-requests', a['max-concurrent-requests']!];
  if (a.threads) args.push('--threads', a.threads);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
    child.on('exit', (code) => reject(new Error(`albert serve exited (${code}) before listening`)));
  });
  return { child, url };
}

function get(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** A metric's value from /metrics (0 when absent). */
const metric = (text: string, name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? 0);
const COUNTERS = ['albert_serve_tokens_total', 'albert_serve_batch_tokens_sum', 'albert_serve_batch_size_sum', 'albert_serve_batch_size_count'] as const;
type Counters = Record<(typeof COUNTERS)[number], number>;
async function counters(url: string, agent: http.Agent): Promise<Counters> {
  const text = await get(`${url}/metrics`, agent);
  return Object.fromEntries(COUNTERS.map((c) => [c, metric(text, c)])) as Counters;
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** /health's latency every 100 ms until stopped (its own connection, so it never queues behind the load's). */
function pollHealth(url: string): { stop(): number[] } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let on = true;
  (async () => {
    while (on) {
      const t = performance.now();
      await get(`${url}/health`, agent).catch(() => {});
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { stop: () => { on = false; agent.destroy(); return times; } };
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

interface Level {
  concurrency: number; seconds: number; requests: number; requests_per_s: number; tokens_per_s: number; padded_tokens_per_s: number;
  mean_batch: number; mean_padded_length: number; p50_ms: number; p99_ms: number; statuses: Record<string, number>; errors: number;
  timeouts: number; health_p50_ms: number; health_p99_ms: number; health_max_ms: number;
}

async function level(autocannon: Autocannon, url: string, texts: string[], concurrency: number, seconds: number): Promise<Level> {
  const agent = new http.Agent({ keepAlive: true });
  const before = await counters(url, agent);
  let k = 0;
  const health = pollHealth(url);
  const t0 = performance.now();
  const r = await autocannon({
    url: `${url}/predict`, connections: concurrency, duration: seconds, timeout: 600,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ inputs: texts[k++ % texts.length] }) }) }],
  });
  const elapsed = (performance.now() - t0) / 1000;
  const h = health.stop();
  const after = await counters(url, agent);
  agent.destroy();
  const d = (c: (typeof COUNTERS)[number]) => after[c] - before[c];
  const statuses = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  const ok = statuses['200'] ?? 0;
  return {
    concurrency, seconds: elapsed, requests: ok, requests_per_s: ok / elapsed, tokens_per_s: d('albert_serve_tokens_total') / elapsed,
    padded_tokens_per_s: d('albert_serve_batch_tokens_sum') / elapsed, mean_batch: d('albert_serve_batch_size_sum') / d('albert_serve_batch_size_count'),
    mean_padded_length: d('albert_serve_batch_tokens_sum') / d('albert_serve_batch_size_sum'), p50_ms: r.latency.p50, p99_ms: r.latency.p99,
    statuses, errors: r.errors, timeouts: r.timeouts, health_p50_ms: percentile(h, 50), health_p99_ms: percentile(h, 99), health_max_ms: Math.max(...h),
  };
}

function benchClassify(batch: number, seq: number): number {
  const args = [MAIN, 'bench', '--config', a.config!, '--mode', 'classify', '--batch', String(batch), '--seq', String(seq), '--steps', '5', '--json'];
  if (a.threads) args.push('--threads', a.threads);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`albert bench failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { tokens_per_s: number }).tokens_per_s;
}

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const autocannon = loadAutocannon();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-serve-load-'));
  try {
    const m = makeModel(tmp);
    const texts = makeTexts(m.tokenizer, 256, num(a['min-tokens'], 'min-tokens'), num(a['max-tokens'], 'max-tokens'));
    log(`${a.config} classifier, ${texts.length} texts of ${a['min-tokens']}-${a['max-tokens']} tokens (${m.real ? 'SQuAD dev contexts, albert-30k-clean' : 'synthetic words'})`);
    const { child, url } = await startServer(m.dir);
    const levels: Level[] = [];
    try {
      for (const c of a.concurrency!.split(',').map((s) => num(s, 'concurrency'))) {
        log(`concurrency ${c} for ${a.duration} s`);
        levels.push(await level(autocannon, url, texts, c, num(a.duration, 'duration')));
      }
      let soak: { concurrency: number; seconds: number; rss_first: number; rss_max: number; rss_last: number; growth: number } | undefined;
      const soakSeconds = num(a.soak, 'soak');
      if (soakSeconds > 0) {
        const c = num(a['soak-concurrency'], 'soak-concurrency');
        log(`soak: concurrency ${c} for ${soakSeconds} s, RSS every 5 s`);
        const samples: number[] = [];
        const timer = setInterval(() => samples.push(rssOf(child.pid!)), 5000);
        const s = await level(autocannon, url, texts, c, soakSeconds);
        clearInterval(timer);
        // The first sample after a sixth of the run (the batches' buffers have reached their size by then).
        const first = samples[Math.floor(samples.length / 6)] ?? NaN;
        soak = { concurrency: c, seconds: s.seconds, rss_first: first, rss_max: Math.max(...samples), rss_last: samples.at(-1) ?? NaN, growth: (samples.at(-1) ?? NaN) / first - 1 };
        levels.push({ ...s, concurrency: -c });
      }
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      const ref = levels.find((l) => l.concurrency === 64) ?? levels.at(-1)!;
      const batch = Math.max(1, Math.round(ref.mean_batch)), seq = Math.max(8, Math.round(ref.mean_padded_length));
      log(`albert bench --mode classify --batch ${batch} --seq ${seq}`);
      const benchTokens = benchClassify(batch, seq);
      const rows = levels.map((l) => `| ${l.concurrency < 0 ? `${-l.concurrency} (soak)` : l.concurrency} | ${f(l.requests_per_s, 1)} | ${f(l.tokens_per_s)} | ${f(l.padded_tokens_per_s)} | ${f(l.mean_batch, 1)} x ${f(l.mean_padded_length)} | ${f(l.p50_ms)} | ${f(l.p99_ms)} | ${Object.entries(l.statuses).map(([k, v]) => `${k}: ${v}`).join(', ')}${l.errors ? `, errors: ${l.errors}` : ''} | ${f(l.health_p50_ms, 1)} / ${f(l.health_p99_ms, 1)} |`);
      const md = [
        `machine: ${cpuLine()}`, '',
        '| concurrency | requests/s | tokens/s (inputs) | tokens/s (padded) | mean batch x padded length | p50 ms | p99 ms | statuses | /health p50 / p99 ms |',
        '|---|---|---|---|---|---|---|---|---|', ...rows, '',
        `albert bench --mode classify --batch ${batch} --seq ${seq}: ${f(benchTokens)} tokens/s; the server at concurrency ${ref.concurrency < 0 ? -ref.concurrency : ref.concurrency} ran ${f(ref.padded_tokens_per_s)} padded tokens/s = ${f((100 * ref.padded_tokens_per_s) / benchTokens)}% of it.`,
        ...(soak ? [`soak (concurrency ${soak.concurrency}, ${f(soak.seconds)} s): RSS ${f(soak.rss_first / 2 ** 20)} MiB after warm-up, ${f(soak.rss_max / 2 ** 20)} MiB max, ${f(soak.rss_last / 2 ** 20)} MiB at the end (${f(100 * soak.growth, 1)}%).`] : []),
      ].join('\n');
      process.stdout.write(md + '\n');
      if (a.json) writeTextAtomic(a.json, JSON.stringify({ config: a.config, cpu: cpuLine(), levels, soak, bench: { batch, seq, tokens_per_s: benchTokens } }, null, 2) + '\n');
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`serve_load: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
