// Reading a file the user names (data, predictions): one clear error (the file, the line, the problem)
// instead of a stack trace.
import * as fs from 'node:fs';
import { fileError } from '../errors.js';

/** The UTF-8 text of `file`, without a leading BOM; unreadable: a UserError naming the file. */
export function readUserText(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parse `file` as JSON (a leading UTF-8 BOM is allowed). Unreadable or invalid: a UserError naming the file and line. */
export function readJsonFile(file: string): unknown {
  const text = readUserText(file);
  if (text.trim() === '') throw fileError(file, 'empty file (expected JSON)');
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // V8 names a character offset; people want a line.
    const at = /at position (\d+)/.exec(message);
    const line = at ? `line ${text.slice(0, Number(at[1])).split('\n').length}: ` : '';
    throw fileError(file, `${line}not valid JSON (${message.split('\n')[0]})`);
  }
}

/** A JSON object's own entries, or a UserError when `value` is an array, null or a scalar. */
export function jsonObjectEntries(file: string, value: unknown, expected: string): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fileError(file, `expected ${expected}, got ${jsonType(value)}`);
  }
  return Object.entries(value);
}

/** The JSON name of a value's type, for messages. */
export function jsonType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
