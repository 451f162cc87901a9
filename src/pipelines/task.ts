// The contract between a task family's file and the pipeline that runs it.
import type { Engine } from './engine.js';
import type { RawOptions } from './options.js';

export interface TaskRunner<I = unknown, O = unknown> {
  /** One input checked; `where` names it in errors ("input 3", "inputs.jsonl:4"). */
  check(x: unknown, where: string): I;
  /** One result per input, in input order (the inputs already checked). */
  run(e: Engine, inputs: readonly I[], options: RawOptions): O[];
  /** What a call with one input (not an array) returns, given its result (default: the result). */
  single?(result: O, options: RawOptions): unknown;
}
