// Call options and inputs as they come from users (JSON bodies, CLI flags, code): checked, each
// problem one line naming the task and the option or input.
import { UserError } from '../errors.js';

export type RawOptions = Readonly<Record<string, unknown>> | undefined;

/** The call options, refusing keys the task does not know (a misspelt option would be silently ignored). */
export function optionReader(task: string, raw: RawOptions, known: readonly string[]) {
  const o = raw ?? {};
  if (typeof o !== 'object' || Array.isArray(o)) throw new UserError(`${task}: the options must be an object`);
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new UserError(`${task}: unknown option "${k}" (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})`);
  }
  const bad = (k: string, what: string) => new UserError(`${task}: ${k} must be ${what}, got ${JSON.stringify(o[k])}`);
  const given = (k: string) => o[k] !== undefined;
  return {
    int(k: string, dflt: number, min = 1): number {
      if (!given(k)) return dflt;
      const v = o[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(k, `an integer >= ${min}`);
      return v;
    },
    bool(k: string, dflt: boolean): boolean {
      if (!given(k)) return dflt;
      if (typeof o[k] !== 'boolean') throw bad(k, 'true or false');
      return o[k] as boolean;
    },
    oneOf<T extends string>(k: string, values: readonly T[], dflt: T): T {
      if (!given(k)) return dflt;
      if (!values.includes(o[k] as T)) throw bad(k, `one of ${values.join(', ')}`);
      return o[k] as T;
    },
    string(k: string, dflt: string): string {
      if (!given(k)) return dflt;
      if (typeof o[k] !== 'string') throw bad(k, 'a string');
      return o[k] as string;
    },
    /** A list of strings, or one string of comma-separated items (HF's candidate_labels). */
    list(k: string, dflt: string[] | null): string[] {
      if (!given(k)) {
        if (dflt === null) throw new UserError(`${task}: the option ${k} is required`);
        return dflt;
      }
      const v = o[k];
      const items = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v;
      if (!Array.isArray(items) || !items.every((s) => typeof s === 'string')) throw bad(k, 'a list of strings or a comma-separated string');
      return items as string[];
    },
    given,
    raw: o,
  };
}

/** An input that must be a string. */
export function textInput(task: string, x: unknown, where: string): string {
  if (typeof x !== 'string') throw new UserError(`${task}: ${where} must be a string, got ${describe(x)}`);
  return x;
}

/** An input that must be an object with these string fields (and, optionally, these others). */
export function objectInput(task: string, x: unknown, where: string, strings: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new UserError(`${task}: ${where} must be an object with ${strings.join(', ')}, got ${describe(x)}`);
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!strings.includes(k) && !optional.includes(k)) throw new UserError(`${task}: ${where} has an unknown field "${k}" (expected ${[...strings, ...optional].join(', ')})`);
  }
  for (const k of strings) if (typeof o[k] !== 'string') throw new UserError(`${task}: ${where}: "${k}" must be a string, got ${describe(o[k])}`);
  return o;
}

function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  const s = JSON.stringify(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
