// Smoke test of `albert bench` on a tiny config (never asserts speed), of the FLOP count, and of the
// PyTorch baseline of `npm run bench` (skipped, saying so, where /usr/bin/python3 has no torch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchMode, maskedPerSequence, median, modelFlops, randomTokenIds } from '../src/cli/bench_stats.js';
import { checkBaselineParity } from '../bench/baselines/parity.js';
import { CACHE_DIR, TORCH_SCRIPT, findTorchPython } from '../bench/baselines/deps.js';
import { compareOutputs, graphNodes, quantizeDynamic, quantizeWeight } from '../bench/baselines/onnx_int8.js';
import { loadPeak } from '../bench/peak.js';
import { ProtoWriter } from '../src/tokenizer/protobuf.js';
import { glueBaseline, splitSquadByTitle } from '../bench/real_data.js';
import { parseConfig } from '../src/model/config.js';
import { presetConfig } from '../src/model/presets.js';
import { softmax } from '../src/model/top_k.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A model small enough for the js backend: V 50, E 8, H 16, 2 layers in 2 groups. */
const TINY = {
  vocab_size: 50, embedding_size: 8, hidden_size: 16, num_hidden_layers: 2, num_hidden_groups: 2, inner_group_num: 1,
  num_attention_heads: 2, intermediate_size: 24, hidden_act: 'gelu_new', max_position_embeddings: 32, type_vocab_size: 2,
  hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1,
};

function albert(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ALBERT_BACKEND: 'js' } });
}

test('albert bench --json prints one JSON object with the documented fields, in every mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'albert-bench-'));
  try {
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify(TINY));
    for (const mode of ['infer', 'train', 'finetune', 'classify'] as const) {
      const r = albert(['bench', '--config', cfg, '--mode', mode, '--batch', '2', '--seq', '12', '--steps', '2', '--warmup', '1', '--threads', '1', '--json']);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      const j = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
      assert.deepEqual(
        { config: j.config, mode: j.mode, batch: j.batch, seq: j.seq, threads: j.threads, backend: j.backend, steps: j.steps },
        { config: cfg, mode, batch: 2, seq: 12, threads: 1, backend: 'js', steps: 2 });
      for (const k of ['tokens_per_s', 'step_s_median', 'peak_rss_bytes', 'gflops']) {
        assert.ok(typeof j[k] === 'number' && (j[k] as number) > 0 && Number.isFinite(j[k]), `${k} = ${String(j[k])}`);
      }
      assert.equal(j.tokens_per_s as number, 24 / (j.step_s_median as number));
      assert.equal((j.step_s as number[]).length, 2);
      assert.equal(j.step_s_median, median(j.step_s as number[]));
      assert.equal(j.gflop_per_step, modelFlops(parseConfig(TINY, 'tiny'), 2, 12, mode) / 1e9);
      if (mode === 'train') {
        // MLM over V = 50 classes + SOP over 2 at random init: about ln 50 + ln 2 = 4.6
        assert.ok(Math.abs((j.loss as number) - Math.log(50) - Math.log(2)) < 1.5, `loss ${String(j.loss)}`);
      }
      if (mode === 'finetune') {
        // cross-entropy over 2 labels at random init (small weights, logits near 0): about ln 2
        assert.ok(Math.abs((j.loss as number) - Math.log(2)) < 0.1, `loss ${String(j.loss)}`);
        assert.ok(typeof j.grad_norm === 'number' && j.grad_norm > 0 && Number.isFinite(j.grad_norm), `grad_norm ${String(j.grad_norm)}`);
      } else {
        assert.equal(j.grad_norm, undefined);
      }
      assert.equal(j.loss === undefined, mode === 'infer' || mode === 'classify');
      assert.match(lines[1], /tokens\/s [\d.]+ .*peak RSS \d+ MiB/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('albert bench --profile lists the kernels a training step calls', () => {
  const r = albert(['bench', '--config', 'tiny', '--mode', 'train', '--batch', '1', '--seq', '8', '--steps', '1', '--warmup', '0', '--profile']);
  assert.equal(r.status, 0, r.stderr);
  for (const k of ['gemmPacked', 'gemm', 'linearBackward', 'attentionBackward', 'layerNormForward', 'adamUpdate', '(outside kernels)']) assert.match(r.stdout, new RegExp(`\\n +${k.replace(/[()]/g, '\\$&')} `));
  // the tiny model's FFN input GEMM, (B*S, H) x (I, H)^T on the packed weight, once per layer but the last
  // (3), which runs it only at the rows the loss reads (the masked one and token 0); its backward likewise
  assert.match(r.stdout, /GEMMs by shape[^\n]*\n(.*\n)*  +packed 8x512x128 +3 /);
  assert.match(r.stdout, /GEMMs by shape[^\n]*\n(.*\n)*  +dW\+dx 512x128 rows 8 +3 /);
});

test('albert bench rejects bad flags and files with one clear line', () => {
  const bad = albert(['bench', '--config', 'tiny', '--mode', 'fly']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'albert: --mode must be infer, train, finetune or classify, got "fly"\n');
  const missing = albert(['bench', '--config', '/nonexistent/config.json']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^albert: \/nonexistent\/config\.json: .+\n$/);
  const long = albert(['bench', '--config', 'tiny', '--seq', '513']);
  assert.equal(long.status, 1);
  assert.match(long.stderr, /--seq must be an integer >= 1 and <= 512, got "513"/);
});

test('model FLOPs of base-v2 match a count by hand', () => {
  const c = presetConfig('base-v2');
  // per token per layer: QKV 3*2*768*768 + scores/context 2*2*128*768 + out 2*768*768 + FFN 2*2*768*3072 = 14,548,992;
  // x 1024 tokens x 12 layers + projection 2*1024*128*768 + pooler 2*8*768*768
  assert.equal(modelFlops(c, 8, 128, 'infer'), 178_988_777_472);
  // + MLM head at 8 x 19 masked positions (dense 768->128, decoder 128->30000) + SOP, all x 3 = 540,558,139,392;
  // less the last layer's out + FFN (10,616,832 per token) at the 1024 - 8 x (19 + 1) rows no loss reads, x 3
  assert.equal(maskedPerSequence(128), 19);
  assert.equal(modelFlops(c, 8, 128, 'train'), 540_558_139_392 - 3 * 864 * 10_616_832);
});

test('model FLOPs of a base-v2 fine-tuning step and its evaluation (SST-2 shapes) match a count by hand', () => {
  const c = presetConfig('base-v2');
  // 14,548,992 per token per layer x 4096 tokens x 12 layers + projection 2*4096*128*768 + pooler 2*32*768*768
  const infer = 715_955_109_888;
  assert.equal(modelFlops(c, 32, 128, 'infer'), infer);
  // + the classifier 2*32*768*2, less the last layer's out + FFN (10,616,832 per token) at the 4096 - 32
  // rows besides token 0 (the pooler reads token 0 alone)
  assert.equal(modelFlops(c, 32, 128, 'classify'), infer + 98_304 - 4064 * 10_616_832);
  assert.equal(modelFlops(c, 32, 128, 'classify'), 672_808_402_944);
  // x 3
  assert.equal(modelFlops(c, 32, 128, 'finetune'), 3 * (infer + 98_304 - 4064 * 10_616_832));
  assert.equal(modelFlops(c, 32, 128, 'finetune'), 2_018_425_208_832);
});

test('the softmax bench --mode classify takes of each row: exp(x - max) / sum, stable for large logits', () => {
  const logits = Float32Array.from([0, Math.log(3), 1000, 1000, -5, 5]);
  const out = [0, 1, 2].flatMap((r) => softmax(logits.subarray(2 * r, 2 * r + 2)));
  const want = [0.25, 0.75, 0.5, 0.5, 1 / (1 + Math.exp(10)), 1 / (1 + Math.exp(-10))];
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(out[i] - want[i]) < 1e-6, `${i}: ${out[i]} vs ${want[i]}`);
});

const torch = findTorchPython();
const noTorch = torch.ok ? false : `no PyTorch for the baseline: ${torch.reason}`;

test('the PyTorch baseline computes what albert-ts does: pretraining, and the classifier with its gradient norm', { skip: noTorch }, () => {
  const r = checkBaselineParity((torch as { ok: true; value: { python: string } }).value.python);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.match(r.value, /^max rel\. diff [\d.e+-]+ \(pretraining\), [\d.e+-]+ \(sequence-classification\)$/);
});

test('the PyTorch baseline runs the fine-tuning step and its evaluation, reporting the same fields as albert bench', { skip: noTorch }, () => {
  const python = (torch as { ok: true; value: { python: string } }).value.python;
  for (const mode of ['finetune', 'classify'] as BenchMode[]) {
    const r = spawnSync(python, [TORCH_SCRIPT, '--config-json', JSON.stringify({ ...TINY, layer_norm_eps: 1e-12, initializer_range: 0.02, num_labels: 3 }),
      '--mode', mode, '--batch', '2', '--seq', '12', '--steps', '2', '--warmup', '1', '--threads', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
    assert.deepEqual({ mode: j.mode, batch: j.batch, seq: j.seq, threads: j.threads, steps: j.steps }, { mode, batch: 2, seq: 12, threads: 1, steps: 2 });
    assert.equal(j.tokens_per_s, 24 / (j.step_s_median as number));
    assert.ok((j.peak_rss_bytes as number) > 0);
  }
});

test('random token ids are uniform-ish, in range and a function of the seed', () => {
  const a = randomTokenIds(10000, 7, 3), b = randomTokenIds(10000, 7, 3), c = randomTokenIds(10000, 7, 4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const counts = new Array(7).fill(0);
  for (const x of a) counts[x]++;
  for (const n of counts) assert.ok(n > 10000 / 7 * 0.9 && n < 10000 / 7 * 1.1, `counts ${counts}`);
});

test('bench:real: SQuAD dev split by article (every fifth) and the majority baselines, counted by hand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'albert-real-'));
  try {
    const qa = (id: string) => ({ id, question: 'q?', answers: [{ text: 'a', answer_start: 0 }] });
    const data = Array.from({ length: 11 }, (_, i) => ({ title: `T${i}`, paragraphs: [{ context: 'a b c', qas: Array.from({ length: i + 1 }, (_, k) => qa(`${i}-${k}`)) }] }));
    writeFileSync(join(dir, 'dev.json'), JSON.stringify({ version: '1.1', data }));
    const s = splitSquadByTitle(join(dir, 'dev.json'), join(dir, 'split'));
    assert.deepEqual(s.devTitles, ['T0', 'T5', 'T10']);
    assert.deepEqual(s.trainTitles, ['T1', 'T2', 'T3', 'T4', 'T6', 'T7', 'T8', 'T9']);
    assert.equal(s.devQuestions, 1 + 6 + 11);
    assert.equal(s.trainQuestions, 66 - 18);
    assert.deepEqual((JSON.parse(readFileSync(s.dev, 'utf8')) as { data: { title: string }[] }).data.map((a) => a.title), s.devTitles);

    // MRPC dev 1, 1, 1, 0: always "1" is right 3 times in 4; its F1 = 2 * (3/4 * 1) / (3/4 + 1) = 6/7
    const mrpc = join(dir, 'MRPC');
    mkdirSync(mrpc);
    writeFileSync(join(mrpc, 'dev.tsv'), ['Quality\t#1 ID\t#2 ID\t#1 String\t#2 String', ...[1, 1, 1, 0].map((l, i) => `${l}\t${i}\t${i + 9}\tA s.\tB s.`)].join('\n') + '\n');
    const b = glueBaseline('mrpc', mrpc);
    assert.equal(b.what, 'majority class "1" of dev');
    assert.ok(Math.abs(b.metrics.accuracy - 0.75) < 1e-12 && Math.abs(b.metrics.f1 - 6 / 7) < 1e-12, JSON.stringify(b.metrics));
    // RTE dev: one entailment, two not: 2/3
    const rte = join(dir, 'RTE');
    mkdirSync(rte);
    writeFileSync(join(rte, 'dev.tsv'), ['index\tsentence1\tsentence2\tlabel', '0\tA.\tB.\tentailment', '1\tC.\tD.\tnot_entailment', '2\tE.\tF.\tnot_entailment'].join('\n') + '\n');
    const r = glueBaseline('rte', rte);
    assert.equal(r.what, 'majority class "not_entailment" of dev');
    assert.ok(Math.abs(r.metrics.accuracy - 2 / 3) < 1e-12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- issue 18's anchors: the FMA peak and onnxruntime's int8 model ----

test('fmaPeak runs every kind this CPU has (as /proc/cpuinfo lists it) at a plausible rate, and refuses others', (t) => {
  const peak = loadPeak();
  if (!peak.ok) return t.skip(peak.reason);
  const flags = new Set((readCpuinfo().match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  const want = [['avx2_fma', flags.has('avx2') && flags.has('fma')], ['avx512_fma', flags.has('avx512f')],
    ['avx512_bf16', flags.has('avx512f') && flags.has('avx512_bf16')], ['avx512_vnni', flags.has('avx512f') && flags.has('avx512_vnni')],
    ['avx_vnni', flags.has('avx2') && flags.has('avx_vnni')], ['amx_bf16', flags.has('amx_tile') && flags.has('amx_bf16')],
    ['amx_int8', flags.has('amx_tile') && flags.has('amx_int8')]].filter(([, has]) => has).map(([k]) => k);
  if (process.arch === 'x64' && flags.size > 1) assert.deepEqual(peak.value.fmaPeakKinds(), want);
  for (const kind of peak.value.fmaPeakKinds()) {
    const rate = peak.value.fmaPeak(kind, 1, 0.03);
    // one core at >= 1 GHz does >= 16 FLOP per cycle with any of them; no core does 100 TFLOP/s (AMX int8: ~8 TOP/s)
    assert.ok(rate > 1 && rate < 1e5, `${kind}: ${rate}`);
  }
  assert.throws(() => peak.value.fmaPeak('sse_fma', 1, 0.01), /unknown kind "sse_fma"/);
  assert.throws(() => peak.value.fmaPeak('avx2_fma', 0, 0.01), /threads/);
  for (const kind of ['avx2_fma', 'avx512_fma', 'avx512_bf16', 'avx512_vnni', 'avx_vnni', 'amx_bf16', 'amx_int8'].filter((k) => !want.includes(k))) {
    assert.throws(() => peak.value.fmaPeak(kind, 1, 0.01), /this CPU has no/);
  }
});

test("quantize_dynamic's int8 weights: symmetric, max|w| / 127 per tensor or per column, round half to even", () => {
  const w = Float32Array.from([0.5, -2, 1, 0.25, -0.127, 4]); // (K 2, N 3)
  const t = quantizeWeight(w, 2, 3, false);
  assert.deepEqual([...t.scale], [Math.fround(4 / 127)]);
  assert.deepEqual([...t.q], [16, -64, 32, 8, -4, 127]); // w / (4/127): 15.875, -63.5 (half to even: -64), 31.75, 7.9375, -4.03, 127
  const c = quantizeWeight(w, 2, 3, true);
  assert.deepEqual([...c.scale], [0.5 / 127, 2 / 127, 4 / 127].map(Math.fround));
  assert.deepEqual([...c.q], [127, -127, 32, 64, -8, 127]);
});

/** A hand-written ONNX model: y = relu(x W1 + b) Identity(W2), and z = y v (v an input, not a constant: stays fp32). */
function tinyOnnx(w1: Float32Array, b: Float32Array, w2: Float32Array): Uint8Array {
  const msg = (f: (w: ProtoWriter) => void) => { const w = new ProtoWriter(); f(w); return w.finish(); };
  const tensor = (name: string, dims: number[], data: Float32Array) => msg((w) => {
    for (const d of dims) w.varint(1, d);
    w.varint(2, 1);
    w.string(8, name);
    w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  });
  const node = (op: string, ins: string[], outs: string[]) => msg((w) => {
    for (const i of ins) w.string(1, i);
    for (const o of outs) w.string(2, o);
    w.string(3, `${op}_${outs[0]}`);
    w.string(4, op);
  });
  const valueInfo = (name: string, dims: (number | string)[]) => msg((w) => {
    w.string(1, name);
    w.bytes(2, msg((tp) => tp.bytes(1, msg((tt) => {
      tt.varint(1, 1);
      tt.bytes(2, msg((sh) => { for (const d of dims) sh.bytes(1, msg((dm) => (typeof d === 'number' ? dm.varint(1, d) : dm.string(2, d)))); }));
    }))));
  });
  const graph = msg((g) => {
    g.bytes(1, node('MatMul', ['x', 'W1'], ['h']));
    g.bytes(1, node('Add', ['h', 'b'], ['hb']));
    g.bytes(1, node('Relu', ['hb'], ['r']));
    g.bytes(1, node('Identity', ['W2'], ['W2_use']));
    g.bytes(1, node('MatMul', ['r', 'W2_use'], ['y']));
    g.bytes(1, node('MatMul', ['y', 'v'], ['z']));
    g.string(2, 'tiny');
    g.bytes(5, tensor('W1', [8, 6], w1));
    g.bytes(5, tensor('b', [6], b));
    g.bytes(5, tensor('W2', [6, 5], w2));
    g.bytes(11, valueInfo('x', ['rows', 8]));
    g.bytes(11, valueInfo('v', [5, 3]));
    g.bytes(12, valueInfo('y', ['rows', 5]));
    g.bytes(12, valueInfo('z', ['rows', 3]));
  });
  return msg((m) => {
    m.varint(1, 8); // IR version 8
    m.bytes(8, msg((o) => { o.string(1, ''); o.varint(2, 17); }));
    m.bytes(7, graph);
  });
}

test("the int8 ONNX graph is quantize_dynamic's: DynamicQuantizeLinear + MatMulInteger + scales for each MatMul with a constant B, and computes it (onnxruntime)", async (t) => {
  const rnd = (n: number, seed: number) => Float32Array.from(randomTokenIds(n, 2001, seed), (v) => (v - 1000) / 1000);
  const w1 = rnd(48, 1), b = rnd(6, 2), w2 = rnd(30, 3), x = rnd(4 * 8, 4);
  const fp32 = tinyOnnx(w1, b, w2);
  const { model, report } = quantizeDynamic(fp32);
  assert.deepEqual(report, { matmuls: 2, weights: 2, activations: 2, keptFp32MatMuls: 1 });
  const ops = graphNodes(model).map((n) => n.opType);
  // the Identity that fed W2 is gone with the fp32 weight; y v (no constant B) is kept as it was
  assert.deepEqual(ops, ['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'Add', 'Relu',
    'DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul', 'Mul', 'MatMul']);

  const ortDir = join(CACHE_DIR, 'ort');
  if (!existsSync(join(ortDir, 'node_modules', 'onnxruntime-node'))) return t.skip(`onnxruntime-node is not installed in ${ortDir} (npm run bench installs it)`);
  const ort = createRequire(join(ortDir, 'node_modules', 'x.js'))('onnxruntime-node') as {
    InferenceSession: { create(m: Uint8Array): Promise<{ run(f: Record<string, unknown>): Promise<Record<string, { data: Float32Array }>> }> };
    Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  };
  const v = rnd(15, 5);
  const run = async (m: Uint8Array) => (await (await ort.InferenceSession.create(m)).run({ x: new ort.Tensor('float32', x, [4, 8]), v: new ort.Tensor('float32', v, [5, 3]) })).y.data;
  const [yf, yq] = [await run(fp32), await run(model)];
  // the reference: ONNX's DynamicQuantizeLinear (u8, range widened to include 0) and an integer product, in doubles
  const dql = (a: Float32Array) => {
    const lo = Math.min(0, ...a), hi = Math.max(0, ...a), scale = (hi - lo) / 255, zp = Math.max(0, Math.min(255, Math.round(-lo / scale)));
    return { q: Array.from(a, (v) => Math.max(0, Math.min(255, roundEven(v / scale) + zp))), scale, zp };
  };
  const qmatmul = (a: Float32Array, rows: number, k: number, w: Float32Array, n: number) => {
    const qa = dql(a), qw = quantizeWeight(w, k, n, false), out = new Float32Array(rows * n);
    for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += (qa.q[i * k + p] - qa.zp) * qw.q[p * n + j];
      out[i * n + j] = acc * qa.scale * qw.scale[0];
    }
    return out;
  };
  const h = qmatmul(x, 4, 8, w1, 6).map((v, i) => Math.max(0, v + b[i % 6]));
  const want = qmatmul(h, 4, 6, w2, 5);
  let fp32Ref = 0, qErr = 0, fErr = 0;
  for (let i = 0; i < want.length; i++) {
    fp32Ref = Math.max(fp32Ref, Math.abs(yf[i]));
    qErr = Math.max(qErr, Math.abs(yq[i] - want[i]));
    fErr = Math.max(fErr, Math.abs(yq[i] - yf[i]));
  }
  assert.ok(qErr < 1e-4 * fp32Ref, `onnxruntime's int8 result vs the int8 reference: ${qErr} (of ${fp32Ref})`);
  assert.ok(fErr < 0.05 * fp32Ref, `int8 vs fp32: ${fErr} (of ${fp32Ref})`);
  const top1 = compareOutputs(yq, yf, 5);
  assert.ok(top1.top1_agreement >= 0.75, JSON.stringify(top1));
});

function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function readCpuinfo(): string {
  return existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
}

test('albert bench --precision bf16 trains in bf16 (another loss than fp32\'s, same seed) and refuses other precisions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'albert-bench-bf16-'));
  try {
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify(TINY));
    const run = (p: string) => albert(['bench', '--config', cfg, '--mode', 'train', '--batch', '2', '--seq', '16', '--steps', '1', '--warmup', '0', '--precision', p, '--json']);
    const f = run('fp32'), h = run('bf16');
    assert.equal(f.status, 0, f.stderr);
    assert.equal(h.status, 0, h.stderr);
    const jf = JSON.parse(f.stdout.trim().split('\n').at(-1)!), jh = JSON.parse(h.stdout.trim().split('\n').at(-1)!);
    assert.equal(jh.precision, 'bf16');
    assert.equal(jf.precision, undefined);
    assert.notEqual(jh.loss, jf.loss);
    assert.ok(Math.abs(jh.loss - jf.loss) / jf.loss < 1e-2, `${jh.loss} vs ${jf.loss}`);
    const bad = run('fp16');
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, 'albert: --precision must be fp32 or bf16, got "fp16"\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
