// `albert run`'s inputs as lines (arguments, a file, stdin): a text as it is, or, for the tasks whose
// inputs are objects, a JSON object (JSONL). A text-classification line that starts with "{" is a
// {"text", "text_pair"} object.
import { UserError } from '../errors.js';
import type { PipelineTask } from './types.js';

const OBJECT_TASKS: readonly PipelineTask[] = ['question-answering', 'sentence-similarity', 'multiple-choice'];
const PAIR_TASKS: readonly PipelineTask[] = ['text-classification', 'sentiment-analysis'];

/** One line as the task's input (not yet checked: the pipeline's checkInput does that). */
export function inputFromLine(task: PipelineTask, line: string, where: string): unknown {
  const json = OBJECT_TASKS.includes(task) || (PAIR_TASKS.includes(task) && line.trimStart().startsWith('{'));
  if (!json) return line;
  try {
    return JSON.parse(line);
  } catch (e) {
    throw new UserError(`${where}: not a JSON object (${(e as Error).message}); ${task} takes one JSON object per line`);
  }
}
