/**
 * Trends for the reports: health latency against the previous period and the pinned baseline, and hub
 * RSS with a capacity outlook — the least-squares slope of the daily mean RSS, and the days until the
 * fitted line reaches the configured limits. Pure.
 */
import type { BaselineInfo, Bucket, LatencyReport, MemoryReport, ReportInput } from './report-model.js';
import { summarize } from './stats.js';

const DAY_MS = 86_400_000;

/** Relative change in percent; null when there is nothing (or zero) to compare with. */
export function changePercent(now: number | null | undefined, before: number | null | undefined): number | null {
  if (now == null || before == null || before === 0 || !Number.isFinite(now) || !Number.isFinite(before)) return null;
  return ((now - before) / before) * 100;
}

/** The baseline's numbers for this hub (matched by URL, trailing slash ignored), if it measured it. */
export function baselineFor(baseline: BaselineInfo, hub: string): BaselineInfo['hubs'][number] | undefined {
  if (baseline.status !== 'ok') return undefined;
  const norm = (u: string) => u.replace(/\/+$/, '');
  return baseline.hubs.find((h) => norm(h.url) === norm(hub));
}

/** Latency of the period, the previous one and the pinned baseline of this hub. */
export function latencyReport(hub: string, lat: { current: readonly number[]; previous: readonly number[] }, basis: ReportInput['latencyBasis'], baseline: BaselineInfo): LatencyReport {
  const current = summarize(lat.current) ?? null;
  const previous = summarize(lat.previous) ?? null;
  const b = baselineFor(baseline, hub);
  return {
    basis,
    current,
    previous,
    changeP50Percent: changePercent(current?.p50, previous?.p50),
    changeP95Percent: changePercent(current?.p95, previous?.p95),
    baseline: b && (b.latencyP50Ms !== undefined || b.latencyP95Ms !== undefined)
      ? { p50Ms: b.latencyP50Ms ?? null, p95Ms: b.latencyP95Ms ?? null, changeP95Percent: changePercent(current?.p95, b.latencyP95Ms) }
      : null,
  };
}

/** Least-squares line y = a + b·x; undefined with fewer than two distinct x. */
export function leastSquares(points: readonly { x: number; y: number }[]): { intercept: number; slope: number } | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * Daily mean RSS per UTC day, each placed at the mean time of its samples (a day with a gap is not
 * pretended to be centred at noon), so a steady growth fits a straight line exactly.
 */
export function dailyMeans(buckets: readonly Bucket[], from: number, to: number): { day: string; x: number; meanBytes: number }[] {
  const days = new Map<number, { sum: number; n: number; tx: number }>();
  for (const b of buckets) {
    if (b.t < from || b.t >= to || b.sum === null) continue;
    const ok = b.n - b.nErr;
    if (ok <= 0) continue;
    const d = Math.floor(b.t / DAY_MS) * DAY_MS;
    const acc = days.get(d) ?? { sum: 0, n: 0, tx: 0 };
    acc.sum += b.sum;
    acc.n += ok;
    acc.tx += (b.t + b.widthMs / 2) * ok;
    days.set(d, acc);
  }
  return [...days.entries()].sort((a, b) => a[0] - b[0])
    .map(([d, a]) => ({ day: new Date(d).toISOString().slice(0, 10), x: a.tx / a.n, meanBytes: a.sum / a.n }));
}

function meanMax(buckets: readonly Bucket[], from: number, to: number): { meanBytes: number; maxBytes: number } | null {
  let sum = 0;
  let n = 0;
  let max = -Infinity;
  for (const b of buckets) {
    if (b.t < from || b.t >= to || b.sum === null) continue;
    sum += b.sum;
    n += b.n - b.nErr;
    if (b.max !== null && b.max > max) max = b.max;
  }
  return n === 0 ? null : { meanBytes: sum / n, maxBytes: max };
}

/** Days from `to` until the fitted line reaches `limit`: 0 when already there, null when not growing. */
function daysTo(fit: { intercept: number; slope: number } | undefined, to: number, limit: number): number | null {
  if (!fit || !(fit.slope > 0)) return null;
  const atEnd = fit.intercept + fit.slope * (to / DAY_MS);
  return atEnd >= limit ? 0 : (limit - atEnd) / fit.slope;
}

/** RSS this period and the previous one, and the capacity outlook over [capacityFrom, to). */
export function memoryReport(rss: readonly Bucket[], p: { from: number; to: number; previousFrom: number; capacityFrom: number },
  limits: { warningBytes: number; criticalBytes: number }, baseline: BaselineInfo, hub: string): MemoryReport {
  const daily = dailyMeans(rss, p.capacityFrom, p.to);
  // x in days, so the slope is bytes per day.
  const fit = leastSquares(daily.map((d) => ({ x: d.x / DAY_MS, y: d.meanBytes })));
  return {
    current: meanMax(rss, p.from, p.to),
    previous: meanMax(rss, p.previousFrom, p.from),
    baselineBytes: baselineFor(baseline, hub)?.rssBytes ?? null,
    daily: daily.map((d) => ({ day: d.day, meanBytes: d.meanBytes })),
    slopeBytesPerDay: fit?.slope ?? null,
    warningBytes: limits.warningBytes,
    criticalBytes: limits.criticalBytes,
    daysToWarning: daysTo(fit, p.to, limits.warningBytes),
    daysToCritical: daysTo(fit, p.to, limits.criticalBytes),
  };
}
