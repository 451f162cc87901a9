// Atomic file and directory writes: write a temporary sibling, fsync, rename. A crash leaves either
// the old content or the new, never a half-written file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileError } from '../errors.js';

/**
 * Create `file` atomically: write through `fill` into a temporary sibling, fsync, rename.
 * On failure the temporary file is removed and `file` is untouched.
 */
export function writeFileAtomic(file: string, fill: (fd: number) => void): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'wx');
  } catch (e) {
    throw fileError(file, `cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    try {
      fill(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code) throw fileError(file, `cannot write: ${(e as NodeJS.ErrnoException).code}`);
    throw e;
  }
  fsyncDir(dir);
}

/** Make a rename durable (best effort: not every platform can fsync a directory). */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* ignore */
  }
}

/** Write a text (UTF-8) file atomically. */
export function writeTextAtomic(file: string, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  writeFileAtomic(file, (fd) => {
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
  });
}
