// The data of `npm run bench:real` (bench/real_tasks.ts): checks that the public data sets are there,
// prepares what the tasks need (SQuAD 1.1 has no train set here, so its dev file is split by article;
// RACE is unpacked from its archive) and computes the chance / majority baseline of each dev set.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from '../src/data/rng.js';
import { fileError, UserError } from '../src/errors.js';
import { writeTextAtomic } from '../src/io/atomic.js';
import { readJsonFile } from '../src/io/user_files.js';
import { scoreGlue, type Label } from '../src/metrics/glue.js';
import { evaluateSquadV1 } from '../src/metrics/squad.js';
import { readSquadGold } from '../src/metrics/squad_data.js';
import { readGlue, type GlueTask } from '../src/tasks/glue.js';
import { RACE_CHOICES, readRace } from '../src/tasks/race.js';
import { readSquad } from '../src/tasks/squad.js';

/** The files under the data folder (shared/data's layout) each task reads. */
export const GLUE_FOLDERS: Record<string, string> = { cola: 'CoLA', sst2: 'SST-2', mrpc: 'MRPC', stsb: 'STS-B', rte: 'RTE' };
export const SQUAD_DEV = path.join('squad', 'dev-v1.1.json');
export const RACE_ARCHIVE = 'race.tar.gz';

/** Every file the chosen tasks need, or one error listing what is missing. */
export function checkData(dataDir: string, glue: readonly string[], squad: boolean, race: boolean): void {
  const need = [
    ...glue.flatMap((t) => ['train.tsv', 'dev.tsv'].map((f) => path.join('glue', GLUE_FOLDERS[t], f))),
    ...(squad ? [SQUAD_DEV] : []),
    ...(race ? [RACE_ARCHIVE] : []),
  ];
  const missing = need.filter((f) => !fs.existsSync(path.join(dataDir, f)));
  if (missing.length) {
    throw new UserError(`${dataDir}: missing ${missing.join(', ')} (the layout of shared/data: glue/<Task>/{train,dev}.tsv, ${SQUAD_DEV}, ${RACE_ARCHIVE}; pass --data DIR)`);
  }
}

export interface SquadSplit {
  train: string;
  dev: string;
  trainTitles: string[];
  devTitles: string[];
  trainQuestions: number;
  devQuestions: number;
}

const countQuestions = (articles: SquadArticle[]) => articles.reduce((n, a) => n + a.paragraphs.reduce((m, p) => m + p.qas.length, 0), 0);
interface SquadArticle { title: string; paragraphs: { qas: unknown[] }[] }

/**
 * SQuAD 1.1's dev file split by article: every fifth article in file order (the 1st, 6th, 11th...:
 * 10 of the 48) becomes our dev set, the other 38 our train set, so that no passage is on both sides.
 * Written under `dir` as train.json and dev.json (the official layout, version 1.1).
 */
export function splitSquadByTitle(devFile: string, dir: string): SquadSplit {
  const json = readJsonFile(devFile) as { data?: unknown };
  if (!Array.isArray(json.data) || !json.data.every((a) => typeof a?.title === 'string' && Array.isArray(a?.paragraphs))) {
    throw fileError(devFile, 'expected the official SQuAD layout {data: [{title, paragraphs}]}');
  }
  const articles = json.data as SquadArticle[];
  const dev = articles.filter((_, i) => i % 5 === 0), train = articles.filter((_, i) => i % 5 !== 0);
  fs.mkdirSync(dir, { recursive: true });
  const out = { train: path.join(dir, 'train.json'), dev: path.join(dir, 'dev.json') };
  writeTextAtomic(out.train, JSON.stringify({ version: '1.1', data: train }));
  writeTextAtomic(out.dev, JSON.stringify({ version: '1.1', data: dev }));
  return {
    ...out, trainTitles: train.map((a) => a.title), devTitles: dev.map((a) => a.title),
    trainQuestions: countQuestions(train), devQuestions: countQuestions(dev),
  };
}

/** race.tar.gz unpacked under `dir` (once: kept while dev/middle is there); returns the RACE/ folder that holds train/ and dev/. */
export function unpackRace(archive: string, dir: string): string {
  const root = path.join(dir, 'race', 'RACE');
  if (fs.existsSync(path.join(root, 'dev', 'middle')) && fs.existsSync(path.join(root, 'train', 'middle'))) return root;
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['xzf', archive, '-C', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw fileError(archive, `tar could not unpack it: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  if (!fs.existsSync(path.join(root, 'dev', 'middle'))) throw fileError(archive, 'holds no race/RACE/dev/middle/');
  return root;
}

/** A baseline's figures by official metric name (the scale of the task's own metrics), and what it is. */
export interface Baseline { what: string; metrics: Record<string, number> }

const mostCommon = <T>(xs: readonly T[]): T => {
  const n = new Map<T, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1])[0][0];
};

/** GLUE: the majority class of dev predicted everywhere (MRPC's is "paraphrase", so also its all-positive F1); STS-B: no correlation. */
export function glueBaseline(task: GlueTask, folder: string): Baseline {
  const dev = readGlue(task, folder, 'dev');
  if (task === 'stsb') return { what: 'any constant prediction: no correlation', metrics: { pearson: 0, spearmanr: 0 } };
  const gold: Label[] = dev.examples.map((e) => dev.labels[e.label as number]);
  const majority = mostCommon(gold);
  return { what: `majority class "${majority}" of dev`, metrics: { ...scoreGlue(task, gold, gold.map(() => majority)) } };
}

/** RACE: a uniform guess (25%); beside it the most common dev answer letter. */
export function raceBaseline(raceDir: string, levels: readonly ('middle' | 'high')[]): Baseline {
  const labels = readRace(raceDir, 'dev', levels).map((e) => e.label as number);
  const letter = mostCommon(labels);
  const share = labels.filter((l) => l === letter).length / labels.length;
  return { what: `uniform guess; always "${RACE_CHOICES[letter]}": ${(100 * share).toFixed(1)}%`, metrics: { accuracy: 0.25 } };
}

/**
 * SQuAD: a random span of the context (fixed seed) as long in words as the median train answer,
 * scored by the official v1.1 rules: what a span picker that read nothing would get.
 */
export function squadBaseline(split: SquadSplit, seed = 1): Baseline {
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const lengths = readSquad(split.train).examples.map((e) => words(e.answers[0]?.text ?? '').length).sort((a, b) => a - b);
  const k = Math.max(1, lengths[lengths.length >> 1]);
  const r = new Rng(seed);
  const predictions = new Map<string, string>();
  for (const e of readSquad(split.dev).examples) {
    const w = words(e.context);
    const start = r.randint(0, Math.max(0, w.length - k));
    predictions.set(e.id, w.slice(start, start + k).join(' '));
  }
  const { scores } = evaluateSquadV1(readSquadGold(split.dev).questions, predictions);
  return { what: `a random ${k}-word span of the context`, metrics: { ...scores } };
}
