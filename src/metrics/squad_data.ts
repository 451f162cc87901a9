// The gold side of a SQuAD file (official JSON: {version, data:[{paragraphs:[{qas:[{id, answers}]}]}]}):
// every question's id and answer texts, in file order, which is all the official scripts read.
import { fileError } from '../errors.js';
import { jsonType, readJsonFile } from '../io/user_files.js';
import type { SquadQuestion } from './squad.js';

export interface SquadGold {
  version: string | undefined;
  questions: SquadQuestion[];
}

/** Read the questions of a SQuAD 1.1 or 2.0 file; a malformed entry is a UserError naming its JSON path. */
export function readSquadGold(file: string): SquadGold {
  const json = readJsonFile(file) as { version?: unknown; data?: unknown };
  const list = (value: unknown, where: string): unknown[] => {
    if (!Array.isArray(value)) throw fileError(file, `${where}: ${value === undefined ? 'missing' : `expected an array, got ${jsonType(value)}`} (not a SQuAD file?)`);
    return value;
  };
  const field = (value: unknown, key: string): unknown => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined);
  const questions: SquadQuestion[] = [];
  const seen = new Set<string>();
  list(field(json, 'data'), 'data').forEach((article, a) => {
    list(field(article, 'paragraphs'), `data[${a}].paragraphs`).forEach((paragraph, p) => {
      list(field(paragraph, 'qas'), `data[${a}].paragraphs[${p}].qas`).forEach((qa, q) => {
        const where = `data[${a}].paragraphs[${p}].qas[${q}]`;
        const id = field(qa, 'id');
        if (typeof id !== 'string') throw fileError(file, `${where}.id: expected a string, got ${jsonType(id)}`);
        if (seen.has(id)) throw fileError(file, `${where}: question id ${JSON.stringify(id)} again`);
        seen.add(id);
        const answers = list(field(qa, 'answers'), `${where}.answers`).map((answer, k) => {
          const text = field(answer, 'text');
          if (typeof text !== 'string') throw fileError(file, `${where}.answers[${k}].text (question ${id}): expected a string, got ${jsonType(text)}`);
          return text;
        });
        questions.push({ id, answers });
      });
    });
  });
  if (questions.length === 0) throw fileError(file, 'no questions');
  const version = field(json, 'version');
  return { version: typeof version === 'string' ? version : undefined, questions };
}
