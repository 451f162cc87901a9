// A one-line progress bar on stderr for long-running commands: `label [####    ] 42% 1.2k/3k 12.3/s ETA 1m05s extra`.
// On a TTY it redraws in place at most every 100 ms, fitted to the terminal's width; on a non-TTY
// stderr (a log file, CI) it prints a plain line every 5 s instead, without carriage returns.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return String(Math.round(n));
}

/** A rate with enough digits to be useful below one unit per second (0.42/s, 3.1/s, 120/s, 1.2k/s). */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '?';
  if (perSecond < 1) return perSecond.toFixed(2);
  if (perSecond < 10) return perSecond.toFixed(1);
  return formatCount(perSecond);
}

/** What one progress line shows; rate and eta are NaN while unknown. */
export interface ProgressState {
  label: string;
  done: number;
  /** 0 when unknown: the line shows the elapsed time instead of a percentage and an ETA. */
  total: number;
  rate: number;
  eta: number;
  elapsed: number;
  /** Extra fields, most important first ("loss 2.31", "lr 1e-3"): dropped from the end when space is short. */
  extra: string[];
}

const BAR_MAX = 24, BAR_MIN = 8;

/**
 * The line for `columns` terminal columns (Infinity: no limit, and no bar: a plain log line).
 * It stays below the last column (a full line would wrap and leave a new line at every redraw).
 * When it does not fit, the bar goes first, then the extra fields from the last, then the rate and
 * the count; the label is cut last.
 */
export function formatProgressLine(s: ProgressState, columns: number): string {
  const max = Math.max(1, columns - 1);
  const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
  const count = s.total > 0 ? `${formatCount(s.done)}/${formatCount(s.total)}` : formatCount(s.done);
  const rate = `${formatRate(s.rate)}/s`;
  const tail = s.total > 0 ? [`ETA ${formatDuration(s.eta)}`] : [formatDuration(s.elapsed)];
  const head = s.total > 0 ? [`${(frac * 100).toFixed(0)}%`] : [];
  // Candidate field lists, from the fullest to the shortest.
  const extra = [...s.extra];
  const candidates: string[][] = [];
  for (let k = extra.length; k >= 0; k--) candidates.push([...head, count, rate, ...tail, ...extra.slice(0, k)]);
  candidates.push([...head, count, ...tail], [...head, ...tail], head.length ? head : [count]);
  for (const [i, fields] of candidates.entries()) {
    const line = [s.label, ...fields].join(' ');
    if (line.length > max) continue;
    const spare = max - line.length - 3; // " [" + "]"
    if (i === 0 && s.total > 0 && Number.isFinite(columns) && spare >= BAR_MIN) {
      const width = Math.min(BAR_MAX, spare), filled = Math.round(frac * width);
      return [s.label, `[${'#'.repeat(filled)}${' '.repeat(width - filled)}]`, ...fields].join(' ');
    }
    return line;
  }
  const last = candidates[candidates.length - 1].join(' ');
  const label = s.label.slice(0, Math.max(0, max - last.length - 1));
  return (label ? `${label} ${last}` : last).slice(0, max);
}

/** Updates before the first ETA: the first ones include start-up work (loading, warm-up) and say little. */
export const ETA_AFTER_UPDATES = 3;

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Milliseconds clock (tests). */
  now?: () => number;
}

export class Progress {
  private readonly start: number;
  private lastDraw = -Infinity;
  private done = 0;
  private extra: string[] = [];
  /** The first update: rates and the ETA are measured from it, so start-up time and resumed work do not count. */
  private base: { t: number; done: number } | null = null;
  private updates = 0;
  private finished = false;
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;
  private readonly now: () => number;

  /** total: units of work expected (0 when unknown). quiet: draw nothing. */
  constructor(private readonly label: string, private total: number, private readonly quiet = false, o: ProgressOptions = {}) {
    this.stream = o.stream ?? process.stderr;
    this.now = o.now ?? Date.now;
    this.tty = Boolean(this.stream.isTTY);
    this.start = this.now();
  }

  /**
   * Advance to `done` units; `extra` is shown after the ETA (e.g. ["loss 2.31", "lr 1e-3"]). Reaching
   * the total finishes the bar at once, so what the command prints next comes after its 100% line.
   */
  update(done: number, extra: string | string[] = []): void {
    if (this.finished) return;
    const now = this.now();
    this.done = done;
    this.extra = typeof extra === 'string' ? (extra ? [extra] : []) : extra;
    if (this.base === null) this.base = { t: now, done };
    else this.updates++;
    if (this.total > 0 && done >= this.total) { this.finish(); return; }
    if (this.quiet || now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    this.draw();
  }

  setTotal(total: number): void { this.total = total; }

  /** Final line (the last update's extra fields unless others are given); printed once, unless quiet. */
  finish(extra?: string | string[]): void {
    if (this.finished) return;
    this.finished = true;
    if (extra !== undefined) this.extra = typeof extra === 'string' ? (extra ? [extra] : []) : extra;
    if (this.quiet) return;
    this.draw();
    if (this.tty) this.stream.write('\n');
  }

  /** What the line shows now. */
  state(): ProgressState {
    const now = this.now();
    let rate = NaN, eta = NaN;
    if (this.base && this.updates > 0 && now > this.base.t) {
      rate = (this.done - this.base.done) / ((now - this.base.t) / 1000);
      if (this.updates >= ETA_AFTER_UPDATES && rate > 0) eta = Math.max(0, this.total - this.done) / rate;
    }
    return { label: this.label, done: this.done, total: this.total, rate, eta, elapsed: (now - this.start) / 1000, extra: this.extra };
  }

  private draw(): void {
    if (this.tty) {
      const columns = this.stream.columns || process.stdout.columns || 80;
      this.stream.write('\r\x1b[K' + formatProgressLine(this.state(), columns));
    } else {
      this.stream.write(formatProgressLine(this.state(), Infinity) + '\n');
    }
  }
}
