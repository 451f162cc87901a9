// GLUE's nine tasks from the standard glue_data layout, read as google-research/albert's
// classifier_utils reads them: lines split on tab with no quote processing (SST-2 and MRPC have bare
// quotes), the header skipped (CoLA's train/dev have none), the same text_a / text_b / label columns
// and the same label lists in the same order (HF datasets' GLUE orders some differently: MNLI).
// Texts are kept as written; the tokenizer applies ALBERT's preprocessing.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, fileError } from '../errors.js';
import { readTaskLines, lineError, type Source } from './text_file.js';
import { labelId, parseTarget, type ProblemType, type TextDataset, type TextExample } from './text_examples.js';

export type GlueTask = 'cola' | 'sst2' | 'mrpc' | 'stsb' | 'qqp' | 'mnli' | 'qnli' | 'rte' | 'wnli';
/** 'dev' / 'test' are MNLI's matched sets; 'dev_mismatched' / 'test_mismatched' exist only for MNLI. */
export type GlueSplit = 'train' | 'dev' | 'test' | 'dev_mismatched' | 'test_mismatched';

/** Columns of one kind of file (0-based; -1 = the last column). */
interface Columns { a: number; b: number | null; label: number | null; id: number | null }

export interface GlueTaskInfo {
  task: GlueTask;
  /** The task's folder in glue_data. */
  folder: string;
  problemType: ProblemType;
  /** classifier_utils' get_labels(), in id order; empty for STS-B (one regression output). */
  labels: readonly string[];
  /** The metric google-research/albert selects checkpoints by (HF evaluate's name). */
  mainMetric: 'accuracy' | 'matthews_correlation' | 'pearson';
  /** Dev sets evaluated (MNLI: matched and mismatched). */
  devSplits: readonly GlueSplit[];
  testSplits: readonly GlueSplit[];
}

interface Spec extends GlueTaskInfo {
  /** train/dev files have a header row (all but CoLA); without one, every row has `width` columns. */
  header: boolean;
  width?: number;
  labelled: Columns;
  test: Columns;
  /** Rows with too few columns are skipped, not refused (QQP: classifier_utils catches the IndexError). */
  skipShortRows?: boolean;
}

const BINARY = ['0', '1'] as const;
const NLI2 = ['entailment', 'not_entailment'] as const;
const single = { devSplits: ['dev'], testSplits: ['test'] } as const;
const pairLast: Columns = { a: 1, b: 2, label: -1, id: 0 };
const pairTest: Columns = { a: 1, b: 2, label: null, id: 0 };

const SPECS: Record<GlueTask, Spec> = {
  cola: { task: 'cola', folder: 'CoLA', problemType: 'single_label_classification', labels: BINARY, mainMetric: 'matthews_correlation', ...single,
    header: false, width: 4, labelled: { a: 3, b: null, label: 1, id: null }, test: { a: 1, b: null, label: null, id: 0 } },
  sst2: { task: 'sst2', folder: 'SST-2', problemType: 'single_label_classification', labels: BINARY, mainMetric: 'accuracy', ...single,
    header: true, labelled: { a: 0, b: null, label: 1, id: null }, test: { a: 1, b: null, label: null, id: 0 } },
  mrpc: { task: 'mrpc', folder: 'MRPC', problemType: 'single_label_classification', labels: BINARY, mainMetric: 'accuracy', ...single,
    header: true, labelled: { a: 3, b: 4, label: 0, id: null }, test: { a: 3, b: 4, label: null, id: 0 } },
  stsb: { task: 'stsb', folder: 'STS-B', problemType: 'regression', labels: [], mainMetric: 'pearson', ...single,
    header: true, labelled: { a: 7, b: 8, label: -1, id: 0 }, test: { a: 7, b: 8, label: null, id: 0 } },
  qqp: { task: 'qqp', folder: 'QQP', problemType: 'single_label_classification', labels: BINARY, mainMetric: 'accuracy', ...single,
    header: true, labelled: { a: 3, b: 4, label: 5, id: 0 }, test: pairTest, skipShortRows: true },
  mnli: { task: 'mnli', folder: 'MNLI', problemType: 'single_label_classification', labels: ['contradiction', 'entailment', 'neutral'],
    mainMetric: 'accuracy', devSplits: ['dev', 'dev_mismatched'], testSplits: ['test', 'test_mismatched'],
    header: true, labelled: { a: 8, b: 9, label: -1, id: 0 }, test: { a: 8, b: 9, label: null, id: 0 } },
  qnli: { task: 'qnli', folder: 'QNLI', problemType: 'single_label_classification', labels: NLI2, mainMetric: 'accuracy', ...single,
    header: true, labelled: pairLast, test: pairTest },
  rte: { task: 'rte', folder: 'RTE', problemType: 'single_label_classification', labels: NLI2, mainMetric: 'accuracy', ...single,
    header: true, labelled: pairLast, test: pairTest },
  wnli: { task: 'wnli', folder: 'WNLI', problemType: 'single_label_classification', labels: BINARY, mainMetric: 'accuracy', ...single,
    header: true, labelled: pairLast, test: pairTest },
};

export const GLUE_TASKS: readonly GlueTask[] = Object.keys(SPECS) as GlueTask[];

/** What a GLUE task is: folder, labels, problem type, main metric, dev and test splits. */
export function glueTask(task: string): GlueTaskInfo {
  const { task: t, folder, problemType, labels, mainMetric, devSplits, testSplits } = specOf(task);
  return { task: t, folder, problemType, labels, mainMetric, devSplits, testSplits };
}

function specOf(task: string): Spec {
  const spec = Object.hasOwn(SPECS, task) ? SPECS[task as GlueTask] : undefined;
  if (!spec) throw new UserError(`unknown GLUE task "${task}" (one of ${GLUE_TASKS.join(', ')})`);
  return spec;
}

const FILE_NAMES: Record<GlueSplit, string> = { train: 'train', dev: 'dev', test: 'test', dev_mismatched: 'dev_mismatched', test_mismatched: 'test_mismatched' };

/** The file of one split. `dir` is the task's folder (glue_data/SST-2) or glue_data itself. */
export function glueFile(task: GlueTask, dir: string, split: GlueSplit): string {
  const spec = specOf(task);
  if (!(FILE_NAMES[split] && (split === 'train' || spec.devSplits.includes(split) || spec.testSplits.includes(split)))) {
    throw new UserError(`GLUE ${task} has no "${split}" split (${['train', ...spec.devSplits, ...spec.testSplits].join(', ')})`);
  }
  const folder = existsSync(join(dir, spec.folder)) && statSync(join(dir, spec.folder)).isDirectory() ? join(dir, spec.folder) : dir;
  // MNLI's matched files carry the suffix in glue_data: dev_matched.tsv, test_matched.tsv.
  const name = task === 'mnli' && (split === 'dev' || split === 'test') ? `${split}_matched` : FILE_NAMES[split];
  return join(folder, `${name}.tsv`);
}

/** Reads one split of a GLUE task; test files give examples with label null and their index as id. */
export function readGlue(task: GlueTask, dir: string, split: GlueSplit): TextDataset {
  const file = glueFile(task, dir, split);
  return readGlueFile(task, file, split.startsWith('test') ? 'test' : 'labelled', split);
}

/** Reads a GLUE file whose kind is given: 'labelled' (train/dev layout) or 'test' (index column, no label). */
export function readGlueFile(task: GlueTask, file: string, kind: 'labelled' | 'test', idPrefix: string = kind): TextDataset {
  const spec = specOf(task);
  const cols = kind === 'test' ? spec.test : spec.labelled;
  const hasHeader = kind === 'test' || spec.header;
  const lines = readTaskLines(file);
  const width = hasHeader ? lines[0].split('\t').length : spec.width!;
  const need = Math.max(cols.a, cols.b ?? 0, cols.label ?? 0, cols.id ?? 0) + 1;
  if (width < need) {
    throw fileError(file, `has ${width} column${width === 1 ? '' : 's'}, but GLUE ${task} ${kind === 'test' ? 'test files have' : 'needs'} at least ${need} (is this the ${spec.folder} ${kind === 'test' ? 'test' : 'train/dev'} file?)`);
  }
  const examples: TextExample[] = [];
  let skipped = 0;
  for (let i = hasHeader ? 1 : 0; i < lines.length; i++) {
    const source: Source = { file, line: i + 1 };
    const row = lines[i].split('\t');
    if (row.length !== width) {
      if (spec.skipShortRows && kind === 'labelled' && row.length < width) { skipped++; continue; }
      throw lineError(source, `${row.length} column${row.length === 1 ? '' : 's'}, expected ${width}${hasHeader ? ' (as the header)' : ''}`);
    }
    const at = (c: number) => row[c < 0 ? row.length + c : c];
    let label: number | null = null;
    if (cols.label !== null) {
      const text = at(cols.label);
      label = spec.problemType === 'regression' ? parseTarget(text, source, 'similarity score') : labelId(text, spec.labels, source);
    }
    examples.push({
      id: cols.id !== null ? at(cols.id) : `${idPrefix}-${i}`,
      textA: at(cols.a),
      textB: cols.b === null ? null : at(cols.b),
      label,
      source,
    });
  }
  if (examples.length === 0) throw fileError(file, 'has no examples');
  return { file, problemType: spec.problemType, labels: [...spec.labels], examples, skipped };
}
