// PLACEHOLDER until branch m-band merges: replaced wholesale
/**
 * Fraction-anomalous alerting (placeholder): fires when the trigger window holds at least the trigger
 * fraction of anomalous points and at least minAnomalous of them; resolves when the recovery window holds
 * at most the recovery fraction. Points while learning are not counted. Pure.
 */
import type { JudgedPoint } from './learned-band.js';

export interface AnomalyWindowSettings { triggerMs: number; triggerFraction: number; minAnomalous: number; recoveryMs: number; recoveryFraction: number }
export type AnomalyState = 'ok' | 'firing';

function windowOf(judged: readonly JudgedPoint[], now: number, ms: number): { anomalous: number; points: number; fraction: number } {
  const inside = judged.filter((p) => p.t > now - ms && p.t <= now && p.band.mode !== 'learning');
  const anomalous = inside.filter((p) => p.anomalous).length;
  return { anomalous, points: inside.length, fraction: inside.length === 0 ? 0 : anomalous / inside.length };
}

/** The alert's state at now from the judged points (pure; prev = the state before). */
export function anomalyState(judged: readonly JudgedPoint[], now: number, prev: AnomalyState, s: AnomalyWindowSettings): { state: AnomalyState; fraction: number; anomalous: number; points: number } {
  if (prev === 'ok') {
    const w = windowOf(judged, now, s.triggerMs);
    const fires = w.points > 0 && w.fraction >= s.triggerFraction && w.anomalous >= s.minAnomalous;
    return { state: fires ? 'firing' : 'ok', ...w };
  }
  const w = windowOf(judged, now, s.recoveryMs);
  return { state: w.points > 0 && w.fraction <= s.recoveryFraction ? 'ok' : 'firing', ...w };
}

/** Alert episodes over a whole judged history (for the bench and tests): replays anomalyState point by point. */
export function anomalyEpisodes(judged: readonly JudgedPoint[], s: AnomalyWindowSettings): { start: number; end?: number }[] {
  const out: { start: number; end?: number }[] = [];
  let state: AnomalyState = 'ok';
  for (const p of judged) {
    const next: AnomalyState = anomalyState(judged, p.t, state, s).state;
    if (next === 'firing' && state === 'ok') out.push({ start: p.t });
    if (next === 'ok' && state === 'firing') out.at(-1)!.end = p.t;
    state = next;
  }
  return out;
}
