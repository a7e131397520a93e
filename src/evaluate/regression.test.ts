import { describe, expect, test } from 'vitest';
import { evaluateRegression, type LatencySamples } from './regression.js';
import { mulberry32 } from './stats.js';
import { defaultConfig } from '../config/defaults.js';

const HUB = 'http://127.0.0.1:7000';
// The configured default (10 %), as the daemon passes it.
const O = { tolerancePercent: defaultConfig().regression.tolerance, windowLabel: '1h' };

/** n draws around `center` ms (log-normal-ish, as latencies are), from a seeded PRNG. */
function draws(n: number, center: number, seed: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => center * Math.exp((r() + r() + r() - 1.5) * 0.3));
}
const samples = (health: number[], probes: [string, number[]][] = []): LatencySamples => ({ health, probes: new Map(probes) });

describe('regression against the pinned baseline', () => {
  test('a 40 % slower live window is a regression (warning) with the effect and CI in words', () => {
    const f = evaluateRegression(HUB, 'nightly', samples(draws(60, 5, 1)), samples(draws(720, 7, 2)), O);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'baseline.regression', subject: 'health', status: 'warning' });
    expect(f[0]!.message).toMatch(/slower than the pinned baseline over the last 1h: median .* \+\d+\.\d% \(CI \+\d+\.\d% … \+\d+\.\d%.*beyond the 10\.0% tolerance/);
  });

  test('the same distribution is no regression in ≥ 95 % of seeded trials', () => {
    let alarms = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const f = evaluateRegression(HUB, 'b', samples(draws(60, 5, seed)), samples(draws(720, 5, seed + 1_000)), O);
      if (f[0]!.status === 'warning') alarms++;
    }
    expect(alarms).toBeLessThanOrEqual(5);
  });

  test('a significant slowdown inside the tolerance is not a regression', () => {
    const f = evaluateRegression(HUB, 'b', samples(draws(200, 5, 3)), samples(draws(2_000, 5.2, 4)), O);
    expect(f[0]!.status).toBe('ok');
  });

  test('too few samples is no_data; no pinned baseline is no finding; probes compare per server', () => {
    expect(evaluateRegression(HUB, 'b', samples([1, 2]), samples(draws(100, 5, 5)), O)[0]!.status).toBe('no_data');
    expect(evaluateRegression(HUB, 'b', undefined, samples(draws(100, 5, 5)), O)).toEqual([]);
    const f = evaluateRegression(HUB, 'b', samples(draws(60, 5, 6), [['fs', draws(30, 10, 7)]]), samples(draws(60, 5, 8), [['fs', draws(60, 30, 9)]]), O);
    expect(f.map((x) => [x.subject, x.status])).toEqual([['health', 'ok'], ['probe:fs', 'warning']]);
  });
});
