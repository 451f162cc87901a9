// Every head as data: its HF class, whether that class has a pooler, its tensors and how to build it.
import { UserError } from '../../errors.js';
import { linearSpecs } from '../params.js';
import type { HeadKind } from '../types.js';
import { SequenceClassificationHead } from './classification.js';
import type { HeadDef } from './head.js';
import { mlmAliases, mlmSpecs } from './mlm.js';
import { MultipleChoiceHead } from './multiple_choice.js';
import { NSP } from './nsp.js';
import { MaskedLmHead, PretrainingHead } from './pretraining.js';
import { QuestionAnsweringHead } from './qa.js';
import { SOP } from './sop.js';
import { SquadV2Head, squadV2Specs } from './squad_v2.js';
import { TokenClassificationHead } from './token_classification.js';

export const HEADS: Record<HeadKind, HeadDef> = {
  base: { architecture: 'AlbertModel', pooler: true, specs: () => [], aliases: () => [], create: () => null },
  pretraining: {
    architecture: 'AlbertForPreTraining', pooler: true,
    specs: (c) => [...mlmSpecs(c), ...SOP.specs(c)], aliases: mlmAliases,
    create: (store, c, prefix) => new PretrainingHead(store, c, prefix, SOP),
  },
  'pretraining-nsp': {
    architecture: 'AlbertForPreTrainingNSP', pooler: true,
    specs: (c) => [...mlmSpecs(c), ...NSP.specs(c)], aliases: mlmAliases,
    create: (store, c, prefix) => new PretrainingHead(store, c, prefix, NSP),
  },
  'masked-lm': {
    architecture: 'AlbertForMaskedLM', pooler: false, specs: mlmSpecs, aliases: mlmAliases,
    create: (store, c, prefix) => new MaskedLmHead(store, c, prefix),
  },
  'sequence-classification': {
    architecture: 'AlbertForSequenceClassification', pooler: true,
    specs: (c) => linearSpecs('classifier', c.hidden_size, c.num_labels), aliases: () => [],
    create: (store, c) => new SequenceClassificationHead(store, c),
  },
  'token-classification': {
    architecture: 'AlbertForTokenClassification', pooler: false,
    specs: (c) => linearSpecs('classifier', c.hidden_size, c.num_labels), aliases: () => [],
    create: (store, c) => new TokenClassificationHead(store, c),
  },
  'question-answering': {
    architecture: 'AlbertForQuestionAnswering', pooler: false,
    specs: (c) => linearSpecs('qa_outputs', c.hidden_size, c.num_labels), aliases: () => [],
    create: (store, c) => new QuestionAnsweringHead(store, c),
  },
  'multiple-choice': {
    architecture: 'AlbertForMultipleChoice', pooler: true,
    specs: (c) => linearSpecs('classifier', c.hidden_size, 1), aliases: () => [],
    create: (store, c) => new MultipleChoiceHead(store, c),
  },
  // albert-ts's own class name: google-research/albert's SQuAD 2.0 head, which HF has no class for
  'squad-v2': {
    architecture: 'AlbertForQuestionAnsweringV2', pooler: false, specs: squadV2Specs, aliases: () => [],
    create: (store, c) => new SquadV2Head(store, c),
  },
};

export const HEAD_KINDS = Object.keys(HEADS) as HeadKind[];

export function architectureOf(head: HeadKind): string {
  return HEADS[head].architecture;
}

/** The head of the first architecture we know; 'base' when the list is absent or names none of ours. */
export function headFromArchitectures(arch?: string[]): HeadKind {
  for (const a of arch ?? []) {
    const kind = HEAD_KINDS.find((k) => HEADS[k].architecture === a);
    if (kind) return kind;
  }
  return 'base';
}

/** Parse a head name as given on a command line. */
export function parseHeadKind(name: string): HeadKind {
  if ((HEAD_KINDS as string[]).includes(name)) return name as HeadKind;
  const byArch = HEAD_KINDS.find((k) => HEADS[k].architecture === name);
  if (byArch) return byArch;
  throw new UserError(`unknown head "${name}" (expected one of ${HEAD_KINDS.join(', ')})`);
}
