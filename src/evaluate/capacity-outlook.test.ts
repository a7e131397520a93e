/**
 * The capacity outlook in words and its warning: over the threshold already, a warning exactly at the
 * horizon and not a minute beyond it, a call volume only with a threshold, formatting of values.
 */
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { capacityOutlook, describeOutlook, formatCapacityValue } from './capacity-outlook.js';
import type { SeriesPoint } from './capacity.js';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 0, 10);
const line = (at: number, perDay: number): SeriesPoint[] => Array.from({ length: 49 }, (_, i) => ({ t: NOW - 2 * D + i * H, v: at + (perDay * (i * H - 2 * D)) / D }));

test('already over, and the warning from the earliest crossing against the horizon', () => {
  const cfg = defaultConfig().capacity;
  const [over] = capacityOutlook([{ hub: 'h', resource: 'rss', points: line(600e6, 1e6) }], cfg, NOW);
  expect(over!.warn).toBe(true);
  expect(describeOutlook(over!, cfg)).toBe('hub RSS already at or over 500 MB');
  // Noiseless: the earliest crossing is the line's, 7 days exactly (100 MB short at 100/7 MB a day).
  const at = (horizon: number) => capacityOutlook([{ hub: 'h', resource: 'rss', points: line(400e6, 100e6 / 7) }], { ...cfg, horizon }, NOW)[0]!;
  expect(at(7 * D).warn).toBe(true);
  expect(at(7 * D - 60_000).warn).toBe(false);
  expect(describeOutlook(at(7 * D), cfg)).toBe('hub RSS reaches 500 MB in 7.0 days (between 7.0 and 7.0); +14.3 MB/day');
});

test('call volume only with a threshold; values as people write them', () => {
  const cfg = defaultConfig().capacity;
  const series = [{ hub: 'h', resource: 'call_volume' as const, points: line(1_000, 10) }];
  expect(capacityOutlook(series, cfg, NOW)).toEqual([]);
  expect(capacityOutlook(series, { ...cfg, thresholds: { ...cfg.thresholds, call_volume: 2_000 } }, NOW)[0]!.prediction.days).toBeCloseTo(100, 6);
  expect([formatCapacityValue('store', 1.5e9), formatCapacityValue('rss', 5e5), formatCapacityValue('call_volume', 12_345)]).toEqual(['1.5 GB', '500 kB', '12300 calls/day']);
});
