// An analysis's results as a markdown table beside the paper's, a picture (SVG; PNG through
// rsvg-convert where it is installed) and results.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeTextAtomic } from '../io/atomic.js';
import type { Analysis } from './analyses.js';
import type { MlmBaselines } from './baseline.js';
import type { TaskScore } from './finetune_model.js';
import { FIGURE1_CLAIM, type PaperTable } from './paper.js';
import type { Plan } from './plan.js';
import type { PretrainedModel } from './pretrain_model.js';
import type { Transitions } from './transitions.js';

export interface ModelResult extends PretrainedModel {
  downstream: TaskScore[];
  transitions?: Transitions;
}

export interface Results { analysis: string; plan: Plan; models: ModelResult[]; skipped: { task: string; reason: string }[]; data: { train_books: number; heldout_books: number; vocab_size: number; data_wall_s: number; train_tokens: Record<string, number | undefined>; mlm_baselines: MlmBaselines } }

const TASK_LABEL: Record<string, string> = { 'glue/sst2': 'SST-2', 'glue/mrpc': 'MRPC', 'glue/rte': 'RTE', race: 'RACE-m', squad1: 'SQuAD1.1 F1/EM' };
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(1));
const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

/** A task's cell: SQuAD as F1/EM (the metrics are already in %), others as % of the main metric. */
function taskCell(s: TaskScore | undefined): string {
  if (!s) return '–';
  if (s.task === 'squad1') return `${(s.metrics.f1 ?? NaN).toFixed(1)}/${(s.metrics.exact_match ?? NaN).toFixed(1)}`;
  return pct(s.value);
}

/** The paper's averaging: SQuAD counts as the mean of F1 and EM; every task the same weight. */
export function downstreamAverage(scores: TaskScore[]): number | null {
  const v = scores.map((s) => (s.task === 'squad1' ? ((s.metrics.f1 ?? NaN) + (s.metrics.exact_match ?? NaN)) / 200 : s.value)).filter(Number.isFinite);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

const mdTable = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function paperMarkdown(p: PaperTable): string {
  return `Paper (${p.source}):\n\n` + mdTable(['Model', ...p.columns], p.rows.map((r) => [r.model, ...p.columns.map((c) => r.cells[c] ?? '')]));
}

export function resultsMarkdown(a: Analysis, r: Results): string {
  const tasks = r.plan.tasks.filter((t) => r.models.some((m) => m.downstream.some((s) => s.task === t)));
  const p = r.plan, s = p.scale;
  const setting = `Scale ${s.name}: H ${s.hidden}, ${s.layers} layers, ${s.heads} heads, I ${s.intermediate}, vocabulary ${r.data.vocab_size}, `
    + `sequence 128, batch ${s.batchSize}, LAMB lr ${p.lr} (warmup ${p.warmupSteps}), ${p.pretrainSteps} steps per model, seed ${p.seed}; `
    + `${r.data.train_books} training books (${count(r.data.train_tokens[p.objectives[0]] ?? 0)} tokens of ${p.objectives[0]} instances), ${r.data.heldout_books} held out (held-out sets: ${s.evalLimit} instances each; `
    + `MLM accuracy of context-free answers: the most frequent masked token ${pct(r.data.mlm_baselines.unigram)}%, the most frequent after the token left of the mask ${pct(r.data.mlm_baselines.bigram)}%; `
    + `the unigram model's MLM loss ${r.data.mlm_baselines.unigramLoss.toFixed(2)}). `
    + (tasks.length ? `Downstream: ${p.finetuneSteps} fine-tuning steps of ${p.finetuneBatch} (AdamW lr ${p.finetuneLr}), at most ${s.downstreamTrain} training and ${s.downstreamEval} evaluation examples per task.` : '');
  const lines = [`## ${a.title}`, '', setting, ''];
  if (a.name === 'figure1') {
    const [al, be] = r.models;
    const L = al.transitions?.l2.length ?? 0;
    lines.push(mdTable(['layer', `L2 ${al.name}`, `L2 ${be.name}`, `cosine ${al.name}`, `cosine ${be.name}`],
      Array.from({ length: L }, (_, l) => [String(l + 1), al.transitions!.l2[l].toFixed(3), be.transitions!.l2[l].toFixed(3),
        al.transitions!.cosine[l].toFixed(4), be.transitions!.cosine[l].toFixed(4)])));
    lines.push('', modelsTable(r, []), '', FIGURE1_CLAIM);
  } else {
    lines.push(modelsTable(r, tasks));
    if (a.paper) lines.push('', paperMarkdown(a.paper));
  }
  if (r.skipped.length) lines.push('', `Skipped: ${r.skipped.map((x) => `${x.task} (${x.reason})`).join('; ')}.`);
  return lines.join('\n') + '\n';
}

function modelsTable(r: Results, tasks: string[]): string {
  const head = ['Model', 'Parameters', 'MLM', 'NSP', 'SOP', ...tasks.map((t) => TASK_LABEL[t] ?? t), ...(tasks.length ? ['Avg'] : []), 'tokens seen', 'wall'];
  return mdTable(head, r.models.map((m) => [
    m.name, count(m.parameters), pct(m.intrinsic.mlm_acc), pct(m.intrinsic.nsp_acc), pct(m.intrinsic.sop_acc),
    ...tasks.map((t) => taskCell(m.downstream.find((s) => s.task === t))), ...(tasks.length ? [pct(downstreamAverage(m.downstream))] : []),
    count(m.tokens), `${Math.round(m.wall_s)} s`,
  ]));
}

// --- pictures ---------------------------------------------------------------------------------

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Grouped bars: one group per measure (0-100%), one bar per model. */
function barChart(title: string, groups: string[], series: { name: string; values: (number | null)[] }[], ref?: number[]): string {
  const W = 760, Hh = 360, x0 = 50, y0 = 40, w = W - x0 - 20, h = Hh - y0 - 70;
  const gw = w / groups.length, bw = (gw * 0.8) / series.length;
  const y = (v: number) => y0 + h - (v / 100) * h;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${Hh}" fill="white"/>`, `<text x="${x0}" y="20" font-size="13">${esc(title)}</text>`];
  for (const t of [0, 25, 50, 75, 100]) out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${x0 - 6}" y="${y(t) + 4}" text-anchor="end">${t}%</text>`);
  groups.forEach((g, gi) => {
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === null || !Number.isFinite(v)) return;
      const bx = x0 + gi * gw + gw * 0.1 + si * bw;
      out.push(`<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`);
    });
    if (ref && Number.isFinite(ref[gi])) out.push(`<line x1="${x0 + gi * gw + gw * 0.05}" x2="${x0 + (gi + 1) * gw - gw * 0.05}" y1="${y(ref[gi])}" y2="${y(ref[gi])}" stroke="#000" stroke-dasharray="3 2"/>`);
    out.push(`<text x="${x0 + gi * gw + gw / 2}" y="${y0 + h + 15}" text-anchor="middle">${esc(g)}</text>`);
  });
  series.forEach((s, si) => out.push(`<rect x="${x0 + si * 130}" y="${Hh - 30}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/><text x="${x0 + si * 130 + 14}" y="${Hh - 21}">${esc(s.name)}</text>`));
  if (ref) out.push(`<text x="${W - 20}" y="${Hh - 21}" text-anchor="end">dashed: 50% (chance on NSP/SOP)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Figure 1's two panels: L2 distance and cosine similarity per layer. */
function transitionsChart(models: ModelResult[]): string {
  const W = 800, Hh = 320, pw = 330, ph = 220, top = 40;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${Hh}" fill="white"/>`];
  (['l2', 'cosine'] as const).forEach((k, pi) => {
    const x0 = 50 + pi * (pw + 50);
    const vals = models.flatMap((m) => m.transitions?.[k] ?? []);
    const lo = k === 'cosine' ? Math.min(0, ...vals) : 0, hi = Math.max(k === 'cosine' ? 1 : 1e-9, ...vals);
    const L = models[0].transitions?.[k].length ?? 1;
    const px = (l: number) => x0 + (L > 1 ? (l / (L - 1)) * pw : pw / 2), py = (v: number) => top + ph - ((v - lo) / (hi - lo || 1)) * ph;
    out.push(`<text x="${x0}" y="${top - 12}" font-size="13">${k === 'l2' ? 'L2 distance' : 'cosine similarity'} (input vs output of each layer)</text>`);
    out.push(`<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (const t of [lo, (lo + hi) / 2, hi]) out.push(`<text x="${x0 - 4}" y="${py(t) + 4}" text-anchor="end">${t.toFixed(k === 'l2' ? 1 : 2)}</text>`);
    for (let l = 0; l < L; l++) out.push(`<text x="${px(l)}" y="${top + ph + 14}" text-anchor="middle">${l + 1}</text>`);
    out.push(`<text x="${x0 + pw / 2}" y="${top + ph + 30}" text-anchor="middle">layer</text>`);
    models.forEach((m, mi) => {
      const v = m.transitions?.[k] ?? [];
      out.push(`<polyline fill="none" stroke="${COLORS[mi]}" stroke-width="2" points="${v.map((y, l) => `${px(l).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
      for (let l = 0; l < v.length; l++) out.push(`<circle cx="${px(l).toFixed(1)}" cy="${py(v[l]).toFixed(1)}" r="3" fill="${COLORS[mi]}"/>`);
    });
  });
  models.forEach((m, mi) => out.push(`<rect x="${50 + mi * 160}" y="${Hh - 22}" width="10" height="10" fill="${COLORS[mi]}"/><text x="${64 + mi * 160}" y="${Hh - 13}">${esc(m.name)}</text>`));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Held-out MLM accuracy over steps, per model, with the context-free lines: where each leaves the plateau. */
export function mlmCurveSvg(models: ModelResult[], base: MlmBaselines): string {
  const W = 560, Hh = 320, x0 = 55, top = 35, pw = 470, ph = 220;
  const steps = Math.max(1, ...models.flatMap((m) => m.curve.map((c) => c.step)));
  const hi = Math.max(base.bigram, base.unigram, ...models.flatMap((m) => m.curve.map((c) => c.mlm_acc))) * 1.1 || 1;
  const px = (st: number) => x0 + (st / steps) * pw, py = (v: number) => top + ph - (v / hi) * ph;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${Hh}" fill="white"/>`,
    `<text x="${x0}" y="20" font-size="13">held-out MLM accuracy over training steps</text>`, `<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`];
  for (const t of [0, hi / 2, hi]) out.push(`<text x="${x0 - 4}" y="${py(t) + 4}" text-anchor="end">${(100 * t).toFixed(0)}%</text>`);
  for (const t of [0, steps / 2, steps]) out.push(`<text x="${px(t)}" y="${top + ph + 14}" text-anchor="middle">${Math.round(t)}</text>`);
  for (const [v, label] of [[base.unigram, 'most frequent token'], [base.bigram, 'most frequent after the left token']] as const) {
    out.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${py(v)}" y2="${py(v)}" stroke="#000" stroke-dasharray="4 3"/>`,
      `<text x="${x0 + pw - 4}" y="${py(v) - 4}" text-anchor="end">${label} ${(100 * v).toFixed(1)}%</text>`);
  }
  models.forEach((m, mi) => {
    out.push(`<polyline fill="none" stroke="${COLORS[mi % COLORS.length]}" stroke-width="2" points="${m.curve.map((c) => `${px(c.step).toFixed(1)},${py(c.mlm_acc).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<rect x="${x0 + mi * 120}" y="${Hh - 28}" width="10" height="10" fill="${COLORS[mi % COLORS.length]}"/><text x="${x0 + mi * 120 + 14}" y="${Hh - 19}">${esc(m.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function resultsSvg(a: Analysis, r: Results): string {
  if (a.name === 'figure1') return transitionsChart(r.models);
  const tasks = r.plan.tasks.filter((t) => r.models.some((m) => m.downstream.some((s) => s.task === t)));
  const groups = ['MLM', 'NSP', 'SOP', ...tasks.map((t) => (t === 'squad1' ? 'SQuAD1.1 F1' : TASK_LABEL[t] ?? t))];
  const series = r.models.map((m) => ({
    name: m.name,
    values: [m.intrinsic.mlm_acc, m.intrinsic.nsp_acc, m.intrinsic.sop_acc, ...tasks.map((t) => {
      const s = m.downstream.find((x) => x.task === t);
      return s ? (s.task === 'squad1' ? (s.metrics.f1 ?? NaN) / 100 : s.value) : null;
    })].map((v) => (v === null ? null : 100 * v)),
  }));
  return barChart(`${a.title}: ours (held-out / dev cuts)`, groups, series, groups.map((g) => (g === 'NSP' || g === 'SOP' ? 50 : NaN)));
}

/** results.json, results.md, results.svg, mlm-curve.svg and (where rsvg-convert runs) their .png in `dir`; the files written. */
export function writeResults(dir: string, a: Analysis, r: Results): string[] {
  const files = [path.join(dir, 'results.json'), path.join(dir, 'results.md'), path.join(dir, 'results.svg')];
  writeTextAtomic(files[0], JSON.stringify(r, null, 2) + '\n');
  writeTextAtomic(files[1], resultsMarkdown(a, r));
  writeTextAtomic(files[2], resultsSvg(a, r));
  const curve = path.join(dir, 'mlm-curve.svg');
  writeTextAtomic(curve, mlmCurveSvg(r.models, r.data.mlm_baselines));
  files.push(curve);
  for (const svg of [files[2], curve]) {
    const png = svg.replace(/\.svg$/, '.png');
    const c = spawnSync('rsvg-convert', ['-o', png + '.tmp', svg]);
    if (c.status === 0) { fs.renameSync(png + '.tmp', png); files.push(png); } else fs.rmSync(png + '.tmp', { force: true });
  }
  return files;
}
