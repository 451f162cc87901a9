// Training curves as a small standalone SVG: a grid of panels, one quantity each (so that only
// comparable numbers share an axis), step on the x axis, round ticks, and each panel's legend above
// its plot, where it cannot cover the data.
import { writeTextAtomic } from '../io/atomic.js';

export interface Series {
  name: string; color: string; points: [number, number][];
  /** Sparse series (evaluations) get a marker at every point. */
  markers?: boolean;
  /** Reference lines (chance level). */
  dashed?: boolean;
}
export type TickFormat = 'number' | 'percent';
export interface Panel {
  title: string; series: Series[];
  /** Values the y axis always includes (e.g. 0 and 1 for accuracies). */
  yInclude?: number[];
  format?: TickFormat;
}

/** The x axis shared by all panels. */
export interface XDomain { max: number; label: string }

const PANEL_W = 380, PANEL_H = 250, COLUMNS = 3;
const PAD = { l: 50, r: 14, b: 34 };
const TITLE_H = 46, LEGEND_ROW = 14, LEGEND_FONT = 10;
/** Average width of a sans-serif character at LEGEND_FONT px, for laying the legend out. */
const CHAR_W = 5.8;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Round ticks for [min, max]: the finest step of 1, 2 or 5 times a power of ten that gives at most
 * `target` + 2 ticks, and the range widened to the ticks around it (`outer`) or not (ticks inside only).
 */
export function niceTicks(min: number, max: number, target = 5, outer = true): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!(max > min)) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d; max += d;
  }
  const span = (step: number): [number, number] => {
    const eps = step * 1e-9;
    return outer ? [Math.floor((min + eps) / step), Math.ceil((max - eps) / step)] : [Math.ceil((min - eps) / step), Math.floor((max + eps) / step)];
  };
  const base = 10 ** Math.floor(Math.log10((max - min) / Math.max(1, target - 1)));
  let step = base * 10, first = 0, last = 0;
  for (const m of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
    [first, last] = span(base * m);
    if (last - first + 1 <= target + 2) { step = base * m; break; }
  }
  [first, last] = span(step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(+(i * step).toPrecision(12));
  return { lo: outer ? ticks[0] : min, hi: outer ? ticks[ticks.length - 1] : max, step, ticks };
}

/**
 * Labels for ticks `step` apart, with just the digits the step needs and one notation for the whole
 * axis: "0.25", "40%", "1.5e-3", "5k" (then "10k", never "5000" next to "10k").
 */
export function tickLabeller(ticks: number[], step: number, format: TickFormat = 'number'): (v: number) => string {
  if (format === 'percent') {
    const inner = tickLabeller(ticks.map((t) => t * 100), step * 100);
    return (v) => inner(v * 100) + '%';
  }
  const top = Math.max(...ticks.map(Math.abs), step);
  const decimals = (st: number) => Math.max(0, -Math.floor(Math.log10(st) + 1e-9));
  if (top < 1e-2) return (v) => (v === 0 ? '0' : v.toExponential(3).replace(/\.?0+e/, 'e'));
  if (top >= 1e4 && step >= 1e3) return (v) => (v === 0 ? '0' : `${(v / 1e3).toFixed(decimals(step / 1e3))}k`);
  return (v) => v.toFixed(decimals(step));
}

/** Legend entries in rows that fit `width`: [row, x offset] per series. */
function legendLayout(series: Series[], width: number): { rows: number; at: [number, number][] } {
  const at: [number, number][] = [];
  let row = 0, x = 0;
  for (const s of series) {
    const w = 22 + s.name.length * CHAR_W + 12;
    if (x > 0 && x + w > width) { row++; x = 0; }
    at.push([row, x]);
    x += w;
  }
  return { rows: series.length ? row + 1 : 0, at };
}

const finite = (s: Series) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
/** The series with data; none when only reference lines (chance) have any. */
function shownSeries(p: Panel): Series[] {
  const shown = p.series.filter((s) => finite(s).length);
  return shown.some((s) => !s.dashed) ? shown : [];
}

function panelSvg(p: Panel, x0: number, y0: number, legendRows: number, xd: XDomain): string {
  const series = shownSeries(p);
  const out = [`<g transform="translate(${x0},${y0})">`,
    `<text x="${PANEL_W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(p.title)}</text>`];
  const top = TITLE_H - 22 + legendRows * LEGEND_ROW + 8, bottom = PANEL_H - PAD.b;
  const left = PAD.l, right = PANEL_W - PAD.r;
  const legend = legendLayout(series, right - left);
  series.forEach((s, i) => {
    const [row, dx] = legend.at[i];
    const lx = left + dx, ly = TITLE_H - 22 + row * LEGEND_ROW + 6;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    if (s.markers) out.push(`<circle cx="${lx + 9}" cy="${ly}" r="2.5" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 22}" y="${ly + 3.5}" font-size="${LEGEND_FONT}">${esc(s.name)}</text>`);
  });
  const pts = series.flatMap(finite);
  if (!series.length) {
    out.push(`<text x="${PANEL_W / 2}" y="${(top + bottom) / 2}" text-anchor="middle" font-size="11" fill="#888">no data yet</text>`, '</g>');
    return out.join('\n');
  }
  const ys = [...pts.map((q) => q[1]), ...(p.yInclude ?? [])];
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const xMax = Math.max(xd.max, ...pts.map((q) => q[0]), 1);
  const xt = niceTicks(0, xMax, 6, false);
  const sx = (x: number) => left + (x / xMax) * (right - left);
  const sy = (y: number) => bottom - ((y - yt.lo) / (yt.hi - yt.lo)) * (bottom - top);
  const f = (v: number) => v.toFixed(1);
  const yLabel = tickLabeller(yt.ticks, yt.step, p.format), xLabel = tickLabeller(xt.ticks, xt.step);
  for (const y of yt.ticks) {
    out.push(`<line x1="${left}" y1="${f(sy(y))}" x2="${right}" y2="${f(sy(y))}" stroke="#e4e4e4"/>`,
      `<text x="${left - 5}" y="${f(sy(y) + 3.5)}" text-anchor="end" font-size="10">${yLabel(y)}</text>`);
  }
  for (const x of xt.ticks) {
    out.push(`<line x1="${f(sx(x))}" y1="${top}" x2="${f(sx(x))}" y2="${bottom}" stroke="#f0f0f0"/>`,
      `<text x="${f(sx(x))}" y="${bottom + 14}" text-anchor="middle" font-size="10">${xLabel(x)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#999"/>`,
    `<text x="${(left + right) / 2}" y="${PANEL_H - 6}" text-anchor="middle" font-size="10" fill="#444">${esc(xd.label)}</text>`);
  for (const s of series) {
    const ok = finite(s);
    const d = ok.map(([x, y], i) => `${i ? 'L' : 'M'}${f(sx(x))},${f(sy(y))}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 1.2 : 1.6}"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    if (s.markers || ok.length === 1) for (const [x, y] of ok) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${s.color}"/>`);
  }
  out.push('</g>');
  return out.join('\n');
}

/** Panels in a grid under a title and a subtitle, in one SVG document. */
export function curvesSvg(title: string, subtitle: string, panels: Panel[], xd: XDomain): string {
  // 4 panels as 2 x 2 rather than 3 + 1
  const cols = panels.length === 4 ? 2 : Math.min(COLUMNS, Math.max(1, panels.length)), rows = Math.ceil(panels.length / cols);
  // One legend height for every panel, so that the plots of a row line up.
  const legendRows = Math.max(1, ...panels.map((p) => legendLayout(shownSeries(p), PANEL_W - PAD.l - PAD.r).rows));
  const panelH = PANEL_H + (legendRows - 1) * LEGEND_ROW, head = 48;
  const width = PANEL_W * cols, height = head + panelH * rows + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="12" y="39" font-size="11" fill="#444">${esc(subtitle)}</text>`,
    ...panels.map((p, i) => panelSvg(p, (i % cols) * PANEL_W, head + Math.floor(i / cols) * panelH + (legendRows - 1) * LEGEND_ROW, legendRows, xd)),
    '</svg>',
  ].join('\n') + '\n';
}

/** The metrics records the curves read (pretrain's MetricsRecord fits). */
export type CurveRecord =
  | { type: 'train'; step: number; mlm_loss: number; sentence_loss: number | null; mlm_acc: number; sentence_acc: number | null; lr: number; grad_norm: number }
  | { type: 'eval'; step: number; set: string; objective: string; mlm_loss: number; mlm_acc: number; sentence_acc: number | null };

export interface CurvesRun {
  /** The run directory's name. */
  name: string;
  objective: 'sop' | 'nsp' | 'mlm';
  optimizer: string;
  batchSize: number; gradAccum: number; lr: number;
  /** Planned updates: the x axis spans them from the start. */
  steps: number;
}

const TRAIN_COLOR = '#1f77b4';
const EVAL_COLORS = ['#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
const OPTIMIZERS: Record<string, string> = { lamb: 'LAMB', adamw: 'AdamW', 'adamw-google': 'AdamW (google-research/albert)' };
const OBJECTIVES = { sop: 'MLM + sentence-order prediction (SOP)', nsp: 'MLM + next-sentence prediction (NSP)', mlm: 'MLM only' };

/** The panels of a pretraining run: MLM loss and accuracy, the sentence task's, the learning rate, the gradient norm. */
export function pretrainingPanels(records: CurveRecord[], run: CurvesRun): Panel[] {
  const train = records.filter((r): r is Extract<CurveRecord, { type: 'train' }> => r.type === 'train');
  const evals = records.filter((r): r is Extract<CurveRecord, { type: 'eval' }> => r.type === 'eval');
  const sets = [...new Set(evals.map((e) => e.set))];
  const setName = (set: string) => (set === 'heldout' ? 'held-out' : set);
  const trainSeries = (name: string, y: (r: (typeof train)[number]) => number | null): Series =>
    ({ name, color: TRAIN_COLOR, points: train.filter((r) => y(r) !== null).map((r) => [r.step, y(r)!]) });
  const evalSeries = (y: (e: (typeof evals)[number]) => number | null, label = (set: string) => setName(set)): Series[] =>
    sets.map((set, i) => ({
      name: label(set), color: EVAL_COLORS[i % EVAL_COLORS.length], markers: true,
      points: evals.filter((e) => e.set === set && y(e) !== null).map((e) => [e.step, y(e)!] as [number, number]),
    }));
  const panels: Panel[] = [
    { title: 'MLM loss', series: [trainSeries('train', (r) => r.mlm_loss), ...evalSeries((e) => e.mlm_loss)] },
    { title: 'MLM accuracy', format: 'percent', yInclude: [0], series: [trainSeries('train', (r) => r.mlm_acc), ...evalSeries((e) => e.mlm_acc)] },
  ];
  if (run.objective !== 'mlm') {
    const task = run.objective.toUpperCase();
    panels.push(
      { title: `${task} loss (train)`, series: [trainSeries('train', (r) => r.sentence_loss)] },
      { title: `${task} accuracy`, format: 'percent', yInclude: [0.4, 1], series: [
        trainSeries('train', (r) => r.sentence_acc),
        // a set made for the other task (the paper's Table 5) is scored on it: say which
        ...evalSeries((e) => e.sentence_acc, (set) => `${setName(set)} (${evals.find((e) => e.set === set)!.objective.toUpperCase()})`),
        { name: 'chance', color: '#888', dashed: true, points: [[0, 0.5], [Math.max(run.steps, ...records.map((r) => r.step)), 0.5]] },
      ] },
    );
  }
  panels.push(
    { title: 'learning rate', yInclude: [0], series: [trainSeries('train', (r) => r.lr)] },
    { title: 'gradient norm (before clipping)', yInclude: [0], series: [trainSeries('train', (r) => r.grad_norm)] },
  );
  return panels;
}

/** The title, subtitle and x axis of a pretraining run's curves. */
function pretrainingHeading(run: CurvesRun): { title: string; subtitle: string; x: XDomain } {
  const batch = run.gradAccum > 1 ? `${run.batchSize} x ${run.gradAccum} accumulated` : String(run.batchSize);
  return {
    title: `ALBERT pretraining, run "${run.name}": ${OBJECTIVES[run.objective]}`,
    subtitle: `${OPTIMIZERS[run.optimizer] ?? run.optimizer}, batch ${batch}, peak learning rate ${run.lr}, ${run.steps} steps. `
      + 'train: the mean over each logging window; held-out: at each evaluation.',
    x: { max: run.steps, label: 'step' },
  };
}

export function pretrainingCurvesSvg(records: CurveRecord[], run: CurvesRun): string {
  const h = pretrainingHeading(run);
  return curvesSvg(h.title, h.subtitle, pretrainingPanels(records, run), h.x);
}

/** Writes `file` (curves.svg) atomically: a browser refreshing it during training never sees half of one. */
export function writePretrainingCurves(file: string, records: CurveRecord[], run: CurvesRun): void {
  writeTextAtomic(file, pretrainingCurvesSvg(records, run));
}
