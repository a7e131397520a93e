/**
 * Alerting on the fraction of anomalous points (issue M): an `anomaly.<series>` alert fires when at least
 * `triggerFraction` of the judged points in the trigger window (and at least `minAnomalous` of them, never
 * fewer than 2) lie outside the band, and resolves only when the recovery window's fraction has fallen to
 * `recoveryFraction`. One odd point never fires; points judged while the band was still learning do not count.
 * Pure: `now` is an argument.
 */
import type { JudgedPoint } from './learned-band.js';

export interface AnomalyWindowSettings { triggerMs: number; triggerFraction: number; minAnomalous: number; recoveryMs: number; recoveryFraction: number }
export type AnomalyState = 'ok' | 'firing';

/** However it is configured, one anomalous point is never an alert. */
const LEAST_ANOMALOUS = 2;

/** First index whose time is > t. */
function upperBound(judged: readonly JudgedPoint[], t: number): number {
  let lo = 0;
  let hi = judged.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (judged[mid]!.t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Judged (not learning) and anomalous points with a time in (now − span, now]. */
function countWindow(judged: readonly JudgedPoint[], now: number, span: number): { anomalous: number; points: number } {
  let anomalous = 0;
  let points = 0;
  for (let i = upperBound(judged, now - span), end = upperBound(judged, now); i < end; i++) {
    const p = judged[i]!;
    if (p.band.mode === 'learning') continue;
    points++;
    if (p.anomalous) anomalous++;
  }
  return { anomalous, points };
}

/** The alert's state at now from the judged points (pure; prev = the state before). */
export function anomalyState(judged: readonly JudgedPoint[], now: number, prev: AnomalyState, s: AnomalyWindowSettings): { state: AnomalyState; fraction: number; anomalous: number; points: number } {
  const firing = prev === 'firing';
  const { anomalous, points } = countWindow(judged, now, firing ? s.recoveryMs : s.triggerMs);
  const fraction = points ? anomalous / points : 0;
  // No judged point in the window: nothing to decide on, the state stays as it was.
  if (points === 0) return { state: prev, fraction, anomalous, points };
  const state: AnomalyState = firing
    ? fraction <= s.recoveryFraction ? 'ok' : 'firing'
    : fraction >= s.triggerFraction && anomalous >= Math.max(LEAST_ANOMALOUS, s.minAnomalous) ? 'firing' : 'ok';
  return { state, fraction, anomalous, points };
}

/** Alert episodes over a whole judged history (for the bench and tests): replays anomalyState point by point. */
export function anomalyEpisodes(judged: readonly JudgedPoint[], s: AnomalyWindowSettings): { start: number; end?: number }[] {
  const episodes: { start: number; end?: number }[] = [];
  let state: AnomalyState = 'ok';
  for (const p of judged) {
    const next: AnomalyState = anomalyState(judged, p.t, state, s).state;
    if (next === 'firing' && state === 'ok') episodes.push({ start: p.t });
    else if (next === 'ok' && state === 'firing') episodes[episodes.length - 1]!.end = p.t;
    state = next;
  }
  return episodes;
}
