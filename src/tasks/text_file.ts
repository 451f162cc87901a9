// Reading a task's data file as text: UTF-8 (invalid bytes are an error, as Python's open() raises),
// a leading BOM dropped (MRPC has one), CRLF read as LF, and an empty file refused, so every reader
// reports "<file>: ..." for the same problems in the same words.
import { readFileSync } from 'node:fs';
import { fileError } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The file's text without its BOM; throws a one-line error for a missing, unreadable, non-UTF-8 or empty file. */
export function readTaskText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fileError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read: ${code ?? (e as Error).message}`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes); // ignoreBOM: false removes a leading U+FEFF
  } catch {
    throw fileError(file, 'is not valid UTF-8 text');
  }
  if (text.trim().length === 0) throw fileError(file, 'is empty');
  return text;
}

/** Lines of a text file (line k of the file at index k-1); a final line end does not start another line. */
export function readTaskLines(file: string): string[] {
  const lines = readTaskText(file).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  return lines;
}

/** A JSON file's value; a syntax error names the file. */
export function readTaskJson(file: string): unknown {
  const text = readTaskText(file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fileError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

/** One JSON value per non-blank line, with its line number (1-based). */
export function readTaskJsonl(file: string): Array<{ line: number; value: unknown }> {
  const out: Array<{ line: number; value: unknown }> = [];
  const lines = readTaskLines(file);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim().length === 0) continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(lines[i]) });
    } catch (e) {
      throw fileError(file, `line ${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  }
  return out;
}

/** Where an example came from, for error messages that name the file and line. */
export interface Source {
  file: string;
  line: number;
}

/** "<file>: line <n>: <problem>". */
export function lineError(src: Source, problem: string): Error {
  return fileError(src.file, `line ${src.line}: ${problem}`);
}
