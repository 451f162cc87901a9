// `--recipe paper`: the paper's fine-tuning hyperparameters (Lan et al. 2019, Table 14; the same
// learning rates, batch sizes, steps and warmup as google-research/albert's run_glue.sh), with the
// optimizer google-research/albert fine-tunes with (its AdamWeightDecayOptimizer, weight decay 0.01)
// and its best-of-dev checkpoint, evaluated every 100 steps as run_glue.sh saves them. Table 14 is
// the v1 recipe: for v2 the authors keep it except for RACE (lr 1e-5, ALBERT dropout 0).
import { UserError } from '../errors.js';
import type { TaskId } from './downstream.js';

export interface Recipe {
  lr: number;
  batchSize: number;
  /** ALBERT DR: hidden and attention dropout inside the encoder. */
  dropout: number;
  /** Classifier DR. */
  classifierDropout: number;
  steps: number;
  warmupSteps: number;
  maxSeqLength: number;
  optimizer: 'adamw-google';
  weightDecay: number;
  evalEvery: number;
}

type Row = [lr: number, batch: number, albertDr: number, clsDr: number, steps: number, warmup: number, msl: number];

/** Table 14, row by row. */
const TABLE_14: Partial<Record<TaskId, Row>> = {
  'glue/cola': [1e-5, 16, 0, 0.1, 5336, 320, 512],
  'glue/stsb': [2e-5, 16, 0, 0.1, 3598, 214, 512],
  'glue/sst2': [1e-5, 32, 0, 0.1, 20935, 1256, 512],
  'glue/mnli': [3e-5, 128, 0, 0.1, 10000, 1000, 512],
  'glue/qnli': [1e-5, 32, 0, 0.1, 33112, 1986, 512],
  'glue/qqp': [5e-5, 128, 0.1, 0.1, 14000, 1000, 512],
  'glue/rte': [3e-5, 32, 0.1, 0.1, 800, 200, 512],
  'glue/mrpc': [2e-5, 32, 0, 0.1, 800, 200, 512],
  'glue/wnli': [2e-5, 16, 0.1, 0.1, 2000, 250, 512],
  squad1: [5e-5, 48, 0, 0.1, 3649, 365, 384],
  squad2: [3e-5, 48, 0, 0.1, 8144, 814, 512],
  race: [2e-5, 32, 0.1, 0.1, 12000, 1000, 512],
};

export const RECIPES = ['paper'] as const;
export type RecipeName = (typeof RECIPES)[number];

/** The paper's recipe for `task`; tasks outside the paper (the user's own data) have none. */
export function paperRecipe(task: TaskId): Recipe {
  const row = TABLE_14[task];
  if (!row) throw new UserError(`--recipe paper: the paper fine-tunes GLUE, SQuAD and RACE only, not ${task}; give the hyperparameters as flags`);
  const [lr, batchSize, dropout, classifierDropout, steps, warmupSteps, maxSeqLength] = row;
  return { lr, batchSize, dropout, classifierDropout, steps, warmupSteps, maxSeqLength, optimizer: 'adamw-google', weightDecay: 0.01, evalEvery: 100 };
}

/** A recipe by name (undefined: none). */
export function recipeFor(name: string | null | undefined, task: TaskId): Recipe | undefined {
  if (name === undefined || name === null) return undefined;
  if (name !== 'paper') throw new UserError(`unknown recipe "${name}" (${RECIPES.join(', ')})`);
  return paperRecipe(task);
}
