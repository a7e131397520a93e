/**
 * The three detectors the learned band is compared with on the generated history (issue M evidence), each
 * turning a series into alert episodes: the learned band with fraction alerting; today's outlier check
 * (`robustZ` of `anomalies`: the latest sample against the last hour's, flagged above `outlier_sigmas`, an
 * alert while it flags); and a fixed threshold (the 99th percentile of the first 3 days).
 */
import { anomalyEpisodes, type AnomalyWindowSettings } from '../../src/evaluate/anomaly-alert.js';
import { robustZ } from '../../src/evaluate/anomalies.js';
import { judgePoints, type BandSettings, type SeriesPoint } from '../../src/evaluate/learned-band.js';
import { quantile } from '../../src/evaluate/stats.js';
import { flagEpisodes, type Episode } from './synthetic-history.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** The spec's defaults for a latency series. */
export const LATENCY_BAND: BandSettings = { k: 3, absMargin: 5, relMargin: 0.1, minHistoryMs: DAY };
export const DEFAULT_WINDOWS: AnomalyWindowSettings = { triggerMs: 30 * MIN, triggerFraction: 0.5, minAnomalous: 3, recoveryMs: 60 * MIN, recoveryFraction: 0.1 };

export function learnedBandEpisodes(series: readonly SeriesPoint[], band = LATENCY_BAND, windows = DEFAULT_WINDOWS): Episode[] {
  return anomalyEpisodes(judgePoints(series, series[0]?.t ?? 0, band), windows);
}

/**
 * Today's check as `anomalies` runs it: robustZ over the last hour of samples and the current one (the
 * history's hour of latencies then the window's), flagged when |z| exceeds `sigmas` (config default 5).
 */
export function robustZEpisodes(series: readonly SeriesPoint[], sigmas = 5, windowMs = 60 * MIN): Episode[] {
  let lo = 0;
  return flagEpisodes(series, (i) => {
    const t = series[i]!.t;
    while (series[lo]!.t <= t - windowMs) lo++;
    const z = robustZ(series.slice(lo, i + 1).map((p) => p.v));
    return z !== undefined && Math.abs(z.z) > sigmas;
  });
}

/** Above a fixed threshold: by default the 99th percentile of the first 3 days. */
export function fixedThresholdEpisodes(series: readonly SeriesPoint[], threshold?: number): Episode[] {
  const start = series[0]?.t ?? 0;
  const limit = threshold ?? quantile(series.filter((p) => p.t < start + 3 * DAY).map((p) => p.v), 0.99);
  return flagEpisodes(series, (i) => series[i]!.v > limit);
}
