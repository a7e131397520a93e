/**
 * Capacity prediction: when a growing resource (hub RSS, disk, call volume) reaches its threshold. An
 * ordinary least-squares line through the window's points, and the 95 % prediction interval of a future
 * observation around it (Student's t on n − 2 degrees of freedom): the fitted line crosses the threshold
 * in `days`; the upper prediction bound crosses first (`earliestDays`), the lower bound last
 * (`latestDays`, absent when that is beyond the horizon). Noiseless points shrink the interval to the
 * point. A slope within its own confidence interval of 0 is "not growing". Pure: points, threshold, now and
 * settings in, a prediction out.
 */
import type { SeriesPoint } from './learned-band.js';
import { studentTQuantile } from './student-t.js';

export type { SeriesPoint };

export interface CapacityPrediction {
  resource: string;
  /** The fitted line's slope, units per day (0 when there was too little history to fit one). */
  slopePerDay: number;
  threshold: number;
  /** Days from now until the fitted line reaches the threshold (0 when already over). */
  days?: number;
  /** Days until the upper prediction bound reaches it: the earliest it is plausible. */
  earliestDays?: number;
  /** Days until the lower prediction bound reaches it: the latest; absent when not within the horizon. */
  latestDays?: number;
  reason?: 'too_little_history' | 'not_growing' | 'already_over';
}

export interface CapacityOptions {
  windowMs: number;
  horizonMs: number;
  /** The window's points must span at least this (first to last) before anything is predicted. */
  minHistoryMs: number;
  /** Of the prediction interval, two-sided; default 0.95. */
  confidence?: number;
  /** What the prediction is of (rss, disk, call_volume), copied into it; default ''. */
  resource?: string;
}

const DAY_MS = 86_400_000;

/** An OLS fit in days relative to now: y = intercept + slope·x, with what the prediction interval needs. */
interface Fit { n: number; intercept: number; slope: number; meanX: number; sxx: number; residualSd: number }

function fitLine(points: readonly SeriesPoint[], now: number): Fit | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const xs = points.map((p) => (p.t - now) / DAY_MS);
  const meanX = xs.reduce((s, x) => s + x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  points.forEach((p, i) => {
    sxx += (xs[i]! - meanX) ** 2;
    sxy += (xs[i]! - meanX) * (p.v - meanY);
  });
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  points.forEach((p, i) => { sse += (p.v - intercept - slope * xs[i]!) ** 2; });
  return { n, intercept, slope, meanX, sxx, residualSd: Math.sqrt(sse / (n - 2)) };
}

/**
 * The x ≥ from where `intercept + slope·x ± c·se(x)` equals `threshold`, se(x)² = 1 + 1/n + (x − x̄)²/Sxx
 * in units of the residual sd: the roots of (T − a − b·x)² = c²·s²·(1 + 1/n + (x − x̄)²/Sxx). Returns the
 * smallest root in [from, to] (to = Infinity for none), or undefined.
 */
function boundCrossing(f: Fit, threshold: number, c: number, from: number, to: number): number | undefined {
  const k = (c * f.residualSd) ** 2;
  const d = threshold - f.intercept;
  const A = f.slope ** 2 - k / f.sxx;
  const B = -2 * f.slope * d + (2 * k * f.meanX) / f.sxx;
  const C = d ** 2 - k * (1 + 1 / f.n + f.meanX ** 2 / f.sxx);
  let roots: number[];
  if (Math.abs(A) < 1e-12 * f.slope ** 2) roots = B === 0 ? [] : [-C / B];
  else {
    const disc = B * B - 4 * A * C;
    // A noiseless line gives a double root: a rounding-negative discriminant is that root, not none.
    const sq = disc < 0 ? (disc > -1e-9 * B * B ? 0 : NaN) : Math.sqrt(disc);
    roots = Number.isNaN(sq) ? [] : [(-B - sq) / (2 * A), (-B + sq) / (2 * A)];
  }
  const eps = 1e-9 * Math.max(1, Math.abs(to === Infinity ? from : to));
  return roots.filter((r) => r >= from - eps && r <= to + eps).sort((a, b) => a - b)[0];
}

/** When `points` (the resource's series) reach `threshold`, seen at `now`. */
export function predictCapacity(points: readonly SeriesPoint[], threshold: number, now: number, opts: CapacityOptions): CapacityPrediction {
  const inWindow = points.filter((p) => p.t <= now && p.t >= now - opts.windowMs && Number.isFinite(p.v)).slice().sort((a, b) => a.t - b.t);
  const base = { resource: opts.resource ?? '', threshold };
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  // The points' own span: a day of points a week ago is a day of history, not a week.
  const fit = first && last && last.t - first.t >= opts.minHistoryMs ? fitLine(inWindow, now) : undefined;
  if (!fit || !last) return { ...base, slopePerDay: 0, reason: 'too_little_history' };
  if (fit.intercept >= threshold || last.v >= threshold) return { ...base, slopePerDay: fit.slope, days: 0, earliestDays: 0, latestDays: 0, reason: 'already_over' };
  const c = studentTQuantile(1 - (1 - (opts.confidence ?? 0.95)) / 2, fit.n - 2);
  // Not growing: a slope that is not positive beyond its own confidence interval (a flat, noisy series
  // fits a small slope of either sign; its lower bound would never reach anything).
  if (!(fit.slope > 0) || fit.slope <= (c * fit.residualSd) / Math.sqrt(fit.sxx)) return { ...base, slopePerDay: fit.slope, reason: 'not_growing' };
  const days = (threshold - fit.intercept) / fit.slope;
  const upperAtNow = fit.intercept + c * fit.residualSd * Math.sqrt(1 + 1 / fit.n + fit.meanX ** 2 / fit.sxx);
  // The upper bound is convex and below the threshold at 0, the line reaches it at `days`: one crossing between.
  const earliest = upperAtNow >= threshold ? 0 : boundCrossing(fit, threshold, c, 0, days) ?? days;
  // The lower bound is concave and, the slope being significant, rises without end: it crosses after `days`.
  const latest = boundCrossing(fit, threshold, c, days, Infinity);
  const horizonDays = opts.horizonMs / DAY_MS;
  return { ...base, slopePerDay: fit.slope, days, earliestDays: earliest, ...(latest !== undefined && latest <= horizonDays ? { latestDays: latest } : {}) };
}
