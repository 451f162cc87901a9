// The downstream data of the analyses, cut once per analysis folder from the project's copies (see
// shared/data/README.md): SST-2, MRPC and RTE (train.tsv / dev.tsv, rows taken evenly through each
// file), RACE-middle (train/ and dev/ passages), and SQuAD 1.1 on the 80/20 split of its dev set by
// article (every 5th article evaluates; no train set is available). A task whose source is missing
// is skipped with the reason.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeTextAtomic } from '../io/atomic.js';

export const DOWNSTREAM_TASKS = ['glue/sst2', 'glue/mrpc', 'glue/rte', 'race', 'squad1'] as const;
export type DownstreamTaskId = (typeof DOWNSTREAM_TASKS)[number];

export interface DownstreamData {
  task: DownstreamTaskId;
  /** What finetune's --data / --eval-data take; absent when skipped. */
  data?: string; evalData?: string;
  trainExamples?: number; evalExamples?: number;
  skipped?: string;
}

/** `n` items taken evenly through `items` (all when there are fewer). */
export function evenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}

const GLUE_FOLDER: Record<string, string> = { 'glue/sst2': 'SST-2', 'glue/mrpc': 'MRPC', 'glue/rte': 'RTE' };

function glue(task: DownstreamTaskId, src: string, dst: string, nTrain: number, nEval: number): DownstreamData {
  const from = path.join(src, 'glue', GLUE_FOLDER[task]);
  if (!fs.existsSync(path.join(from, 'train.tsv')) || !fs.existsSync(path.join(from, 'dev.tsv'))) return { task, skipped: `no ${from}/train.tsv and dev.tsv` };
  const to = path.join(dst, GLUE_FOLDER[task]);
  fs.mkdirSync(to, { recursive: true });
  const counts: number[] = [];
  for (const [name, n] of [['train.tsv', nTrain], ['dev.tsv', nEval]] as const) {
    const lines = fs.readFileSync(path.join(from, name), 'utf8').split('\n').filter((l) => l.length > 0);
    const rows = evenly(lines.slice(1), n);
    counts.push(rows.length);
    writeTextAtomic(path.join(to, name), [lines[0], ...rows].join('\n') + '\n');
  }
  return { task, data: to, trainExamples: counts[0], evalExamples: counts[1] };
}

function race(src: string, dst: string, nTrain: number, nEval: number): DownstreamData {
  const tar = path.join(src, 'race.tar.gz');
  if (!fs.existsSync(tar)) return { task: 'race', skipped: `no ${tar}` };
  const unpacked = path.join(dst, 'race-unpacked');
  fs.mkdirSync(unpacked, { recursive: true });
  const r = spawnSync('tar', ['xzf', tar, '-C', unpacked, '--wildcards', '*/RACE/train/middle/*', '*/RACE/dev/middle/*'], { encoding: 'utf8' });
  if (r.status !== 0) return { task: 'race', skipped: `tar could not unpack RACE-middle from ${tar}: ${String(r.stderr).trim()}` };
  const root = path.join(unpacked, 'race', 'RACE');
  const counts: number[] = [];
  for (const [split, n] of [['train', nTrain], ['dev', nEval]] as const) {
    const from = path.join(root, split, 'middle');
    const to = path.join(dst, 'race', 'RACE', split, 'middle');
    fs.mkdirSync(to, { recursive: true });
    // about 4 questions a passage
    const files = evenly(fs.readdirSync(from).filter((f) => f.endsWith('.txt')).sort(), Math.max(1, Math.ceil(n / 4)));
    let q = 0;
    for (const f of files) {
      fs.copyFileSync(path.join(from, f), path.join(to, f));
      q += (JSON.parse(fs.readFileSync(path.join(from, f), 'utf8')) as { questions: unknown[] }).questions.length;
    }
    counts.push(q);
  }
  fs.rmSync(unpacked, { recursive: true, force: true });
  return { task: 'race', data: path.join(dst, 'race'), trainExamples: counts[0], evalExamples: counts[1] };
}

interface SquadJson { version: string; data: { title: string; paragraphs: { context: string; qas: unknown[] }[] }[] }

/** Articles of `j` with at most `n` questions in all (whole paragraphs' questions, cut at n). */
function squadSubset(j: SquadJson, articles: SquadJson['data'], n: number): { json: SquadJson; questions: number } {
  const all = articles.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((qa) => ({ a, p, qa }))));
  const kept = new Set(evenly(all, n).map((x) => x.qa));
  const data = articles.map((a) => ({ ...a, paragraphs: a.paragraphs.map((p) => ({ ...p, qas: p.qas.filter((q) => kept.has(q)) })).filter((p) => p.qas.length) }))
    .filter((a) => a.paragraphs.length);
  return { json: { version: j.version, data }, questions: kept.size };
}

function squad(src: string, dst: string, nTrain: number, nEval: number): DownstreamData {
  const file = path.join(src, 'squad', 'dev-v1.1.json');
  if (!fs.existsSync(file)) return { task: 'squad1', skipped: `no ${file}` };
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as SquadJson;
  const train = squadSubset(j, j.data.filter((_, i) => i % 5 !== 4), nTrain);
  const dev = squadSubset(j, j.data.filter((_, i) => i % 5 === 4), nEval);
  fs.mkdirSync(path.join(dst, 'squad'), { recursive: true });
  const t = path.join(dst, 'squad', 'train-80.json'), d = path.join(dst, 'squad', 'dev-20.json');
  writeTextAtomic(t, JSON.stringify(train.json));
  writeTextAtomic(d, JSON.stringify(dev.json));
  return { task: 'squad1', data: t, evalData: d, trainExamples: train.questions, evalExamples: dev.questions };
}

/** The tasks' data under DIR/downstream (cut once; downstream.json records it). */
export function downstreamData(dir: string, dataRoot: string, tasks: readonly DownstreamTaskId[], nTrain: number, nEval: number): DownstreamData[] {
  const dst = path.join(dir, 'downstream');
  const record = path.join(dst, 'downstream.json');
  if (fs.existsSync(record)) return JSON.parse(fs.readFileSync(record, 'utf8')) as DownstreamData[];
  fs.mkdirSync(dst, { recursive: true });
  const out = tasks.map((t) => (t === 'race' ? race(dataRoot, dst, nTrain, nEval) : t === 'squad1' ? squad(dataRoot, dst, nTrain, nEval) : glue(t, dataRoot, dst, nTrain, nEval)));
  writeTextAtomic(record, JSON.stringify(out, null, 2) + '\n');
  return out;
}
