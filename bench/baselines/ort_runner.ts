// The onnxruntime-node baseline: eval forward of the ONNX file that torch_albert.py exported (the bare
// model, or with --head classification the classifier's logits and softmax), one measurement per
// process (so peak RSS is this run's). onnxruntime-node is not a dependency of
// albert-ts: bench/baselines/deps.ts installs it on demand into a git-ignored folder, passed here.
//
//   node dist/bench/baselines/ort_runner.js --ort-dir DIR --onnx FILE --batch B --seq S --threads T --steps N [--warmup W] [--mode M]
//   node dist/bench/baselines/ort_runner.js --ort-dir DIR --onnx FILE --reference FP32_FILE --batch B --seq S [--vocab V]
//
// The last stdout line is one JSON object: engine, mode (--mode, echoed: infer or classify), batch, seq, threads, tokens_per_s, step_s_median, peak_rss_bytes.
// With --reference (the int8 model's check before it is timed): both models on the same inputs, and how
// their first outputs compare: top1_agreement (the argmax over the last axis, per row: per token of the
// last hidden state), max_rel_diff (largest |difference| over the reference's largest |value|), rows.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median, peakRssBytes, randomTokenIds } from '../../src/cli/bench_stats.js';
import { compareOutputs } from './onnx_int8.js';

/** The part of onnxruntime-node's API this runner uses. */
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  release(): Promise<void>;
  outputNames: readonly string[];
}
interface Ort {
  InferenceSession: { create(path: string, opts: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
  env: { versions: Record<string, string> };
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      'ort-dir': { type: 'string' }, onnx: { type: 'string' }, batch: { type: 'string' }, seq: { type: 'string' },
      threads: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, vocab: { type: 'string' },
      mode: { type: 'string' }, reference: { type: 'string' },
    },
  });
  const B = Number(v.batch ?? 8), S = Number(v.seq ?? 128), T = Number(v.threads ?? 2);
  const steps = Number(v.steps ?? 5), warmup = Number(v.warmup ?? 1), vocab = Number(v.vocab ?? 30000);
  const ort = createRequire(join(resolve(v['ort-dir']!), 'node_modules', 'x.js'))('onnxruntime-node') as Ort;
  // intra-op threads = the kernel threads; one inter-op thread (the graph is a chain), full graph optimization.
  const sessionOptions = { intraOpNumThreads: T, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const session = await ort.InferenceSession.create(v.onnx!, sessionOptions);
  const n = B * S;
  const ids = BigInt64Array.from(randomTokenIds(n, vocab, 1), (x) => BigInt(x));
  const types = new BigInt64Array(n);
  for (let i = 0; i < n; i++) types[i] = i % S >= S >> 1 ? 1n : 0n;
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [B, S]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [B, S]),
    token_type_ids: new ort.Tensor('int64', types, [B, S]),
  };
  if (v.reference) {
    const ref = await ort.InferenceSession.create(v.reference, sessionOptions);
    const a = (await session.run(feeds))[session.outputNames[0]], b = (await ref.run(feeds))[ref.outputNames[0]];
    process.stdout.write(JSON.stringify({ engine: 'onnxruntime-node', check: v.onnx, reference: v.reference, ...compareOutputs(a.data, b.data, b.dims[b.dims.length - 1]) }) + '\n');
    await ref.release();
    await session.release();
    return;
  }
  const times: number[] = [];
  for (let step = 0; step < warmup + steps; step++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    if (step >= warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const med = median(times);
  process.stdout.write(JSON.stringify({
    engine: 'onnxruntime-node', version: ort.env.versions.node ?? ort.env.versions.common, mode: v.mode ?? 'infer',
    batch: B, seq: S, threads: T, steps, tokens_per_s: n / med, step_s_median: med, peak_rss_bytes: peakRssBytes(),
  }) + '\n');
  await session.release();
}

main().catch((e: unknown) => {
  process.stderr.write(`ort_runner: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 1;
});
