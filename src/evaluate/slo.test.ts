import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { burnRate, evaluateSlo, sloWindows, type Ratio } from './slo.js';

const cfg = defaultConfig().slo;
const M = 60_000;
const H = 60 * M;
const HUB = 'http://127.0.0.1:7000';

/** Ratios per window where each window has `perMin` polls a minute and the given share good. */
function windows(goodShare: (w: number) => number, perMin = 12): Map<number, Ratio> {
  return new Map(sloWindows(cfg).map((w) => {
    const total = Math.round((w / M) * perMin);
    return [w, { good: Math.round(total * goodShare(w)), total }];
  }));
}

test('burn rate: on budget is 1, no errors 0, no polls unknown', () => {
  expect(burnRate({ good: 999, total: 1000 }, 99.9)).toBeCloseTo(1);
  expect(burnRate({ good: 1000, total: 1000 }, 99.9)).toBe(0);
  expect(burnRate({ good: 0, total: 0 }, 99.9)).toBeUndefined();
});

describe('multi-window multi-burn-rate', () => {
  test.each([
    ['all good', () => 1, 'ok'],
    ['hub down for the last 10 minutes: both 1 h and 5 m burn > 14.4× → critical', (w: number) => (w <= 5 * M ? 0 : w <= H ? 1 - 10 / 60 : 1 - 10 / (w / M)), 'critical'],
    ['a 1-minute blip an hour ago: the short window is clean → ok', (w: number) => (w <= 5 * M ? 1 : w <= H ? 1 - 1 / 60 : 1 - 1 / (w / M)), 'ok'],
    ['slow burn: 1 % bad everywhere (10× budget) → warning from 6 h/30 m at 6×', () => 0.99, 'warning'],
  ] as const)('%s', (_name, share, expected) => {
    const f = evaluateSlo(HUB, { availability: windows(share), latency: windows(() => 1) }, cfg);
    expect(f.find((x) => x.id === 'slo.burn_rate' && x.subject === 'availability')!.status).toBe(expected);
  });

  test('time the daemon did not run is unknown: no polls is no_data, never met', () => {
    const empty = new Map(sloWindows(cfg).map((w) => [w, { good: 0, total: 0 }]));
    const f = evaluateSlo(HUB, { availability: empty, latency: empty }, cfg);
    expect(f.map((x) => x.status)).toEqual(['no_data', 'no_data', 'no_data', 'no_data']);
  });

  test('the error budget over the window: exhausted is a warning', () => {
    const f = evaluateSlo(HUB, { availability: windows(() => 0.998), latency: windows(() => 1) }, cfg);
    const a = f.find((x) => x.id === 'slo.availability')!;
    expect(a.status).toBe('warning');
    expect(a.message).toMatch(/error budget exhausted/);
    const ok = evaluateSlo(HUB, { availability: windows(() => 0.9995), latency: windows(() => 1) }, cfg).find((x) => x.id === 'slo.availability')!;
    expect(ok.message).toMatch(/50\.0% of the error budget left/);
  });
});
