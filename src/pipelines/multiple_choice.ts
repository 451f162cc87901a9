// multiple-choice (HF has no pipeline for it; AlbertForMultipleChoice's inputs): each choice encoded as
// RACE fine-tuning encodes it (featurizeRace: [CLS] context [SEP] question+choice [SEP], "_" in the
// question replaced by the choice, else appended; the question+choice's last tokens and the context's
// first ones kept), without a context [CLS] question [SEP] choice [SEP]; the softmax over the choices.
import { UserError } from '../errors.js';
import { featurizeRace } from '../tasks/race.js';
import { softmax, topIndices } from '../model/top_k.js';
import { forwardChoices } from './engine.js';
import { objectInput, optionReader } from './options.js';
import type { TaskRunner } from './task.js';
import type { MultipleChoiceInput, MultipleChoiceResult } from './types.js';

const TASK = 'multiple-choice';

export const multipleChoiceRunner: TaskRunner<MultipleChoiceInput, MultipleChoiceResult> = {
  check(x, where) {
    const o = objectInput(TASK, x, where, ['question'], ['context', 'choices']);
    if (o.context !== undefined && typeof o.context !== 'string') throw new UserError(`${TASK}: ${where}: "context" must be a string`);
    if (!Array.isArray(o.choices) || o.choices.length === 0 || !o.choices.every((c) => typeof c === 'string')) {
      throw new UserError(`${TASK}: ${where}: "choices" must be a non-empty list of strings`);
    }
    return o as unknown as MultipleChoiceInput;
  },
  run(e, inputs, raw) {
    optionReader(TASK, raw, []);
    // Without a context the question takes the context's place and the choice stands alone ("_" or not).
    const questions = inputs.map((x) => (x.context === undefined
      ? { article: x.question, question: '', options: x.choices }
      : { article: x.context, question: x.question, options: x.choices }));
    const maxQaLength = Math.min(128, Math.floor(e.maxLength / 2));
    const features = featurizeRace(e.tokenizer, questions, { maxSeqLength: e.maxLength, maxQaLength });
    const logits = forwardChoices(e, features.map((f) => f.choices), (out, b, _seq, i) => {
      const C = features[i].choices.length;
      return out.logits!.slice(b * C, (b + 1) * C);
    });
    return inputs.map((x, i) => {
      const scores = softmax(logits[i]);
      const choice = topIndices(scores, scores.length, 1)[0];
      return { scores, choice, answer: x.choices[choice] };
    });
  },
};
