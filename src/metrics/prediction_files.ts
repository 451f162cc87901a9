// Readers for predictions files made anywhere: JSON id -> value (SQuAD predictions.json and
// null_odds.json, RACE) and GLUE's submission TSV. Each bad entry is one UserError naming the file and
// the id or line.
import { fileError } from '../errors.js';
import { jsonObjectEntries, jsonType, readJsonFile, readUserText } from '../io/user_files.js';

/**
 * A JSON object of id -> string (`kind` 'string') or id -> finite number ('number'), in file order
 * (which decides ties in SQuAD's threshold search), except that JSON.parse puts keys that look like
 * array indices ("17") first; SQuAD's hex ids never do.
 */
export function readJsonMap(file: string, kind: 'string', item: string): Map<string, string>;
export function readJsonMap(file: string, kind: 'number', item: string): Map<string, number>;
export function readJsonMap(file: string, kind: 'string' | 'number', item: string): Map<string, string | number> {
  const out = new Map<string, string | number>();
  for (const [id, value] of jsonObjectEntries(file, readJsonFile(file), `a JSON object of ${item} id -> ${kind}`)) {
    const ok = kind === 'string' ? typeof value === 'string' : typeof value === 'number' && Number.isFinite(value);
    if (!ok) throw fileError(file, `${item} ${JSON.stringify(id)}: expected a ${kind}, got ${jsonType(value)}`);
    out.set(id, value as string | number);
  }
  if (out.size === 0) throw fileError(file, `no ${item}s (an empty JSON object)`);
  return out;
}

/** One row of a GLUE submission file. */
export interface SubmissionRow {
  prediction: string;
  /** 1-based line number, for messages. */
  line: number;
}

/**
 * GLUE's submission TSV (as HF run_glue writes it): an optional `index<TAB>prediction` header, then
 * one `index<TAB>prediction` row per example, in any order. Returns index (as a string) -> row.
 */
export function readGlueSubmission(file: string): Map<string, SubmissionRow> {
  const lines = readUserText(file).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out = new Map<string, SubmissionRow>();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && line.toLowerCase() === 'index\tprediction') return;
    const fields = line.split('\t');
    const where = `line ${i + 1}`;
    if (fields.length !== 2) throw fileError(file, `${where}: expected 2 tab-separated columns (index, prediction), got ${fields.length}`);
    const [index, prediction] = fields;
    if (!/^(0|[1-9][0-9]*)$/.test(index)) throw fileError(file, `${where}: index ${JSON.stringify(index)} is not a whole number`);
    const seen = out.get(index);
    if (seen) throw fileError(file, `${where}: index ${index} again (first on line ${seen.line})`);
    out.set(index, { prediction, line: i + 1 });
  });
  if (out.size === 0) throw fileError(file, 'no predictions (expected index<TAB>prediction rows)');
  return out;
}
