/**
 * A learned band per series (issue M): what a value is expected to be at a time of day and week, from the
 * series' own history, and how far from it is still normal. The mode follows the history span H (first point
 * to the time judged): `learning` below `minHistoryMs` (1 day: no judgement at all), `robust` below 3 days
 * (the last 24 h's median ± MAD), `daily` from 3 days (3 × the daily season: the same time of day on the
 * previous days, plus a level that follows the last 6 h) and `weekly` from 14 days (each weekday seen twice:
 * plus a weekday offset). Everything is a median or a MAD, so the anomalies in the history do not widen the
 * band; a minimum margin keeps a flat series (MAD 0) from alarming on noise.
 * Pure: the time judged is an argument, no clock is read.
 */

import { medianInPlace, SortedWindow } from './sorted-window.js';

export interface SeriesPoint { t: number; v: number }
export interface BandSettings { k: number; absMargin: number; relMargin: number; minHistoryMs: number }
export type BandMode = 'learning' | 'robust' | 'daily' | 'weekly';
export type Band =
  | { mode: 'learning'; progress: number }
  | { mode: 'robust' | 'daily' | 'weekly'; expected: number; lower: number; upper: number; sigma: number };
export interface JudgedPoint { t: number; v: number; band: Band; anomalous: boolean }

/** The series' step: the caller buckets the store's 1-minute rollups into 5-minute medians. */
export const STEP_MS = 5 * 60_000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAILY_FROM = 3 * DAY;
const WEEKLY_FROM = 14 * DAY;
/** Previous days (at most) whose same time of day makes the seasonal value; weeks for the weekday offset. */
const SEASON_DAYS = 7;
const SEASON_WEEKS = 3;
const SEASON_HALF_WIDTH = 15 * 60_000;
/** The level window: a shift lasting longer than half of it (~3 h) becomes the new level. */
const LEVEL_WINDOW = 6 * HOUR;
const SIGMA_WINDOW = DAY;
const MAD_TO_SIGMA = 1.4826;
/** A day's median residual needs this much of the day seen, else a partial day's time of day would bias it. */
const DAY_COVERAGE = 12 * HOUR;
/** Fewer residuals than this (an hour at the step) and the seasonal band falls back to the robust one. */
const MIN_RESIDUALS = 12;

/** The lowerBound cursors: one per kind of time asked about, one per previous day of the season. */
const enum Cursor { Now, DayStart, LevelStart, LevelEnd, SeasonDay }

/**
 * One series, indexed by time, with every per-point quantity memoised: the seasonal value, the expectation and
 * the residual of a point depend only on the points before it, so judging each point of a 21-day history
 * computes each of them once; the medians over the last 6 h and 24 h are windows kept sorted as they slide.
 * The variant `w` says whether the weekday offset is part of the expectation.
 */
class SeriesModel {
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private readonly seasonal: Float64Array;
  private seasonalBuffer = new Float64Array(64);
  private readonly dayResiduals = new Map<number, number>();
  private readonly dayOffsets = new Map<number, number>();
  /** L + S (+ W) at each point's own time, without and with the weekday offset; +Infinity = not yet computed. */
  private readonly expected: [Float64Array, Float64Array];
  private readonly values: SortedWindow;
  private readonly deseasoned: [SortedWindow, SortedWindow];
  private readonly residuals: [SortedWindow, SortedWindow];
  private readonly cursors = new Int32Array(Cursor.SeasonDay + SEASON_DAYS);

  constructor(points: readonly SeriesPoint[]) {
    const n = points.length;
    this.ts = Float64Array.from(points, (p) => p.t);
    this.vs = Float64Array.from(points, (p) => p.v);
    this.seasonal = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.expected = [new Float64Array(n).fill(Number.POSITIVE_INFINITY), new Float64Array(n).fill(Number.POSITIVE_INFINITY)];
    this.values = new SortedWindow(n, (j) => this.vs[j]!);
    const deseasoned = (w: 0 | 1) => (j: number) => this.vs[j]! - this.seasonalOf(j) - (w ? this.weekdayOffset(this.ts[j]!) : 0);
    this.deseasoned = [new SortedWindow(n, deseasoned(0)), new SortedWindow(n, deseasoned(1))];
    this.residuals = [new SortedWindow(n, (j) => this.vs[j]! - this.expectedOf(j, 0)), new SortedWindow(n, (j) => this.vs[j]! - this.expectedOf(j, 1))];
  }

  /** First index whose time is >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * lowerBound(t) through a cursor `slot` that remembers its last answer: the times asked of one slot mostly
   * move forward a step at a time, so a short scan from there usually finds it without a binary search.
   */
  private near(slot: Cursor, t: number): number {
    const hint = this.cursors[slot]!;
    let found = -1;
    if (hint <= this.ts.length && (hint === 0 || this.ts[hint - 1]! < t)) {
      for (let j = hint, last = Math.min(this.ts.length, hint + 8); j <= last; j++) {
        if (j === this.ts.length || this.ts[j]! >= t) {
          found = j;
          break;
        }
      }
    }
    if (found < 0) found = this.lowerBound(t);
    this.cursors[slot] = found;
    return found;
  }

  /** S(t): the median of the same time of day (± 15 min) on up to 7 previous days; NaN when none was seen. */
  private seasonalAt(t: number): number {
    const days = Math.min(SEASON_DAYS, Math.floor((t - this.ts[0]!) / DAY));
    let n = 0;
    for (let d = 1; d <= days; d++) {
      const centre = t - d * DAY;
      for (let j = this.near(Cursor.SeasonDay + d - 1, centre - SEASON_HALF_WIDTH); j < this.ts.length && this.ts[j]! <= centre + SEASON_HALF_WIDTH; j++) {
        if (n === this.seasonalBuffer.length) {
          const bigger = new Float64Array(n * 2);
          bigger.set(this.seasonalBuffer);
          this.seasonalBuffer = bigger;
        }
        this.seasonalBuffer[n++] = this.vs[j]!;
      }
    }
    return medianInPlace(this.seasonalBuffer, n);
  }

  private seasonalOf(i: number): number {
    if (this.seasonal[i] === Number.POSITIVE_INFINITY) this.seasonal[i] = this.seasonalAt(this.ts[i]!);
    return this.seasonal[i]!;
  }

  /** A whole UTC day's median of (x − S); NaN when the day was not seen for 12 h or has no seasonal value. */
  private dayResidual(day: number): number {
    const known = this.dayResiduals.get(day);
    if (known !== undefined) return known;
    const lo = this.lowerBound(day * DAY);
    const hi = this.lowerBound((day + 1) * DAY);
    const xs = new Float64Array(hi - lo);
    let n = 0;
    if (hi > lo && this.ts[hi - 1]! - this.ts[lo]! >= DAY_COVERAGE) {
      for (let j = lo; j < hi; j++) {
        const s = this.seasonalOf(j);
        if (!Number.isNaN(s)) xs[n++] = this.vs[j]! - s;
      }
    }
    const r = medianInPlace(xs, n);
    this.dayResiduals.set(day, r);
    return r;
  }

  /** W: the median over up to 3 previous same weekdays of that day's median residual; 0 before any. */
  private weekdayOffset(t: number): number {
    const day = Math.floor(t / DAY);
    const known = this.dayOffsets.get(day);
    if (known !== undefined) return known;
    const xs = new Float64Array(SEASON_WEEKS);
    let n = 0;
    for (let w = 1; w <= SEASON_WEEKS; w++) {
      const r = this.dayResidual(day - 7 * w);
      if (!Number.isNaN(r)) xs[n++] = r;
    }
    const offset = n ? medianInPlace(xs, n) : 0;
    this.dayOffsets.set(day, offset);
    return offset;
  }

  /** L(t): the median of (x − S − W) over the last 6 h (over the last day when the 6 h hold too few). */
  private levelAt(t: number, w: 0 | 1): number {
    const end = this.near(Cursor.LevelEnd, t);
    const recent = this.deseasoned[w].cover(this.near(Cursor.LevelStart, t - LEVEL_WINDOW), end);
    if (recent.count >= 3) return recent.median();
    const day = new SortedWindow(end, (j) => this.vs[j]! - this.seasonalOf(j) - (w ? this.weekdayOffset(this.ts[j]!) : 0));
    return day.cover(this.lowerBound(t - DAY), end).count >= 3 ? day.median() : 0;
  }

  /** L + S (+ W) at t given S(t); NaN when the time of day was never seen. */
  private seasonalExpectedAt(t: number, s: number, w: 0 | 1): number {
    return Number.isNaN(s) ? NaN : this.levelAt(t, w) + s + (w ? this.weekdayOffset(t) : 0);
  }

  private expectedOf(i: number, w: 0 | 1): number {
    const memo = this.expected[w];
    if (memo[i] === Number.POSITIVE_INFINITY) memo[i] = this.seasonalExpectedAt(this.ts[i]!, this.seasonalOf(i), w);
    return memo[i]!;
  }

  /** The seasonal expectation at t, from the memo when t is a point's own time (the same points are before it). */
  private seasonalExpected(t: number, w: 0 | 1): number {
    const i = this.lowerBound(t);
    if (i < this.ts.length && this.ts[i] === t) return this.expectedOf(i, w);
    return this.seasonalExpectedAt(t, this.seasonalAt(t), w);
  }

  /** 1.4826 × MAD of the residuals over the last 24 h, and how many there were. */
  private seasonalSigma(t: number, w: 0 | 1): { sigma: number; n: number } {
    const r = this.residuals[w].cover(this.near(Cursor.DayStart, t - SIGMA_WINDOW), this.near(Cursor.Now, t));
    return { sigma: MAD_TO_SIGMA * r.mad(r.median()), n: r.count };
  }

  /** The robust band's centre and sigma: median and 1.4826 × MAD of the last 24 h of points. */
  private robust(t: number): { expected: number; sigma: number } {
    const v = this.values.cover(this.near(Cursor.DayStart, t - SIGMA_WINDOW), this.near(Cursor.Now, t));
    const median = v.median();
    return { expected: median, sigma: MAD_TO_SIGMA * v.mad(median) };
  }

  /** The band at t from the points strictly before t. */
  bandAt(t: number, s: BandSettings): Band {
    const before = this.lowerBound(t);
    const span = before ? t - this.ts[0]! : 0;
    if (before === 0 || span < s.minHistoryMs) return { mode: 'learning', progress: s.minHistoryMs > 0 ? Math.min(1, span / s.minHistoryMs) : 1 };
    let mode: 'robust' | 'daily' | 'weekly' = span >= WEEKLY_FROM ? 'weekly' : span >= DAILY_FROM ? 'daily' : 'robust';
    let centre: { expected: number; sigma: number } | undefined;
    if (mode !== 'robust') {
      const w = mode === 'weekly' ? 1 : 0;
      // Sigma first: its residuals walk the level window forward from a day ago up to t.
      const spread = this.seasonalSigma(t, w);
      const expected = this.seasonalExpected(t, w);
      // A gap at this time of day on every previous day, or too few recent residuals: judge non-seasonally.
      if (!Number.isNaN(expected) && spread.n >= MIN_RESIDUALS) centre = { expected, sigma: spread.sigma };
      else mode = 'robust';
    }
    centre ??= this.robust(t);
    const half = Math.max(s.k * centre.sigma, s.absMargin, s.relMargin * Math.abs(centre.expected));
    return { mode, expected: centre.expected, lower: centre.expected - half, upper: centre.expected + half, sigma: centre.sigma };
  }
}

/** The finite points in time order (a copy only when some are not): a NaN would poison every median after it. */
function inOrder(points: readonly SeriesPoint[]): readonly SeriesPoint[] {
  const finite = points.every((p) => Number.isFinite(p.v) && Number.isFinite(p.t)) ? points : points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t));
  for (let i = 1; i < finite.length; i++) if (finite[i]!.t < finite[i - 1]!.t) return [...finite].sort((a, b) => a.t - b.t);
  return finite;
}

/** The band at time t from the points strictly before t. */
export function bandAt(history: readonly SeriesPoint[], t: number, s: BandSettings): Band {
  return new SeriesModel(inOrder(history).filter((p) => p.t < t)).bandAt(t, s);
}

/** Whether v lies outside the band (never while learning). */
export function outsideBand(band: Band, v: number): boolean {
  return band.mode !== 'learning' && (v < band.lower || v > band.upper);
}

/** Every point with t >= from judged against the band learnt from the points before it. */
export function judgePoints(history: readonly SeriesPoint[], from: number, s: BandSettings): JudgedPoint[] {
  const points = inOrder(history);
  const model = new SeriesModel(points);
  const out: JudgedPoint[] = [];
  for (let i = model.lowerBound(from); i < points.length; i++) {
    const { t, v } = points[i]!;
    const band = model.bandAt(t, s);
    out.push({ t, v, band, anomalous: outsideBand(band, v) });
  }
  return out;
}

/** Bucket raw (t, v) samples into STEP-wide medians, each at its bucket's start; non-finite values are dropped. */
export function bucketPoints(samples: readonly SeriesPoint[], stepMs: number = STEP_MS): SeriesPoint[] {
  const buckets = new Map<number, number[]>();
  for (const { t, v } of samples) {
    if (!Number.isFinite(v) || !Number.isFinite(t)) continue;
    const start = Math.floor(t / stepMs) * stepMs;
    const b = buckets.get(start);
    if (b) b.push(v);
    else buckets.set(start, [v]);
  }
  return [...buckets].sort((a, b) => a[0] - b[0]).map(([t, vs]) => ({ t, v: medianInPlace(Float64Array.from(vs), vs.length) }));
}
