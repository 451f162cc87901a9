// `albert serve`: a model over HTTP (serve() in src/serve/server.ts); SIGTERM / SIGINT drain and exit 0.
import { UserError } from '../errors.js';
import { PIPELINE_TASKS, type PipelineTask } from '../pipelines/types.js';
import { serve, type ServeModel } from '../serve/server.js';
import { intFlag, memoryFlag, parseCommandArgs, threadsFlag } from './args.js';
import { DTYPE_HELP, dtypeFlag } from './dtype_flag.js';

export const summary = 'serve a model over HTTP (TEI-style /predict, /embed, task routes, /metrics) with a page to try it';

const TASKS: readonly string[] = ['auto', ...PIPELINE_TASKS];

export const help = `usage: albert serve --model DIR [--model NAME=DIR ...] [flags]

Serves ALBERT models over HTTP, shaped like HuggingFace text-embeddings-inference: requests are
queued and batched under a token budget on worker threads, so /health and /metrics answer while the
model computes. Open the printed URL in a browser to try the model.

Routes: POST /predict (classification), /embed, /fill-mask, /question-answering,
/token-classification, /zero-shot-classification, /tokenize; GET /health, /info, /metrics, / (the page).
With several models, a request names one by its "model" field or as /models/NAME/ROUTE; the first
model answers the others.

  --model DIR | NAME=DIR        a model directory (repeatable; NAME defaults to the folder's name)
  --task T                      the task of the models: ${TASKS.join(', ')} (default auto: config.json's architectures)
  --host H                      address to listen on (default 127.0.0.1)
  --port N                      port (default 3000; 0 = any free port)
  --workers N                   worker threads, each holding the models (default 1)
  --threads N                   kernel threads (default: ALBERT_NUM_THREADS, else all cores)
  --dtype fp32|bf16|int8        ${DTYPE_HELP}
  --max-batch-tokens N          padded tokens per batch (default 16384)
  --max-batch-requests N        inputs per batch (default 32)
  --max-concurrent-requests N   requests admitted at once; more get 429 (default 512)
  --max-client-batch-size N     inputs per request (default 32)
  --max-input-length N          tokens per input (default: the model's max_position_embeddings)
  --auto-truncate               truncate longer inputs instead of answering 422
  --payload-limit SIZE          request body limit (default 2000000 bytes; 413 past it)
  --pooling mean|cls            /embed's pooling (default mean)
`;

/** --model DIR or NAME=DIR (a directory whose path holds "=" is taken whole when it exists). */
function parseModelFlag(spec: string, task: PipelineTask | 'auto'): ServeModel {
  const eq = spec.indexOf('=');
  if (eq > 0) return { name: spec.slice(0, eq), dir: spec.slice(eq + 1), task };
  return { dir: spec, task };
}

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, {
    model: { type: 'string', multiple: true }, task: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
    workers: { type: 'string' }, threads: { type: 'string' }, 'max-batch-tokens': { type: 'string' }, 'max-batch-requests': { type: 'string' },
    'max-concurrent-requests': { type: 'string' }, 'max-client-batch-size': { type: 'string' }, 'max-input-length': { type: 'string' },
    'auto-truncate': { type: 'boolean' }, 'payload-limit': { type: 'string' }, pooling: { type: 'string' }, dtype: { type: 'string' },
  }, help);
  if (!a) return 0;
  const v = a.values;
  if (!v.model?.length) throw new UserError('missing required flag --model (see --help)');
  const task = (v.task ?? 'auto') as PipelineTask | 'auto';
  if (!TASKS.includes(task)) throw new UserError(`--task must be one of ${TASKS.join(', ')}, got "${task}"`);
  const pooling = v.pooling ?? 'mean';
  if (pooling !== 'mean' && pooling !== 'cls') throw new UserError(`--pooling must be mean or cls, got "${pooling}"`);
  const server = await serve({
    models: v.model.map((m) => parseModelFlag(m, task)),
    host: v.host,
    port: intFlag(v.port, 'port', 3000, 0, 65535),
    workers: intFlag(v.workers, 'workers', 1, 1, 64),
    threads: threadsFlag(v.threads),
    dtype: dtypeFlag(v.dtype),
    maxBatchTokens: intFlag(v['max-batch-tokens'], 'max-batch-tokens', 16384, 1),
    maxBatchRequests: intFlag(v['max-batch-requests'], 'max-batch-requests', 32, 1),
    maxConcurrentRequests: intFlag(v['max-concurrent-requests'], 'max-concurrent-requests', 512, 1),
    maxClientBatchSize: intFlag(v['max-client-batch-size'], 'max-client-batch-size', 32, 1),
    maxInputLength: v['max-input-length'] === undefined ? undefined : intFlag(v['max-input-length'], 'max-input-length', 0, 1),
    autoTruncate: v['auto-truncate'] ?? false,
    payloadLimit: memoryFlag(v['payload-limit'], 'payload-limit'),
    pooling,
    log: (line) => process.stderr.write(line + '\n'),
  });
  for (const m of server.models) process.stderr.write(`  ${m.name}: ${m.task} (${m.dir})\n`);
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`albert serve: ${signal}: answering the requests in flight, then exiting\n`);
      server.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
