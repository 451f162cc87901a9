// Pipelines: text in, answers out, in transformers.js's shapes (pipeline.ts loads, one file per task family).
export { pipeline, pipelineTaskForModel } from './pipeline.js';
export {
  PIPELINE_TASKS, type Pipeline, type PipelineTask, type PipelineOptions, type PipelineTypes,
  type TextPair, type QaInput, type SimilarityInput, type MultipleChoiceInput,
  type FillMaskOptions, type TextClassificationOptions, type ClassificationFunction, type TokenClassificationOptions, type QaOptions,
  type Pooling, type FeatureExtractionOptions, type SimilarityOptions, type ZeroShotOptions,
  type FillMaskEntry, type LabelScore, type TokenEntity, type EntityGroup, type QaAnswer, type ZeroShotResult, type MultipleChoiceResult,
} from './types.js';
