// RACE, as google-research/albert's race_utils reads and encodes it. Two layouts:
//   the original one: RACE/{train,dev,test}/{middle,high}/<n>.txt, one passage per file as one JSON
//   object {article, questions, options, answers, id} (run_race's all.txt, a passage per line, also works);
//   HF's jsonl: a row per question {example_id, article, question, options, answer}.
// Each option becomes [CLS] article [SEP] question+option [SEP]: "_" in the question replaced by the
// option, else "question option"; the question+option keeps its LAST maxQaLength tokens and the
// article its first ones, so that the whole fits maxSeqLength. The four choices make (B, 4, S).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, fileError } from '../errors.js';
import type { RaceLevel } from '../metrics/race.js';
import type { AlbertTokenizer } from '../tokenizer/albert.js';
import type { Labels, ModelInputs } from '../model/types.js';
import { batchSeq, checkLength, packRows, type TokenRow } from './features.js';
import { lineError, readTaskJsonl, type Source } from './text_file.js';

/** The metric's level type (scoreRace reads the same levels). */
export type { RaceLevel };
export type RaceSplit = 'train' | 'dev' | 'test';
export const RACE_LEVELS: readonly RaceLevel[] = ['middle', 'high'];
export const RACE_CHOICES = ['A', 'B', 'C', 'D'] as const;

export interface RaceExample {
  /** "<passage id>-<question index>", e.g. "middle13.txt-0". */
  id: string;
  /** The passage's id ("middle13.txt"). */
  passage: string;
  /** From the folder, or from the id's prefix in HF's jsonl; null when neither tells. */
  level: RaceLevel | null;
  article: string;
  question: string;
  options: string[];
  /** 0..3 (A..D); null where the file has no answers. */
  label: number | null;
  source: Source;
}

/** race_utils' join of a question and one option. */
export function raceQa(question: string, option: string): string {
  return question.includes('_') ? question.replaceAll('_', option) : `${question} ${option}`;
}

/** Reads one split of the original layout; `dir` is RACE/ or the folder holding it. Levels default to both. */
export function readRace(dir: string, split: RaceSplit, levels: readonly RaceLevel[] = RACE_LEVELS): RaceExample[] {
  const root = isDir(join(dir, 'RACE')) ? join(dir, 'RACE') : dir;
  const out: RaceExample[] = [];
  for (const level of levels) {
    if (!RACE_LEVELS.includes(level)) throw new UserError(`unknown RACE level "${level}" (middle or high)`);
    const folder = join(root, split, level);
    if (!isDir(folder)) throw fileError(folder, `no such folder (RACE's layout is RACE/${split}/${level}/<n>.txt)`);
    const names = readdirSync(folder).filter((n) => n.endsWith('.txt'));
    // run_race's packed all.txt, when present, holds the same passages as the <n>.txt files.
    const files = names.includes('all.txt') ? ['all.txt'] : names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (files.length === 0) throw fileError(folder, 'has no passages (<n>.txt files)');
    for (const name of files) out.push(...readRacePassages(join(folder, name), level));
  }
  return out;
}

/** The passages of one original-layout file (one JSON object per line). */
export function readRacePassages(file: string, level: RaceLevel | null = null): RaceExample[] {
  const out: RaceExample[] = [];
  for (const { line, value } of readTaskJsonl(file)) {
    const source = { file, line };
    const p = value as Record<string, unknown>;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw lineError(source, 'not a JSON object');
    if (typeof p.article !== 'string') throw lineError(source, 'no "article" string');
    const { questions, options, answers } = p;
    if (!Array.isArray(questions) || !Array.isArray(options) || !Array.isArray(answers)) throw lineError(source, 'needs "questions", "options" and "answers" lists');
    if (questions.length !== options.length || questions.length !== answers.length) {
      throw lineError(source, `${questions.length} questions, ${options.length} option lists and ${answers.length} answers: they must be as many`);
    }
    const passage = typeof p.id === 'string' ? p.id : String(out.length);
    questions.forEach((q, k) => {
      out.push(raceExample(source, passage, k, level ?? levelOf(passage), p.article as string, q, options[k], answers[k], `question ${k}: `));
    });
  }
  return out;
}

/** HF's RACE jsonl: one question per row; rows of one example_id (passage) are numbered in file order. */
export function readRaceJsonl(file: string): RaceExample[] {
  const count = new Map<string, number>();
  return readTaskJsonl(file).map(({ line, value }) => {
    const source = { file, line };
    const r = value as Record<string, unknown>;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw lineError(source, 'not a JSON object');
    if (typeof r.article !== 'string') throw lineError(source, 'no "article" string');
    const passage = typeof r.example_id === 'string' ? r.example_id : String(r.example_id ?? line);
    const k = count.get(passage) ?? 0;
    count.set(passage, k + 1);
    return raceExample(source, passage, k, levelOf(passage), r.article, r.question, r.options, r.answer ?? null, '');
  });
}

function raceExample(source: Source, passage: string, k: number, level: RaceLevel | null, article: string,
  question: unknown, options: unknown, answer: unknown, where: string): RaceExample {
  if (typeof question !== 'string') throw lineError(source, `${where}the question is not a string`);
  if (!Array.isArray(options) || options.length !== RACE_CHOICES.length || !options.every((o) => typeof o === 'string')) {
    throw lineError(source, `${where}needs ${RACE_CHOICES.length} option strings, got ${JSON.stringify(options)}`);
  }
  let label: number | null = null;
  if (answer !== null) {
    label = RACE_CHOICES.indexOf(answer as (typeof RACE_CHOICES)[number]);
    if (label < 0) throw lineError(source, `${where}answer ${JSON.stringify(answer)} is not one of ${RACE_CHOICES.join(', ')}`);
  }
  return { id: `${passage}-${k}`, passage, level, article, question, options: options as string[], label, source };
}

function levelOf(passage: string): RaceLevel | null {
  return passage.startsWith('middle') ? 'middle' : passage.startsWith('high') ? 'high' : null;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

export interface RaceFeatureOptions {
  /** Sequence length with specials (race_utils' 512). */
  maxSeqLength?: number;
  /** Question+option tokens kept, the last ones (128). */
  maxQaLength?: number;
}

export interface RaceFeature {
  example: number;
  /** One row per option, A..D. */
  choices: TokenRow[];
}

/** Encodes each example's four choices (each article tokenized once). */
export function featurizeRace(tok: AlbertTokenizer, examples: readonly Pick<RaceExample, 'article' | 'question' | 'options'>[], opts: RaceFeatureOptions = {}): RaceFeature[] {
  const maxSeqLength = opts.maxSeqLength ?? 512, maxQaLength = opts.maxQaLength ?? 128;
  checkLength(maxQaLength, 1, 'maxQaLength');
  checkLength(maxSeqLength, maxQaLength + 3, `maxSeqLength (with maxQaLength ${maxQaLength})`);
  const articles = new Map<string, number[]>();
  return examples.map((ex, example) => {
    let art = articles.get(ex.article);
    if (!art) { art = tok.encodeIds(ex.article); articles.set(ex.article, art); }
    const choices = ex.options.map((option): TokenRow => {
      const qa = tok.encodeIds(raceQa(ex.question, option)).slice(-maxQaLength);
      const a = art!.slice(0, maxSeqLength - 3 - qa.length);
      const ids = [tok.clsId, ...a, tok.sepId, ...qa, tok.sepId];
      return { ids, typeIds: ids.map((_, i) => (i < a.length + 2 ? 0 : 1)) };
    });
    return { example, choices };
  });
}

export interface RaceBatchOptions {
  seq: number | 'longest';
  padId: number;
}

/** A batch as the multiple-choice head's (B, 4, S) inputs and, where every example has an answer, its labels. */
export function raceBatch(features: readonly RaceFeature[], examples: readonly RaceExample[], opts: RaceBatchOptions): { inputs: ModelInputs; labels: Labels | null } {
  const rows = features.flatMap((f) => f.choices);
  const seq = batchSeq(rows, opts.seq);
  const inputs: ModelInputs = { ...packRows(rows, seq, opts.padId), batch: features.length, seq, numChoices: RACE_CHOICES.length };
  const labels = features.map((f) => examples[f.example].label);
  return { inputs, labels: labels.some((l) => l === null) ? null : { labels: Int32Array.from(labels as number[]) } };
}
