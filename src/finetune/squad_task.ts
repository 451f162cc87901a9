// SQuAD 1.1 and 2.0 as a downstream task family, on HF's span head (AlbertForQuestionAnswering):
// the official JSON read by readSquad, questions + contexts cut into windows as HF's run_qa does
// (doc stride = HF's `stride`, the tokens two consecutive windows OVERLAP by; google-research/albert's
// doc_stride is the step between window starts instead), every window a training unit (windows
// without the whole answer, and v2's unanswerable questions, labelled CLS), and decoding as HF's
// postprocess_qa_predictions over all windows of a question (n-best 20, answers of at most 30 tokens,
// v2: "" when the null score beats the best span by more than the null-score-difference threshold).
// Scores are the official scripts'; SQuAD 2.0 takes the null odds (null score - best span score,
// what null_odds.json holds) as its na_probs, so its best_* keys come with every evaluation.
import { dirname, join, resolve } from 'node:path';
import { UserError, fileError } from '../errors.js';
import { evaluateSquadV1, evaluateSquadV2, type SquadQuestion } from '../metrics/squad.js';
import { decodeQa, type QaPredictions } from '../tasks/qa_decode.js';
import { featurizeSquad, readSquad, squadBatch, type SquadExample, type SquadFeature, type SquadFeatureOptions } from '../tasks/squad.js';
import type { DownstreamTask, SplitData, TaskDataOptions, TaskId, TrainFeatures } from './downstream.js';
import { forwardInBatches, realTokens, writeJsonAtomic } from './inference.js';

export type SquadTaskId = 'squad1' | 'squad2';

/** The file beside predictions.json that holds SQuAD 2.0's null odds (the official script's --na-prob-file). */
export const NULL_ODDS_FILE = 'null_odds.json';

/** Opens squad1 / squad2 over `opts` (reads nothing until asked). */
export function openSquadTask(id: TaskId, opts: TaskDataOptions): DownstreamTask<QaPredictions> {
  if (id !== 'squad1' && id !== 'squad2') throw new UserError(`not a SQuAD task: ${id}`);
  const v2 = id === 'squad2';
  const features: SquadFeatureOptions = { maxSeqLength: opts.maxSeqLength ?? 384, stride: opts.docStride ?? 128, maxQueryLength: opts.maxQueryLength ?? 64 };
  const padId = opts.tokenizer.padId;
  const split = (file: string, name: string) => squadSplit(file, name, v2, opts, features);
  return {
    id,
    head: 'question-answering',
    config: { num_labels: 2 },
    mainMetric: 'f1',
    train(): TrainFeatures {
      const { examples } = readSquad(opts.data);
      const windows = featurizeSquad(opts.tokenizer, examples, features);
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
      const s = split(file, opts.role === 'finetune' ? 'dev' : opts.split ?? 'dev');
      if (!s.labelled) throw fileError(file, `has no gold answers to evaluate (${v2 ? 'no answers and no is_impossible' : 'a question without answers'})`);
      return [s];
    },
    predictSplit() {
      return split(opts.data, opts.split ?? 'test');
    },
  };
}

function squadSplit(file: string, name: string, v2: boolean, opts: TaskDataOptions, featureOpts: SquadFeatureOptions): SplitData<QaPredictions> {
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
      windows ??= featurizeSquad(opts.tokenizer, examples, featureOpts);
      const w = windows;
      const starts: Float32Array[] = [], ends: Float32Array[] = [];
      forwardInBatches(model, w.length, batchSize,
        (from, to) => squadBatch(w.slice(from, to), { seq: 'longest', padId: opts.tokenizer.padId }).inputs,
        (out, from, to) => {
          const S = out.startLogits!.length / (to - from);
          for (let b = 0; b < to - from; b++) {
            starts.push(out.startLogits!.subarray(b * S, (b + 1) * S));
            ends.push(out.endLogits!.subarray(b * S, (b + 1) * S));
          }
        });
      return decodeQa(examples, w, starts, ends, {
        nBest: opts.nBest ?? 20, maxAnswerLength: opts.maxAnswerLength ?? 30, version2: v2, nullScoreDiffThreshold: opts.nullThreshold ?? 0,
      });
    },
    score(p) {
      const questions = goldQuestions(examples);
      const predictions = new Map(Object.entries(p.predictions));
      const names = { source: 'the predictions', dataName: file };
      if (!v2) return { ...evaluateSquadV1(questions, predictions, names).scores };
      return { ...evaluateSquadV2(questions, predictions, { ...names, naProbs: new Map(Object.entries(p.nullOdds)), naProbsSource: 'the null odds' }) };
    },
    writePredictions(p, output) {
      const odds = join(dirname(resolve(output)), NULL_ODDS_FILE);
      if (v2 && resolve(output) === odds) throw fileError(output, `is where the null odds go: name the predictions file otherwise (predictions.json)`);
      writeJsonAtomic(output, p.predictions);
      if (!v2) return [output];
      writeJsonAtomic(odds, p.nullOdds);
      return [output, odds];
    },
  };
}

/** What the official scripts read of each question: its id and gold texts. */
function goldQuestions(examples: readonly SquadExample[]): SquadQuestion[] {
  return examples.map((e) => ({ id: e.id, answers: e.answers.map((a) => a.text) }));
}
