// Data-parallel training under mpirun (src/parallel/comm.ts, native/mpi.cc): N ranks train as one
// process does; a rank that dies or hangs ends the job within bounded time, the last checkpoint intact;
// two ranks in two network namespaces joined by a veth pair (two "hosts" over TCP) train alike.
// Skipped, saying why, where mpirun or the MPI addon is missing, or network namespaces are not permitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../src/io/safetensors.js';
import { mpiBuilt } from '../src/parallel/comm.js';
import { smallData } from './pretrain_helpers.js';
import { syntheticRows, tokenizerFile, TINY_SET_FLAGS, writeTsv } from './finetune_helpers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MPIRUN = spawnSync('sh', ['-c', 'command -v mpirun'], { encoding: 'utf8' }).stdout.trim();
const skipMpi = !MPIRUN ? 'mpirun not found (install openmpi-bin)' : !mpiBuilt() ? 'albert_mpi.node was built without MPI (install libopenmpi-dev, rebuild)' : false;
if (skipMpi) process.stderr.write(`# mpi tests skipped: ${skipMpi}\n`);

// As root mpirun needs these; --oversubscribe: 2 ranks on however many cores. No ranks of other jobs see these env vars.
const MPI_ENV = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };
const mpirun = (np: number, extra: string[] = []) => [MPIRUN, '-np', String(np), '--oversubscribe', '--mca', 'btl', 'tcp,self,vader', ...extra, process.execPath, MAIN];

const MODEL = { embedding_size: 16, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, num_hidden_layers: 2, classifier_dropout_prob: 0 };
const setFlags = (m: Record<string, number>) => Object.entries(m).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

function metrics(out: string): Record<string, number>[] {
  const f = path.join(out, 'metrics.jsonl');
  if (!fs.existsSync(f)) return [];
  return fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}

function run(cmd: string[], env: NodeJS.ProcessEnv = MPI_ENV) {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd.join(' ')}\n${r.stderr}`);
  return r;
}

/** Each tensor of two model files within tol of that tensor's largest |value|; returns the largest such relative difference. */
function compareWeights(a: string, b: string, tol: number): number {
  const ta = readSafetensors(a).tensors, tb = readSafetensors(b).tensors;
  assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort());
  let worst = 0;
  for (const [name, x] of ta) {
    const y = tb.get(name)!.data;
    let scale = 0, diff = 0;
    for (let i = 0; i < x.data.length; i++) { scale = Math.max(scale, Math.abs(x.data[i])); diff = Math.max(diff, Math.abs(x.data[i] - y[i])); }
    // attention.key.bias has a zero gradient in exact arithmetic (softmax ignores a constant added per
    // query row): its values are rounding noise (~1e-9), compared at the scale 1e-3 instead.
    const rel = diff / Math.max(scale, 1e-3);
    assert.ok(rel <= tol, `${name}: max |difference| ${diff} is ${rel} of its largest value (tolerance ${tol})`);
    worst = Math.max(worst, rel);
  }
  return worst;
}

function compareLosses(a: Record<string, number>[], b: Record<string, number>[], tol: number): void {
  const ta = a.filter((r) => r.type === ('train' as unknown as number)), tb = b.filter((r) => r.type === ('train' as unknown as number));
  assert.equal(ta.length, tb.length);
  for (let i = 0; i < ta.length; i++) {
    assert.equal(ta[i].step, tb[i].step);
    for (const k of ['loss', 'mlm_loss', 'sentence_loss', 'mlm_acc', 'sentence_acc', 'grad_norm']) {
      if (ta[i][k] === undefined || ta[i][k] === null) continue;
      assert.ok(Math.abs(ta[i][k] - tb[i][k]) <= tol * Math.max(1, Math.abs(ta[i][k])), `step ${ta[i].step} ${k}: ${ta[i][k]} vs ${tb[i][k]}`);
    }
    assert.equal(ta[i].tokens_per_s === undefined, tb[i].tokens_per_s === undefined);
  }
}

test('albert --version says whether MPI is built in (and, under mpirun, the rank)', () => {
  const r = spawnSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, mpiBuilt() ? /^MPI: built in \(mpirun -np N/m : /^MPI: not built in/m);
  if (skipMpi) return;
  const two = spawnSync(mpirun(2)[0], [...mpirun(2).slice(1), '--version'], { encoding: 'utf8', env: MPI_ENV });
  assert.equal(two.status, 0, two.stderr);
  assert.match(two.stdout, /MPI: built in, rank 0 of 2 \(Open MPI/);
  assert.match(two.stdout, /MPI: built in, rank 1 of 2/);
});

let shared: Promise<{ dir: string; args: (out: string) => string[]; ref: string }> | undefined;
/** The data, the command, and its one-process run (the reference every multi-rank run is compared with). */
function reference() {
  shared ??= (async () => {
    const { dir, data, tokenizer } = await smallData();
    const args = (out: string) => ['pretrain', '--data', data, '--output', out, '--tokenizer', tokenizer, '--model', 'tiny', ...setFlags(MODEL),
      '--steps', '20', '--batch-size', '8', '--grad-accum', '2', '--optimizer', 'lamb', '--lr', '0.01', '--warmup-steps', '2',
      '--shuffle-buffer', '50', '--eval-instances', '16', '--log-every', '1', '--threads', '1', '--quiet'];
    const ref = path.join(dir, 'ref');
    run([process.execPath, MAIN, ...args(ref)], process.env);
    return { dir, args, ref };
  })();
  return shared;
}

const lastModel = (out: string) => path.join(out, 'checkpoint-0000020', 'model.safetensors');

test('mpirun -np 2 pretrains as one process: losses and weights after 20 LAMB steps within 1e-5; -np 1 bit for bit', { skip: skipMpi }, async () => {
  const { dir, args, ref } = await reference();
  const two = path.join(dir, 'two');
  run([...mpirun(2), ...args(two)]);
  compareLosses(metrics(ref), metrics(two), 1e-5);
  // Each train record says what the all-reduces cost per step: the gradient (fp32) and the statistics.
  const gradMiB = fs.statSync(lastModel(ref)).size / 2 ** 20;
  const rec = metrics(two).find((r) => r.type === ('train' as unknown as number))!;
  assert.ok(rec.allreduce_mib_per_step > 0.5 * gradMiB && rec.allreduce_mib_per_step < 1.5 * gradMiB, `${rec.allreduce_mib_per_step} MiB per step, model ${gradMiB} MiB`);
  assert.ok(rec.allreduce_s_per_step > 0);
  const worst = compareWeights(lastModel(ref), lastModel(two), 1e-5);
  process.stderr.write(`# 2 ranks vs 1 process after 20 steps: largest weight difference ${worst.toExponential(2)} of its tensor's largest value\n`);
  // One rank under mpirun takes exactly the one-process path.
  const one = path.join(dir, 'one');
  run([...mpirun(1), ...args(one)]);
  assert.deepEqual(fs.readFileSync(lastModel(one)), fs.readFileSync(lastModel(ref)));
  // Only rank 0 wrote: one metrics line per step and eval, no stray temporaries.
  assert.equal(metrics(two).length, metrics(ref).length);
  assert.deepEqual(fs.readdirSync(two).filter((f) => f.startsWith('.')), []);
  // bf16 on the wire: half the bytes, each partial sum rounded to bf16 (8 bits of mantissa): the same training, to ~1e-2.
  const bf16 = path.join(dir, 'bf16');
  run([...mpirun(2), ...args(bf16)], { ...MPI_ENV, ALBERT_ALLREDUCE: 'bf16' });
  compareLosses(metrics(ref), metrics(bf16), 2e-2);
  // A global batch the ranks cannot split evenly is refused by every rank, and the job ends.
  const odd = spawnSync(mpirun(2)[0], [...mpirun(2).slice(1), ...args(path.join(dir, 'odd')), '--batch-size', '7'], { encoding: 'utf8', env: MPI_ENV, timeout: 60_000 });
  assert.notEqual(odd.status, 0);
  assert.match(odd.stderr, /--batch-size 7 is the global batch: it must split evenly over the 2 ranks/);
});

test('mpirun -np 2 fine-tunes as one process (classification, AdamW)', { skip: skipMpi }, async () => {
  const { dir } = await reference();
  const tok = tokenizerFile(dir);
  const train = writeTsv(path.join(dir, 'train.tsv'), syntheticRows('classification', 64, 1));
  const dev = writeTsv(path.join(dir, 'dev.tsv'), syntheticRows('classification', 24, 2));
  const args = (out: string) => ['finetune', '--task', 'classification', '--data', train, '--model', 'tiny', '--tokenizer', tok, ...TINY_SET_FLAGS,
    '--set', 'classifier_dropout_prob=0', '--steps', '12', '--batch-size', '8', '--lr', '1e-3', '--log-every', '1', '--threads', '1', '--quiet',
    '--eval-data', dev, '--eval-every', '4',
    '--output', out];
  const a = path.join(dir, 'ft1'), b = path.join(dir, 'ft2');
  run([process.execPath, MAIN, ...args(a)], process.env);
  run([...mpirun(2), ...args(b)]);
  compareLosses(metrics(a), metrics(b), 1e-5);
  compareWeights(path.join(a, 'model', 'model.safetensors'), path.join(b, 'model', 'model.safetensors'), 1e-5);
  // The same evaluations, and the same best checkpoint kept (rank 0 decides for all).
  const evals = (o: string) => metrics(o).filter((r) => r.type === ('eval' as unknown as number)).map((r) => [r.step, r.accuracy]);
  assert.equal(evals(a).length, 3);
  assert.deepEqual(evals(b), evals(a));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(b, 'report.json'), 'utf8')).best.step, JSON.parse(fs.readFileSync(path.join(a, 'report.json'), 'utf8')).best.step);
});

/** The pids of mpirun's ranks, by rank (read from each child's environment). */
function rankPids(mpirunPid: number): Map<number, number> {
  const out = new Map<number, number>();
  // mpirun's children, from /proc (field 4 of /proc/PID/stat is the parent; the name in field 2 may hold spaces).
  const kids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try { return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === mpirunPid; } catch { return false; }
  });
  for (const pid of kids) {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const r = env.find((e) => e.startsWith('OMPI_COMM_WORLD_RANK='));
      if (r) out.set(Number(r.split('=')[1]), pid);
    } catch { /* gone */ }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a 2-rank run; once rank 0 has logged step `at`, send rank 1 `signal`; resolves when mpirun ends. */
function failRank(args: string[], out: string, at: number, signal: NodeJS.Signals, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stderr: string; seconds: number; step: number }>((resolve) => {
    const cmd = mpirun(2);
    const child = spawn(cmd[0], [...cmd.slice(1), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '', sentAt = 0, step = 0, done = false;
    child.stderr.on('data', (d) => { stderr += d; });
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      done = true;
      clearTimeout(giveUp);
      resolve({ code, stderr, seconds: sentAt ? (Date.now() - sentAt) / 1000 : NaN, step });
    });
    void (async () => {
      while (!done) {
        const rs = metrics(out).filter((r) => r.type === ('train' as unknown as number));
        if (rs.length && rs[rs.length - 1].step >= at) {
          const pid = rankPids(child.pid!).get(1);
          if (pid) { step = rs[rs.length - 1].step; sentAt = Date.now(); process.kill(pid, signal); return; }
        }
        await sleep(10);
      }
    })();
  });
}

test('a killed rank ends the job on every rank at once, a hung one within ALBERT_MPI_TIMEOUT; the last checkpoint resumes', { skip: skipMpi }, async () => {
  const { dir, args: base } = await reference();
  // Long enough to be caught in the middle: 400 steps of a larger batch, a checkpoint every 10.
  // (A flag given twice: the last counts.)
  const args = (out: string) => [...base(out), '--steps', '400', '--batch-size', '32', '--save-every', '10', '--keep', '2'];
  const killed = path.join(dir, 'killed');
  const k = await failRank(args(killed), killed, 15, 'SIGKILL', MPI_ENV);
  assert.notEqual(k.code, 0, 'the job fails');
  assert.ok(k.seconds < 20, `the job ended ${k.seconds} s after rank 1 was killed`);
  assert.match(k.stderr, /signal 9|Killed/, k.stderr);
  process.stderr.write(`# rank 1 killed at step ${k.step}: mpirun ended the job ${k.seconds.toFixed(2)} s later\n`);

  const hung = path.join(dir, 'hung');
  const h = await failRank(args(hung), hung, 15, 'SIGSTOP', { ...MPI_ENV, ALBERT_MPI_TIMEOUT: '2' });
  assert.notEqual(h.code, 0);
  assert.ok(h.seconds < 20, `the job ended ${h.seconds} s after rank 1 stopped`);
  assert.match(h.stderr, /rank 0 of 2: MPI_Allreduce waited 2 s for the other ranks/, h.stderr);
  process.stderr.write(`# rank 1 stopped at step ${h.step}: rank 0's collective timed out and the job ended ${h.seconds.toFixed(2)} s later\n`);

  // The newest checkpoint is whole: resuming (one process: any number of ranks dividing the batch) runs to the end.
  const cps = fs.readdirSync(killed).filter((f) => f.startsWith('checkpoint-'));
  assert.ok(cps.length >= 1);
  const resumed = spawnSync(process.execPath, [MAIN, ...args(killed), '--resume', '--steps', '400'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(resumed.status, 0, resumed.stderr);
  const steps = metrics(killed).filter((r) => r.type === ('train' as unknown as number)).map((r) => r.step);
  assert.deepEqual(steps, Array.from({ length: 400 }, (_, i) => i + 1), 'every step logged once');
});

/** Two network namespaces joined by a veth pair, or why they cannot be made here. */
function makeNamespaces(tag: string): { ns: [string, string]; ips: [string, string]; cleanup: () => void } | string {
  const ns: [string, string] = [`alb${tag}a`, `alb${tag}b`], ips: [string, string] = ['10.213.7.1', '10.213.7.2'];
  const ip = (...a: string[]) => spawnSync('ip', a, { encoding: 'utf8' });
  const cleanup = () => { for (const n of ns) ip('netns', 'del', n); };
  const steps: string[][] = [
    ['netns', 'add', ns[0]], ['netns', 'add', ns[1]],
    ['link', 'add', `v${tag}a`, 'type', 'veth', 'peer', 'name', `v${tag}b`],
    ['link', 'set', `v${tag}a`, 'netns', ns[0]], ['link', 'set', `v${tag}b`, 'netns', ns[1]],
    ['-n', ns[0], 'addr', 'add', `${ips[0]}/24`, 'dev', `v${tag}a`], ['-n', ns[1], 'addr', 'add', `${ips[1]}/24`, 'dev', `v${tag}b`],
    ['-n', ns[0], 'link', 'set', `v${tag}a`, 'up'], ['-n', ns[1], 'link', 'set', `v${tag}b`, 'up'],
    ['-n', ns[0], 'link', 'set', 'lo', 'up'], ['-n', ns[1], 'link', 'set', 'lo', 'up'],
  ];
  for (const s of steps) {
    const r = ip(...s);
    if (r.error || r.status !== 0) {
      cleanup();
      ip('link', 'del', `v${tag}a`);
      return `ip ${s.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`;
    }
  }
  return { ns, ips, cleanup };
}

test('two ranks in two network namespaces (two hosts over TCP, a veth pair) train as one process', { skip: skipMpi }, async (t) => {
  const { dir, args, ref } = await reference();
  const made = makeNamespaces(String(process.pid % 10000));
  if (typeof made === 'string') { t.skip(`network namespaces not permitted: ${made}`); return; }
  try {
    const { ns, ips } = made;
    // mpirun runs in the first namespace and starts the second host's daemon through this "ssh": ip netns exec.
    const agent = path.join(dir, 'netns-ssh.sh');
    fs.writeFileSync(agent, `#!/bin/sh\nhost="$1"; shift\ncase "$host" in ${ips[1]}) ns=${ns[1]};; *) ns=${ns[0]};; esac\nexec ip netns exec "$ns" /bin/sh -c "$*"\n`, { mode: 0o755 });
    const hostfile = path.join(dir, 'hosts');
    fs.writeFileSync(hostfile, `${ips[0]} slots=1\n${ips[1]} slots=1\n`);
    const out = path.join(dir, 'netns');
    const cmd = ['ip', 'netns', 'exec', ns[0], MPIRUN, '-np', '2', '--hostfile', hostfile, '--mca', 'plm_rsh_agent', agent,
      '--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', '10.213.7.0/24', '--mca', 'oob_tcp_if_include', '10.213.7.0/24',
      '-x', 'PATH', process.execPath, MAIN, ...args(out)];
    const r = run(cmd);
    assert.equal(r.status, 0);
    compareLosses(metrics(ref), metrics(out), 1e-5);
    compareWeights(lastModel(ref), lastModel(out), 1e-5);
  } finally {
    made.cleanup();
  }
});
