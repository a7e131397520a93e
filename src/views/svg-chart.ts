/**
 * Line and bar charts as SVG strings, for the reports. A small renderer of our own rather than a charting
 * library, because the reports must be (1) self-contained: one HTML file, or a Markdown file with .svg
 * files beside it, that opens offline and passes a `default-src 'none'` CSP; (2) free of browser-side JS
 * (most chart libraries draw at view time in the browser, and a report carries hostile hub strings, so it
 * runs no script at all); and (3) deterministic: the same data gives the same bytes, so tests compare
 * output exactly and a report can be diffed. Every label is escaped; non-finite values are skipped.
 */
import { escapeHtml } from './html.js';
import { sanitizeTerminal } from './sanitize.js';

/** One point of a line; `y` null (or NaN/Infinity) is "no data here" and breaks the line. */
export interface LinePoint {
  x: number;
  y: number | null;
}

/** One line of a line chart. */
export interface LineSeries {
  name: string;
  points: readonly LinePoint[];
}

/** One bar of a (horizontal) bar chart. */
export interface Bar {
  label: string;
  value: number;
}

/** Chart options; sizes in px. */
export interface ChartOptions {
  title: string;
  width?: number;
  height?: number;
  /** `time`: x is epoch ms, ticks are UTC times. Default `number`. */
  xAxis?: 'time' | 'number';
  /** Tick and value labels of the value axis (default: compact SI, 1.5k, 2M). */
  format?: (v: number) => string;
  /** Fixed value-axis bounds, widened when data fall outside them. */
  yMin?: number;
  yMax?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];
const FONT = 'font-family="sans-serif" font-size="11" fill="#374151"';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];

/** A coordinate with one decimal and no "-0.0": fixed text, whatever the float noise. */
const c = (v: number): string => {
  const s = v.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
};
const label = (s: string, max = 80): string => escapeHtml(sanitizeTerminal(s, max));
/** Min and max without spreading (a month of minutes is too many arguments for Math.min). */
function extent(values: readonly number[], lo = Infinity, hi = -Infinity): [number, number] {
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

/** Compact number: 0.25, 12, 1.5k, 2M, 3.1G; exponent form beyond tera. */
export function formatCompact(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e15 || a < 1e-3) return v.toExponential(2);
  for (const [div, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= div) return `${Number((v / div).toPrecision(3))}${suffix}`;
  }
  return String(Number(v.toPrecision(3)));
}

/** Position of v in [lo, hi] as 0..1, computed on halves so that a span near Number.MAX_VALUE cannot overflow. */
const frac = (v: number, lo: number, hi: number): number => {
  const span = hi / 2 - lo / 2;
  return span === 0 || !Number.isFinite(span) ? 0.5 : (v / 2 - lo / 2) / span;
};

/** "Nice" ticks (1, 2, 2.5, 5 × 10^k) covering [lo, hi]; returns the widened domain too. */
export function niceTicks(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[] } {
  if (lo === hi || Math.abs(hi / 2 - lo / 2) < 1e-300) {
    hi = lo; // a span too small to divide (denormals) is a flat line
    // Zero, or so close to it (denormals) that 10 % of it is no distance at all: pad by 1.
    const pad = Math.abs(lo) < 1e-300 ? 1 : Math.abs(lo) * 0.1;
    lo = Math.max(-Number.MAX_VALUE, lo - pad); // a flat line at ±MAX_VALUE must not pad to infinity
    hi = Math.min(Number.MAX_VALUE, hi + pad);
  }
  const raw = (hi / 2 - lo / 2) / Math.max(1, count - 1) * 2;
  if (!Number.isFinite(raw) || raw <= 0) return { lo, hi, ticks: [lo, lo / 2 + hi / 2, hi] };
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)) ?? 10 * mag;
  if (!(step > 0) || !Number.isFinite(step)) return { lo, hi, ticks: [lo, lo / 2 + hi / 2, hi] };
  const nlo = Math.floor(lo / step) * step;
  const nhi = Math.ceil(hi / step) * step;
  if (!Number.isFinite(nlo) || !Number.isFinite(nhi)) return { lo, hi, ticks: [lo, lo / 2 + hi / 2, hi] };
  const ticks: number[] = [];
  for (let i = 0; i <= 20; i++) {
    const t = nlo + i * step;
    if (t > nhi + step / 2) break;
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return { lo: nlo, hi: nhi, ticks };
}

function timeTicks(lo: number, hi: number): { ticks: number[]; fmt: (t: number) => string } {
  const step = TIME_STEPS.find((s) => (hi - lo) / s <= 8) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi && ticks.length < 50; t += step) ticks.push(t);
  const iso = (t: number) => new Date(t).toISOString();
  // UTC, like every time in the reports: the output must not depend on the machine's time zone.
  const fmt = (t: number) => (step >= DAY || t % DAY === 0 ? iso(t).slice(5, 10) : iso(t).slice(11, 16));
  return { ticks, fmt };
}

function frame(w: number, h: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${label(title, 200)}">`
    + `<title>${label(title, 200)}</title><rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`
    + `<text x="8" y="18" font-family="sans-serif" font-size="13" font-weight="bold" fill="#111827">${label(title, 200)}</text>${body}</svg>`;
}

const noData = (w: number, h: number): string =>
  `<text x="${c(w / 2)}" y="${c(h / 2)}" ${FONT} text-anchor="middle">no data</text>`;

/** A line chart of one or more series, with axes, ticks and a legend; gaps (null, NaN) break the lines. */
export function lineChart(series: readonly LineSeries[], opts: ChartOptions): string {
  const w = opts.width ?? 720;
  const h = opts.height ?? 260;
  const fmt = opts.format ?? formatCompact;
  const clean = series.map((s) => ({
    name: s.name,
    points: s.points.filter((p) => Number.isFinite(p.x)).slice().sort((a, b) => a.x - b.x)
      .map((p) => ({ x: p.x, y: p.y !== null && Number.isFinite(p.y) ? p.y : null })),
  }));
  const xs = clean.flatMap((s) => s.points.map((p) => p.x));
  const ys = clean.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  if (ys.length === 0) return frame(w, h, opts.title, noData(w, h));
  const left = 64;
  const right = w - 16;
  const top = 30;
  const bottom = h - (clean.length > 1 ? 44 : 26);
  let [xlo, xhi] = extent(xs);
  if (xlo === xhi) { xlo -= opts.xAxis === 'time' ? HOUR : 1; xhi += opts.xAxis === 'time' ? HOUR : 1; }
  const y = niceTicks(...extent(ys, opts.yMin, opts.yMax));
  const px = (x: number) => left + frac(x, xlo, xhi) * (right - left);
  const py = (v: number) => bottom - frac(v, y.lo, y.hi) * (bottom - top);
  const parts: string[] = [`<g stroke="#e5e7eb" stroke-width="1">`];
  for (const t of y.ticks) parts.push(`<line x1="${left}" y1="${c(py(t))}" x2="${right}" y2="${c(py(t))}"/>`);
  parts.push('</g>', `<g ${FONT} text-anchor="end">`);
  for (const t of y.ticks) parts.push(`<text x="${left - 6}" y="${c(py(t) + 4)}">${label(fmt(t), 20)}</text>`);
  parts.push('</g>', `<g ${FONT} text-anchor="middle">`);
  const xt = opts.xAxis === 'time' ? timeTicks(xlo, xhi) : (() => {
    const n = niceTicks(xlo, xhi, 6);
    return { ticks: n.ticks.filter((t) => t >= xlo && t <= xhi), fmt: formatCompact };
  })();
  for (const t of xt.ticks) parts.push(`<text x="${c(px(t))}" y="${bottom + 16}">${label(xt.fmt(t), 20)}</text>`);
  parts.push('</g>', `<path d="M${left} ${top}V${bottom}H${right}" fill="none" stroke="#9ca3af" stroke-width="1"/>`);
  clean.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const runs: { x: number; y: number }[][] = [];
    let run: { x: number; y: number }[] = [];
    for (const p of s.points) {
      if (p.y === null) { if (run.length) runs.push(run); run = []; } else run.push({ x: p.x, y: p.y });
    }
    if (run.length) runs.push(run);
    const d = runs.filter((r) => r.length > 1).map((r) => r.map((p, j) => `${j === 0 ? 'M' : 'L'}${c(px(p.x))} ${c(py(p.y))}`).join('')).join('');
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round"/>`);
    // A lone point between gaps draws no line: mark it, so a single sample is still visible.
    for (const r of runs.filter((x) => x.length === 1)) parts.push(`<circle cx="${c(px(r[0]!.x))}" cy="${c(py(r[0]!.y))}" r="2.5" fill="${color}"/>`);
  });
  if (clean.length > 1) {
    clean.forEach((s, i) => {
      const x = left + i * 170;
      parts.push(`<rect x="${x}" y="${h - 18}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
        `<text x="${x + 14}" y="${h - 9}" ${FONT}>${label(s.name, 24)}</text>`);
    });
  }
  return frame(w, h, opts.title, parts.join(''));
}

/** A horizontal bar chart (long labels such as server names fit on the left); non-finite values are skipped. */
export function barChart(bars: readonly Bar[], opts: ChartOptions): string {
  const w = opts.width ?? 720;
  const fmt = opts.format ?? formatCompact;
  const shown = bars.filter((b) => Number.isFinite(b.value));
  const rowH = 22;
  const top = 30;
  const h = opts.height ?? top + Math.max(1, shown.length) * rowH + 28;
  if (shown.length === 0) return frame(w, h, opts.title, noData(w, h));
  const left = 190;
  const right = w - 70;
  const vals = shown.map((b) => b.value);
  const x = niceTicks(...extent(vals, Math.min(0, opts.yMin ?? 0), Math.max(0, opts.yMax ?? 0)));
  const px = (v: number) => left + frac(v, x.lo, x.hi) * (right - left);
  const bottom = top + shown.length * rowH;
  const parts: string[] = ['<g stroke="#e5e7eb" stroke-width="1">'];
  for (const t of x.ticks) parts.push(`<line x1="${c(px(t))}" y1="${top}" x2="${c(px(t))}" y2="${bottom}"/>`);
  parts.push('</g>', `<g ${FONT} text-anchor="middle">`);
  for (const t of x.ticks) parts.push(`<text x="${c(px(t))}" y="${bottom + 16}">${label(fmt(t), 20)}</text>`);
  parts.push('</g>');
  const zero = px(0);
  shown.forEach((b, i) => {
    const yTop = top + i * rowH + 3;
    const x0 = Math.min(zero, px(b.value));
    const bw = Math.max(1, Math.abs(px(b.value) - zero)); // a zero value still shows a hairline
    parts.push(`<text x="${left - 6}" y="${c(yTop + 12)}" ${FONT} text-anchor="end">${label(b.label, 28)}</text>`,
      `<rect x="${c(x0)}" y="${c(yTop)}" width="${c(bw)}" height="${rowH - 6}" fill="${PALETTE[0]}"/>`,
      `<text x="${c(Math.max(zero, px(b.value)) + 4)}" y="${c(yTop + 12)}" ${FONT}>${label(fmt(b.value), 20)}</text>`);
  });
  parts.push(`<path d="M${c(zero)} ${top}V${bottom}" fill="none" stroke="#9ca3af" stroke-width="1"/>`);
  return frame(w, h, opts.title, parts.join(''));
}
