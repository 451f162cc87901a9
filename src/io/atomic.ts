// Atomic file and directory writes: write a temporary sibling, fsync, rename. A crash leaves either
// the old content or the new, never a half-written file. Temporary names are hidden, and what they
// become gets the umask's default mode (0666/0777 & ~umask), as any other file the user creates.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileError } from '../errors.js';

/** A fresh hidden name next to `target`: ".<name>.tmp-<pid>-<random>". */
export function tempSibling(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/**
 * Create an empty temporary sibling directory of `target`. Unlike mkdtemp (always 0700) it gets the
 * umask's default mode, so the folder it is renamed into is readable as the user's other folders are.
 */
export function makeTempDir(target: string): string {
  const dir = tempSibling(target);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    throw fileError(target, `cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return dir;
}

/**
 * Move the complete directory `tmp` into place as `target`. A directory already at `target` is
 * moved aside first and removed only once the new one is in place (restored if the rename fails).
 */
export function installDir(tmp: string, target: string): void {
  fsyncDir(tmp);
  if (fs.existsSync(target)) {
    const old = `${tmp}.old`;
    fs.renameSync(target, old);
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      fs.renameSync(old, target);
      throw e;
    }
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, target);
  }
  fsyncDir(path.dirname(path.resolve(target)));
}

/**
 * Create `file` atomically: write through `fill` into a temporary sibling, fsync, rename.
 * On failure the temporary file is removed and `file` is untouched.
 */
export function writeFileAtomic(file: string, fill: (fd: number) => void): void {
  const tmp = tempSibling(file);
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
  fsyncDir(path.dirname(tmp));
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

/** Write all of `buf` to an open file. */
export function writeAllSync(fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
}

/** Write a text (UTF-8) file atomically. */
export function writeTextAtomic(file: string, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  writeFileAtomic(file, (fd) => writeAllSync(fd, buf));
}

/**
 * Copy `src` to `dst` atomically. The copy gets the umask's default mode, not the source's (as
 * Python's shutil.copyfile, which save_pretrained uses): a private source gives a readable copy.
 */
export function copyFileAtomic(src: string, dst: string): void {
  const data = fs.readFileSync(src);
  writeFileAtomic(dst, (fd) => writeAllSync(fd, data));
}
