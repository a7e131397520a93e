/**
 * A generated history with known answers, for the learned band's evidence (issue M): `days` of a
 * health-latency-like series (ms) at `stepMs` with a daily sinusoid, lower weekends, Gaussian noise with rare
 * one-point blips (noise, not incidents), one level shift and 6–10 injected anomalies at labelled times (never
 * in the first 3 days), plus a separate RSS series with a slow leak that crosses 500 MB on day 17. The effects
 * are additive, as the band's model is. Deterministic: the same seed gives the same history.
 * Also the event-based scoring the bench and the scenario test share.
 */
import type { SeriesPoint } from '../../src/evaluate/learned-band.js';
import { mulberry32 } from '../../src/evaluate/stats.js';

export type AnomalyKind = 'spike' | 'dip' | 'variance' | 'level_shift';
export interface LabelledAnomaly { start: number; end: number; kind: AnomalyKind }
export interface SyntheticHistory {
  start: number;
  series: SeriesPoint[];
  /** In time order; the level shift's first 2 h are labelled `level_shift`. */
  anomalies: LabelledAnomaly[];
  levelShift: { at: number; delta: number };
  /** RSS in bytes at the same times; `crossesAt` is the first point above `threshold` (none when too short). */
  leak: { series: SeriesPoint[]; threshold: number; crossingDay: number; crossesAt?: number };
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC: days 5, 6, 12, 13, 19, 20 are the weekends. */
export const SYNTHETIC_START = Date.UTC(2026, 0, 5);

/** The shape, in ms: 40 on weekdays, 8 less at weekends, ± 12 over the day (highest at 14:00 UTC), noise sd 2. */
const LEVEL = 40;
const DAILY_AMPLITUDE = 12;
const WEEKEND_DROP = 8;
const NOISE_SD = 2;
const BLIP_RATE = 0.005;
const SHIFT = 15;
const LEAK = { from: 150e6, threshold: 500e6, crossingDay: 17, sawtooth: 6e6, noise: 2e6 };

/** Gaussian draws (Box–Muller) from a seeded uniform source. */
function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

interface Injected extends LabelledAnomaly { size: number }

/** 6–10 anomalies of 30–90 min (variance bursts 60–120 min), at least 8 h apart and from the shift, after day 3. */
function injectAnomalies(rand: () => number, start: number, days: number, shiftAt: number): Injected[] {
  const count = 6 + Math.floor(rand() * 5);
  const kinds: AnomalyKind[] = ['spike', 'spike', 'spike', 'dip', 'variance'];
  while (kinds.length < count) kinds.push((['spike', 'dip', 'variance'] as const)[Math.floor(rand() * 3)]!);
  const taken = [shiftAt];
  const out: Injected[] = [];
  for (const kind of kinds) {
    const minutes = kind === 'variance' ? 60 + rand() * 60 : 30 + rand() * 60;
    const length = Math.round(minutes / 5) * 5 * MIN;
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const at = start + 3 * DAY + 6 * HOUR + Math.floor((rand() * ((days - 3) * DAY - 12 * HOUR)) / (5 * MIN)) * 5 * MIN;
      if (at + length > start + days * DAY || taken.some((t) => Math.abs(t - at) < 8 * HOUR)) continue;
      taken.push(at);
      const size = kind === 'spike' ? 20 + rand() * 20 : kind === 'dip' ? 0.5 : 6;
      out.push({ start: at, end: at + length, kind, size });
      break;
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

export function syntheticHistory(opts: { days: number; stepMs: number; seed: number }): SyntheticHistory {
  const { days, stepMs, seed } = opts;
  const start = SYNTHETIC_START;
  const rand = mulberry32(seed);
  const gauss = gaussian(rand);
  // The shift lands between day 8 and day 11, on the hour.
  const shiftAt = start + (8 + Math.floor(rand() * 3)) * DAY + (9 + Math.floor(rand() * 8)) * HOUR;
  const injected = injectAnomalies(rand, start, days, shiftAt);
  const series: SeriesPoint[] = [];
  const rss: SeriesPoint[] = [];
  const leakPerMs = (LEAK.threshold - LEAK.from) / ((LEAK.crossingDay + 0.5) * DAY);
  for (let t = start; t < start + days * DAY; t += stepMs) {
    const hour = ((t - start) % DAY) / HOUR;
    const weekend = Math.floor((t - start) / DAY) % 7 >= 5;
    let expected = LEVEL + DAILY_AMPLITUDE * Math.sin((2 * Math.PI * (hour - 8)) / 24) - (weekend ? WEEKEND_DROP : 0) + (t >= shiftAt ? SHIFT : 0);
    let noise = NOISE_SD * gauss();
    if (rand() < BLIP_RATE) noise += expected * (0.6 + rand());
    const a = injected.find((x) => t >= x.start && t < x.end);
    if (a?.kind === 'spike') expected += a.size;
    else if (a?.kind === 'dip') expected *= a.size;
    else if (a?.kind === 'variance') noise *= a.size;
    series.push({ t, v: Math.max(0.1, expected + noise) });
    // RSS: linear growth, a GC sawtooth every 6 h, a little noise.
    const sawtooth = LEAK.sawtooth * (((t - start) % (6 * HOUR)) / (6 * HOUR) - 0.5);
    rss.push({ t, v: LEAK.from + leakPerMs * (t - start) + sawtooth + LEAK.noise * gauss() });
  }
  const anomalies: LabelledAnomaly[] = [
    ...injected.map(({ start: s, end, kind }) => ({ start: s, end, kind })),
    { start: shiftAt, end: shiftAt + 2 * HOUR, kind: 'level_shift' as const },
  ].sort((a, b) => a.start - b.start);
  const crossesAt = rss.find((p) => p.v > LEAK.threshold)?.t;
  return {
    start, series, anomalies, levelShift: { at: shiftAt, delta: SHIFT },
    leak: { series: rss, threshold: LEAK.threshold, crossingDay: LEAK.crossingDay, ...(crossesAt !== undefined ? { crossesAt } : {}) },
  };
}

export interface Episode { start: number; end?: number }
export interface Score {
  episodes: number;
  truePositives: number;
  falsePositives: number;
  hits: number;
  labelled: number;
  precision: number;
  recall: number;
  f1: number;
  /** Per anomaly hit: first overlapping episode's start − the anomaly's start (ms). */
  detectDelaysMs: number[];
}

/** The tolerance around a labelled window within which an alert episode counts as finding it. */
export const MATCH_TOLERANCE_MS = 30 * MIN;

/**
 * Event-based scoring: an alert episode overlapping a labelled window (± 30 min) is a true positive, one
 * overlapping none a false positive; recall = labelled anomalies hit / all labelled. An open episode ends at `end`.
 */
export function scoreEpisodes(episodes: readonly Episode[], anomalies: readonly LabelledAnomaly[], end: number): Score {
  const overlaps = (e: Episode, a: LabelledAnomaly) => e.start <= a.end + MATCH_TOLERANCE_MS && (e.end ?? end) >= a.start - MATCH_TOLERANCE_MS;
  const truePositives = episodes.filter((e) => anomalies.some((a) => overlaps(e, a))).length;
  const detectDelaysMs: number[] = [];
  let hits = 0;
  for (const a of anomalies) {
    const first = episodes.find((e) => overlaps(e, a));
    if (!first) continue;
    hits++;
    detectDelaysMs.push(first.start - a.start);
  }
  const precision = episodes.length ? truePositives / episodes.length : 0;
  const recall = anomalies.length ? hits / anomalies.length : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { episodes: episodes.length, truePositives, falsePositives: episodes.length - truePositives, hits, labelled: anomalies.length, precision, recall, f1, detectDelaysMs };
}

/** Runs of consecutive flagged points as episodes (how a per-sample check's alerts group). */
export function flagEpisodes(points: readonly SeriesPoint[], flagged: (i: number) => boolean): Episode[] {
  const out: Episode[] = [];
  let open: Episode | undefined;
  for (let i = 0; i < points.length; i++) {
    if (flagged(i)) {
      if (!open) out.push((open = { start: points[i]!.t }));
    } else if (open) {
      open.end = points[i]!.t;
      open = undefined;
    }
  }
  return out;
}
