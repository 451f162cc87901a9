// albert-ts public API: `import { ... } from 'albert-ts'`. Every name is listed here, room by room
// (test/public_api.test.ts holds the list); what a room keeps to itself stays out.

// backend/: the kernels' contract and picking an implementation
export { loadBackend, describeBackend, JsBackend, NativeBackend, type Backend, type Activation, type BackendKind, type LoadBackendOptions } from './backend/index.js';
export { withDtype, dtypeEngine, DTYPES, type Dtype } from './backend/dtype.js';

// tokenizer/: SentencePiece and HF's AlbertTokenizer
export {
  SentencePieceModel, ModelError, writeSentencePieceModel, parseModelProto, PieceType, ModelType, AlbertTokenizer,
  readTokenizerJson, fromTokenizerJson, preprocess,
  type EncodedPieces, type ModelSpec, type ModelProto, type Piece, type TrainerSpec, type NormalizerSpec,
  type Encoding, type EncodeOptions, type AlbertOptions, type TruncationStrategy, type PaddingStrategy,
} from './tokenizer/index.js';

// model/: config.json, presets, the model and its heads, parameter counts
export {
  parseConfig, readConfigFile, configToJson, withConfig, SHARING_STRATEGIES,
  PRESET_NAMES, presetConfig, configFromSpec,
  AlbertModel, HEAD_KINDS, parseHeadKind, countParameters, encoderLayout, formatParameterTable, parameterRow,
  type AlbertConfig, type SharingStrategy, type ProblemType, type HeadKind, type Labels, type LossResult, type ModelInputs,
  type ModelOutputs, type ForwardOptions, type ModelOptions, type Param, type ParamSpec, type EncoderLayout, type ParamRow,
} from './model/index.js';

// io/: HF model directories and safetensors
export { loadPretrained, savePretrained, openModel, stateDict, type LoadOptions, type SaveOptions } from './io/hf_dir.js';
export { readSafetensors, writeSafetensors, readSafetensorsHeader, type Tensor } from './io/safetensors.js';

// data/ and train/: pretraining data, the Trainer and its tasks, fill-mask
export { createPretrainingData, type CreateOptions, type CreateSummary } from './data/create.js';
export { trainTokenizer, type TrainTokenizerOptions, type TrainTokenizerSummary } from './data/train_tokenizer.js';
export { pretrain, type PretrainOptions, type PretrainResult, type PretrainObjective, type MetricsRecord, type StepInfo } from './train/pretrain.js';
export { Trainer, type TrainerOptions, type TrainResult, type TrainStepInfo, type TrainerRecord } from './train/trainer.js';
export { worldComm, mpiBuilt, launchedRanks, type Communicator } from './parallel/comm.js';
export type { MeanOver } from './model/heads/head.js';
export type { Task, TaskBatch, Evaluation, CurvesInfo, BatchPart } from './train/task.js';
export type { TrainerRun, TrainerSession, Window } from './train/trainer_state.js';
export type { RunSummary } from './train/run_summary.js';
export { fillMask, type MaskPrediction } from './train/fill_mask.js';

// metrics/: the official GLUE, SQuAD and RACE metrics, and scoring predictions files
export {
  scoreGlue, accuracy, f1, matthewsCorrelation, pearson, spearman, averageRanks, glueTaskName, GLUE_TASK_METRICS, GLUE_TASK_IDS,
  type GlueMetric, type GlueScores, type Label,
} from './metrics/glue.js';
export { normalizeAnswer, exactMatch, tokenF1, tokenF1V2 } from './metrics/squad_answer.js';
export {
  evaluateSquadV1, evaluateSquadV2, findBestThreshold, evaluateSquadV2Tuned, answerAtThreshold,
  type SquadQuestion, type SquadV1Scores, type SquadV2Scores, type SquadV2Options, type Scored, type TunedSquadV2Scores,
} from './metrics/squad.js';
export { readSquadGold, type SquadGold } from './metrics/squad_data.js';
export { scoreRace, type RaceGold, type RaceLevel, type RaceScores } from './metrics/race.js';
export {
  scorePredictions, scoreSquadFiles, scoreGlueFile, scoreRaceFile,
  type ScoreRequest, type SquadScoreRequest, type GlueScoreRequest, type RaceScoreRequest, type ScoreResult, type GlueTaskId,
} from './metrics/score.js';

export { dtypeAgreement, textBatches, type DtypeAgreement } from './metrics/dtype_agreement.js';
export { scoreClassification, scoreRegression, scoreMultiLabel, meanSquaredError } from './metrics/text.js';

// finetune/: fine-tuning, evaluation and prediction on downstream tasks
export { finetune, type FinetuneOptions, type FinetuneResult, type FinetuneReport } from './finetune/finetune.js';
export { evaluate, type EvaluateOptions, type EvaluateReport } from './finetune/evaluate.js';
export { predict, type PredictOptions, type PredictResult } from './finetune/predict.js';
export { openTask } from './finetune/tasks.js';
export { paperRecipe, type Recipe } from './finetune/recipes.js';
export {
  TASK_IDS, type TaskId, type TaskRole, type TaskDataOptions, type DownstreamTask, type SplitData, type TrainFeatures, type OpenTask,
} from './finetune/downstream.js';

// reproduce/: the paper's analyses at small scale (albert reproduce)
export { reproduce, type ReproduceOptions, type ReproduceResult } from './reproduce/reproduce.js';
export { ANALYSES, type AnalysisName } from './reproduce/analyses.js';

// pipelines/: text in, answers out (transformers.js's pipelines), and `albert run`
export { pipeline, pipelineTaskForModel } from './pipelines/pipeline.js';
export {
  PIPELINE_TASKS, type Pipeline, type PipelineTask, type PipelineOptions, type PipelineTypes,
  type TextPair, type QaInput, type SimilarityInput, type MultipleChoiceInput,
  type FillMaskOptions, type TextClassificationOptions, type ClassificationFunction, type TokenClassificationOptions, type QaOptions,
  type Pooling, type FeatureExtractionOptions, type SimilarityOptions, type ZeroShotOptions,
  type FillMaskEntry, type LabelScore, type TokenEntity, type EntityGroup, type QaAnswer, type ZeroShotResult, type MultipleChoiceResult,
} from './pipelines/types.js';

// serve/: the HTTP server (albert serve)
export { serve, type ServeOptions, type ServeModel, type Server, type ServedModelInfo } from './serve/server.js';

// errors: what bad input throws
export { UserError } from './errors.js';
export { GLUE_TASKS, glueTask, glueFile, readGlue, readGlueFile, type GlueTask, type GlueSplit, type GlueTaskInfo } from './tasks/glue.js';
export { readTabular, tabularFormat, discoverLabels, type TabularOptions, type TabularFormat } from './tasks/tabular.js';
export { labelMaps, type TextExample, type TextDataset } from './tasks/text_examples.js';
export { parseCsv, type CsvRecord } from './tasks/csv.js';
export { featurizeText, textBatch, packRows, type TokenRow, type TextFeature, type TextFeatureOptions, type TextBatchOptions } from './tasks/features.js';
export { readSquad, featurizeSquad, squadBatch, type SquadExample, type SquadAnswer, type SquadDataset, type SquadFeature, type SquadFeatureOptions, type SquadBatchOptions } from './tasks/squad.js';
export { decodeQa, type QaDecodeOptions, type QaCandidate, type QaPredictions, type QaExample } from './tasks/qa_decode.js';
export {
  decodeQaBeam, beamResultsOf, type QaBeamResult, type QaBeamCandidate, type QaBeamPredictions, type QaBeamDecodeOptions,
} from './tasks/qa_beam_decode.js';
export { RACE_LEVELS, RACE_CHOICES, raceQa, readRace, readRacePassages, readRaceJsonl, featurizeRace, raceBatch, type RaceExample, type RaceSplit, type RaceFeature, type RaceFeatureOptions, type RaceBatchOptions } from './tasks/race.js';
