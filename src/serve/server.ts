// `serve()`: the HTTP server of `albert serve`, shaped like HF's text-embeddings-inference (TEI).
// The main thread parses, validates and tokenizes (to count tokens), queues each input, and answers;
// worker threads run the batches, so /health and /metrics answer while the model computes.
// Back-pressure as TEI: at most max_concurrent_requests inference requests are admitted, the next
// gets 429 at once. SIGTERM (the CLI calls close()): stop accepting, answer what is in flight.
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Dtype } from '../backend/dtype.js';
import { UserError } from '../errors.js';
import { BatchQueue, paddedTokens, type QueueEntry } from './batch_queue.js';
import { HttpError, invalid, overloaded } from './http_error.js';
import { defaultTask, readModelDir, type PipelineTask } from './load_pipeline.js';
import { serverMetrics } from './metrics.js';
import { PAGE_HTML } from './page.js';
import { INFERENCE_ROUTES, parseJob, routeOfTask, routeTask, tokenize, type InferenceRoute, type Job, type RouteContext } from './routes.js';
import { WorkerPool } from './worker_pool.js';
import type { Outcome, WorkerModel } from './worker_protocol.js';

export interface ServeModel {
  /** The name requests use ("model" field, /models/NAME/...); default: the directory's base name. */
  name?: string;
  dir: string;
  /** The model's task; 'auto' (default): the one its config.json's architectures names. */
  task?: PipelineTask | 'auto';
}

export interface ServeOptions {
  /** The served models; the first answers requests that name none. */
  models: ServeModel[];
  host?: string;
  /** 0 = any free port (Server.port says which). Default 3000. */
  port?: number;
  /** Worker threads, each holding every model's pipeline (default 1). */
  workers?: number;
  /** Kernel threads (the native backend's pool, shared by the workers; default: all cores). */
  threads?: number;
  /** The models' Linear GEMMs in fp32 (default), bf16 or int8. */
  dtype?: Dtype;
  /** Padded tokens (rows x longest) per batch (TEI's default 16384). */
  maxBatchTokens?: number;
  /** Inputs per batch (default 32). */
  maxBatchRequests?: number;
  /** Inference requests admitted at once; the next gets 429 (TEI's default 512). */
  maxConcurrentRequests?: number;
  /** Inputs per request (TEI's max_client_batch_size, default 32). */
  maxClientBatchSize?: number;
  /** Tokens per input; default the model's max_position_embeddings. */
  maxInputLength?: number;
  /** Truncate inputs over max_input_length when a request does not say (default false: 422). */
  autoTruncate?: boolean;
  /** Request body limit in bytes (413 past it; TEI's 2,000,000). */
  payloadLimit?: number;
  /** /embed's pooling (default mean). */
  pooling?: 'mean' | 'cls';
  /** Log lines (default: none). */
  log?: (line: string) => void;
}

export interface ServedModelInfo { name: string; dir: string; task: PipelineTask; route: InferenceRoute | undefined; maxInputLength: number }

export interface Server {
  url: string;
  host: string;
  port: number;
  models: ServedModelInfo[];
  /** Stops accepting, answers the requests in flight, stops the workers. */
  close(): Promise<void>;
}

interface Pending extends QueueEntry {
  model: string;
  task: PipelineTask;
  input: unknown;
  options: Record<string, unknown>;
  settle(outcome: Outcome, queueMs: number, inferenceMs: number): void;
}

/** The tasks whose answers are config.json's labels (/info lists them). */
const LABELLED: readonly PipelineTask[] = ['text-classification', 'token-classification', 'zero-shot-classification'];

const VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

const DEFAULTS = {
  host: '127.0.0.1', port: 3000, workers: 1, maxBatchTokens: 16384, maxBatchRequests: 32, maxConcurrentRequests: 512,
  maxClientBatchSize: 32, autoTruncate: false, payloadLimit: 2_000_000, pooling: 'mean' as const,
};

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new UserError(`${name} must be a positive integer, got ${v}`);
  return v;
}

const urlPath = (u: string) => u.split('?')[0];
const modelName = (dir: string) => path.basename(dir) || 'model';

export async function serve(options: ServeOptions): Promise<Server> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & ServeOptions;
  if (o.models.length === 0) throw new UserError('serve needs at least one model');
  for (const k of ['workers', 'maxBatchTokens', 'maxBatchRequests', 'maxConcurrentRequests', 'maxClientBatchSize', 'payloadLimit'] as const) positiveInt(k, o[k]);
  const log = o.log ?? (() => {});

  // Each model: its name, task, tokenizer and input limit, read here (no weights) for parsing requests.
  const models = o.models.map((m) => {
    const { config, tokenizer } = readModelDir(m.dir);
    const task = routeTask(!m.task || m.task === 'auto' ? defaultTask(m.dir) : m.task);
    const maxInputLength = Math.min(o.maxInputLength ?? config.max_position_embeddings, config.max_position_embeddings);
    const ctx: RouteContext = { tokenizer, maxInputLength, maxClientBatchSize: o.maxClientBatchSize, autoTruncate: o.autoTruncate, pooling: o.pooling };
    return { name: m.name ?? modelName(m.dir), dir: m.dir, task, config, ctx, maxInputLength };
  });
  const names = models.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new UserError(`two models are named "${dup}": name them (--model NAME=DIR)`);

  const queue = new BatchQueue<Pending>();
  let admitted = 0;
  const metrics = serverMetrics({ queueSize: () => queue.size, inFlight: () => admitted });
  const workerModels: WorkerModel[] = models.map((m) => ({ name: m.name, dir: m.dir, task: m.task, maxLength: m.maxInputLength }));
  const pool = new WorkerPool({ models: workerModels, threads: o.threads, maxBatchSize: o.maxBatchRequests, dtype: o.dtype }, o.workers, () => dispatch());

  /** Hands batches to free workers while there are both. */
  function dispatch(): void {
    while (pool.free > 0 && queue.size > 0) {
      const batch = queue.take(o);
      if (batch.length === 0) return;
      const start = performance.now();
      const [{ model, task, options: callOptions }] = batch;
      metrics.batchSize.observe(batch.length);
      metrics.batchTokens.observe(paddedTokens(batch));
      pool.run({ model, task, inputs: batch.map((e) => e.input), options: callOptions }).then(
        ({ outcomes, ms }) => {
          metrics.inference.observe(ms / 1000);
          batch.forEach((e, i) => e.settle(outcomes[i], start - e.enqueuedAt, ms));
        },
        (err: Error) => batch.forEach((e) => e.settle({ error: err.message, user: false }, start - e.enqueuedAt, performance.now() - start)),
      );
    }
  }

  /** Queues a job's inputs; resolves with the pipeline's values in order, or the first failure. */
  function runJob(model: string, job: Job): { done: Promise<{ values: unknown[]; queueMs: number; inferenceMs: number }>; cancel(): void } {
    let entries: Pending[] = [];
    let fail: (e: Error) => void = () => {};
    const done = new Promise<{ values: unknown[]; queueMs: number; inferenceMs: number }>((resolve, reject) => {
      const values = new Array<unknown>(job.items.length);
      let left = job.items.length, queueMs = 0, inferenceMs = 0, failed = false;
      fail = (e) => {
        if (failed) return;
        failed = true;
        for (const x of entries) x.cancelled = true;
        reject(e);
      };
      const key = `${model}\0${job.task}\0${JSON.stringify(job.options)}`;
      entries = job.items.map((item, i): Pending => ({
        key, rows: item.rows, length: item.length, enqueuedAt: performance.now(), cancelled: false,
        model, task: job.task, input: item.input, options: job.options,
        settle(outcome, q, inf) {
          if (failed) return;
          queueMs = Math.max(queueMs, q);
          inferenceMs = Math.max(inferenceMs, inf);
          metrics.queue.observe(q / 1000);
          if ('error' in outcome) {
            fail(outcome.user ? invalid(outcome.error) : new HttpError(424, 'Backend', `Backend error: ${outcome.error}`));
            return;
          }
          values[i] = outcome.value;
          if (--left === 0) resolve({ values, queueMs, inferenceMs });
        },
      }));
      for (const e of entries) queue.push(e);
      dispatch();
    });
    // nginx's 499 for the metrics: the client closed the request.
    return { done, cancel: () => { fail(new HttpError(499, 'Validation', 'the client disconnected')); queue.prune(); } };
  }

  let closing = false;
  let open = 0;
  let drained: (() => void) | undefined;

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'content-length': Buffer.byteLength(text), ...(closing ? { connection: 'close' } : {}), ...headers,
    });
    res.end(text);
  }

  function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      const tooLarge = () => new HttpError(413, 'PayloadTooLarge', `the request body is larger than the limit of ${o.payloadLimit} bytes`);
      if (declared > o.payloadLimit) {
        req.resume();
        reject(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= o.payloadLimit) chunks.push(c);
      });
      req.on('end', () => (size > o.payloadLimit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
      req.on('error', reject);
    });
  }

  async function parseBody(req: http.IncomingMessage): Promise<unknown> {
    const raw = (await readBody(req)).toString('utf8');
    try {
      return JSON.parse(raw);
    } catch (e) {
      throw new HttpError(400, 'Validation', `Failed to parse the request body as JSON: ${(e as Error).message}`);
    }
  }

  function modelFor(name: unknown) {
    if (name === undefined || name === null) return models[0];
    const m = models.find((x) => x.name === name);
    if (!m) throw new HttpError(404, 'NotFound', `no model named ${JSON.stringify(name)} (served: ${names.join(', ')})`);
    return m;
  }

  function info() {
    const m = models[0];
    const describe = (x: (typeof models)[number]) => ({
      name: x.name, model_id: x.dir, task: x.task, route: routeOfTask(x.task) ?? null, max_input_length: x.maxInputLength,
      ...(x.config.id2label && LABELLED.includes(x.task) ? { id2label: x.config.id2label } : {}), mask_token: x.ctx.tokenizer.maskToken,
    });
    return {
      model_id: m.dir, model_sha: null, model_dtype: 'float32', model_type: m.task, task: m.task, route: routeOfTask(m.task) ?? null,
      max_concurrent_requests: o.maxConcurrentRequests, max_input_length: m.maxInputLength, max_batch_tokens: o.maxBatchTokens,
      max_batch_requests: o.maxBatchRequests, max_client_batch_size: o.maxClientBatchSize, auto_truncate: o.autoTruncate,
      workers: o.workers, pooling: o.pooling, version: VERSION, models: models.map(describe),
    };
  }

  async function infer(route: InferenceRoute, modelFromPath: string | undefined, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const body = await parseBody(req);
    const tBody = performance.now();
    if (admitted >= o.maxConcurrentRequests) throw overloaded(1);
    admitted++;
    let released = false;
    const release = () => { if (!released) { released = true; admitted--; } };
    let cancel = () => {};
    // A client that goes away frees its slot, and its queued inputs are dropped (TEI does the same).
    res.on('close', () => {
      if (!res.writableFinished) cancel();
      release();
    });
    try {
      const m = modelFor(modelFromPath ?? (body as { model?: unknown })?.model);
      const job = parseJob(route, body, m.ctx);
      const t1 = performance.now();
      metrics.tokenization.observe((t1 - tBody) / 1000);
      let tokens = 0, characters = 0;
      for (const it of job.items) { tokens += it.rows * it.length; characters += it.characters; metrics.inputLength.observe(it.length); }
      const run = runJob(m.name, job);
      cancel = run.cancel;
      const r = await run.done;
      metrics.tokens.inc({}, tokens);
      const total = performance.now() - t0;
      const ms = (x: number) => String(Math.round(x));
      send(res, 200, job.respond(r.values), {
        'x-compute-type': 'cpu', 'x-compute-time': ms(total), 'x-compute-characters': String(characters), 'x-compute-tokens': String(tokens),
        'x-total-time': ms(total), 'x-tokenization-time': ms(t1 - tBody), 'x-queue-time': ms(r.queueMs), 'x-inference-time': ms(r.inferenceMs),
      });
    } finally {
      release();
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
    const p = urlPath(req.url ?? '/');
    const scoped = /^\/models\/([^/]+)(\/[^/]*)$/.exec(p);
    const r = scoped ? scoped[2] : p;
    const get = req.method === 'GET' || req.method === 'HEAD';
    const needs = (method: 'GET' | 'POST') => {
      if ((method === 'GET') !== get || (method === 'POST' && req.method !== 'POST')) {
        throw new HttpError(405, 'Validation', `${r} takes ${method}`, { allow: method });
      }
    };
    if (closing) throw new HttpError(503, 'Unhealthy', 'the server is shutting down');
    const name = INFERENCE_ROUTES.find((x) => `/${x}` === r);
    if (name) {
      needs('POST');
      await infer(name, scoped ? decodeURIComponent(scoped[1]) : undefined, req, res);
      return r;
    }
    switch (r) {
      case '/':
        needs('GET');
        send(res, 200, PAGE_HTML, { 'content-type': 'text/html; charset=utf-8' });
        return r;
      case '/health':
      case '/ping':
        needs('GET');
        if (!pool.healthy) throw new HttpError(503, 'Unhealthy', 'unhealthy');
        send(res, 200, undefined);
        return r;
      case '/info':
        needs('GET');
        send(res, 200, info());
        return r;
      case '/metrics':
        needs('GET');
        send(res, 200, metrics.registry.render(), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return r;
      case '/tokenize': {
        needs('POST');
        const body = await parseBody(req);
        const m = modelFor(scoped ? decodeURIComponent(scoped[1]) : (body as { model?: unknown })?.model);
        send(res, 200, tokenize(body, m.ctx));
        return r;
      }
      default:
        throw new HttpError(404, 'NotFound', `no route ${req.method} ${p}`);
    }
  }

  const server = http.createServer((req, res) => {
    open++;
    const t0 = performance.now();
    let label = 'other';
    route(req, res)
      .then((r) => { label = r; })
      .catch((e: unknown) => {
        const err = e instanceof HttpError ? e : new HttpError(500, 'Backend', `internal error: ${(e as Error)?.message ?? e}`);
        if (!(e instanceof HttpError)) log(`internal error on ${req.method} ${req.url}: ${(e as Error)?.stack ?? e}`);
        label = err.status === 404 ? 'other' : urlPath(req.url ?? '/').replace(/^\/models\/[^/]+/, '');
        if (!res.headersSent && !res.destroyed) send(res, err.status, err.body(), err.headers);
        else if (!res.headersSent) res.statusCode = err.status;
      })
      .finally(() => {
        metrics.requests.inc({ route: label, status: String(res.statusCode) });
        metrics.duration.observe((performance.now() - t0) / 1000, { route: label });
        if (--open === 0 && drained) drained();
      });
  });
  // Keep-alive clients (load generators) should not hold a closing server open longer than needed.
  server.keepAliveTimeout = 5000;

  await pool.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new UserError(`${o.host}:${o.port} is in use (pick another --port)`) : e);
    });
    server.listen(o.port, o.host, () => resolve());
  }).catch(async (e) => {
    await pool.close();
    throw e;
  });
  const address = server.address() as { port: number };
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${host}:${address.port}`;
  log(`albert serve: listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url, host: o.host, port: address.port,
    models: models.map((m) => ({ name: m.name, dir: m.dir, task: m.task, route: routeOfTask(m.task), maxInputLength: m.maxInputLength })),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (open > 0) await new Promise<void>((resolve) => { drained = resolve; });
        server.closeAllConnections();
        await stopped;
        await pool.close();
      })();
      return closed;
    },
  };
}
