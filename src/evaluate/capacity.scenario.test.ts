/**
 * Capacity prediction on the generated 21-day history's RSS leak (issue M target: the leak predicted at least
 * 3 days before it crosses 500 MB). The daemon predicts from hourly means at the middle of each hour, with
 * the default capacity settings; this replays that hour by hour and finds the first warning.
 */
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { syntheticHistory } from '../../test/support/synthetic-history.js';
import { predictCapacity } from './capacity.js';
import type { SeriesPoint } from './learned-band.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function hourlyMeans(series: readonly SeriesPoint[]): SeriesPoint[] {
  const hours = new Map<number, { sum: number; n: number }>();
  for (const p of series) {
    const h = Math.floor(p.t / HOUR) * HOUR;
    const acc = hours.get(h) ?? { sum: 0, n: 0 };
    acc.sum += p.v;
    acc.n += 1;
    hours.set(h, acc);
  }
  return [...hours].sort((a, b) => a[0] - b[0]).map(([h, a]) => ({ t: h + HOUR / 2, v: a.sum / a.n }));
}

describe.each([1, 2, 3])('the leak of the synthetic history, seed %i', (seed) => {
  const { leak, start } = syntheticHistory({ days: 21, stepMs: 5 * 60_000, seed });
  const cap = defaultConfig().capacity;
  const opts = { windowMs: cap.window, horizonMs: cap.horizon, minHistoryMs: cap.min_history };
  const hourly = hourlyMeans(leak.series);
  const crossesAt = leak.crossesAt!;
  const seenAt = (now: number) => predictCapacity(hourly.filter((p) => p.t <= now), leak.threshold, now, opts);
  const warns = (now: number) => { const p = seenAt(now); return p.earliestDays !== undefined && p.earliestDays * DAY <= opts.horizonMs; };

  test('the first warning comes at least 3 days before the crossing, and none in the first day', () => {
    let firstWarning: number | undefined;
    for (let now = start + HOUR; now < crossesAt && firstWarning === undefined; now += HOUR) if (warns(now)) firstWarning = now;
    expect(firstWarning).toBeDefined();
    expect(firstWarning! - start).toBeGreaterThanOrEqual(opts.minHistoryMs);
    expect(crossesAt - firstWarning!).toBeGreaterThanOrEqual(3 * DAY);
  });

  // What is predicted is an hourly mean (a 5-minute sample at a GC peak crosses a few hours earlier).
  const meanCrossesAt = hourly.find((p) => p.v > leak.threshold)!.t;

  test('3 days before the crossing the prediction warns and its interval holds when the hourly mean crosses', () => {
    const now = crossesAt - 3 * DAY;
    const p = seenAt(now);
    expect(warns(now)).toBe(true);
    const truthDays = (meanCrossesAt - now) / DAY;
    expect(p.earliestDays!).toBeLessThanOrEqual(truthDays);
    expect(p.latestDays ?? Infinity).toBeGreaterThanOrEqual(truthDays);
  });
});
