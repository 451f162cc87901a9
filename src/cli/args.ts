import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parse a command's flags with node's util.parseArgs (strict): unknown flags and missing values
 * become one clear UserError. `--help`/`-h` is added to every command; when given, the help text
 * is printed and `null` is returned so the command can exit 0.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, help: string, allowPositionals = false) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(help.endsWith('\n') ? help : help + '\n');
      return null;
    }
    return parsed as { values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? (O[K] extends { multiple: true } ? boolean[] : boolean) : (O[K] extends { multiple: true } ? string[] : string) }; positionals: string[] };
  } catch (e) {
    throw new UserError(`${(e as Error).message.replace(/\. To specify.*$/s, '')} (see --help)`);
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

/** --threads, falling back to ALBERT_NUM_THREADS, then the machine's cores (undefined). */
export function threadsFlag(value: string | undefined): number | undefined {
  const v = value ?? process.env.ALBERT_NUM_THREADS;
  if (v === undefined || v === '') return undefined;
  return intFlag(v, 'threads', 1, 1, 1024);
}
