import { expect, test } from 'vitest';
import { forMsOf, keepFiringMsOf, promDuration, promNumber } from './timing.js';

const settings = { enabled: true, failureThreshold: 3, successThreshold: 2, forMs: 0, keepFiringForMs: 0 };

test.each([
  [0, '0s'], [500, '500ms'], [10_000, '10s'], [90_000, '1m30s'], [3_600_000, '1h'], [86_400_000, '1d'], [30 * 86_400_000 / 14.4, '2d2h'],
])('promDuration(%d) is %s', (ms, want) => {
  expect(promDuration(ms)).toBe(want);
});

test('the default lifecycle at 5 s polls is for 10s (fires on the 3rd failing scrape) and keep_firing_for 5s', () => {
  expect(forMsOf(settings, 5_000)).toBe(10_000);
  expect(keepFiringMsOf(settings, 5_000)).toBe(5_000);
});

test('alerting.for and keep_firing_for add to the thresholds; failure_threshold 1 means no for', () => {
  expect(forMsOf({ ...settings, forMs: 60_000 }, 5_000)).toBe(70_000);
  expect(keepFiringMsOf({ ...settings, keepFiringForMs: 120_000 }, 5_000)).toBe(125_000);
  expect(forMsOf({ ...settings, failureThreshold: 1 }, 60_000)).toBe(0);
});

test('promNumber has no float noise', () => {
  expect(promNumber(1 - 99.9 / 100)).toBe('0.001');
  expect(promNumber(50 / 1000)).toBe('0.05');
  expect(promNumber(Infinity)).toBe('+Inf');
});
