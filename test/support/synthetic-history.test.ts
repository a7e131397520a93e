import { describe, expect, test } from 'vitest';
import { median } from '../../src/evaluate/stats.js';
import { MATCH_TOLERANCE_MS, scoreEpisodes, syntheticHistory, flagEpisodes, type LabelledAnomaly } from './synthetic-history.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEP = 5 * MIN;
const history = syntheticHistory({ days: 21, stepMs: STEP, seed: 1 });
const { start, series, anomalies } = history;
const inAnomaly = (t: number) => anomalies.some((a) => t >= a.start - HOUR && t < a.end + HOUR) || (t >= history.levelShift.at - DAY && t < history.levelShift.at + DAY);
const at = (day: number, hour: number) => series.filter((p) => !inAnomaly(p.t) && Math.floor((p.t - start) / DAY) === day && Math.floor(((p.t - start) % DAY) / HOUR) === hour).map((p) => p.v);

describe('the synthetic 21-day history', () => {
  test('is deterministic per seed', () => {
    expect(syntheticHistory({ days: 21, stepMs: STEP, seed: 1 })).toEqual(history);
    expect(syntheticHistory({ days: 21, stepMs: STEP, seed: 2 }).series).not.toEqual(series);
    expect(series).toHaveLength(21 * 288);
  });

  test('has a daily season (afternoons above nights) and lower weekends', () => {
    for (const day of [1, 2, 3, 4]) expect(median(at(day, 14)) - median(at(day, 2))).toBeGreaterThan(15);
    const weekday = median([3, 4].flatMap((d) => at(d, 12)));
    const weekend = median([5, 6].flatMap((d) => at(d, 12)));
    expect(weekday - weekend).toBeGreaterThan(5);
  });

  test('labels 6–10 injected anomalies and the level shift\'s first 2 h, none in the first 3 days, apart', () => {
    const injected = anomalies.filter((a) => a.kind !== 'level_shift');
    expect(injected.length).toBeGreaterThanOrEqual(6);
    expect(injected.length).toBeLessThanOrEqual(10);
    expect(new Set(injected.map((a) => a.kind))).toEqual(new Set(['spike', 'dip', 'variance']));
    expect(anomalies.filter((a) => a.kind === 'level_shift')).toEqual([{ start: history.levelShift.at, end: history.levelShift.at + 2 * HOUR, kind: 'level_shift' }]);
    for (const [i, a] of anomalies.entries()) {
      expect(a.start).toBeGreaterThanOrEqual(start + 3 * DAY);
      expect(a.end).toBeLessThanOrEqual(start + 21 * DAY);
      if (a.kind === 'spike' || a.kind === 'dip') expect((a.end - a.start) / MIN).toBeGreaterThanOrEqual(30);
      if (a.kind === 'spike' || a.kind === 'dip') expect((a.end - a.start) / MIN).toBeLessThanOrEqual(90);
      if (i) expect(a.start - anomalies[i - 1]!.start).toBeGreaterThanOrEqual(8 * HOUR);
    }
  });

  test('the labelled windows are where the series misbehaves', () => {
    for (const a of anomalies.filter((x) => x.kind === 'spike' || x.kind === 'dip')) {
      const inside = median(series.filter((p) => p.t >= a.start && p.t < a.end).map((p) => p.v));
      const dayBefore = median(series.filter((p) => p.t >= a.start - DAY && p.t < a.end - DAY).map((p) => p.v));
      if (a.kind === 'spike') expect(inside - dayBefore).toBeGreaterThan(15);
      else expect(inside).toBeLessThan(dayBefore * 0.7);
    }
    const shift = history.levelShift.at;
    const before = median(series.filter((p) => p.t >= shift - DAY && p.t < shift).map((p) => p.v));
    const after = median(series.filter((p) => p.t >= shift + DAY && p.t < shift + 2 * DAY).map((p) => p.v));
    expect(after - before).toBeGreaterThan(8);
  });

  test('the RSS leak crosses 500 MB on day 17, not before', () => {
    const { leak } = history;
    expect(leak.threshold).toBe(500e6);
    expect(leak.crossesAt).toBeDefined();
    expect(Math.floor((leak.crossesAt! - start) / DAY)).toBe(17);
    expect(leak.series.filter((p) => p.t < start + 17 * DAY).every((p) => p.v < 500e6)).toBe(true);
    expect(leak.series[0]!.v).toBeLessThan(200e6);
  });
});

describe('event-based scoring', () => {
  const labelled: LabelledAnomaly[] = [{ start: 10 * HOUR, end: 11 * HOUR, kind: 'spike' }, { start: 30 * HOUR, end: 31 * HOUR, kind: 'dip' }];

  test('an episode within 30 min of a labelled window is a hit; one near none is a false alarm', () => {
    const s = scoreEpisodes([{ start: 11 * HOUR + MATCH_TOLERANCE_MS, end: 12 * HOUR }, { start: 20 * HOUR, end: 21 * HOUR }], labelled, 40 * HOUR);
    expect(s).toMatchObject({ episodes: 2, truePositives: 1, falsePositives: 1, hits: 1, labelled: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(s.detectDelaysMs).toEqual([HOUR + MATCH_TOLERANCE_MS]);
    expect(scoreEpisodes([{ start: 11 * HOUR + MATCH_TOLERANCE_MS + 1 }], labelled.slice(0, 1), 12 * HOUR).hits).toBe(0);
  });

  test('an open episode lasts to the end; no episodes score 0, not NaN', () => {
    expect(scoreEpisodes([{ start: 9 * HOUR }], labelled, 40 * HOUR)).toMatchObject({ truePositives: 1, hits: 2, recall: 1 });
    expect(scoreEpisodes([], labelled, 40 * HOUR)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  test('flagEpisodes groups runs of flagged points', () => {
    const pts = [0, 1, 2, 3, 4, 5].map((i) => ({ t: i * STEP, v: i }));
    expect(flagEpisodes(pts, (i) => [1, 2, 5].includes(i))).toEqual([{ start: STEP, end: 3 * STEP }, { start: 5 * STEP }]);
  });
});
