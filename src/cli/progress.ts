// A one-line progress bar on stderr for long-running commands: `label [####    ] 42% 1.2k/3k 12.3/s ETA 1m05s extra`.
// Redraws at most every 100 ms; on a non-TTY stderr it prints a plain line every 5 s instead.

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
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
  if (perSecond < 1) return perSecond.toFixed(2);
  if (perSecond < 10) return perSecond.toFixed(1);
  return formatCount(perSecond);
}

export class Progress {
  private start = Date.now();
  private lastDraw = 0;
  private done = 0;
  private readonly tty: boolean;

  /** total: units of work expected (0 when unknown). quiet: draw nothing. */
  constructor(private readonly label: string, private total: number, private readonly quiet = false,
    private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Advance to `done` units; `extra` is shown after the ETA (e.g. "loss 2.31"). */
  update(done: number, extra = ''): void {
    this.done = done;
    const now = Date.now();
    if (this.quiet || now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    this.draw(extra);
  }

  setTotal(total: number): void { this.total = total; }

  /** Final line; always printed unless quiet. */
  finish(extra = ''): void {
    if (this.quiet) return;
    this.draw(extra);
    if (this.tty) this.stream.write('\n');
  }

  private draw(extra: string): void {
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    let line = this.label;
    if (this.total > 0) {
      const frac = Math.min(1, this.done / this.total);
      const width = 24, filled = Math.round(frac * width);
      const eta = rate > 0 ? (this.total - this.done) / rate : NaN;
      line += ` [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0)}%` +
        ` ${formatCount(this.done)}/${formatCount(this.total)} ${formatRate(rate)}/s ETA ${formatDuration(eta)}`;
    } else {
      line += ` ${formatCount(this.done)} ${formatRate(rate)}/s ${formatDuration(elapsed)}`;
    }
    if (extra) line += ' ' + extra;
    if (this.tty) this.stream.write('\r\x1b[K' + line);
    else this.stream.write(line + '\n');
  }
}
