// A predictions file must speak of exactly the examples of the data it is scored against: an id the
// data lacks is a mistake (another split, another file), and so, where the metric needs every
// example, is a missing one.
import { fileError } from '../errors.js';

/** How to name the predictions (their file) and the data in error messages. */
export interface SourceNames {
  source?: string;
  dataName?: string;
}

/**
 * Throw a UserError naming `source` and the first offending id when `given` has an id that is not in
 * `ids`, or (with `complete`) lacks one of them. `item` names what an id stands for ("question").
 */
export function checkCoverage(source: string, item: string, ids: readonly string[], given: ReadonlyMap<string, unknown>, complete: boolean, dataName = 'the data'): void {
  const known = new Set(ids);
  const unknown = [...given.keys()].filter((id) => !known.has(id));
  if (unknown.length) {
    const others = unknown.length > 1 ? ` (${unknown.length} of the ${given.size} entries are not)` : '';
    throw fileError(source, `${item} ${JSON.stringify(unknown[0])} is not in ${dataName}${others}`);
  }
  if (!complete || given.size === known.size) return;
  const missing = ids.filter((id) => !given.has(id));
  throw fileError(source, `no entry for ${item} ${JSON.stringify(missing[0])} of ${dataName} (${missing.length} of ${known.size} missing)`);
}
