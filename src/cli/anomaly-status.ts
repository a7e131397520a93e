/**
 * The "learned normal" section of `status`: per hub and series, the band the anomaly job judges by (its
 * mode and range) or how far the series is from having one ("learning, 40% of the history needed"), read
 * from the store as the job reads it (daemon/anomaly-series.ts), so it shows with the daemon stopped too.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { anomalyHistories } from '../daemon/anomaly-series.js';
import { ANOMALY_SERIES, bandSettings, describeBand, type AnomalySeriesId } from '../evaluate/anomaly-watch.js';
import { bandAt } from '../evaluate/learned-band.js';
import type { Store } from '../store/store.js';
import { sanitizeTerminal as clean } from '../views/sanitize.js';

export interface AnomalySeriesStatus {
  hub: string;
  series: AnomalySeriesId;
  labels: Record<string, string>;
  mode: 'learning' | 'robust' | 'daily' | 'weekly';
  /** Learning: the share of the history needed that the series has (0..1). */
  progress: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  text: string;
}

/** `notSeen`: series the daemon cannot observe with this config, and why (shown, never a silent gap). */
export interface AnomalyStatus { enabled: boolean; series: AnomalySeriesStatus[]; notSeen: { series: AnomalySeriesId; why: string }[] }

export function anomalyStatus(cfg: MonitorConfig, store: Pick<Store, 'minutesOfName' | 'eventCountsByStep' | 'queryEvents'>, hubs: readonly string[], now: number): AnomalyStatus {
  if (!cfg.anomaly.enabled) return { enabled: false, series: [], notSeen: [] };
  const series = hubs.flatMap((hub) => anomalyHistories(store, hub, cfg, now).map((h): AnomalySeriesStatus => {
    const band = bandAt(h.points, now + 1, bandSettings(cfg.anomaly, h.series));
    const text = describeBand(h.series, band);
    return band.mode === 'learning'
      ? { hub, series: h.series, labels: { ...h.labels }, mode: band.mode, progress: band.progress, expected: null, lower: null, upper: null, text }
      : { hub, series: h.series, labels: { ...h.labels }, mode: band.mode, progress: null, expected: band.expected, lower: band.lower, upper: band.upper, text };
  }));
  const notSeen = cfg.collect.sse ? [] : [{ series: 'log_errors' as const, why: 'not judged: poll-only (collect.sse false or --no-sse), and the hub\'s log lines come only from its event stream' }];
  return { enabled: true, series, notSeen };
}

export function anomalyLines(s: AnomalyStatus): string[] {
  if (!s.enabled) return ['learned normal: off (anomaly.enabled is false)'];
  const notSeen = s.notSeen.map((n) => `  ${ANOMALY_SERIES[n.series].label}: ${n.why}`);
  if (s.series.length === 0) return ['learned normal: no series recorded yet', ...notSeen];
  const hubs = [...new Set(s.series.map((r) => r.hub))];
  return ['learned normal (anomaly.*):', ...notSeen, ...hubs.flatMap((hub) => [
    `  ${clean(hub, 200)}`,
    ...s.series.filter((r) => r.hub === hub).map((r) => {
      const subject = [r.labels.server, r.labels.tool].filter((x) => x !== undefined).map((x) => clean(x, 120)).join('/');
      return `    ${ANOMALY_SERIES[r.series].label}${subject ? ` ${subject}` : ''}: ${r.text}`;
    }),
  ])];
}
