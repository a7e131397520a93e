/**
 * What the capacity outlook (evaluate/capacity-outlook.ts) is predicted from, read out of the store as
 * hourly points of the 1-hour rollups (complete hours, at their middle): per hub its RSS (hub.rss_bytes)
 * and its call volume through the taps (calls.count of every server and tool, as calls a day; an hour the
 * daemon polled the hub without a call is 0, an hour it did not is no point), and for the machine (hub "")
 * the disk used by the hub's logs and by the store, which the disk-usage job samples every minute. The
 * daemon's capacity job, `status` and the reports read it alike.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { CapacitySeries } from '../evaluate/capacity-outlook.js';
import type { SeriesPoint } from '../evaluate/capacity.js';
import type { RollupRow } from '../store/queries.js';
import type { Store } from '../store/store.js';
import { CALL_SERIES } from './calls-series.js';

/** The machine's own series (hub ""): bytes on disk of the hub's log dir (or logs.file) and of the store. */
export const DISK_SERIES = { hub_logs: 'host.disk.hub_logs_bytes', store: 'host.disk.store_bytes' } as const;
/** Samples of the monitor itself are stored under this hub (as its own alerts are). */
export const MACHINE_HUB = '';

const HOUR_MS = 3_600_000;

type Reader = Pick<Store, 'querySamples'>;

/** Hourly means of one series (every label set of it averaged together) over [from, to). */
function hourlyMeans(rows: readonly RollupRow[]): SeriesPoint[] {
  const byHour = new Map<number, { sum: number; n: number }>();
  for (const r of rows) {
    const ok = r.n - r.n_err;
    if (r.sum === null || ok <= 0) continue;
    const acc = byHour.get(r.bucket) ?? { sum: 0, n: 0 };
    acc.sum += r.sum;
    acc.n += ok;
    byHour.set(r.bucket, acc);
  }
  return [...byHour.entries()].sort((a, b) => a[0] - b[0]).map(([bucket, a]) => ({ t: bucket + HOUR_MS / 2, v: a.sum / a.n }));
}

/** Calls a day per hour: the hour's calls × 24, 0 for an hour the hub was polled in without any. */
function callsPerDay(store: Reader, hub: string, from: number, to: number): SeriesPoint[] {
  const calls = new Map<number, number>();
  for (const r of store.querySamples({ hub, name: CALL_SERIES.count, from, to, resolution: '1h' })) calls.set(r.bucket, (calls.get(r.bucket) ?? 0) + (r.sum ?? 0));
  const polled = new Set(store.querySamples({ hub, name: 'hub.up', from, to, resolution: '1h' }).map((r) => r.bucket));
  return [...new Set([...calls.keys(), ...polled])].sort((a, b) => a - b).map((bucket) => ({ t: bucket + HOUR_MS / 2, v: (calls.get(bucket) ?? 0) * 24 }));
}

/** Every resource's hourly points over the capacity window ending at `now`: per hub, then the machine's. */
export function capacitySeries(store: Reader, hubs: readonly string[], cfg: MonitorConfig['capacity'], now: number): CapacitySeries[] {
  const from = now - cfg.window;
  const hourly = (hub: string, name: string) => hourlyMeans(store.querySamples({ hub, name, from, to: now, resolution: '1h' }));
  const out: CapacitySeries[] = [];
  for (const hub of hubs) {
    out.push({ hub, resource: 'rss', points: hourly(hub, 'hub.rss_bytes') });
    if (cfg.thresholds.call_volume > 0) out.push({ hub, resource: 'call_volume', points: callsPerDay(store, hub, from, now) });
  }
  out.push({ hub: MACHINE_HUB, resource: 'hub_logs', points: hourly(MACHINE_HUB, DISK_SERIES.hub_logs) });
  out.push({ hub: MACHINE_HUB, resource: 'store', points: hourly(MACHINE_HUB, DISK_SERIES.store) });
  return out;
}
