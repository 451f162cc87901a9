// Training curves as a small standalone SVG: one panel per series group, step on the x axis.

export interface Series { name: string; color: string; points: [number, number][]; }
export interface Panel { title: string; series: Series[]; yMin?: number; yMax?: number; }

const W = 420, H = 240, PAD = { l: 48, r: 12, t: 26, b: 30 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function tickFormat(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) return v.toExponential(0);
  return String(+v.toPrecision(3));
}

function panelSvg(p: Panel, x0: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const out = [`<g transform="translate(${x0},0)">`, `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(p.title)}</text>`];
  if (pts.length) {
    let xMin = Math.min(...pts.map((q) => q[0])), xMax = Math.max(...pts.map((q) => q[0]));
    let yMin = p.yMin ?? Math.min(...pts.map((q) => q[1])), yMax = p.yMax ?? Math.max(...pts.map((q) => q[1]));
    if (xMax === xMin) { xMin -= 1; xMax += 1; }
    if (yMax === yMin) { yMin -= 0.5; yMax += 0.5; }
    const sx = (x: number) => PAD.l + ((x - xMin) / (xMax - xMin)) * (W - PAD.l - PAD.r);
    const sy = (y: number) => H - PAD.b - ((y - yMin) / (yMax - yMin)) * (H - PAD.t - PAD.b);
    out.push(`<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="none" stroke="#999"/>`);
    for (let i = 0; i <= 4; i++) {
      const y = yMin + ((yMax - yMin) * i) / 4, x = xMin + ((xMax - xMin) * i) / 4;
      out.push(`<text x="${PAD.l - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" font-size="10">${tickFormat(y)}</text>`);
      out.push(`<text x="${sx(x).toFixed(1)}" y="${H - PAD.b + 14}" text-anchor="middle" font-size="10">${Math.round(x)}</text>`);
    }
    out.push(`<text x="${(PAD.l + W - PAD.r) / 2}" y="${H - 3}" text-anchor="middle" font-size="10">step</text>`);
    p.series.forEach((s, k) => {
      const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      if (!ok.length) return;
      const d = ok.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
      if (ok.length < 30) for (const [x, y] of ok) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2" fill="${s.color}"/>`);
      out.push(`<text x="${PAD.l + 6}" y="${PAD.t + 12 + 12 * k}" font-size="10" fill="${s.color}">${esc(s.name)}</text>`);
    });
  } else {
    out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="11" fill="#888">no data yet</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

/** Panels side by side in one SVG document. */
export function curvesSvg(title: string, panels: Panel[]): string {
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 22}" viewBox="0 0 ${width} ${H + 22}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="${H + 16}" font-size="11" fill="#444">${esc(title)}</text>`,
    ...panels.map((p, i) => panelSvg(p, i * W)),
    '</svg>',
  ].join('\n') + '\n';
}
