// SQuAD 1.1 and 2.0 as a downstream task family, on HF's span head (AlbertForQuestionAnswering):
// the official JSON read by readSquad, questions + contexts cut into windows as HF's run_qa does
// (doc stride = HF's `stride`, the tokens two consecutive windows OVERLAP by; google-research/albert's
// doc_stride is the step between window starts instead), every window a training unit (windows
// without the whole answer, and v2's unanswerable questions, labelled CLS), and decoding as HF's
// postprocess_qa_predictions over all windows of a question (n-best 20, answers of at most 30 tokens,
// v2: "" when the null score beats the best span by more than the null-score-difference threshold).
// Scores are the official scripts'; SQuAD 2.0 takes the null odds (null score - best span score,
// what null_odds.json holds) as its na_probs, so its best_* keys come with every evaluation.
// SQuAD 2.0 with squadHead 'xlnet': google-research/albert's head (squad-v2) and its decoding
// (qa_beam_decode.ts), the null score (smallest cls logit) as null odds, and evaluate_v2's threshold
// tuned on the evaluated data (evaluateSquadV2Tuned), which is remembered in the model's config
// (NULL_THRESHOLD_KEY: the checkpoint saved after that evaluation, the best one too, keeps it) and
// is what predict answers with unless --null-threshold says otherwise (without either: 0, i.e. ""
// when the answer class puts no answer at 50% or more).
import { dirname, join, resolve } from 'node:path';
import { UserError, fileError } from '../errors.js';
import { answerAtThreshold, evaluateSquadV1, evaluateSquadV2, evaluateSquadV2Tuned, type SquadQuestion, type TunedSquadV2Scores } from '../metrics/squad.js';
import type { AlbertModel } from '../model/albert.js';
import type { AlbertConfig } from '../model/config.js';
import type { ModelOutputs } from '../model/types.js';
import { beamResultsOf, decodeQaBeam, type QaBeamPredictions, type QaBeamResult } from '../tasks/qa_beam_decode.js';
import { decodeQa, type QaPredictions } from '../tasks/qa_decode.js';
import { featurizeSquad, readSquad, squadBatch, type SquadExample, type SquadFeature, type SquadFeatureOptions } from '../tasks/squad.js';
import type { DownstreamTask, SplitData, TaskDataOptions, TaskId, TaskRole, TrainFeatures } from './downstream.js';
import { featurizeChecked, forwardInBatches, realTokens, writePredictionsJson } from './inference.js';

/** The file beside predictions.json that holds SQuAD 2.0's null odds (the official script's --na-prob-file). */
export const NULL_ODDS_FILE = 'null_odds.json';

/** Where a squad-v2 model's config.json keeps the threshold tuned on its last evaluation. */
export const NULL_THRESHOLD_KEY = 'albert_ts_null_threshold';

/** What every SQuAD split gives: the answers and, for 2.0, the null odds. */
type SquadPredictions = Pick<QaPredictions, 'predictions' | 'nullOdds'>;
/** The xlnet head's predictions; `tuned`: the scores of the threshold tuned on a labelled split. */
type BeamPredictions = QaBeamPredictions & { tuned?: TunedSquadV2Scores };

/** Opens squad1 / squad2 over `opts` (reads nothing until asked). */
export function openSquadTask(id: TaskId, opts: TaskDataOptions): DownstreamTask<SquadPredictions> {
  if (id !== 'squad1' && id !== 'squad2') throw new UserError(`not a SQuAD task: ${id}`);
  const v2 = id === 'squad2';
  const xlnet = opts.squadHead === 'xlnet';
  if (xlnet && !v2) throw new UserError('--squad-head xlnet is a SQuAD 2.0 head: use it with --task squad2');
  const features: SquadFeatureOptions = { maxSeqLength: opts.maxSeqLength ?? 384, stride: opts.docStride ?? 128, maxQueryLength: opts.maxQueryLength ?? 64 };
  const padId = opts.tokenizer.padId;
  const split = (file: string, name: string, role: TaskRole): SplitData<SquadPredictions> => (xlnet
    ? squadSplit(file, name, v2, opts, features, beamDecoding(opts, role !== 'predict'))
    : squadSplit(file, name, v2, opts, features, spanDecoding(opts, v2)));
  return {
    id,
    head: xlnet ? 'squad-v2' : 'question-answering',
    config: xlnet ? {} : { num_labels: 2 },
    mainMetric: 'f1',
    train(): TrainFeatures {
      const { examples } = readSquad(opts.data);
      const windows = windowsOf(opts.data, examples, opts, features);
      const seq = features.maxSeqLength!;
      return {
        size: windows.length,
        examples: examples.length,
        batch(indices) {
          const { inputs, labels } = squadBatch(indices.map((i) => windows[i]), { seq, padId });
          return { inputs, labels, tokens: realTokens(inputs) };
        },
      };
    },
    evalSplits() {
      // finetune evaluates the dev JSON given by --eval-data; without one there is no evaluation
      // (no dev set sits beside a SQuAD train file).
      const file = opts.role === 'finetune' ? opts.evalData : opts.data;
      if (file === undefined) return [];
      const s = split(file, opts.role === 'finetune' ? 'dev' : opts.split ?? 'dev', opts.role);
      if (!s.labelled) throw fileError(file, `has no gold answers to evaluate (${v2 ? 'no answers and no is_impossible' : 'a question without answers'})`);
      return [s];
    },
    predictSplit() {
      return split(opts.data, opts.split ?? 'test', 'predict');
    },
  };
}

/** How a head's outputs over a split's windows become its predictions, and how those are scored. */
interface SquadDecoding<P extends SquadPredictions> {
  decode(model: AlbertModel, examples: readonly SquadExample[], windows: readonly SquadFeature[], batchSize: number): P;
  score(questions: readonly SquadQuestion[], p: P, names: { source: string; dataName: string }): Record<string, number>;
}

/** HF's span head: start / end logits, decodeQa; v2 scored with the null odds as na_probs. */
function spanDecoding(opts: TaskDataOptions, v2: boolean): SquadDecoding<QaPredictions> {
  return {
    decode(model, examples, w, batchSize) {
      const starts: Float32Array[] = [], ends: Float32Array[] = [];
      forwardWindows(model, w, batchSize, opts.tokenizer.padId, (out, rows) => {
        const S = out.startLogits!.length / rows;
        for (let b = 0; b < rows; b++) {
          starts.push(out.startLogits!.subarray(b * S, (b + 1) * S));
          ends.push(out.endLogits!.subarray(b * S, (b + 1) * S));
        }
      });
      return decodeQa(examples, w, starts, ends, {
        nBest: opts.nBest ?? 20, maxAnswerLength: opts.maxAnswerLength ?? 30, version2: v2, nullScoreDiffThreshold: opts.nullThreshold ?? 0,
      });
    },
    score(questions, p, names) {
      const predictions = new Map(Object.entries(p.predictions));
      if (!v2) return { ...evaluateSquadV1(questions, predictions, names).scores };
      return { ...evaluateSquadV2(questions, predictions, { ...names, naProbs: new Map(Object.entries(p.nullOdds)), naProbsSource: 'the null odds' }) };
    },
  };
}

/**
 * google-research/albert's SQuAD 2.0 head: its beam decoded as write_predictions_v2. `tune` (a labelled
 * split evaluated): the threshold tuned on it, as evaluate_v2, unless --null-threshold gives one, and
 * remembered in the model's config; prediction: --null-threshold, else the remembered one, else 0.
 */
function beamDecoding(opts: TaskDataOptions, tune: boolean): SquadDecoding<BeamPredictions> {
  const decodeOpts = { nBest: opts.nBest ?? 20, maxAnswerLength: opts.maxAnswerLength ?? 30 };
  return {
    decode(model, examples, w, batchSize) {
      const results: QaBeamResult[] = [];
      forwardWindows(model, w, batchSize, opts.tokenizer.padId, (out, rows) => results.push(...beamResultsOf(out, rows)));
      if (!tune || opts.nullThreshold !== undefined) {
        return decodeQaBeam(examples, w, results, { ...decodeOpts, nullThreshold: opts.nullThreshold ?? rememberedNullThreshold(model.config) });
      }
      const p: BeamPredictions = decodeQaBeam(examples, w, results, decodeOpts);
      p.tuned = evaluateSquadV2Tuned(goldQuestions(examples), new Map(Object.entries(p.best)), new Map(Object.entries(p.nullOdds)), { source: 'the predictions', naProbsSource: 'the null scores' });
      const threshold = p.tuned.null_score_diff_threshold;
      for (const id of Object.keys(p.best)) p.predictions[id] = answerAtThreshold(p.best[id], p.nullOdds[id], threshold);
      model.config[NULL_THRESHOLD_KEY] = threshold;
      return p;
    },
    score(questions, p, names) {
      return { ...(p.tuned ?? evaluateSquadV2(questions, new Map(Object.entries(p.predictions)), { ...names, naProbs: new Map(Object.entries(p.nullOdds)), naProbsSource: 'the null scores' })) };
    },
  };
}

/** The threshold a squad-v2 model's config remembers (0 when none; predict and the question-answering pipeline). */
export function rememberedNullThreshold(config: AlbertConfig): number {
  const t = config[NULL_THRESHOLD_KEY];
  if (t === undefined) return 0;
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new UserError(`the model's config.json has ${NULL_THRESHOLD_KEY} ${JSON.stringify(t)}: expected a number (the tuned null-score threshold)`);
  return t;
}

/** The model over the windows in eval mode, padded to each batch's longest; consume(outputs, rows) per batch. */
function forwardWindows(model: AlbertModel, w: readonly SquadFeature[], batchSize: number, padId: number, consume: (out: ModelOutputs, rows: number) => void): void {
  forwardInBatches(model, w.length, batchSize, (from, to) => squadBatch(w.slice(from, to), { seq: 'longest', padId }).inputs, (out, from, to) => consume(out, to - from));
}

function squadSplit<P extends SquadPredictions>(
  file: string, name: string, v2: boolean, opts: TaskDataOptions, featureOpts: SquadFeatureOptions, decoding: SquadDecoding<P>,
): SplitData<P> {
  const { examples } = readSquad(file);
  // 1.1 scores answerable questions only; 2.0 questions are labelled by answers or is_impossible.
  const labelled = v2 ? examples.some((e) => e.answers.length > 0 || e.isImpossible) : examples.every((e) => e.answers.length > 0);
  let windows: SquadFeature[] | null = null; // tokenized on the first predict, kept for the next evaluations
  return {
    name,
    file,
    examples: examples.length,
    labelled,
    predict(model, batchSize) {
      windows ??= windowsOf(file, examples, opts, featureOpts);
      return decoding.decode(model, examples, windows, batchSize);
    },
    score(p) {
      return decoding.score(goldQuestions(examples), p, { source: 'the predictions', dataName: file });
    },
    writePredictions(p, output) {
      const odds = join(dirname(resolve(output)), NULL_ODDS_FILE);
      if (v2 && resolve(output) === odds) throw fileError(output, `is where the null odds go: name the predictions file otherwise (predictions.json)`);
      writePredictionsJson(output, p.predictions);
      if (!v2) return [output];
      writePredictionsJson(odds, p.nullOdds);
      return [output, odds];
    },
  };
}

const SQUAD_FLAGS = '--max-seq-length, --max-query-length and --doc-stride';

function windowsOf(file: string, examples: readonly SquadExample[], opts: TaskDataOptions, features: SquadFeatureOptions): SquadFeature[] {
  return featurizeChecked(file, SQUAD_FLAGS, () => featurizeSquad(opts.tokenizer, examples, features));
}

/** What the official scripts read of each question: its id and gold texts. */
function goldQuestions(examples: readonly SquadExample[]): SquadQuestion[] {
  return examples.map((e) => ({ id: e.id, answers: e.answers.map((a) => a.text) }));
}
