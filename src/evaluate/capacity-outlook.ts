/**
 * The capacity outlook of every watched resource — hub RSS and call volume per hub, the disk used by the
 * hub's logs and by the monitor's store — from their hourly points (capacity.ts predicts), and how each
 * reads to a person: "hub RSS reaches 500 MB in 4.2 days (between 3.1 and 6.0); +38 MB/day". One method
 * for the daemon's capacity.* alerts, `status` and the reports. Pure.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { predictCapacity, type CapacityPrediction, type SeriesPoint } from './capacity.js';

export type CapacityResource = 'rss' | 'hub_logs' | 'store' | 'call_volume';
export type CapacityRule = 'capacity.rss' | 'capacity.disk' | 'capacity.call_volume';

export const CAPACITY_RULE_OF: Record<CapacityResource, CapacityRule> = {
  rss: 'capacity.rss', hub_logs: 'capacity.disk', store: 'capacity.disk', call_volume: 'capacity.call_volume',
};

const WHAT: Record<CapacityResource, string> = { rss: 'hub RSS', hub_logs: "the hub's logs", store: 'the history store', call_volume: 'call volume' };

/** One resource's hourly points (bytes; calls a day for call_volume), of a hub or of the machine (hub ""). */
export interface CapacitySeries {
  hub: string;
  resource: CapacityResource;
  points: readonly SeriesPoint[];
}

export interface CapacityOutlook {
  hub: string;
  resource: CapacityResource;
  rule: CapacityRule;
  prediction: CapacityPrediction;
  /** First to last point in the window (what min_history is measured against); 0 with none or one. */
  historyMs: number;
  /** Points in the window. */
  points: number;
  /** The earliest crossing is within capacity.horizon: capacity.* warns. */
  warn: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The threshold of a resource; 0 = not predicted (call volume unless configured). */
export function capacityThreshold(resource: CapacityResource, cfg: MonitorConfig['capacity']): number {
  return cfg.thresholds[resource];
}

/** Predicts every series with a threshold at `now`. */
export function capacityOutlook(series: readonly CapacitySeries[], cfg: MonitorConfig['capacity'], now: number): CapacityOutlook[] {
  const opts = { windowMs: cfg.window, horizonMs: cfg.horizon, minHistoryMs: cfg.min_history };
  return series.flatMap((s): CapacityOutlook[] => {
    const threshold = capacityThreshold(s.resource, cfg);
    if (!(threshold > 0)) return [];
    const prediction = predictCapacity(s.points, threshold, now, { ...opts, resource: s.resource });
    const times = s.points.filter((p) => p.t >= now - cfg.window && p.t <= now).map((p) => p.t);
    const warn = prediction.earliestDays !== undefined && prediction.earliestDays * DAY_MS <= cfg.horizon;
    return [{ hub: s.hub, resource: s.resource, rule: CAPACITY_RULE_OF[s.resource], prediction, historyMs: times.length ? Math.max(...times) - Math.min(...times) : 0, points: times.length, warn }];
  });
}

/** A value of the resource for people: decimal MB/GB as the thresholds are written, calls a day. */
export function formatCapacityValue(resource: CapacityResource, v: number): string {
  if (resource === 'call_volume') return `${Number(v.toPrecision(3))} calls/day`;
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${Number((v / 1e9).toFixed(2))} GB`;
  if (abs >= 1e6) return `${Number((v / 1e6).toFixed(1))} MB`;
  return `${Number((v / 1e3).toFixed(1))} kB`;
}

const days = (d: number) => d.toFixed(1);

/** The settings the words name (capacity.window, horizon, min_history, in ms). */
export type CapacityWords = Pick<MonitorConfig['capacity'], 'window' | 'horizon' | 'min_history'>;

/** " (between 3.1 and 6.0)" or " (at the earliest in 3.1, the latest beyond the 7-day horizon)". */
export function intervalWords(p: CapacityPrediction, horizonMs: number): string {
  return p.latestDays !== undefined ? `between ${days(p.earliestDays ?? 0)} and ${days(p.latestDays)}`
    : `at the earliest in ${days(p.earliestDays ?? 0)}, the latest beyond the ${days(horizonMs / DAY_MS).replace(/\.0$/, '')}-day horizon`;
}

/**
 * The outlook in words, without naming the resource: "reaches 500 MB in 4.2 days (between 3.1 and 6.0);
 * +38 MB/day", "not growing (…)", "too little history (5 h of 24 h)", "already at or over 500 MB",
 * "no complete hour recorded in the last 7 days (it needs 24 h)".
 */
export function describeOutlookState(o: CapacityOutlook, cfg: CapacityWords): string {
  const p = o.prediction;
  const at = formatCapacityValue(o.resource, p.threshold);
  // Bytes per day; a call volume (itself calls a day) changes by so many calls a day, per day.
  const rate = `${p.slopePerDay >= 0 ? '+' : '−'}${formatCapacityValue(o.resource, Math.abs(p.slopePerDay))}${o.resource === 'call_volume' ? ' per day' : '/day'}`;
  switch (p.reason) {
    case 'too_little_history': {
      // It reads hourly rollups: a daemon started minutes ago has samples but no complete hour yet.
      if (o.points === 0) return `no complete hour recorded in the last ${Math.round(cfg.window / DAY_MS)} days (it needs ${Math.round(cfg.min_history / HOUR_MS)} h)`;
      return `too little history (${Math.floor(o.historyMs / HOUR_MS)} h of ${Math.round(cfg.min_history / HOUR_MS)} h)`;
    }
    case 'not_growing': return `not growing (${rate}, within the noise)`;
    case 'already_over': return `already at or over ${at}`;
    default: {
      return `reaches ${at} in ${days(p.days ?? 0)} days (${intervalWords(p, cfg.horizon)}); ${rate}`;
    }
  }
}

/** The whole sentence: "hub RSS reaches 500 MB in 4.2 days (between 3.1 and 6.0); +38 MB/day". */
export function describeOutlook(o: CapacityOutlook, cfg: CapacityWords): string {
  return `${WHAT[o.resource]} ${describeOutlookState(o, cfg)}`;
}

/** The name of a resource for people ("hub RSS", "the hub's logs", …). */
export function capacityResourceName(resource: CapacityResource): string {
  return WHAT[resource];
}
