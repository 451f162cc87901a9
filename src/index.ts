// albert-ts public API: `import { ... } from 'albert-ts'`.
// One export line per room; each room's own index (or module) says what it offers.
export * from './backend/index.js';
export * from './tokenizer/index.js';
export * from './model/index.js';
export { loadPretrained, savePretrained, openModel, stateDict, type LoadOptions, type SaveOptions } from './io/hf_dir.js';
export { readSafetensors, writeSafetensors, readSafetensorsHeader, type Tensor } from './io/safetensors.js';
export { createPretrainingData, type CreateOptions, type CreateSummary } from './data/create.js';
export { pretrain, type PretrainOptions, type PretrainResult } from './train/pretrain.js';
export { fillMask, type MaskPrediction } from './train/fill_mask.js';
export {
  scoreGlue, accuracy, f1, matthewsCorrelation, pearson, spearman, averageRanks, glueTaskName, GLUE_TASK_METRICS, GLUE_TASK_IDS,
  type GlueMetric, type GlueScores, type Label,
} from './metrics/glue.js';
export { normalizeAnswer, exactMatch, tokenF1, tokenF1V2 } from './metrics/squad_answer.js';
export {
  evaluateSquadV1, evaluateSquadV2, findBestThreshold,
  type SquadQuestion, type SquadV1Scores, type SquadV2Scores, type SquadV2Options, type Scored,
} from './metrics/squad.js';
export { readSquadGold, type SquadGold } from './metrics/squad_data.js';
export { scoreRace, type RaceGold, type RaceLevel, type RaceScores } from './metrics/race.js';
export {
  scorePredictions, scoreSquadFiles, scoreGlueFile, scoreRaceFile,
  type ScoreRequest, type SquadScoreRequest, type GlueScoreRequest, type RaceScoreRequest, type ScoreResult, type GlueTaskId,
} from './metrics/score.js';
export { UserError } from './errors.js';
