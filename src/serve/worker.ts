// A worker thread of `albert serve`: holds the served models' pipelines and runs the batches the
// main thread sends, so inference never blocks the main thread's event loop. Each model's own task
// is loaded at start; another task of the same model (zero-shot on a classifier, /embed) on first use.
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { loadPipeline, type BatchPipeline, type PipelineTask } from './load_pipeline.js';
import type { BatchMessage, Outcome, WorkerInit, WorkerMessage } from './worker_protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const pipelines = new Map<string, Promise<BatchPipeline>>();

function pipelineFor(model: string, task: PipelineTask): Promise<BatchPipeline> {
  const key = `${model}\0${task}`;
  let p = pipelines.get(key);
  if (!p) {
    const m = init.models.find((x) => x.name === model);
    if (!m) throw new UserError(`no model "${model}"`);
    p = loadPipeline(task, m.dir, { threads: init.threads, maxBatchSize: init.maxBatchSize, maxLength: m.maxLength, dtype: init.dtype });
    pipelines.set(key, p);
  }
  return p;
}

const outcomeOf = (e: unknown): { error: string; user: boolean } => ({ error: (e as Error)?.message ?? String(e), user: e instanceof UserError });

/** One batch through runBatch; when it throws, each input alone, so one bad input fails only its own request. */
function run(p: BatchPipeline, msg: BatchMessage): Outcome[] {
  try {
    const values = p.runBatch(msg.inputs, msg.options);
    return values.map((value) => ({ value }));
  } catch (e) {
    if (msg.inputs.length === 1) return [outcomeOf(e)];
  }
  return msg.inputs.map((input) => {
    try {
      return { value: p.runBatch([input], msg.options)[0] };
    } catch (e) {
      return outcomeOf(e);
    }
  });
}

const post = (m: WorkerMessage) => port.postMessage(m);

port.on('message', async (msg: BatchMessage) => {
  const start = performance.now();
  let outcomes: Outcome[];
  try {
    outcomes = run(await pipelineFor(msg.model, msg.task), msg);
  } catch (e) {
    outcomes = msg.inputs.map(() => outcomeOf(e));
  }
  post({ type: 'done', id: msg.id, outcomes, ms: performance.now() - start });
});

// Each model's own task before the worker says it is ready: a model that cannot load stops the server at start.
Promise.all(init.models.map((m) => pipelineFor(m.name, m.task))).then(
  () => post({ type: 'ready' }),
  (e: unknown) => post({ type: 'failed', ...outcomeOf(e) }),
);
