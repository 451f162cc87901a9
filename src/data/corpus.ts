// Reading a text corpus as a stream of documents, each a list of sentences (strings).
// Two layouts:
//   'lines': one sentence per line, blank lines between documents (the BERT/ALBERT format);
//            read line by line, so a file may be larger than memory.
//   'docs':  one document per file of raw prose (Project Gutenberg style): BOM and CRLF removed,
//            the PG header/footer stripped, hard-wrapped lines joined into paragraphs, paragraphs
//            split into sentences with Intl.Segmenter.
import fs from 'node:fs';
import path from 'node:path';
import { fileError, UserError } from '../errors.js';

export type Layout = 'lines' | 'docs';

/** A document: its sentences in order. */
export type Document = string[];

const GLOB_CHARS = /[*?[]/;

/** Glob pattern -> RegExp over '/'-separated relative paths: `*` and `?` stay in one segment, `**` crosses. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else { re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']'; i = end; }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

/** The files under `dir` (as found: `dir/link/x.txt`, not the link's target), and the broken links. */
interface Walked { files: string[]; broken: string[] }

/**
 * Every file under `dir`, following symbolic links to files and folders. A folder already visited
 * (by its real path: a link back to an ancestor, or a second link to one folder) is not entered again,
 * so link cycles end.
 */
function walk(dir: string, out: Walked = { files: [], broken: [] }, seen = new Set<string>()): Walked {
  const real = fs.realpathSync(dir);
  if (seen.has(real)) return out;
  seen.add(real);
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    let st: fs.Stats | fs.Dirent = ent;
    if (ent.isSymbolicLink()) {
      try { st = fs.statSync(p); } catch { out.broken.push(p); continue; }
    }
    if (st.isDirectory()) walk(p, out, seen);
    else if (st.isFile()) out.files.push(p);
  }
  return out;
}

/** The walked files `matches` accepts, sorted; a broken link it accepts is an error. */
function matching(found: Walked, pat: string, matches: (file: string) => boolean): string[] {
  const broken = found.broken.find(matches);
  if (broken !== undefined) throw fileError(broken, `a broken symbolic link (matched by --input ${pat}): its target does not exist`);
  return found.files.filter(matches).sort();
}

/** Keep the first path of each file (by real path): the same file through two links is read once. */
function uniqueFiles(files: string[]): string[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    const real = fs.realpathSync(f);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/**
 * Expand --input values (files or globs) into a sorted, de-duplicated file list.
 * A plain path that does not exist, or a glob that matches nothing, is a UserError.
 */
export function expandInputs(patterns: string[]): string[] {
  const files: string[] = [];
  for (const pat of patterns) {
    if (!GLOB_CHARS.test(pat)) {
      let st: fs.Stats;
      try { st = fs.statSync(pat); } catch { throw fileError(pat, 'no such file'); }
      if (st.isDirectory()) files.push(...matching(walk(pat), pat, () => true));
      else files.push(pat);
      continue;
    }
    // The longest leading run of glob-free segments is the directory to walk.
    const segs = pat.split('/');
    let k = 0;
    while (k < segs.length - 1 && !GLOB_CHARS.test(segs[k])) k++;
    const base = segs.slice(0, k).join('/') || (pat.startsWith('/') ? '/' : '.');
    const re = globToRegExp(segs.slice(k).join('/'));
    const found = fs.existsSync(base) && fs.statSync(base).isDirectory() ? walk(base) : { files: [], broken: [] };
    const matched = matching(found, pat, (f) => re.test(path.relative(base, f).split(path.sep).join('/')));
    if (matched.length === 0) throw new UserError(`--input ${pat}: no file matches`);
    files.push(...matched);
  }
  return uniqueFiles(files);
}

// Curly (typographic) quotes and their straight ASCII equivalents.
const CURLY_SINGLE = /[\u2018\u2019\u201a\u201b]/g;
const CURLY_DOUBLE = /[\u201c\u201d\u201e\u201f]/g;
const CURLY_ANY = /[\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f]/g;

/** Curly quotes to straight ones: ‘ ’ ‚ ‛ to ', “ ” „ ‟ to ". */
export function straightenQuotes(text: string): string {
  return text.replace(CURLY_SINGLE, "'").replace(CURLY_DOUBLE, '"');
}

/** How many curly quotes `text` holds. */
export function countCurlyQuotes(text: string): number {
  return text.match(CURLY_ANY)?.length ?? 0;
}

const START_RE = /^\s*\*\*\*\s*START OF (THE|THIS) PROJECT GUTENBERG/i;
const END_RE = /^\s*(\*\*\*\s*END OF (THE|THIS) PROJECT GUTENBERG|End of (the )?Project Gutenberg'?s? (E-?text|E-?book))/i;

/** Keep only the book between Project Gutenberg's START and END markers (whole text if absent). */
export function stripGutenberg(text: string): string {
  const lines = text.split('\n');
  let from = 0, to = lines.length;
  const s = lines.findIndex((l) => START_RE.test(l));
  if (s >= 0) from = s + 1;
  for (let i = from; i < lines.length; i++) if (END_RE.test(lines[i])) { to = i; break; }
  return lines.slice(from, to).join('\n');
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Titles and initials after which ICU's sentence rules break but English does not ("Mr. Smith"). */
const NO_BREAK_AFTER = /(?:^|[\s("'])(?:Mr|Mrs|Ms|Messrs|Dr|St|Jr|Sr|Prof|Rev|Hon|Gen|Capt|Col|Lt|Sgt|Mt|vs|etc|viz|cf|No|[A-Z])\.$/;

/** Split one paragraph (already on one line) into sentences. */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  let carry = '';
  for (const { segment } of segmenter.segment(paragraph)) {
    const s = (carry + segment).trim();
    if (NO_BREAK_AFTER.test(s)) { carry = s + ' '; continue; }
    carry = '';
    if (s) out.push(s);
  }
  if (carry.trim()) out.push(carry.trim());
  return out;
}

/** Raw prose -> sentences: BOM and CR removed, PG header/footer stripped, wrapped lines joined. */
export function proseToSentences(text: string): Document {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = stripGutenberg(text.replace(/\r\n?/g, '\n'));
  const sentences: string[] = [];
  for (const para of text.split(/\n[ \t]*\n/)) {
    const joined = para.replace(/\s+/g, ' ').trim();
    if (joined) sentences.push(...splitSentences(joined));
  }
  return sentences;
}

/** Decode bytes as UTF-8, naming the file and byte offset of the first invalid sequence. */
function decodeUtf8(file: string, buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    // Find the offending offset for a useful message (rare path).
    let lo = 0, hi = buf.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      try { new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, mid), { stream: true }); lo = mid; } catch { hi = mid; }
    }
    throw fileError(file, `not valid UTF-8 text (bad byte near offset ${lo})`);
  }
}

function checkText(file: string, text: string): void {
  if (text.includes('\0')) throw fileError(file, 'contains NUL bytes: not a text file');
}

/**
 * Stream the documents of one file. onBytes(n) reports progress in input bytes.
 * 'lines' reads in 1 MiB blocks (constant memory); 'docs' reads the file whole (one document).
 */
export async function* readDocuments(file: string, layout: Layout, onBytes: (n: number) => void = () => {}): AsyncGenerator<Document> {
  if (layout === 'docs') {
    let buf: Buffer;
    try { buf = await fs.promises.readFile(file); } catch (e) { throw fileError(file, (e as Error).message); }
    const text = decodeUtf8(file, buf);
    checkText(file, text);
    onBytes(buf.length);
    const doc = proseToSentences(text);
    if (doc.length) yield doc;
    return;
  }
  let fd: fs.promises.FileHandle;
  try { fd = await fs.promises.open(file, 'r'); } catch (e) { throw fileError(file, (e as Error).message); }
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const block = Buffer.alloc(1 << 20);
    let pending = '', doc: Document = [], offset = 0, first = true;
    for (;;) {
      const { bytesRead } = await fd.read(block, 0, block.length, null);
      let text: string;
      try { text = decoder.decode(block.subarray(0, bytesRead), { stream: bytesRead > 0 }); } catch {
        throw fileError(file, `not valid UTF-8 text (bad byte in block at offset ${offset})`);
      }
      offset += bytesRead;
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      checkText(file, text);
      pending += text;
      const lines = pending.split('\n');
      pending = bytesRead === 0 ? '' : lines.pop()!;
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '').trim();
        if (line) doc.push(line);
        else if (doc.length) { yield doc; doc = []; }
      }
      onBytes(bytesRead);
      if (bytesRead === 0) break;
    }
    if (doc.length) yield doc;
  } finally {
    await fd.close();
  }
}
