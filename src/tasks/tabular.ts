// The user's own sentence (pair) data for classification, regression or multi-label: TSV (tab-split,
// no quoting: IANA text/tab-separated-values, the glue_data convention), CSV (RFC 4180 quoting) or JSONL
// (one object per line). TSV/CSV start with a header naming the columns.
// Labels: discovered from the training file unless given (then the model's / train's list, so that
// dev and test ids mean the same classes), sorted as HF's run_glue / run_classification sort them:
// numerically when every label is a number, else in code point order (Python's str sort).
import { extname } from 'node:path';
import { UserError, fileError } from '../errors.js';
import { parseCsv } from './csv.js';
import { lineError, readTaskJsonl, readTaskLines, readTaskText, type Source } from './text_file.js';
import { compareCodePoints, labelId, pythonFloat, parseTarget, type ProblemType, type TextDataset, type TextExample } from './text_examples.js';

export type TabularFormat = 'tsv' | 'csv' | 'jsonl';

export interface TabularOptions {
  problemType: ProblemType;
  /** Default: from the extension (.tsv/.tab, .csv, .jsonl/.json). */
  format?: TabularFormat;
  /** Default "text". */
  textColumn?: string;
  /** The second text of a pair; default none. */
  textPairColumn?: string | null;
  /** Default "label". */
  labelColumn?: string;
  /** Column of example ids (kept for predictions); default "id" or "idx" when the file has one, else the row number. */
  idColumn?: string;
  /** The label list (id order): dev/test files use train's. Default: discovered from this file. */
  labels?: readonly string[];
  /** false: the label column may be missing (a file to predict on); examples then have label null. Default true. */
  requireLabels?: boolean;
  /** Multi-label labels in TSV/CSV are one field split on this (default ","); JSONL may give an array. */
  labelSeparator?: string;
}

/** One row as column name -> value (strings, or JSON values for JSONL). */
interface Row { get(column: string): unknown; has(column: string): boolean; source: Source }

/** Picks the format from the extension; anything else needs `format`. */
export function tabularFormat(file: string, format?: TabularFormat): TabularFormat {
  if (format) {
    if (!['tsv', 'csv', 'jsonl'].includes(format)) throw new UserError(`unknown data format "${format}" (tsv, csv or jsonl)`);
    return format;
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return 'jsonl';
  throw fileError(file, `cannot tell the format from the extension "${ext}" (use .tsv, .csv or .jsonl, or give the format)`);
}

/** Reads a user data file into examples with labels as ids (classification), targets (regression) or id lists. */
export function readTabular(file: string, opts: TabularOptions): TextDataset {
  const format = tabularFormat(file, opts.format);
  const textColumn = opts.textColumn ?? 'text';
  const pairColumn = opts.textPairColumn ?? null;
  const labelColumn = opts.labelColumn ?? 'label';
  const { rows, columns } = format === 'jsonl' ? jsonlRows(file) : delimitedRows(file, format === 'tsv' ? '\t' : ',');
  if (rows.length === 0) throw fileError(file, 'has no examples (only a header)');
  const idColumn = opts.idColumn ?? (columns?.includes('id') ? 'id' : columns?.includes('idx') ? 'idx' : null);
  const requireLabels = opts.requireLabels ?? true;
  if (columns) {
    for (const [col, what] of [[textColumn, 'text'], [pairColumn, 'text pair'], [opts.idColumn ?? null, 'id']] as const) {
      if (col !== null && !columns.includes(col)) throw fileError(file, `has no ${what} column "${col}" (its columns: ${columns.join(', ')})`);
    }
    if (requireLabels && !columns.includes(labelColumn)) throw fileError(file, `has no label column "${labelColumn}" (its columns: ${columns.join(', ')})`);
  }
  const hasLabels = columns ? columns.includes(labelColumn) : requireLabels || rows.some((r) => r.has(labelColumn));
  const text = (r: Row, col: string, what: string): string => {
    if (!r.has(col)) throw lineError(r.source, `no ${what} field "${col}"`);
    const v = r.get(col);
    if (typeof v !== 'string') throw lineError(r.source, `${what} field "${col}" is ${JSON.stringify(v)}, not a string`);
    return v;
  };
  const rawLabels = hasLabels ? rows.map((r) => rawLabel(r, labelColumn, opts)) : null;
  const labels = opts.problemType === 'regression' ? [] : opts.labels ? [...opts.labels] : discoverLabels(rawLabels ?? [], file);
  const examples: TextExample[] = rows.map((r, k) => {
    let label: number | number[] | null = null;
    const raw = rawLabels?.[k];
    if (raw !== undefined) {
      if (opts.problemType === 'regression') label = target(raw, r.source, labelColumn);
      else if (opts.problemType === 'multi_label_classification') label = (raw as string[]).map((l) => labelId(l, labels, r.source));
      else label = labelId(raw as string, labels, r.source);
    }
    const id = idColumn !== null && r.has(idColumn) ? String(r.get(idColumn)) : String(k);
    return { id, textA: text(r, textColumn, 'text'), textB: pairColumn === null ? null : text(r, pairColumn, 'text pair'), label, source: r.source };
  });
  return { file, problemType: opts.problemType, labels, examples, skipped: 0 };
}

/** The label field as the problem type reads it: one name, a list of names, or a number / numeric string. */
function rawLabel(r: Row, column: string, opts: TabularOptions): string | string[] | number {
  if (!r.has(column)) throw lineError(r.source, `no label field "${column}"`);
  const v = r.get(column);
  if (opts.problemType === 'regression') {
    if (typeof v === 'number' || typeof v === 'string') return v;
    throw lineError(r.source, `regression target "${column}" is ${JSON.stringify(v)}, not a number`);
  }
  if (opts.problemType === 'multi_label_classification') {
    const list = Array.isArray(v) ? v : typeof v === 'string' ? splitLabels(v, opts.labelSeparator ?? ',') : null;
    if (list === null || !list.every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw lineError(r.source, `labels "${column}" must be a list of names or a "${opts.labelSeparator ?? ','}"-separated string, got ${JSON.stringify(v)}`);
    }
    return list.map(String);
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw lineError(r.source, `label "${column}" is ${JSON.stringify(v)}, not a single label`);
}

function splitLabels(s: string, sep: string): string[] {
  return s.split(sep).map((x) => x.trim()).filter((x) => x.length > 0);
}

function target(raw: string | string[] | number, src: Source, column: string): number {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw lineError(src, `regression target "${column}" is not a finite number`);
    return raw;
  }
  return parseTarget(raw as string, src);
}

/** The distinct labels, numerically sorted when all are numbers, else in code point order. */
export function discoverLabels(raw: ReadonlyArray<string | string[] | number>, file: string): string[] {
  const set = new Set<string>();
  for (const r of raw) for (const l of Array.isArray(r) ? r : [String(r)]) set.add(l);
  const labels = [...set];
  if (labels.length === 0) throw fileError(file, 'has no labels to learn');
  const numeric = labels.every((l) => pythonFloat(l) !== null);
  return numeric ? labels.sort((a, b) => pythonFloat(a)! - pythonFloat(b)! || compareCodePoints(a, b)) : labels.sort(compareCodePoints);
}

function delimitedRows(file: string, delimiter: '\t' | ','): { rows: Row[]; columns: string[] } {
  const records = delimiter === ','
    ? parseCsv(readTaskText(file), file)
    : readTaskLines(file).map((l, i) => ({ fields: l.split('\t'), line: i + 1 })).filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
  const [header, ...data] = records;
  const columns = header.fields;
  const index = new Map<string, number>();
  columns.forEach((c, i) => { if (!index.has(c)) index.set(c, i); });
  const rows = data.map((rec): Row => {
    const source = { file, line: rec.line };
    if (rec.fields.length !== columns.length) {
      throw lineError(source, `${rec.fields.length} column${rec.fields.length === 1 ? '' : 's'}, expected ${columns.length} (as the header)`);
    }
    return { source, has: (c) => index.has(c), get: (c) => rec.fields[index.get(c)!] };
  });
  return { rows, columns };
}

function jsonlRows(file: string): { rows: Row[]; columns: null } {
  const rows = readTaskJsonl(file).map(({ line, value }): Row => {
    const source = { file, line };
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw lineError(source, 'not a JSON object');
    const o = value as Record<string, unknown>;
    return { source, has: (c) => Object.hasOwn(o, c), get: (c) => o[c] };
  });
  return { rows, columns: null };
}
