// zero-shot-classification as HF's ZeroShotClassificationPipeline, on an NLI classifier (MNLI, RTE):
// one (text, hypothesis) pair per candidate label, the hypothesis the template with the label in it,
// the text cut first when the pair is too long (HF's only_first). Scores: softmax of the entailment
// logits across the labels; multi_label (or a single label): each label's softmax of [contradiction,
// entailment] on its own, contradiction being class 0 (the last class when entailment is 0), as HF.
import { UserError } from '../errors.js';
import type { AlbertConfig } from '../model/config.js';
import { softmax } from '../model/top_k.js';
import { forwardRows } from './engine.js';
import { optionReader, textInput, type RawOptions } from './options.js';
import type { TaskRunner } from './task.js';
import type { ZeroShotResult } from './types.js';

const TASK = 'zero-shot-classification';

/** The class whose label starts with "entail" (case-insensitive; HF's entailment_id), -1 when none does. */
export function entailmentId(c: AlbertConfig): number {
  const byLabel = c.label2id ?? Object.fromEntries(Object.entries(c.id2label ?? {}).map(([id, label]) => [label, Number(id)]));
  for (const [label, id] of Object.entries(byLabel)) if (label.toLowerCase().startsWith('entail')) return id;
  return -1;
}

/** The call options, checked, with HF's defaults (the server reads them too, to count a request's rows). */
export function zeroShotSettings(raw: RawOptions): { labels: string[]; template: string; multi: boolean } {
  const o = optionReader(TASK, raw, ['candidate_labels', 'hypothesis_template', 'multi_label']);
  const labels = o.list('candidate_labels', null);
  if (labels.length === 0) throw new UserError(`${TASK}: candidate_labels is empty`);
  const template = o.string('hypothesis_template', 'This example is {}.');
  if (!template.includes('{}')) throw new UserError(`${TASK}: hypothesis_template ${JSON.stringify(template)} has no {} for the label`);
  return { labels, template, multi: o.bool('multi_label', false) };
}

export function zeroShotRunner(entail: number): TaskRunner<string, ZeroShotResult> {
  return {
    check: (x, where) => textInput(TASK, x, where),
    run(e, inputs, raw) {
      const { labels, template, multi } = zeroShotSettings(raw);
      const tok = e.tokenizer, L = e.model.config.num_labels;
      const rows = inputs.flatMap((text) => labels.map((label) => {
        try {
          return tok.encode(text, template.replaceAll('{}', label), { truncation: 'only_first', maxLength: e.maxLength });
        } catch (err) {
          if (err instanceof RangeError) throw new UserError(`${TASK}: the hypothesis for "${label}" alone exceeds the maxLength of ${e.maxLength} tokens`);
          throw err;
        }
      }));
      const logits = forwardRows(e, rows, (out, b) => out.logits!.slice(b * L, (b + 1) * L));
      const contradiction = entail === 0 ? L - 1 : 0;
      return inputs.map((sequence, i) => {
        const mine = logits.slice(i * labels.length, (i + 1) * labels.length);
        const scores = multi || labels.length === 1
          ? mine.map((l) => softmax([l[contradiction], l[entail]])[1])
          : softmax(mine.map((l) => l[entail]));
        const order = scores.map((_, k) => k).sort((a, b) => scores[b] - scores[a] || a - b);
        return { sequence, labels: order.map((k) => labels[k]), scores: order.map((k) => scores[k]) };
      });
    },
  };
}
