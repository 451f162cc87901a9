// `albert params`: the paper's Table 1 (parameters, L, H, E, sharing) for every preset and any config.
import * as fs from 'node:fs';
import { PRESET_NAMES, configFromSpec, formatParameterTable, parameterRow, parseHeadKind, presetConfig, presetKey, type ParamRow } from '../model/index.js';
import { parseCommandArgs } from './args.js';

export const summary = 'parameter counts of every preset and any config.json (the paper\'s Table 1)';

export const help = `usage: albert params [--config FILE|DIR|PRESET ...] [--only] [--head KIND] [--json]

Prints parameters, layers (L), hidden size (H), embedding size (E) and the cross-layer sharing of
every preset (${PRESET_NAMES.join(', ')})
followed by each --config given. Parameters are counted as HF's num_parameters(): unique tensors,
tied and shared ones once, pooler included.

flags:
  --config X   a config.json, an HF model directory holding one, or a preset name (repeatable)
  --only       list only the --config models, not the presets
  --head KIND  count a head's tensors too (pretraining, masked-lm, sequence-classification, ...)
  --json       one JSON array of rows instead of the table
`;

/** The rows `albert params` prints (an API for tests and scripts). */
export function paramsRows(configs: string[], opts: { only?: boolean; head?: string } = {}): ParamRow[] {
  const head = opts.head === undefined ? 'base' : parseHeadKind(opts.head);
  const rows = opts.only ? [] : PRESET_NAMES.map((n) => parameterRow(n, presetConfig(n), head));
  for (const spec of configs) {
    const preset = fs.existsSync(spec) ? undefined : presetKey(spec);
    rows.push(parameterRow(preset ?? spec, configFromSpec(spec), head));
  }
  return rows;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    config: { type: 'string', multiple: true }, only: { type: 'boolean' }, head: { type: 'string' }, json: { type: 'boolean' },
  }, help);
  if (!args) return 0;
  const rows = paramsRows(args.values.config ?? [], { only: args.values.only, head: args.values.head });
  process.stdout.write(args.values.json ? JSON.stringify(rows) + '\n' : formatParameterTable(rows));
  return 0;
}
