// RACE as a downstream task family, on the multiple-choice head (AlbertForMultipleChoice): passages
// from the unpacked RACE/ folder (train/, dev/, test/, each middle/ and high/) or from an HF-style
// jsonl file, each question's four options joined as google-research/albert's race_utils does
// ([CLS] article [SEP] question+option [SEP], the question+option keeping its last 128 tokens), and
// accuracy overall and per level. Predictions are a JSON object question id -> option letter.
import { statSync } from 'node:fs';
import { UserError, fileError } from '../errors.js';
import { scoreRace, type RaceGold } from '../metrics/race.js';
import { topIndices } from '../model/top_k.js';
import { RACE_CHOICES, RACE_LEVELS, featurizeRace, raceBatch, readRace, readRaceJsonl, type RaceExample, type RaceFeature, type RaceLevel, type RaceSplit } from '../tasks/race.js';
import { lineError } from '../tasks/text_file.js';
import type { DownstreamTask, SplitData, TaskDataOptions, TaskId, TrainFeatures } from './downstream.js';
import { featurizeChecked, forwardInBatches, realTokens, writePredictionsJson } from './inference.js';

/** Question id -> the chosen option's letter (A..D), in the split's order. */
export type RacePredictions = Record<string, string>;

const SPLITS: readonly RaceSplit[] = ['train', 'dev', 'test'];

/** Opens race over `opts` (reads nothing until asked). `data` is the RACE/ folder (or the one holding it), or a jsonl file. */
export function openRaceTask(id: TaskId, opts: TaskDataOptions): DownstreamTask<RacePredictions> {
  if (id !== 'race') throw new UserError(`not the RACE task: ${id}`);
  const levels = opts.levels ?? RACE_LEVELS;
  const featureOpts = { maxSeqLength: opts.maxSeqLength ?? 512, maxQaLength: opts.maxQaLength ?? 128 };
  const padId = opts.tokenizer.padId;
  const featurize = (file: string, examples: RaceExample[]) =>
    featurizeChecked(file, '--max-seq-length and --max-qa-length', () => featurizeRace(opts.tokenizer, examples, featureOpts));
  const read = (path: string, split: RaceSplit): { file: string; examples: RaceExample[] } => readRaceData(path, split, levels, opts.levels !== undefined);
  const splitData = (path: string, split: RaceSplit, name: string): SplitData<RacePredictions> => {
    const { file, examples } = read(path, split);
    return raceSplit(name, file, examples, (ex) => featurize(file, ex), padId);
  };
  return {
    id,
    head: 'multiple-choice',
    config: {},
    mainMetric: 'accuracy',
    train(): TrainFeatures {
      const { file, examples } = read(opts.data, 'train');
      const unlabelled = examples.find((e) => e.label === null);
      if (unlabelled) throw lineError(unlabelled.source, `question ${unlabelled.id} has no answer: training needs every answer`);
      const features = featurize(file, examples);
      return {
        size: features.length,
        examples: examples.length,
        batch(indices) {
          const { inputs, labels } = raceBatch(indices.map((i) => features[i]), examples, { seq: featureOpts.maxSeqLength, padId });
          return { inputs, labels: labels!, tokens: realTokens(inputs) };
        },
      };
    },
    evalSplits() {
      // finetune: --eval-data if given, else the dev/ split beside train/ (none for a jsonl train file).
      const path = opts.role === 'finetune' ? opts.evalData ?? (isFolder(opts.data) ? opts.data : undefined) : opts.data;
      if (path === undefined) return [];
      const split = splitName(opts.role === 'finetune' ? undefined : opts.split, 'dev');
      const s = splitData(path, split, split);
      if (!s.labelled) throw fileError(s.file, `has questions without answers: nothing to evaluate against`);
      return [s];
    },
    predictSplit() {
      const split = splitName(opts.split, 'test');
      return splitData(opts.data, split, split);
    },
  };
}

/** Question id -> its answer letter and level, what the metric scores against (every question answered). */
export function raceGold(examples: readonly RaceExample[]): Map<string, RaceGold> {
  return new Map(examples.map((e) => {
    if (e.label === null) throw lineError(e.source, `question ${e.id} has no answer to score against`);
    return [e.id, { answer: RACE_CHOICES[e.label], ...(e.level ? { level: e.level } : {}) }];
  }));
}

/** A split's name as given (train, dev or test), else `fallback`. */
export function splitName(given: string | undefined, fallback: RaceSplit): RaceSplit {
  if (given === undefined) return fallback;
  if (!SPLITS.includes(given as RaceSplit)) throw new UserError(`unknown RACE split "${given}" (train, dev or test)`);
  return given as RaceSplit;
}

/**
 * One split's questions: from the folder layout (only `levels`), or the whole jsonl file filtered to
 * `levels` (a narrowed --levels needs every passage id to tell its level, as RACE's do: middle12.txt).
 */
export function readRaceData(path: string, split: RaceSplit, levels: readonly RaceLevel[], narrowed: boolean): { file: string; examples: RaceExample[] } {
  const examples = isFolder(path) ? readRace(path, split, levels) : readRaceJsonl(path);
  const kept = isFolder(path) || !narrowed ? examples : examples.filter((e) => {
    if (e.level === null) throw lineError(e.source, `passage ${JSON.stringify(e.passage)}: its id does not tell its level (middle... or high...), so --levels cannot select it`);
    return levels.includes(e.level);
  });
  const seen = new Map<string, RaceExample>();
  for (const e of kept) {
    const first = seen.get(e.id);
    if (first) throw lineError(e.source, `question ${e.id} again (first at ${first.source.file}:${first.source.line})`);
    seen.set(e.id, e);
  }
  if (kept.length === 0) throw fileError(path, `has no RACE questions${narrowed ? ` of level ${levels.join(', ')}` : ''}`);
  return { file: path, examples: kept };
}

function raceSplit(name: string, file: string, examples: RaceExample[], featurize: (examples: RaceExample[]) => RaceFeature[], padId: number): SplitData<RacePredictions> {
  let features: RaceFeature[] | null = null; // tokenized on the first predict, kept for the next evaluations
  return {
    name,
    file,
    examples: examples.length,
    labelled: examples.every((e) => e.label !== null),
    predict(model, batchSize) {
      features ??= featurize(examples);
      const f = features, out: RacePredictions = {};
      forwardInBatches(model, f.length, batchSize,
        (from, to) => raceBatch(f.slice(from, to), examples, { seq: 'longest', padId }).inputs,
        (o, from, to) => {
          const C = RACE_CHOICES.length;
          for (let b = 0; b < to - from; b++) {
            const best = topIndices(o.logits!.subarray(b * C, (b + 1) * C), C, 1)[0]; // ties: the first, as argmax
            out[examples[f[from + b].example].id] = RACE_CHOICES[best];
          }
        });
      return out;
    },
    score(p) {
      return { ...scoreRace(raceGold(examples), new Map(Object.entries(p)), { source: 'the predictions', dataName: file }) };
    },
    writePredictions(p, output) {
      writePredictionsJson(output, p);
      return [output];
    },
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
