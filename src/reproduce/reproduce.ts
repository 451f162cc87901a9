// `reproduce()`: one of the paper's analyses end to end in one folder: the data (built once), the
// plan (scale and steps from the budget, saved), every compared model pretrained with the same steps
// and seed, its held-out accuracies, its downstream scores, and the results beside the paper's.
// Everything is resumable: --resume continues each unfinished run exactly where it stopped.
import fs from 'node:fs';
import path from 'node:path';
import { loadBackend } from '../backend/index.js';
import type { Backend } from '../backend/backend.js';
import { fileError, UserError } from '../errors.js';
import type { StepInfo } from '../train/pretrain.js';
import type { TrainStepInfo } from '../train/trainer.js';
import { mlmBaselines } from './baseline.js';
import { analysis as analysisNamed, type AnalysisName } from './analyses.js';
import { parseBudget, scaleFor, type Scale } from './budget.js';
import { buildData } from './data.js';
import { DOWNSTREAM_TASKS, downstreamData, type DownstreamTaskId } from './downstream_data.js';
import { finetuneTask } from './finetune_model.js';
import { makePlan, readPlan, savePlan } from './plan.js';
import { pretrainModel } from './pretrain_model.js';
import { writeResults, type ModelResult, type Results } from './report.js';
import { measureTransitions } from './transitions.js';

export interface ReproduceOptions {
  analysis: AnalysisName | string;
  /** Wall time, e.g. "45m" (or seconds). Default 45m. */
  budget?: string | number;
  /** The analysis folder (default reproduce/<analysis>). */
  output?: string;
  /** Continue the analysis in `output` (its saved plan; unfinished runs resume exactly). */
  resume?: boolean;
  /** Folder of the project's data (corpus/gutenberg, glue/, squad/, race.tar.gz); default shared/data. */
  dataRoot?: string;
  /** Book files or globs (default DATA_ROOT/corpus/gutenberg/*.txt). */
  corpus?: string[];
  /** A SentencePiece model instead of training one on the training books. */
  tokenizer?: string;
  vocabSize?: number;
  /** Downstream tasks (default all five; [] for none). */
  tasks?: string[];
  /** Force a scale instead of the budget's. */
  scale?: Scale['name'];
  /** Fixed steps (instead of sizing them by the budget). */
  pretrainSteps?: number; finetuneSteps?: number;
  seed?: number;
  threads?: number;
  backend?: Backend;
  signal?: AbortSignal;
  /** Phase lines ("pretraining sop (2/3)"). */
  onPhase?: (line: string) => void;
  /** Every training update of the current run. */
  onStep?: (run: string, s: { step: number; totalSteps: number; loss: number; tokensPerSecond: number; mlmAcc?: number }) => void;
}

export interface ReproduceResult { interrupted: boolean; results: Results | null; files: string[]; output: string }

function checkTasks(tasks: string[]): DownstreamTaskId[] {
  for (const t of tasks) {
    if (!(DOWNSTREAM_TASKS as readonly string[]).includes(t)) throw new UserError(`unknown downstream task "${t}" (of ${DOWNSTREAM_TASKS.join(', ')})`);
  }
  return tasks as DownstreamTaskId[];
}

export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const started = Date.now();
  const a = analysisNamed(o.analysis);
  const budgetS = typeof o.budget === 'number' ? o.budget : parseBudget(o.budget ?? '45m');
  const dir = o.output ?? path.join('reproduce', a.name);
  const dataRoot = o.dataRoot ?? path.join('shared', 'data');
  const saved = readPlan(dir);
  if (saved && !o.resume) throw fileError(dir, `already holds an analysis (${saved.analysis}): pass --resume to continue it, or choose another --output`);
  if (o.resume && !saved && fs.existsSync(dir) && fs.readdirSync(dir).length && !fs.existsSync(path.join(dir, 'data'))) {
    throw fileError(dir, 'is not an analysis folder (no plan.json): nothing to resume');
  }
  if (saved && saved.analysis !== a.name) throw fileError(dir, `holds analysis ${saved.analysis}, not ${a.name}`);
  if (o.vocabSize !== undefined && !(Number.isInteger(o.vocabSize) && o.vocabSize >= 100)) throw new UserError(`--vocab-size must be an integer >= 100, got ${o.vocabSize}`);
  const tasks = checkTasks(o.tasks ?? (a.name === 'figure1' ? [] : [...DOWNSTREAM_TASKS]));
  const seed = o.seed ?? saved?.seed ?? 12345;
  const corpus = o.corpus ?? [path.join(dataRoot, 'corpus', 'gutenberg')];
  if (!o.corpus && !fs.existsSync(corpus[0])) throw fileError(corpus[0], 'no such folder: pass --data-root (the folder holding corpus/gutenberg) or --corpus');
  fs.mkdirSync(dir, { recursive: true });
  const phase = o.onPhase ?? (() => {});
  const backend = o.backend ?? loadBackend({ threads: o.threads });

  const scale = saved?.scale ?? scaleFor(budgetS, o.scale);
  const vocabSize = saved?.vocabSize ?? o.vocabSize ?? (scale.name === 'tiny' ? 1000 : 8000);
  phase(`data: ${dir}/data`);
  const data = await buildData({ dir, corpus, objectives: a.objectives, vocabSize, seed, tokenizer: o.tokenizer, onProgress: phase });
  let plan = saved;
  if (!plan) {
    phase('calibrating: a few steps to size the runs to the budget');
    plan = await makePlan({ analysis: a, dir, budgetS, elapsedS: (Date.now() - started) / 1000, scale, data, seed, vocabSize, tasks,
      pretrainSteps: o.pretrainSteps, finetuneSteps: o.finetuneSteps, backend });
    savePlan(dir, plan);
  }
  const plans = a.models(plan.scale);
  const downstream = plan.tasks.length ? downstreamData(dir, dataRoot, plan.tasks, plan.scale.downstreamTrain, plan.scale.downstreamEval) : [];
  const skipped = downstream.filter((d) => d.skipped).map((d) => ({ task: d.task, reason: d.skipped! }));
  for (const s of skipped) phase(`skipping ${s.task}: ${s.reason}`);

  const models: ModelResult[] = [];
  for (const [k, p] of plans.entries()) {
    phase(`pretraining ${p.name} (${k + 1}/${plans.length}): ${plan.pretrainSteps} steps`);
    const run = `${p.name}`;
    const onStep = (s: StepInfo) => o.onStep?.(run, { step: s.step, totalSteps: s.totalSteps, loss: s.loss, tokensPerSecond: s.tokensPerSecond, mlmAcc: s.mlmAcc });
    const pm = await pretrainModel(p, plan, data, dir, { backend, signal: o.signal, onStep });
    if (!pm) return { interrupted: true, results: null, files: [], output: dir };
    const m: ModelResult = { ...pm, downstream: [] };
    for (const d of downstream.filter((x) => !x.skipped)) {
      phase(`fine-tuning ${p.name} on ${d.task}: ${plan.finetuneSteps} steps`);
      const onFt = (s: TrainStepInfo) => o.onStep?.(`${run} ${d.task}`, { step: s.step, totalSteps: s.totalSteps, loss: s.loss, tokensPerSecond: s.tokensPerSecond });
      const score = await finetuneTask(pm.checkpoint, d, plan, path.join(dir, 'models', p.name, `ft-${d.task.replace('/', '-')}`), { backend, signal: o.signal, onStep: onFt });
      if (!score) return { interrupted: true, results: null, files: [], output: dir };
      m.downstream.push(score);
    }
    if (a.name === 'figure1') m.transitions = measureTransitions(pm.checkpoint, data.heldout.sop!, plan.scale.evalLimit, backend);
    models.push(m);
  }
  const results: Results = {
    analysis: a.name, plan, models, skipped,
    data: {
      train_books: data.trainBooks.length, heldout_books: data.heldoutBooks.length, vocab_size: data.vocabSize, data_wall_s: Math.round(data.wallS),
      train_tokens: data.trainTokens,
      mlm_baselines: mlmBaselines(data.train[plan.objectives[0]]!, data.heldout[plan.objectives[0]]!, plan.scale.evalLimit),
    },
  };
  const files = writeResults(dir, a, results);
  phase(`written: ${files.join(', ')}`);
  return { interrupted: false, results, files, output: dir };
}
