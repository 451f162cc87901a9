// RFC 4180 CSV: fields separated by commas, records by CRLF or LF; a field in double quotes may hold
// commas, line breaks and "" (one quote). Each record keeps the line it starts on, so an error can
// name it. (npm's csv-parse was tried first: its line count for a record with a quoted CRLF is off,
// and exact line numbers are what the errors need.)
import { fileError } from '../errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

/** Parses CSV text; blank lines are skipped (as pandas does); a malformed quote names file and line. */
export function parseCsv(text: string, file: string, delimiter = ','): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  let i = 0, line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        quoted = true;
        const open = line;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw fileError(file, `line ${open}: a quoted field is never closed`);
          for (let k = text.indexOf('\n', i); k >= 0 && k < q; k = text.indexOf('\n', k + 1)) line++;
          field += text.slice(i, q);
          if (text[q + 1] === '"') { field += '"'; i = q + 2; continue; }
          i = q + 1;
          break;
        }
        if (i < n && text[i] !== delimiter && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          throw fileError(file, `line ${line}: unexpected ${JSON.stringify(text[i])} after a closing quote (a quote inside a quoted field is written "")`);
        }
      } else {
        let j = i;
        while (j < n && text[j] !== delimiter && text[j] !== '\n' && !(text[j] === '\r' && text[j + 1] === '\n')) j++;
        field = text.slice(i, j); // a quote inside an unquoted field stays literal, as Python's csv reads it
        i = j;
      }
      fields.push(field);
      if (i < n && text[i] === delimiter) { i++; continue; }
      break;
    }
    // End of record: a line break or the end of the text.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') { i++; line++; }
    if (quoted || fields.length > 1 || fields[0] !== '') out.push({ fields, line: start });
  }
  return out;
}
