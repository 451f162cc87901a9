import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_THREADS, threadsFromEnv } from '../backend/index.js';
import { UserError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A token that is a negative number ("-1", "-0.5", "-1e-3", "-.5"), not a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * `--steps -1` as `--steps=-1`: node's parseArgs refuses a value that starts with a dash as
 * "ambiguous"; a negative number cannot be a flag, so it is the flag's value, and the flag's own
 * check (intFlag, floatFlag) then says what is wrong with it in the project's one line.
 */
export function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && Object.hasOwn(options, name) && options[name].type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** node's parseArgs message as one line, without its advice on its own syntax. */
function parseArgsProblem(e: Error): string {
  const m = /^Option '(--[^' ]+)[^']*' argument is ambiguous/.exec(e.message);
  if (m) return `${m[1]} needs a value; to give one that starts with a dash, write ${m[1]}=VALUE`;
  return e.message.split('\n')[0].replace(/\. To specify.*$/, '');
}

/**
 * Parse a command's flags with node's util.parseArgs (strict): unknown flags and missing values
 * become one clear UserError. `--help`/`-h` is added to every command; when given, the help text
 * is printed and `null` is returned so the command can exit 0.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, help: string, allowPositionals = false) {
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(help.endsWith('\n') ? help : help + '\n');
      return null;
    }
    return parsed as { values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? (O[K] extends { multiple: true } ? boolean[] : boolean) : (O[K] extends { multiple: true } ? string[] : string) }; positionals: string[] };
  } catch (e) {
    throw new UserError(`${parseArgsProblem(e as Error)} (see --help)`);
  }
}

/** A flag that must be present. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UserError(`missing required flag --${flag} (see --help)`);
  return value;
}

/** Parse an integer flag with bounds; names the flag in the error. */
export function intFlag(value: string | undefined, flag: string, dflt: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserError(`--${flag} must be an integer${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}, got "${value}"`);
  }
  return n;
}

/** Parse a float flag with bounds; names the flag in the error. */
export function floatFlag(value: string | undefined, flag: string, dflt: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UserError(`--${flag} must be a number${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}, got "${value}"`);
  }
  return n;
}

/** --threads, falling back to ALBERT_NUM_THREADS (an error names whichever was given), then the
 *  machine's cores (undefined). */
export function threadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return threadsFromEnv();
  return intFlag(value, 'threads', 1, 1, MAX_THREADS);
}

/** --max-memory: the flag, and its help text (each command pads the flag column its own way). */
export const MAX_MEMORY_FLAG = { 'max-memory': { type: 'string' } } as const;
export const MAX_MEMORY_HELP = "refuse a model that needs more memory than SIZE (8G, 512M, bytes; default: this machine's memory)";

/** A size such as "8G", "512MiB", "1.5GB" or a number of bytes (powers of 1024 either way); undefined when not given. */
export function memoryFlag(value: string | undefined, flag = 'max-memory'): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kmgtp]?)(i?b)?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * 1024 ** ' kmgtp'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!(n >= 1) || !Number.isFinite(n)) throw new UserError(`--${flag} must be a size such as 8G, 512M or a number of bytes, got "${value}"`);
  return n;
}

/** --set KEY=VALUE (repeatable): values are JSON where they parse (numbers, true, null), else strings. */
export function parseSet(values: string[] | undefined): Record<string, unknown> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UserError(`--set expects KEY=VALUE, got "${kv}"`);
    const raw = kv.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string */ }
    out[kv.slice(0, eq)] = value;
  }
  return out;
}
