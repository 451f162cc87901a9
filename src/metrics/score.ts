// Scoring a predictions file made anywhere (`albert evaluate --predictions`): read it, check that it
// covers exactly the data's examples, and compute the task's official metrics.
import { UserError, fileError } from '../errors.js';
import { GLUE_TASK_IDS, glueTaskName, isGlueRegression, parseNumber, scoreGlue, type GlueScores, type Label } from './glue.js';
import { checkCoverage } from './coverage.js';
import { readGlueSubmission, readJsonMap } from './prediction_files.js';
import { scoreRace, type RaceGold, type RaceScores } from './race.js';
import { evaluateSquadV1, evaluateSquadV2, type SquadV1Scores, type SquadV2Scores } from './squad.js';
import { readSquadGold } from './squad_data.js';

export type GlueTaskId = `glue/${string}`;

/** SQuAD: the official dataset JSON, predictions.json (qid -> text) and, for 2.0, null_odds.json (qid -> na_prob). */
export interface SquadScoreRequest {
  task: 'squad1' | 'squad2';
  data: string;
  predictions: string;
  naProbs?: string;
  /** evaluate-v2.0's --na-prob-thresh (default 1.0). */
  naProbThreshold?: number;
}

/** GLUE: the submission TSV (index<TAB>prediction) against the gold labels of the dev examples, in file order. */
export interface GlueScoreRequest {
  task: GlueTaskId;
  gold: readonly Label[];
  predictions: string;
  /** The task's label names: a predicted label outside them is an error (omit to skip the check). */
  labels?: readonly string[];
  /** The dev file the gold came from, for messages. */
  data?: string;
}

/** RACE: JSON question id -> option letter, against the gold letters (and levels) by question id. */
export interface RaceScoreRequest {
  task: 'race';
  gold: ReadonlyMap<string, RaceGold>;
  predictions: string;
  data?: string;
}

export type ScoreRequest = SquadScoreRequest | GlueScoreRequest | RaceScoreRequest;

export interface ScoreResult {
  task: string;
  /** The official metric names and values, in the official order (SQuAD in percent, GLUE and RACE in [0, 1]). */
  metrics: SquadV1Scores | SquadV2Scores | GlueScores | RaceScores;
  /** Notices the official scripts print while scoring (SQuAD 1.1: unanswered questions, a version other than 1.1). */
  warnings: string[];
}

/** Score a predictions file against its data with the task's official metrics. */
export function scorePredictions(request: ScoreRequest): ScoreResult {
  if (request.task === 'squad1' || request.task === 'squad2') return scoreSquadFiles(request);
  if (request.task === 'race') return scoreRaceFile(request);
  if (request.task.startsWith('glue/')) return scoreGlueFile(request as GlueScoreRequest);
  throw new UserError(`cannot score task '${(request as { task: string }).task}' (expected squad1, squad2, race or one of ${GLUE_TASK_IDS.join(', ')})`);
}

export function scoreSquadFiles(request: SquadScoreRequest): ScoreResult {
  const gold = readSquadGold(request.data);
  const predictions = readJsonMap(request.predictions, 'string', 'question');
  const names = { source: request.predictions, dataName: request.data };
  if (request.task === 'squad1') {
    if (request.naProbs !== undefined) throw new UserError('na_probs (null_odds.json) are for squad2 only');
    const { scores, warnings } = evaluateSquadV1(gold.questions, predictions, names);
    if (gold.version !== '1.1') warnings.unshift(`Evaluation expects v-1.1, but got dataset with v-${gold.version}`);
    return { task: request.task, metrics: scores, warnings };
  }
  const naProbs = request.naProbs === undefined ? undefined : readJsonMap(request.naProbs, 'number', 'question');
  const metrics = evaluateSquadV2(gold.questions, predictions, { ...names, naProbs, naProbThreshold: request.naProbThreshold, naProbsSource: request.naProbs });
  return { task: request.task, metrics, warnings: [] };
}

export function scoreGlueFile(request: GlueScoreRequest): ScoreResult {
  const { task, gold, predictions: file } = request;
  const rows = readGlueSubmission(file);
  const dataName = request.data ?? `the ${gold.length} gold labels`;
  checkCoverage(file, 'index', gold.map((_, i) => String(i)), rows, true, dataName);
  const regression = isGlueRegression(task);
  const allowed = request.labels && new Set(request.labels);
  const predicted = gold.map((_, i) => {
    const { prediction, line } = rows.get(String(i))!;
    if (regression && parseNumber(prediction) === undefined) throw fileError(file, `line ${line}: prediction ${JSON.stringify(prediction)} is not a number`);
    if (!regression && allowed && !allowed.has(prediction)) {
      throw fileError(file, `line ${line}: unknown label ${JSON.stringify(prediction)} (${glueTaskName(task)} labels: ${request.labels!.join(', ')})`);
    }
    return prediction;
  });
  return { task, metrics: scoreGlue(task, gold, predicted), warnings: [] };
}

export function scoreRaceFile(request: RaceScoreRequest): ScoreResult {
  const predictions = readJsonMap(request.predictions, 'string', 'question');
  const names = { source: request.predictions, dataName: request.data };
  for (const [id, letter] of predictions) {
    if (!/^[A-D]$/.test(letter)) throw fileError(request.predictions, `question ${JSON.stringify(id)}: expected an option letter A, B, C or D, got ${JSON.stringify(letter)}`);
  }
  return { task: 'race', metrics: scoreRace(request.gold, predictions, names), warnings: [] };
}
