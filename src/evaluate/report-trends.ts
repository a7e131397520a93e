/**
 * Trends for the reports: health latency against the previous period and the pinned baseline, and hub
 * RSS with a capacity outlook — the capacity prediction (capacity.ts: least squares over the hourly means
 * with its 95 % prediction interval) of when it reaches the configured limits. Pure.
 */
import { predictCapacity, type CapacityPrediction, type SeriesPoint } from './capacity.js';
import type { BaselineInfo, Bucket, LatencyReport, MemoryReport, ReportInput } from './report-model.js';
import { summarize } from './stats.js';

const HOUR_MS = 3_600_000;

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

/**
 * Hourly mean RSS over [from, to), each placed at the mean time of its samples (an hour with a gap is not
 * pretended to be centred), so a steady growth fits a straight line exactly.
 */
export function hourlyMeans(buckets: readonly Bucket[], from: number, to: number): SeriesPoint[] {
  const hours = new Map<number, { sum: number; n: number; tx: number }>();
  for (const b of buckets) {
    if (b.t < from || b.t >= to || b.sum === null) continue;
    const ok = b.n - b.nErr;
    if (ok <= 0) continue;
    const h = Math.floor(b.t / HOUR_MS) * HOUR_MS;
    const acc = hours.get(h) ?? { sum: 0, n: 0, tx: 0 };
    acc.sum += b.sum;
    acc.n += ok;
    acc.tx += (b.t + b.widthMs / 2) * ok;
    hours.set(h, acc);
  }
  return [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([, a]) => ({ t: a.tx / a.n, v: a.sum / a.n }));
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

/** The fitted line's days to the limit: 0 when there already, null when not growing or not predicted. */
const lineDays = (p: CapacityPrediction): number | null => (p.reason === undefined || p.reason === 'already_over' ? p.days ?? null : null);

/**
 * RSS this period and the previous one, and the capacity outlook over [capacityFrom, to): the capacity
 * prediction (capacity.ts, the one trend method of the monitor) against each limit.
 */
export function memoryReport(rss: readonly Bucket[], p: { from: number; to: number; previousFrom: number; capacityFrom: number },
  limits: { warningBytes: number; criticalBytes: number }, baseline: BaselineInfo, hub: string,
  settings: { horizonMs: number; minHistoryMs: number }): MemoryReport {
  const points = hourlyMeans(rss, p.capacityFrom, p.to);
  const opts = { windowMs: p.to - p.capacityFrom, horizonMs: settings.horizonMs, minHistoryMs: settings.minHistoryMs, resource: 'rss' };
  const toWarning = predictCapacity(points, limits.warningBytes, p.to, opts);
  const toCritical = predictCapacity(points, limits.criticalBytes, p.to, opts);
  return {
    current: meanMax(rss, p.from, p.to),
    previous: meanMax(rss, p.previousFrom, p.from),
    baselineBytes: baselineFor(baseline, hub)?.rssBytes ?? null,
    trend: { points: points.length, fromMs: points[0]?.t ?? null, toMs: points.at(-1)?.t ?? null },
    slopeBytesPerDay: toWarning.reason === 'too_little_history' ? null : toWarning.slopePerDay,
    warningBytes: limits.warningBytes,
    criticalBytes: limits.criticalBytes,
    daysToWarning: lineDays(toWarning),
    daysToCritical: lineDays(toCritical),
    toWarning,
    toCritical,
  };
}
