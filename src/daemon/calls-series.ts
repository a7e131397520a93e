/**
 * The tap's calls as stored series, like every other series: per (server, tool) and interval,
 * `calls.count`, `calls.errors` per `error_type`, `calls.not_connected`, `calls.duration_ms_sum`, and the
 * duration histogram as `calls.duration_bucket` per `le` (seconds, non-cumulative, only buckets that hold
 * calls). Counts sum exactly in the store's rollups (their `sum`), so any range — raw, 1-minute or 1-hour —
 * reads back as the same CallStats and the same percentiles. Pure.
 */
import { CALL_DURATION_BUCKETS_S, emptyStats, mergeStats, type CallStats } from '../model/call-stats.js';
import type { SampleRow } from './observations.js';

export const CALL_SERIES = {
  count: 'calls.count',
  errors: 'calls.errors',
  notConnected: 'calls.not_connected',
  durationSum: 'calls.duration_ms_sum',
  bucket: 'calls.duration_bucket',
} as const;

const leOf = (i: number): string => (i < CALL_DURATION_BUCKETS_S.length ? String(CALL_DURATION_BUCKETS_S[i]) : '+Inf');

/** The rows of one (server, tool)'s interval, stored at `t`. */
export function callSamples(s: CallStats, t: number): SampleRow[] {
  const labels = { server: s.server, tool: s.tool };
  const out: SampleRow[] = [
    { hub: s.hub, name: CALL_SERIES.count, labels, t, v: s.calls },
    { hub: s.hub, name: CALL_SERIES.durationSum, labels, t, v: Math.round(s.sumMs * 1000) / 1000 },
  ];
  for (const [type, n] of Object.entries(s.errorTypes)) out.push({ hub: s.hub, name: CALL_SERIES.errors, labels: { ...labels, error_type: type }, t, v: n });
  if (s.notConnected > 0) out.push({ hub: s.hub, name: CALL_SERIES.notConnected, labels, t, v: s.notConnected });
  s.buckets.forEach((n, i) => { if (n > 0) out.push({ hub: s.hub, name: CALL_SERIES.bucket, labels: { ...labels, le: leOf(i) }, t, v: n }); });
  return out;
}

/** A stored row, raw (`v`) or a rollup (`sum`): its labels and its count over the row's time. */
export interface CallSeriesRow { hub: string; name: string; labels: Record<string, string>; total: number }

/** Reads rows of the series above (any resolution, any range) back into CallStats per (hub, server, tool). */
export function statsFromRows(rows: readonly CallSeriesRow[]): CallStats[] {
  const out = new Map<string, CallStats>();
  for (const r of rows) {
    const server = r.labels.server ?? '';
    const tool = r.labels.tool ?? '';
    const key = `${r.hub}\u0000${server}\u0000${tool}`;
    let s = out.get(key);
    if (!s) out.set(key, (s = emptyStats(r.hub, server, tool)));
    switch (r.name) {
      case CALL_SERIES.count: s.calls += r.total; break;
      case CALL_SERIES.durationSum: s.sumMs += r.total; break;
      case CALL_SERIES.notConnected: s.notConnected += r.total; break;
      case CALL_SERIES.errors: {
        const type = r.labels.error_type ?? 'unknown';
        s.errors += r.total;
        s.errorTypes[type] = (s.errorTypes[type] ?? 0) + r.total;
        break;
      }
      case CALL_SERIES.bucket: {
        const i = r.labels.le === '+Inf' ? CALL_DURATION_BUCKETS_S.length : CALL_DURATION_BUCKETS_S.findIndex((le) => String(le) === r.labels.le);
        if (i >= 0) s.buckets[i]! += r.total;
        break;
      }
      default: break;
    }
  }
  return [...out.values()];
}

/** What hubCallsOver reads of the store (Store.sumsOver). */
export interface CallSums { sumsOver(hub: string, name: string, from: number, to: number): { labels: Record<string, string>; total: number }[] }

/**
 * A hub's calls over [from, to) from the store, summed over its servers and tools: counts, errors and the
 * duration histogram (what the calls SLO needs; the sum of durations is not read).
 */
export function hubCallsOver(store: CallSums, hub: string, from: number, to: number): CallStats {
  const rows: CallSeriesRow[] = [];
  for (const name of [CALL_SERIES.count, CALL_SERIES.errors, CALL_SERIES.bucket]) {
    for (const r of store.sumsOver(hub, name, from, to)) rows.push({ hub, name, labels: r.labels, total: r.total });
  }
  const all = emptyStats(hub, '', '');
  for (const s of statsFromRows(rows)) mergeStats(all, s);
  return all;
}
