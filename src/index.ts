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
export { UserError } from './errors.js';
export { GLUE_TASKS, glueTask, glueFile, readGlue, readGlueFile, type GlueTask, type GlueSplit, type GlueTaskInfo } from './tasks/glue.js';
export { readTabular, tabularFormat, discoverLabels, type TabularOptions, type TabularFormat } from './tasks/tabular.js';
export { labelMaps, type ProblemType, type TextExample, type TextDataset } from './tasks/text_examples.js';
export { parseCsv, type CsvRecord } from './tasks/csv.js';
export { featurizeText, textBatch, packRows, type TokenRow, type TextFeature, type TextFeatureOptions, type TextBatchOptions } from './tasks/features.js';
export { readSquad, featurizeSquad, squadBatch, type SquadExample, type SquadAnswer, type SquadDataset, type SquadFeature, type SquadFeatureOptions, type SquadBatchOptions } from './tasks/squad.js';
export { decodeQa, type QaDecodeOptions, type QaCandidate, type QaPredictions, type QaExample } from './tasks/qa_decode.js';
export { RACE_LEVELS, RACE_CHOICES, raceQa, readRace, readRacePassages, readRaceJsonl, featurizeRace, raceBatch, type RaceExample, type RaceLevel, type RaceSplit, type RaceFeature, type RaceFeatureOptions, type RaceBatchOptions } from './tasks/race.js';
