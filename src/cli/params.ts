// `albert params`: the paper's Table 1 (parameters, L, H, E, sharing) for every preset and any config.
import * as fs from 'node:fs';
import { PRESET_NAMES, configFromSpec, formatParameterTable, parameterRow, parameterTableNotes, parseHeadKind, presetConfig, presetKey, type ParamRow } from '../model/index.js';
import { parseCommandArgs } from './args.js';

export const summary = 'parameter counts of every preset and any config.json (the paper\'s Table 1)';

export const help = `usage: albert params [--config FILE|DIR|PRESET ...] [--only] [--head KIND] [--json]

Prints parameters (exact, and rounded as the paper writes them), layers (L), hidden size (H),
embedding size (E) and the cross-layer sharing of every preset
(${PRESET_NAMES.join(', ')})
followed by each --config given. Parameters are counted as HF's num_parameters(): unique tensors,
tied and shared ones once, pooler included. Notes under the table say why a preset's count differs
from the paper's Table 1.

flags:
  --config X   a config.json, an HF model directory holding one, or a preset name (repeatable)
  --only       list only the --config models, not the presets
  --head KIND  count a head's tensors too (pretraining, masked-lm, sequence-classification, ...)
  --json       one JSON array of rows instead of the table
`;

export interface ParamsOptions { only?: boolean; head?: string }

/** The rows `albert params` prints (an API for tests and scripts). */
export function paramsRows(configs: string[], opts: ParamsOptions = {}): ParamRow[] {
  const head = opts.head === undefined ? 'base' : parseHeadKind(opts.head);
  const rows = opts.only ? [] : PRESET_NAMES.map((n) => parameterRow(n, presetConfig(n), head));
  for (const spec of configs) {
    const preset = fs.existsSync(spec) ? undefined : presetKey(spec);
    rows.push(parameterRow(preset ?? spec, configFromSpec(spec), head));
  }
  return rows;
}

/** `albert params` as text: the table, then the notes on what it counts and on the paper's Table 1. */
export function paramsText(configs: string[], opts: ParamsOptions = {}): string {
  const head = opts.head === undefined ? 'base' : parseHeadKind(opts.head);
  const rows = paramsRows(configs, opts);
  return formatParameterTable(rows) + '\n' + parameterTableNotes(rows, head).join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    config: { type: 'string', multiple: true }, only: { type: 'boolean' }, head: { type: 'string' }, json: { type: 'boolean' },
  }, help);
  if (!args) return 0;
  const configs = args.values.config ?? [], opts = { only: args.values.only, head: args.values.head };
  process.stdout.write(args.values.json ? JSON.stringify(paramsRows(configs, opts)) + '\n' : paramsText(configs, opts));
  return 0;
}
