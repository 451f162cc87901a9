// The one rule for a command's --output (create-pretraining-data, pretrain --first-job), as HF's
// example scripts treat output_dir: a path that does not exist, or an empty folder, is written;
// anything else is refused unless --overwrite is given, so that re-running a command never deletes
// an earlier result by surprise. (Model files written through savePretrained and the forward / grad
// result files are replaced in place, as HF's save_pretrained and torch.save do: they are not runs.)
import fs from 'node:fs';
import { fileError } from '../errors.js';

export interface OutputRule {
  /** What the output is; an existing path of the other kind is never replaced. */
  kind: 'folder' | 'file';
  /** --overwrite: an existing output may be replaced. */
  overwrite?: boolean;
  /** What the command writes there, for the message ("a pretraining-data folder"). */
  what: string;
  /**
   * Whether the entries of an existing folder are all things this command writes. A folder holding
   * anything else is not replaced even with --overwrite (a mistyped --output must not delete a home folder).
   */
  ownsEntries?: (entries: string[]) => boolean;
}

/**
 * Check `output` against the rule before any work starts. Returns true when something is there
 * (then --overwrite was given and the caller replaces it, atomically where it can).
 */
export function claimOutput(output: string, rule: OutputRule): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(output);
  } catch {
    return false;
  }
  if (st.isDirectory() !== (rule.kind === 'folder')) {
    throw fileError(output, `is ${st.isDirectory() ? 'a folder' : 'not a folder'}, and the output is ${rule.what}: choose another --output`);
  }
  const entries = st.isDirectory() ? fs.readdirSync(output) : null;
  if (entries && entries.length === 0) return false;
  if (!rule.overwrite) {
    throw fileError(output, `already exists${entries ? ' and is not empty' : ''}: pass --overwrite to replace it, or choose another --output`);
  }
  if (entries && rule.ownsEntries && !rule.ownsEntries(entries)) {
    const other = entries.filter((e) => !rule.ownsEntries!([e])).slice(0, 3);
    throw fileError(output, `is not ${rule.what} (it holds ${other.map((e) => `"${e}"`).join(', ')}): not replacing it, even with --overwrite`);
  }
  return true;
}
