// `albert evaluate --predictions FILE`: a predictions file made anywhere, scored against the data's
// gold labels without a model, in the formats predict writes: GLUE and the user's own data as the
// submission TSV (index<TAB>prediction, index = the example's position in the file), SQuAD's
// predictions.json (+ null_odds.json), RACE's JSON id -> letter. GLUE, SQuAD and RACE go through
// metrics/score.ts's scorePredictions; own data is scored with metrics/text.ts.
import fs from 'node:fs';
import { UserError } from '../errors.js';
import { checkCoverage } from '../metrics/coverage.js';
import { readGlueSubmission } from '../metrics/prediction_files.js';
import { scorePredictions, type GlueTaskId } from '../metrics/score.js';
import { glueFile, glueTask, readGlueFile, type GlueSplit } from '../tasks/glue.js';
import { RACE_LEVELS } from '../tasks/race.js';
import { readTabular } from '../tasks/tabular.js';
import { labelId, parseTarget, type TextDataset } from '../tasks/text_examples.js';
import type { TaskId } from './downstream.js';
import { raceGold, readRaceData, splitName } from './race_task.js';
import type { TaskOptions } from './settings.js';
import { OWN_PROBLEM, scoreText, type TextPrediction } from './text_task.js';

export interface ScoreFileOptions extends TaskOptions {
  task: TaskId;
  data: string;
  predictions: string;
  /** SQuAD 2.0: null_odds.json. */
  naProbs?: string;
  /** GLUE: the split scored (default the first dev split: MNLI's matched); RACE: dev. */
  split?: string;
}

export interface ScoredFile {
  /** The data file (or folder) scored against. */
  file: string;
  split: string;
  examples: number;
  metrics: Record<string, number>;
  warnings: string[];
}

const isFile = (p: string) => fs.existsSync(p) && fs.statSync(p).isFile();

export function scorePredictionsFile(o: ScoreFileOptions): ScoredFile {
  if (o.naProbs !== undefined && o.task !== 'squad2') throw new UserError('--na-probs (null_odds.json) is for squad2 only');
  if (o.task === 'squad1' || o.task === 'squad2') {
    const r = scorePredictions({ task: o.task, data: o.data, predictions: o.predictions, naProbs: o.naProbs });
    return { file: o.data, split: o.split ?? 'dev', examples: NaN, metrics: r.metrics as Record<string, number>, warnings: r.warnings };
  }
  if (o.task === 'race') {
    // The questions as race_task reads them for evaluation: --levels (a jsonl file's too), each id once.
    const split = splitName(o.split, 'dev');
    const gold = raceGold(readRaceData(o.data, split, o.levels ?? RACE_LEVELS, o.levels !== undefined).examples);
    const r = scorePredictions({ task: 'race', gold, predictions: o.predictions, data: o.data });
    return { file: o.data, split, examples: gold.size, metrics: r.metrics as Record<string, number>, warnings: r.warnings };
  }
  if (o.task.startsWith('glue/')) {
    const info = glueTask(o.task.slice(5));
    const split = (o.split ?? info.devSplits[0]) as GlueSplit;
    const ds = readGlueFile(info.task, isFile(o.data) ? o.data : glueFile(info.task, o.data, split), 'labelled', split);
    const gold = ds.examples.map((e) => (info.problemType === 'regression' ? (e.label as number) : info.labels[e.label as number]));
    const r = scorePredictions({ task: o.task as GlueTaskId, gold, predictions: o.predictions, labels: info.problemType === 'regression' ? undefined : info.labels, data: ds.file });
    return { file: ds.file, split, examples: gold.length, metrics: r.metrics as Record<string, number>, warnings: r.warnings };
  }
  const problemType = OWN_PROBLEM[o.task];
  const ds = readTabular(o.data, { problemType, format: o.format, textColumn: o.textColumn, textPairColumn: o.textPairColumn, labelColumn: o.labelColumn });
  const predicted = readOwnPredictions(o.predictions, ds);
  return { file: o.data, split: o.split ?? 'dev', examples: ds.examples.length, metrics: scoreText(ds.examples, predicted, { problemType, labels: ds.labels, glue: null }), warnings: [] };
}

/** A submission TSV over the examples of `ds`: every index once, label names of `ds` (comma-joined for multi-label) or numbers. */
function readOwnPredictions(file: string, ds: TextDataset): TextPrediction[] {
  const rows = readGlueSubmission(file);
  checkCoverage(file, 'index', ds.examples.map((_, i) => String(i)), rows, true, ds.file);
  return ds.examples.map((_, i) => {
    const { prediction, line } = rows.get(String(i))!;
    const src = { file, line };
    if (ds.problemType === 'regression') return parseTarget(prediction, src, 'prediction');
    if (ds.problemType === 'multi_label_classification') return prediction.split(',').filter((l) => l.length > 0).map((l) => labelId(l, ds.labels, src));
    return labelId(prediction, ds.labels, src);
  });
}
