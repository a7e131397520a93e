import { describe, expect, test } from 'vitest';
import { bandAt, bucketPoints, judgePoints, STEP_MS, type Band, type BandSettings, type SeriesPoint } from './learned-band.js';
import { mulberry32 } from './stats.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC: day 5 of a series starting here is a Saturday. */
const T0 = Date.UTC(2026, 0, 5);
const SETTINGS: BandSettings = { k: 3, absMargin: 5, relMargin: 0.1, minHistoryMs: DAY };

/** `days` of 5-minute points from T0 of `shape(t)` times (1 + Gaussian noise of `noise`), seeded. */
function series(days: number, shape: (t: number) => number, noise = 0.03, seed = 7): SeriesPoint[] {
  const rand = mulberry32(seed);
  const out: SeriesPoint[] = [];
  for (let t = T0; t < T0 + days * DAY; t += STEP_MS) {
    const gauss = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    out.push({ t, v: shape(t) * (1 + noise * gauss) });
  }
  return out;
}
const hourOfDay = (t: number) => ((t - T0) % DAY) / HOUR;
/** 100 ± 40 over the day, highest at 14:00. */
const sinusoid = (t: number) => 100 + 40 * Math.sin((2 * Math.PI * (hourOfDay(t) - 8)) / 24);
const between = (pts: SeriesPoint[], from: number, to: number) => pts.filter((p) => p.t >= from && p.t < to);
const anomalousShare = (history: SeriesPoint[], from: number, to: number, s = SETTINGS) => {
  const judged = judgePoints(history, from, s).filter((p) => p.t < to);
  return judged.filter((p) => p.anomalous).length / judged.length;
};
const width = (b: Band) => (b.mode === 'learning' ? NaN : b.upper - b.lower);

describe('the mode follows how much history there is', () => {
  const history = series(15, () => 100);
  test.each([
    ['learning below 1 day', DAY - STEP_MS, 'learning'],
    ['robust from 1 day', DAY, 'robust'],
    ['robust just below 3 days', 3 * DAY - STEP_MS, 'robust'],
    ['daily from 3 days (3 × the daily season)', 3 * DAY, 'daily'],
    ['daily just below 14 days', 14 * DAY - STEP_MS, 'daily'],
    ['weekly from 14 days (each weekday seen twice)', 14 * DAY, 'weekly'],
  ])('%s', (_what, after, mode) => {
    expect(bandAt(history, T0 + after, SETTINGS).mode).toBe(mode);
  });

  test('learning says how much of the needed history it has, and judges nothing', () => {
    const sixHours = series(0.25, () => 100);
    expect(bandAt(sixHours, T0 + 6 * HOUR, SETTINGS)).toEqual({ mode: 'learning', progress: 0.25 });
    expect(bandAt([], T0, SETTINGS)).toEqual({ mode: 'learning', progress: 0 });
    const wild = sixHours.map((p, i) => ({ t: p.t, v: i % 2 ? 1e6 : 0 }));
    expect(judgePoints(wild, T0, SETTINGS).some((p) => p.anomalous)).toBe(false);
  });

  test('points out of order are ordered, and a missing value (NaN) is left out rather than poisoning the medians', () => {
    const history = series(4, sinusoid);
    const t = T0 + 3.5 * DAY;
    const holed = [...history].reverse().map((p, i) => (i % 50 ? p : { t: p.t, v: Number.NaN }));
    const band = bandAt(holed, t, SETTINGS);
    expect(band.mode).toBe('daily');
    if (band.mode === 'learning') throw new Error('judged');
    expect(Number.isFinite(band.expected) && Number.isFinite(band.sigma)).toBe(true);
    expect(Math.abs(band.expected - sinusoid(t))).toBeLessThan(5);
    expect(judgePoints(holed, T0 + 3 * DAY, SETTINGS).every((p) => Number.isFinite(p.v))).toBe(true);
  });

  test('the band at t learns only from the points before t', () => {
    const history = series(2, () => 100);
    const t = T0 + 1.5 * DAY;
    const withFuture = [...history, { t, v: 1e9 }, { t: t + STEP_MS, v: 1e9 }];
    expect(bandAt(withFuture, t, SETTINGS)).toEqual(bandAt(history.filter((p) => p.t < t), t, SETTINGS));
  });
});

describe('the minimum margin', () => {
  test('a flat series does not alarm on noise: MAD 0 leaves the margin, not a zero-width band', () => {
    // 10 ms, every tenth point 0.4 ms off: the MAD is 0, so k × sigma alone would flag every jitter.
    const flat = series(2, () => 10, 0).map((p, i) => ({ t: p.t, v: i % 10 ? 10 : 10.4 }));
    const band = bandAt(flat, T0 + 2 * DAY, SETTINGS);
    expect(band).toMatchObject({ mode: 'robust', expected: 10, sigma: 0, lower: 5, upper: 15 });
    expect(judgePoints(flat, T0 + DAY, SETTINGS).filter((p) => p.anomalous)).toEqual([]);
    const noMargin = { ...SETTINGS, absMargin: 0, relMargin: 0 };
    expect(judgePoints(flat, T0 + DAY, noMargin).filter((p) => p.anomalous).length).toBeGreaterThan(20);
  });

  test('the relative margin scales with the expected value', () => {
    const flat = series(2, () => 1_000, 0);
    expect(bandAt(flat, T0 + 2 * DAY, SETTINGS)).toMatchObject({ lower: 900, upper: 1_100 });
  });
});

describe('robust to the anomalies in its own history', () => {
  const spike = (from: number, hours: number) => (p: SeriesPoint) => (p.t >= from && p.t < from + hours * HOUR ? { t: p.t, v: p.v * 5 } : p);

  test('a 90-minute spike in the last day does not widen the robust band', () => {
    const clean = series(2, () => 100);
    const spiked = clean.map(spike(T0 + 1.5 * DAY, 1.5));
    const t = T0 + 1.9 * DAY;
    const [a, b] = [bandAt(clean, t, SETTINGS), bandAt(spiked, t, SETTINGS)];
    expect(width(b)).toBeLessThan(width(a) * 1.15);
    expect(b).toMatchObject({ mode: 'robust' });
  });

  test('a spike at this time of day yesterday does not move the daily expectation', () => {
    const clean = series(6, sinusoid);
    const t = T0 + 5 * DAY + 14 * HOUR;
    const spiked = clean.map(spike(t - DAY - HOUR, 2));
    const [a, b] = [bandAt(clean, t, SETTINGS), bandAt(spiked, t, SETTINGS)];
    expect(b.mode).toBe('daily');
    if (a.mode === 'learning' || b.mode === 'learning') throw new Error('judged');
    expect(Math.abs(b.expected - a.expected)).toBeLessThan(3);
    expect(width(b)).toBeLessThan(width(a) * 1.15);
  });
});

describe('the daily band', () => {
  test('a daily sinusoid is learnt: outside the robust band a spike at the trough hides, inside the daily band it shows', () => {
    const history = series(6, sinusoid);
    // 02:00, near the trough (~65): 130 is twice the usual value there but inside the day's overall range.
    const t = T0 + 5 * DAY + 2 * HOUR;
    const daily = bandAt(history, t, SETTINGS);
    const robust = bandAt(history.filter((p) => p.t >= t - 2 * DAY), t, SETTINGS);
    expect(daily.mode).toBe('daily');
    expect(robust.mode).toBe('robust');
    if (daily.mode === 'learning' || robust.mode === 'learning') throw new Error('judged');
    expect(130).toBeGreaterThan(daily.upper);
    expect(130).toBeLessThan(robust.upper);
    expect(anomalousShare(history, T0 + 3 * DAY, T0 + 6 * DAY)).toBeLessThan(0.02);
  });

  test('a nightly busy period is anomalous to the robust band every night, and learnt by the daily band', () => {
    // 02:00–04:00 every night the latency triples (a backup, say): 1 day in 12 of the points.
    const nightly = (t: number) => (hourOfDay(t) >= 2 && hourOfDay(t) < 4 ? 300 : 100);
    const history = series(6, nightly);
    const nights = (day: number) => [T0 + day * DAY + 2 * HOUR, T0 + day * DAY + 4 * HOUR] as const;
    expect(anomalousShare(history, ...nights(2))).toBeGreaterThan(0.9); // robust (day 2)
    // Daily: at most the step's edge, where the ±15 min window straddles it.
    expect(anomalousShare(history, ...nights(4))).toBeLessThan(0.05);
    expect(anomalousShare(history, ...nights(5))).toBeLessThan(0.05);
  });

  // The model is additive (expected = level + season): a shift that scales the season too is absorbed as
  // fast, but leaves residuals that follow the time of day until the previous days hold the new level.
  test('a level shift is anomalous at first and absorbed after ~3 h', () => {
    const shiftAt = T0 + 5 * DAY + 11 * HOUR;
    const history = series(7, (t) => sinusoid(t) + (t >= shiftAt ? 50 : 0));
    expect(anomalousShare(history, shiftAt, shiftAt + 2 * HOUR)).toBeGreaterThan(0.9);
    expect(anomalousShare(history, shiftAt + 3.5 * HOUR, shiftAt + DAY)).toBeLessThan(0.03);
  });
});

describe('the weekly band', () => {
  /** Weekends (days 5, 6, 12, 13, ... from a Monday) 40 below the week's level. */
  const weekdays = (t: number) => sinusoid(t) - ([5, 6].includes(Math.floor((t - T0) / DAY) % 7) ? 40 : 0);

  test('the weekday offset is learnt: Saturday morning is anomalous to the daily band, not to the weekly one', () => {
    const history = series(21, weekdays);
    const saturdayMorning = (day: number) => [T0 + day * DAY, T0 + day * DAY + 3 * HOUR] as const;
    expect(bandAt(history, T0 + 12 * DAY, SETTINGS).mode).toBe('daily');
    expect(anomalousShare(history, ...saturdayMorning(12))).toBeGreaterThan(0.5);
    expect(bandAt(history, T0 + 19 * DAY, SETTINGS).mode).toBe('weekly');
    expect(anomalousShare(history, ...saturdayMorning(19))).toBeLessThan(0.05);
    expect(anomalousShare(history, T0 + 14 * DAY, T0 + 21 * DAY)).toBeLessThan(0.02);
  });
});

describe('bucketPoints', () => {
  test('medians per 5-minute bucket, at the bucket start, in time order, non-finite values dropped', () => {
    const raw = [
      { t: T0 + 6 * MIN, v: 7 }, { t: T0, v: 1 }, { t: T0 + MIN, v: 9 }, { t: T0 + 2 * MIN, v: 2 },
      { t: T0 + 3 * MIN, v: Number.NaN }, { t: T0 + 7 * MIN, v: 3 },
    ];
    expect(bucketPoints(raw)).toEqual([{ t: T0, v: 2 }, { t: T0 + 5 * MIN, v: 5 }]);
    expect(bucketPoints(raw, MIN)).toHaveLength(5);
    expect(between(bucketPoints(raw), T0, T0 + 1)).toEqual([{ t: T0, v: 2 }]);
  });
});
