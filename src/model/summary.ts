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

/** A count rounded as the paper writes it: "12M", "223M", "1.3B"; small models "1.2M", "78K", "950". */
export function shortCount(n: number): string {
  const units = [['B', 1e9], ['M', 1e6], ['K', 1e3]] as const;
  for (const [i, [unit, size]] of units.entries()) {
    if (n < size) continue;
    const v = n / size;
    // two significant digits at least; 999.6K is "1.0M", not "1000K"
    const text = v >= 9.95 ? String(Math.round(v)) : v.toFixed(1);
    return Number(text) >= 1000 && i > 0 ? `1.0${units[i - 1][0]}` : text + unit;
  }
  return String(n);
}

export function formatParameterTable(rows: ParamRow[]): string {
  const header = ['Model', 'Parameters', 'Rounded', 'Layers', 'Hidden', 'Embedding', 'Parameter-sharing'];
  const cells = rows.map((r) => [r.model, r.parameters.toLocaleString('en-US'), shortCount(r.parameters), String(r.layers), String(r.hidden), String(r.embedding), r.sharing]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = new Set([1, 2, 3, 4, 5]);
  const line = (c: string[]) => c.map((s, i) => (right.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

/** The paper's Table 1 (Lan et al., 2020), in millions, by preset name without its -v1/-v2. */
const PAPER_TABLE_1_MILLIONS: Record<string, number> = {
  'albert-base': 12, 'albert-large': 18, 'albert-xlarge': 60, 'albert-xxlarge': 235, 'bert-base': 108, 'bert-large': 334, 'bert-xlarge': 1270,
};

const millions = (n: number) => `${Math.round(n / 1e6)}M`;

/** Words wrapped into lines of at most `width` characters: the first after `first`, the others after `rest`. */
function wrap(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.trim() && line.length + 1 + word.length > width) { lines.push(line); line = rest + word; } else line += (line.trim() ? ' ' : '') + word;
  }
  return [...lines, line];
}

const isBert = (r: ParamRow) => r.sharing === 'none' && r.embedding === r.hidden;

/**
 * What the table counts and, for the paper's models among `rows` whose count differs from its
 * Table 1 (which counts no head), why: for printing under the table.
 */
export function parameterTableNotes(rows: ParamRow[], head: HeadKind = 'base'): string[] {
  const notes = wrap("Parameters are counted as HF's num_parameters(): each tensor once (shared and tied ones too), the pooler "
    + "(H*H + H) included; the presets have ALBERT's 30,000-token vocabulary and 512 positions."
    + (head === 'base' ? '' : ` The counts include the ${head} head's tensors.`), 100);
  if (head !== 'base') return notes;
  const differing = new Map<string, ParamRow>();
  for (const r of rows) {
    const key = r.model.replace(/-v[12]$/, ''), paper = PAPER_TABLE_1_MILLIONS[key];
    if (paper !== undefined && Math.round(r.parameters / 1e6) !== paper) differing.set(key, r);
  }
  const compared = (list: [string, ParamRow][]) =>
    list.map(([key, r], i) => `${key} ${millions(r.parameters)} (${i ? '' : 'paper: '}${PAPER_TABLE_1_MILLIONS[key]}M)`).join(', ');
  const bert = [...differing].filter(([, r]) => isBert(r)), albert = [...differing].filter(([, r]) => !isBert(r));
  const why: string[] = [];
  if (bert.length) {
    why.push(...wrap(`${compared(bert)}: BERT built as an ALBERT with E = H keeps ALBERT's E->H projection, and HF counts `
      + `the pooler (H*H + H each); without both: ${bert.map(([, r]) => millions(r.parameters - 2 * (r.hidden * r.hidden + r.hidden))).join(', ')}.`, 100, '  ', '    '));
  }
  if (albert.length) {
    why.push(...wrap(`${compared(albert)}: the released configs, counted tensor by tensor as HF counts them; the paper does not `
      + 'say how it counted, and neither leaving out the pooler nor adding the pretraining heads (--head pretraining) gives its figures.', 100, '  ', '    '));
  }
  return why.length ? [...notes, "Where the paper's Table 1 says otherwise:", ...why] : notes;
}
