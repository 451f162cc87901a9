// The onnxruntime-node baseline: eval forward of the ONNX file that torch_albert.py exported (the bare
// model, or with --head classification the classifier's logits and softmax), one measurement per
// process (so peak RSS is this run's). onnxruntime-node is not a dependency of
// albert-ts: bench/baselines/deps.ts installs it on demand into a git-ignored folder, passed here.
//
//   node dist/bench/baselines/ort_runner.js --ort-dir DIR --onnx FILE --batch B --seq S --threads T --steps N [--warmup W] [--mode M]
//
// The last stdout line is one JSON object: engine, mode (--mode, echoed: infer or classify), batch, seq, threads, tokens_per_s, step_s_median, peak_rss_bytes.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median, peakRssBytes, randomTokenIds } from '../../src/cli/bench_stats.js';

/** The part of onnxruntime-node's API this runner uses. */
interface Ort {
  InferenceSession: {
    create(path: string, opts: Record<string, unknown>): Promise<{ run(feeds: Record<string, unknown>): Promise<unknown>; release(): Promise<void> }>;
  };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: number[]) => unknown;
  env: { versions: Record<string, string> };
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      'ort-dir': { type: 'string' }, onnx: { type: 'string' }, batch: { type: 'string' }, seq: { type: 'string' },
      threads: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, vocab: { type: 'string' },
      mode: { type: 'string' },
    },
  });
  const B = Number(v.batch ?? 8), S = Number(v.seq ?? 128), T = Number(v.threads ?? 2);
  const steps = Number(v.steps ?? 5), warmup = Number(v.warmup ?? 1), vocab = Number(v.vocab ?? 30000);
  const ort = createRequire(join(resolve(v['ort-dir']!), 'node_modules', 'x.js'))('onnxruntime-node') as Ort;
  // intra-op threads = the kernel threads; one inter-op thread (the graph is a chain), full graph optimization.
  const session = await ort.InferenceSession.create(v.onnx!, {
    intraOpNumThreads: T, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const n = B * S;
  const ids = BigInt64Array.from(randomTokenIds(n, vocab, 1), (x) => BigInt(x));
  const types = new BigInt64Array(n);
  for (let i = 0; i < n; i++) types[i] = i % S >= S >> 1 ? 1n : 0n;
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [B, S]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [B, S]),
    token_type_ids: new ort.Tensor('int64', types, [B, S]),
  };
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
