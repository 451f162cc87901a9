// question-answering as HF's QuestionAnsweringPipeline, on the fine-tuning code's windows and decoding:
// a context of any length is cut into windows of max_seq_len tokens sharing doc_stride tokens
// (featurizeSquad: [CLS] question [SEP] window [SEP]); in each window the softmax of the start and of the
// end logits over its context tokens and CLS, a span's score p_start * p_end (at most max_answer_len
// tokens, end >= start); the best top_k over all windows (decodeQa, spanScore 'probability'); with
// handle_impossible_answer, "no answer" competes with the smallest p_start[CLS] * p_end[CLS] of the
// windows. start/end are character offsets into the context, the answer its text there.
// A squad-v2 model (AlbertForQuestionAnsweringV2, google-research/albert's head, which HF lacks) is
// decoded by its beam as predict decodes it (decodeQaBeam): a span scores p_start * p_end
// (exp(start + end log-prob)); with handle_impossible_answer, "no answer" is the answer when the answer
// class's null score (the smallest cls logit over the windows) is at or above the threshold tuned when
// fine-tuning (config.json's albert_ts_null_threshold, else 0), scored sigmoid(null score), its
// probability of no answer.
import { UserError } from '../errors.js';
import { rememberedNullThreshold } from '../finetune/squad_task.js';
import type { AlbertConfig } from '../model/config.js';
import { beamResultAt, decodeQaBeam } from '../tasks/qa_beam_decode.js';
import { decodeQa, type QaCandidate } from '../tasks/qa_decode.js';
import { featurizeSquad, type SquadExample, type SquadFeature } from '../tasks/squad.js';
import type { AlbertTokenizer } from '../tokenizer/albert.js';
import { isPythonSpace } from '../tokenizer/preprocess.js';
import { forwardRows } from './engine.js';
import { objectInput, optionReader, type RawOptions } from './options.js';
import type { TaskRunner } from './task.js';
import { trimSpan } from './token_classification.js';
import type { QaAnswer, QaInput } from './types.js';

const TASK = 'question-answering';
const OPTIONS = ['top_k', 'max_answer_len', 'handle_impossible_answer', 'doc_stride', 'max_question_len', 'max_seq_len', 'align_to_words'];

/** [start, end) widened to whole space-separated words of `text` (HF's align_to_words for ALBERT's Metaspace words). */
function alignToWords(text: string, start: number, end: number): [number, number] {
  while (start > 0 && !isPythonSpace(text.charCodeAt(start - 1))) start--;
  while (end < text.length && !isPythonSpace(text.charCodeAt(end))) end++;
  return [start, end];
}

/** The call options, checked, with HF's defaults. */
export interface QaSettings {
  topK: number; maxAnswerLength: number; impossible: boolean; align: boolean;
  maxSeqLength: number; stride: number; maxQueryLength: number;
}

export function qaSettings(raw: RawOptions, maxLength: number): QaSettings {
  const o = optionReader(TASK, raw, OPTIONS);
  const maxSeqLength = o.int('max_seq_len', Math.min(384, maxLength), 4);
  if (maxSeqLength > maxLength) throw new UserError(`${TASK}: max_seq_len ${maxSeqLength} is over the pipeline's maxLength ${maxLength}`);
  return {
    topK: o.int('top_k', 1), maxAnswerLength: o.int('max_answer_len', 15), impossible: o.bool('handle_impossible_answer', false),
    align: o.bool('align_to_words', false), maxSeqLength, stride: o.int('doc_stride', Math.min(128, Math.floor(maxSeqLength / 2)), 0),
    maxQueryLength: o.int('max_question_len', 64),
  };
}

/** The inputs as examples, and their windows. */
export function qaWindows(tok: AlbertTokenizer, inputs: readonly QaInput[], s: QaSettings): { examples: SquadExample[]; windows: SquadFeature[] } {
  const examples: SquadExample[] = inputs.map((x, i) => ({ id: String(i), title: '', question: x.question, context: x.context, answers: [], isImpossible: false }));
  try {
    return { examples, windows: featurizeSquad(tok, examples, { maxSeqLength: s.maxSeqLength, stride: s.stride, maxQueryLength: s.maxQueryLength }) };
  } catch (err) {
    if (err instanceof RangeError) throw new UserError(`${TASK}: ${err.message} (set by max_seq_len, doc_stride and max_question_len)`);
    throw err;
  }
}

/** Each example's answer (top_k 1) or answers, from its windows' start and end logits. */
export function qaAnswers(
  examples: readonly SquadExample[], windows: readonly SquadFeature[], starts: ArrayLike<number>[], ends: ArrayLike<number>[], s: QaSettings,
): (QaAnswer | QaAnswer[])[] {
  const decoded = decodeQa(examples, windows, starts, ends, {
    nBest: s.topK, maxAnswerLength: s.maxAnswerLength, version2: s.impossible, spanScore: 'probability', allSpans: true,
  });
  return examples.map((ex) => {
    return shaped(decoded.nbest[ex.id].filter((c) => c.kind !== 'empty').slice(0, s.topK).map((c) => answerOf(ex.context, c, s.align)), s);
  });
}

/** top_k 1: the answer (no span fits, an empty context: an empty one scored 0); else the list. */
function shaped(answers: QaAnswer[], s: QaSettings): QaAnswer | QaAnswer[] {
  if (s.topK > 1) return answers;
  return answers[0] ?? { score: 0, start: 0, end: 0, answer: '' };
}

export const questionAnsweringRunner: TaskRunner<QaInput, QaAnswer | QaAnswer[]> = {
  check: (x, where) => objectInput(TASK, x, where, ['question', 'context']) as unknown as QaInput,
  run(e, inputs, raw) {
    const s = qaSettings(raw, e.maxLength);
    const { examples, windows } = qaWindows(e.tokenizer, inputs, s);
    const logits = forwardRows(e, windows, (out, b, seq, w) => {
      const n = windows[w].ids.length, from = b * seq;
      return [out.startLogits!.slice(from, from + n), out.endLogits!.slice(from, from + n)];
    });
    return qaAnswers(examples, windows, logits.map((l) => l[0]), logits.map((l) => l[1]), s);
  },
};

function answerOf(context: string, c: QaCandidate, align: boolean): QaAnswer {
  return c.kind === 'null' ? nullAnswer(c.score) : spanAnswer(context, c.offsets, c.score, align);
}

const nullAnswer = (score: number): QaAnswer => ({ score, start: 0, end: 0, answer: '' });

function spanAnswer(context: string, offsets: readonly [number, number], score: number, align: boolean): QaAnswer {
  let [start, end] = trimSpan(context, offsets[0], offsets[1]);
  if (align) [start, end] = alignToWords(context, start, end);
  return { score, start, end, answer: context.slice(start, end) };
}

/** The squad-v2 head's runner; `config` gives the null threshold. */
export function squadV2Runner(config: AlbertConfig): TaskRunner<QaInput, QaAnswer | QaAnswer[]> {
  const threshold = rememberedNullThreshold(config);
  return {
    check: questionAnsweringRunner.check,
    run(e, inputs, raw) {
      const s = qaSettings(raw, e.maxLength);
      const { examples, windows } = qaWindows(e.tokenizer, inputs, s);
      const results = forwardRows(e, windows, (out, b) => beamResultAt(out, b));
      const decoded = decodeQaBeam(examples, windows, results, { nBest: s.topK, maxAnswerLength: s.maxAnswerLength, nullThreshold: s.impossible ? threshold : null });
      return examples.map((ex) => {
        // decodeQaBeam's fallback when no span fits is an empty span: no answer to offer.
        const spans = decoded.nbest[ex.id].filter((c) => c.offsets[1] > c.offsets[0])
          .map((c) => spanAnswer(ex.context, c.offsets, Math.exp(c.startLogProb + c.endLogProb), s.align));
        const isNull = s.impossible && decoded.predictions[ex.id] === '';
        return shaped(isNull ? [nullAnswer(1 / (1 + Math.exp(-decoded.nullOdds[ex.id]))), ...spans].slice(0, s.topK) : spans, s);
      });
    },
  };
}
