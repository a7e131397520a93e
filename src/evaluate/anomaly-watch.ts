/**
 * One series judged against its learned normal band, as the anomaly job and `status` need it: the band
 * now (or how far it is from having one), the alert state from the fraction of recent points outside
 * their bands (learned-band.ts, anomaly-alert.ts), and the words for the finding. Pure: (points, previous
 * state, config, now).
 */
import { formatBytes } from '../config/bytes.js';
import { formatDuration } from '../config/duration.js';
import type { AnomalyConfig } from '../config/schema.js';
import { anomalyState, type AnomalyState, type AnomalyWindowSettings } from './anomaly-alert.js';
import { bandAt, judgePoints, type Band, type BandSettings, type SeriesPoint } from './learned-band.js';
import type { CheckStatus } from './types.js';

/** The series that have a learned band: one `anomaly.<id>` rule each. */
export const ANOMALY_SERIES = {
  health_latency: { label: 'health latency', unit: 'ms' },
  probe_latency: { label: 'probe latency', unit: 'ms' },
  call_latency: { label: 'call latency', unit: 'ms' },
  error_ratio: { label: 'error ratio', unit: 'ratio' },
  rss: { label: 'RSS', unit: 'bytes' },
  cpu: { label: 'CPU', unit: 'percent' },
  log_errors: { label: 'log errors', unit: 'per_step' },
  reconnects: { label: 'reconnects', unit: 'per_step' },
} as const satisfies Record<string, { label: string; unit: 'ms' | 'ratio' | 'bytes' | 'percent' | 'per_step' }>;
export type AnomalySeriesId = keyof typeof ANOMALY_SERIES;
export const ANOMALY_SERIES_IDS = Object.keys(ANOMALY_SERIES) as AnomalySeriesId[];

export function bandSettings(cfg: AnomalyConfig, series: AnomalySeriesId): BandSettings {
  const own = cfg.series[series];
  return { k: cfg.k, absMargin: own.abs_margin, relMargin: own.rel_margin, minHistoryMs: cfg.min_history };
}

export function windowSettings(cfg: AnomalyConfig): AnomalyWindowSettings {
  return {
    triggerMs: cfg.trigger.window, triggerFraction: cfg.trigger.fraction, minAnomalous: cfg.trigger.min_anomalous,
    recoveryMs: cfg.recovery.window, recoveryFraction: cfg.recovery.fraction,
  };
}

/** A value in the series' unit: 412 ms, 3.5%, 120.0 MiB, 12.5% CPU, 4 per 5 min. */
export function formatSeriesValue(series: AnomalySeriesId, v: number): string {
  switch (ANOMALY_SERIES[series].unit) {
    case 'ms': return `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
    case 'ratio': return `${(v * 100).toFixed(1)}%`;
    case 'bytes': return formatBytes(v);
    case 'percent': return `${v.toFixed(1)}% CPU`;
    // Counts per 5-minute step (evaluate/learned-band.ts STEP_MS); a band's bound can be a fraction.
    case 'per_step': return `${Number.isInteger(v) ? v : v.toFixed(1)} per 5 min`;
  }
}

/** "learning, 40% of the history needed" or "expected 40–95 ms (robust)". */
export function describeBand(series: AnomalySeriesId, band: Band): string {
  if (band.mode === 'learning') return `learning, ${Math.floor(band.progress * 100)}% of the history needed`;
  // Every series is a latency, a ratio, a size, a CPU share or a count: a lower bound below zero means zero.
  const lower = formatSeriesValue(series, Math.max(0, band.lower));
  const upper = formatSeriesValue(series, band.upper);
  const unit = / ms$|% CPU$|%$| per 5 min$/.exec(upper)?.[0];
  const range = unit !== undefined && lower.endsWith(unit) ? `${lower.slice(0, -unit.length)}–${upper}` : `${lower}–${upper}`;
  return `expected ${range} (${band.mode})`;
}

export interface SeriesVerdict {
  /** The band at now, learnt from every point before it. */
  band: Band;
  /** The alert state after this judgement (`prev` when nothing could be judged). */
  state: AnomalyState;
  /** ok / the series' severity when firing / no_data while learning or with no recent point. */
  status: CheckStatus;
  summary: string;
  /** The newest point's value, when there is one. */
  value?: number;
}

/**
 * Judges the points of the last recovery (or trigger) window, each against the band learnt from the
 * points before it, and the alert state at `now` from them. Never fires while the series is learning.
 */
export function judgeSeries(series: AnomalySeriesId, points: readonly SeriesPoint[], now: number, prev: AnomalyState, cfg: AnomalyConfig): SeriesVerdict {
  const s = bandSettings(cfg, series);
  const w = windowSettings(cfg);
  const band = bandAt(points, now + 1, s); // the newest point included: points at `now` are history too
  const last = points.at(-1);
  const value = last === undefined ? {} : { value: last.v };
  if (band.mode === 'learning') return { band, state: prev, status: 'no_data', summary: `${ANOMALY_SERIES[series].label}: ${describeBand(series, band)}`, ...value };
  const judged = judgePoints(points, now - Math.max(w.triggerMs, w.recoveryMs), s);
  // The window that decides: the trigger window while it is fine, the recovery window while it fires.
  const windowMs = prev === 'firing' ? w.recoveryMs : w.triggerMs;
  const inWindow = judged.filter((p) => p.t > now - windowMs && p.t <= now && p.band.mode !== 'learning');
  if (inWindow.length === 0 || last === undefined) {
    return { band, state: prev, status: 'no_data', summary: `${ANOMALY_SERIES[series].label}: no point in the last ${formatDuration(windowMs)} to judge`, ...value };
  }
  const { state } = anomalyState(judged, now, prev, w);
  const newest = inWindow.at(-1)!;
  const outside = inWindow.filter((p) => p.anomalous).length;
  const summary = `${ANOMALY_SERIES[series].label} ${formatSeriesValue(series, newest.v)}, ${describeBand(series, newest.band)}; ${outside} of ${inWindow.length} points outside in the last ${formatDuration(windowMs)}`;
  return { band, state, status: state === 'firing' ? cfg.series[series].severity : 'ok', summary, value: newest.v };
}
