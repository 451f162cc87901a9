// The registry of downstream tasks: task id (the CLI's --task) -> the family that reads it.
import { UserError } from '../errors.js';
import { GLUE_TASK_IDS, TASK_IDS, TEXT_TASK_IDS, type DownstreamTask, type OpenTask, type TaskDataOptions, type TaskId } from './downstream.js';
import { openRaceTask } from './race_task.js';
import { openSquadTask } from './squad_task.js';
import { openTextTask, TEXT_MAX_SEQ_LENGTH } from './text_task.js';

const FAMILIES: Partial<Record<TaskId, OpenTask>> = {
  ...Object.fromEntries([...GLUE_TASK_IDS, ...TEXT_TASK_IDS].map((id) => [id, openTextTask])),
  squad1: openSquadTask, squad2: openSquadTask, race: openRaceTask,
};

/** Each family's default --max-seq-length (the references': HF run_glue 128, run_qa 384, google-research/albert's RACE 512). */
const DEFAULT_MAX_SEQ: Record<TaskId, number> = {
  ...(Object.fromEntries([...GLUE_TASK_IDS, ...TEXT_TASK_IDS].map((id) => [id, TEXT_MAX_SEQ_LENGTH])) as Record<TaskId, number>),
  squad1: 384, squad2: 384, race: 512,
};

/** `id` as a TaskId, or one error listing the tasks. */
export function taskId(id: string): TaskId {
  if (!(TASK_IDS as readonly string[]).includes(id)) throw new UserError(`unknown task "${id}" (one of ${TASK_IDS.join(', ')})`);
  return id as TaskId;
}

export const defaultMaxSeqLength = (id: TaskId): number => DEFAULT_MAX_SEQ[id];

/** Opens task `id` over the data `opts` names (reading only what its config needs until asked). */
export function openTask(id: string, opts: TaskDataOptions): DownstreamTask {
  const t = taskId(id);
  if (opts.squadHead !== undefined && t !== 'squad1' && t !== 'squad2') throw new UserError(`--squad-head is SQuAD's (squad2's two heads), not ${t}'s`);
  const open = FAMILIES[t];
  if (!open) throw new UserError(`task ${t} is not available in this build`);
  return open(t, { ...opts, maxSeqLength: opts.maxSeqLength ?? DEFAULT_MAX_SEQ[t] });
}
