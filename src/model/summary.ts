// The paper's Table 1 for any set of configs: parameters, layers, hidden, embedding, sharing.
import type { AlbertConfig } from './config.js';
import { countParameters } from './albert.js';
import type { HeadKind } from './types.js';

export interface ParamRow { model: string; parameters: number; layers: number; hidden: number; embedding: number; sharing: string }

/** How a config shares layers, in words: all, attention, ffn, none, or "groups GxI". */
export function describeSharing(c: AlbertConfig): string {
  if (c.sharing === 'groups') return `groups ${c.num_hidden_groups}x${c.inner_group_num}`;
  if (c.sharing === 'all' && c.inner_group_num > 1) return `all (${c.inner_group_num} inner)`;
  return c.sharing;
}

export function parameterRow(model: string, c: AlbertConfig, head: HeadKind = 'base'): ParamRow {
  return {
    model, parameters: countParameters(c, head), layers: c.num_hidden_layers, hidden: c.hidden_size,
    embedding: c.embedding_size, sharing: describeSharing(c),
  };
}

/** "11,683,584" and its rounding as the paper writes it ("12M", "1.3B"). */
function short(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${Math.round(n / 1e6)}M`;
}

export function formatParameterTable(rows: ParamRow[]): string {
  const header = ['Model', 'Parameters', '', 'Layers', 'Hidden', 'Embedding', 'Parameter-sharing'];
  const cells = rows.map((r) => [r.model, r.parameters.toLocaleString('en-US'), short(r.parameters), String(r.layers), String(r.hidden), String(r.embedding), r.sharing]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = new Set([1, 2, 3, 4, 5]);
  const line = (c: string[]) => c.map((s, i) => (right.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}
