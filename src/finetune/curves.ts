// A fine-tuning run's curves.svg (train/curves.ts draws it): the training loss, the learning rate,
// and each evaluation metric over the evaluated splits (dev, MNLI's dev_mismatched...).
import { writeTextAtomic } from '../io/atomic.js';
import { curvesSvg, type Panel, type Series } from '../train/curves.js';
import type { CurvesInfo } from '../train/task.js';

const TRAIN_COLOR = '#1f77b4';
const SPLIT_COLORS = ['#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
/** Metrics in [0, 1] (percent axes); others (mse, SQuAD's percentages) are plotted as they are. */
const FRACTIONS = new Set(['accuracy', 'f1', 'matthews_correlation', 'pearson', 'spearmanr', 'accuracy_middle', 'accuracy_high']);

type Rec = { type: string; step: number; split?: string } & Record<string, unknown>;

function finetuneCurvesSvg(records: readonly object[], run: CurvesInfo & { task: string; main: string }): string {
  const rs = records as Rec[];
  const train = rs.filter((r) => r.type === 'train');
  const evals = rs.filter((r) => r.type === 'eval');
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const trainSeries = (k: string): Series => ({ name: 'train', color: TRAIN_COLOR, points: train.filter((r) => num(r[k]) !== null).map((r) => [r.step, r[k] as number]) });
  const splits = [...new Set(evals.map((e) => String(e.split)))];
  const metrics = [...new Set(evals.flatMap((e) => Object.keys(e).filter((k) => k !== 'step' && num(e[k]) !== null)))];
  // The main metric first.
  metrics.sort((a, b) => Number(b === run.main) - Number(a === run.main));
  const panels: Panel[] = [
    { title: 'loss (train)', yInclude: [0], series: [trainSeries('loss')] },
    { title: 'learning rate', yInclude: [0], series: [trainSeries('lr')] },
    ...metrics.map((m): Panel => ({
      title: m === run.main ? `${m} (selects the best checkpoint)` : m, format: FRACTIONS.has(m) ? 'percent' : 'number',
      series: splits.map((sp, i) => ({
        name: sp, color: SPLIT_COLORS[i % SPLIT_COLORS.length], markers: true,
        points: evals.filter((e) => e.split === sp && num(e[m]) !== null).map((e) => [e.step, e[m] as number] as [number, number]),
      })),
    })),
  ];
  const batch = run.gradAccum > 1 ? `${run.batchSize} x ${run.gradAccum} accumulated` : String(run.batchSize);
  return curvesSvg(`ALBERT fine-tuning on ${run.task}, run "${run.name}"`,
    `${run.optimizer}, batch ${batch}, peak learning rate ${run.lr}, ${run.steps} steps. train: the mean over each logging window; splits: at each evaluation.`,
    panels, { max: run.steps, label: 'step' });
}

export function writeFinetuneCurves(file: string, records: readonly object[], run: CurvesInfo & { task: string; main: string }): void {
  writeTextAtomic(file, finetuneCurvesSvg(records, run));
}
