// What pipelines take and give: the tasks, the loading options, each task's inputs, call options and
// results, in transformers.js's shapes (HF's Python pipelines' where transformers.js lacks the task or
// a field: character offsets, text pairs, windows). Call options keep their snake_case names, as both do.
import type { Backend } from '../backend/backend.js';
import type { Dtype } from '../backend/dtype.js';
import type { AlbertConfig } from '../model/config.js';
import type { AlbertModel } from '../model/albert.js';
import type { AlbertTokenizer } from '../tokenizer/albert.js';
import type { FillMaskEntry } from '../train/fill_mask.js';

export type { FillMaskEntry };

export const PIPELINE_TASKS = [
  'fill-mask', 'text-classification', 'sentiment-analysis', 'token-classification', 'ner', 'question-answering',
  'feature-extraction', 'sentence-similarity', 'zero-shot-classification', 'multiple-choice',
] as const;

export type PipelineTask = (typeof PIPELINE_TASKS)[number];

export interface PipelineOptions {
  /** Kernel threads of the backend loaded when `backend` is not given (default: all cores). */
  threads?: number;
  backend?: Backend;
  /** Sequences per forward (default 32; a multiple-choice question counts one per choice). */
  maxBatchSize?: number;
  /** Longest sequence in tokens, specials included (default: max_position_embeddings, at most 512). */
  maxLength?: number;
  /** A SentencePiece .model or an HF tokenizer.json (default: the directory's spiece.model, else its tokenizer.json). */
  tokenizer?: string;
  /** Bytes the model may use (default: this machine's memory). */
  maxMemory?: number;
  /** Receives the loader's warnings (default: one line on stderr). */
  onWarning?: (message: string) => void;
  /** The encoder's Linear GEMMs in fp32 (default), bf16 or int8 (AlbertModel.dtype). */
  dtype?: Dtype;
}

// ---- inputs ----

export interface TextPair { text: string; text_pair?: string }
export interface QaInput { question: string; context: string }
export interface SimilarityInput { source_sentence: string; sentences: string[] }
export interface MultipleChoiceInput { context?: string; question: string; choices: string[] }

// ---- call options ----

export interface FillMaskOptions { top_k?: number }
export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';
export interface TextClassificationOptions {
  /** Labels per input, best first (default 1: one {label, score}; null: all labels). */
  top_k?: number | null;
  /** Default: as HF decides from problem_type and num_labels. */
  function_to_apply?: ClassificationFunction;
}
export interface TokenClassificationOptions {
  /** Entities with these labels are left out (default ['O']). */
  ignore_labels?: string[];
  /** 'none': one entry per token; 'simple': consecutive tokens of one entity (B-/I- tags) grouped. */
  aggregation_strategy?: 'none' | 'simple';
}
export interface QaOptions {
  top_k?: number;
  /** Longest answer in tokens (15). */
  max_answer_len?: number;
  /**
   * Also offer "no answer" ({answer: '', start: 0, end: 0}) scored by the smallest p_start[CLS] * p_end[CLS] over the windows
   * (a squad-v2 model: the answer when its answer class is at config.json's albert_ts_null_threshold, scored sigmoid(null score)).
   */
  handle_impossible_answer?: boolean;
  /** Tokens two consecutive windows of a long context share (HF's stride; default min(128, max_seq_len / 2)). */
  doc_stride?: number;
  /** Question tokens kept (64). */
  max_question_len?: number;
  /** Window length in tokens (min(384, the pipeline's maxLength)). */
  max_seq_len?: number;
  /** Widen the answer to whole space-separated words (HF's default; off here: see README "Pipelines"). */
  align_to_words?: boolean;
}
export type Pooling = 'none' | 'mean' | 'cls';
export interface FeatureExtractionOptions { pooling?: Pooling; normalize?: boolean }
export interface SimilarityOptions { pooling?: Exclude<Pooling, 'none'> }
export interface ZeroShotOptions {
  /** Required: a list, or one string of comma-separated labels. */
  candidate_labels: string[] | string;
  /** '{}' is replaced by each label (default "This example is {}."). */
  hypothesis_template?: string;
  /** Each label scored on its own (entailment against contradiction) instead of a softmax across labels. */
  multi_label?: boolean;
}

// ---- results (one input's) ----

export interface LabelScore { label: string; score: number }
export interface TokenEntity { entity: string; score: number; index: number; word: string; start: number; end: number }
export interface EntityGroup { entity_group: string; score: number; word: string; start: number; end: number }
export interface QaAnswer { score: number; start: number; end: number; answer: string }
export interface ZeroShotResult { sequence: string; labels: string[]; scores: number[] }
export interface MultipleChoiceResult {
  /** Softmax over the choices, in their order. */
  scores: number[];
  /** Index of the best choice, and its text. */
  choice: number;
  answer: string;
}

/** Per task: one input, its call options, one input's result, and what a call with one (not an array) input returns. */
export interface PipelineTypes {
  'fill-mask': { input: string; options: FillMaskOptions; output: FillMaskEntry[] | FillMaskEntry[][]; single: FillMaskEntry[] | FillMaskEntry[][] };
  'text-classification': { input: string | TextPair; options: TextClassificationOptions; output: LabelScore | LabelScore[]; single: LabelScore[] };
  'sentiment-analysis': PipelineTypes['text-classification'];
  'token-classification': { input: string; options: TokenClassificationOptions; output: TokenEntity[] | EntityGroup[]; single: TokenEntity[] | EntityGroup[] };
  ner: PipelineTypes['token-classification'];
  'question-answering': { input: QaInput; options: QaOptions; output: QaAnswer | QaAnswer[]; single: QaAnswer | QaAnswer[] };
  /** pooling 'none': one vector per token; else one vector. A single input keeps the batch dimension ([result]). */
  'feature-extraction': { input: string; options: FeatureExtractionOptions; output: number[][] | number[]; single: number[][][] | number[][] };
  'sentence-similarity': { input: SimilarityInput; options: SimilarityOptions; output: number[]; single: number[] };
  'zero-shot-classification': { input: string; options: ZeroShotOptions; output: ZeroShotResult; single: ZeroShotResult };
  'multiple-choice': { input: MultipleChoiceInput; options: Record<string, never>; output: MultipleChoiceResult; single: MultipleChoiceResult };
}

/**
 * A loaded pipeline: `await p(input)` or `await p([inputs])` (run as batches sorted by length), and
 * `runBatch`, the synchronous core the callable wraps (for worker threads).
 */
export interface Pipeline<T extends PipelineTask = PipelineTask> {
  (inputs: PipelineTypes[T]['input'], options?: PipelineTypes[T]['options']): Promise<PipelineTypes[T]['single']>;
  (inputs: readonly PipelineTypes[T]['input'][], options?: PipelineTypes[T]['options']): Promise<PipelineTypes[T]['output'][]>;
  /** One result per input, in input order. */
  runBatch(inputs: readonly PipelineTypes[T]['input'][], options?: PipelineTypes[T]['options']): PipelineTypes[T]['output'][];
  /** An input as the task takes it, or a UserError naming `where` ("input 3", "in.jsonl:4") and the problem. */
  checkInput(input: unknown, where: string): PipelineTypes[T]['input'];
  readonly task: T;
  /** The model, inferenceOnly (its weights packed once for every call). */
  readonly model: AlbertModel;
  readonly tokenizer: AlbertTokenizer;
  readonly config: AlbertConfig;
  /** Longest sequence it runs, in tokens. */
  readonly maxLength: number;
  /** Drops the model (and its packed weights); later calls throw. */
  dispose(): void;
}
