// The examples of a sentence (or sentence-pair) task, as every text reader returns them: GLUE's nine
// tasks and the user's own classification / regression / multi-label data.
import type { ProblemType } from '../model/config.js';
import { lineError, type Source } from './text_file.js';

/** HF's config.problem_type names (the config's own type). */
export type { ProblemType };

export interface TextExample {
  /** The file's own id (GLUE's index column, the user's id column), else "<split>-<row>". */
  id: string;
  textA: string;
  textB: string | null;
  /** Class id (classification), target (regression), class ids (multi-label); null where the file has no labels (test). */
  label: number | number[] | null;
  source: Source;
}

export interface TextDataset {
  file: string;
  problemType: ProblemType;
  /** Class names in id order (empty for regression). */
  labels: string[];
  examples: TextExample[];
  /** Rows the reader skipped on purpose (QQP's rows with missing columns, as the references skip them). */
  skipped: number;
}

/** config.json's id2label / label2id (HF writes id2label's keys as strings). */
export function labelMaps(labels: readonly string[]): { id2label: Record<string, string>; label2id: Record<string, number> } {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  labels.forEach((l, i) => { id2label[String(i)] = l; label2id[l] = i; });
  return { id2label, label2id };
}

/** The id of `label` in `labels`; an unknown label names the file, line and the known labels. */
export function labelId(label: string, labels: readonly string[], src: Source): number {
  const i = labels.indexOf(label);
  if (i < 0) throw lineError(src, `unknown label ${JSON.stringify(label)} (the labels are ${labels.map((l) => JSON.stringify(l)).join(', ')})`);
  return i;
}

// Python float()'s decimal syntax; nan/inf are refused since they would poison the loss.
const NUMBER = /^\s*[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?\s*$/;

/** The number Python's float() reads from `text`, or null (also for nan / inf). */
export function pythonFloat(text: string): number | null {
  return NUMBER.test(text) ? Number(text.replaceAll('_', '')) : null;
}

/** A regression target as Python's float() reads it; anything else names the file, line and value. */
export function parseTarget(text: string, src: Source, what = 'regression target'): number {
  const x = pythonFloat(text);
  if (x === null) throw lineError(src, `${what} ${JSON.stringify(text)} is not a number`);
  return x;
}

/** Python's sort of str (code point order; JS's default sort compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next(), y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
