import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { budgetUse, burnRate, evaluateSlo, sloWindows, type Ratio } from './slo.js';

const cfg = defaultConfig().slo;
const M = 60_000;
const H = 60 * M;
const HUB = 'http://127.0.0.1:7000';
const D = 24 * H;
/** The whole SLO window observed (a history at least as old as the window). */
const FULL = { availability: cfg.window, latency: cfg.window };

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
    const f = evaluateSlo(HUB, { availability: windows(share), latency: windows(() => 1), observedMs: FULL }, cfg);
    expect(f.find((x) => x.id === 'slo.burn_rate' && x.subject === 'availability')!.status).toBe(expected);
  });

  test('time the daemon did not run is unknown: no polls is no_data, never met', () => {
    const empty = new Map(sloWindows(cfg).map((w) => [w, { good: 0, total: 0 }]));
    const f = evaluateSlo(HUB, { availability: empty, latency: empty, observedMs: { availability: 0, latency: 0 } }, cfg);
    expect(f.map((x) => x.status)).toEqual(['no_data', 'no_data', 'no_data', 'no_data']);
  });

  test('the error budget over the window: exhausted is a warning', () => {
    const f = evaluateSlo(HUB, { availability: windows(() => 0.998), latency: windows(() => 1), observedMs: FULL }, cfg);
    const a = f.find((x) => x.id === 'slo.availability')!;
    expect(a.status).toBe('warning');
    expect(a.message).toMatch(/error budget exhausted \(1h26m2\ds down of 43m12s allowed in 30d\)/);
    const ok = evaluateSlo(HUB, { availability: windows(() => 0.9995), latency: windows(() => 1), observedMs: FULL }, cfg).find((x) => x.id === 'slo.availability')!;
    expect(ok.message).toBe('99.950% of 518400 polls over 30d (objective 99.9%): 50.0% of the error budget used (21m35s down of 43m12s allowed in 30d)');
  });
});

describe('error budget used = bad time observed ÷ what the whole window allows (99.9 % over 30 d allows 43m12s)', () => {
  const M10 = 10 * M;
  test.each([
    // The case: ten minutes after install, a 15 s outage (3 failed polls of 120 at 5 s).
    ['15 s down in the first 10 min', { good: 117, total: 120 }, M10, 15_000, 0.5787, 'ok'],
    // The ratio `status` showed then (97.619 %): the same story, at the interval it ran with.
    ['1 failed poll of 42 in the first 10 min', { good: 41, total: 42 }, M10, M10 / 42, 0.5511, 'ok'],
    ['no errors in a day', { good: 17_280, total: 17_280 }, D, 0, 0, 'ok'],
    ['50 min down in the first day: more than the whole window allows', { good: 17_280 - 600, total: 17_280 }, D, 50 * M, 115.74, 'warning'],
    ['the whole window at 99.95 %', { good: 518_141, total: 518_400 }, 30 * D, 1_295_000, 49.96, 'ok'],
  ] as const)('%s', (_name, ratio, observedMs, badMs, usedPercent, status) => {
    const use = budgetUse(ratio, observedMs, cfg.window, 99.9)!;
    expect(use.badMs).toBeCloseTo(badMs, 0);
    expect(use.allowedMs).toBeCloseTo(43.2 * M, 3);
    expect(use.usedFraction * 100).toBeCloseTo(usedPercent, 2);
    const whole = new Map(sloWindows(cfg).map((w) => [w, ratio]));
    const f = evaluateSlo(HUB, { availability: whole, latency: whole, observedMs: { availability: observedMs, latency: observedMs } }, cfg);
    expect(f.find((x) => x.id === 'slo.availability')!.status).toBe(status);
  });

  test('the message says how much of the window has data, and that the percentage is of what was observed', () => {
    const whole = new Map(sloWindows(cfg).map((w) => [w, { good: 117, total: 120 }]));
    const f = evaluateSlo(HUB, { availability: whole, latency: whole, observedMs: { availability: 10 * M, latency: 10 * M } }, cfg);
    expect(f.find((x) => x.id === 'slo.availability')!.message)
      .toBe('97.500% of 120 polls over the 10m observed of 30d (objective 99.9%): 0.6% of the error budget used (15s down of 43m12s allowed in 30d)');
    // Latency allows 5 % of 30 d (36 h): 15 s slow is nothing.
    expect(f.find((x) => x.id === 'slo.latency')!.message).toMatch(/: 0\.0% of the error budget used \(15s slow of 1d12h allowed in 30d\)$/);
  });

  test('observed time is capped at the window; none observed spends none', () => {
    expect(budgetUse({ good: 0, total: 10 }, 60 * D, 30 * D, 99.9)!.usedFraction).toBeCloseTo(1000);
    expect(budgetUse({ good: 0, total: 10 }, 0, 30 * D, 99.9)!.usedFraction).toBe(0);
    expect(budgetUse({ good: 0, total: 0 }, D, 30 * D, 99.9)).toBeUndefined();
  });

  test('burn-rate alerts still follow the multi-window ratios, whatever the coverage: a young hub down now pages', () => {
    const down = new Map(sloWindows(cfg).map((w) => [w, w <= H ? { good: 0, total: Math.round(w / 5_000) } : { good: 0, total: 720 }]));
    const f = evaluateSlo(HUB, { availability: down, latency: windows(() => 1), observedMs: { availability: H, latency: H } }, cfg);
    expect(f.find((x) => x.id === 'slo.burn_rate' && x.subject === 'availability')!.status).toBe('critical');
  });
});
