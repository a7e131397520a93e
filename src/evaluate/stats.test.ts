import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  bootstrapMedianDiff, compareSamples, mannWhitneyU, median, mulberry32, normalCdf, quantile, summarize,
} from './stats.js';

/** Latency-like samples: log-normal around `medianMs` with 30 % spread (what loopback health RTTs look like). */
function latencies(rand: () => number, n: number, medianMs: number): number[] {
  return Array.from({ length: n }, () => {
    const gauss = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return medianMs * Math.exp(0.3 * gauss);
  });
}

describe('quantiles and summaries', () => {
  test.each([
    ['the median of an odd count is the middle value', [5, 1, 3, 2, 4], 0.5, 3],
    ['the median of an even count interpolates', [1, 2], 0.5, 1.5],
    ['q 0 is the minimum', [3, 1, 2], 0, 1],
    ['q 1 is the maximum', [3, 1, 2], 1, 3],
    ['p95 of 1..101 is 96', Array.from({ length: 101 }, (_, i) => i + 1), 0.95, 96],
    ['non-finite values are ignored', [1, NaN, 3, Infinity], 0.5, 2],
  ])('%s', (_what, values, q, expected) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 10);
  });

  test('no values give NaN, never 0', () => {
    expect(median([])).toBeNaN();
    expect(summarize([])).toBeUndefined();
  });

  test('a summary is rounded to the given digits', () => {
    expect(summarize([1.23456, 2.34567], 2)).toEqual({ count: 2, min: 1.23, mean: 1.79, p50: 1.79, p95: 2.29, p99: 2.33, max: 2.35 });
  });
});

describe('mulberry32', () => {
  test('the same seed gives the same sequence, in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(1000);
  });

  test('another seed gives another sequence', () => {
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });
});

describe('Mann–Whitney U', () => {
  test('fully separated groups of five: U 0, p 0.0122 (scipy asymptotic with continuity)', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.u).toBe(0);
    expect(r.z).toBeCloseTo(-2.5067, 3);
    expect(r.p).toBeCloseTo(0.01219, 4);
  });

  test('ties share their average rank and shrink the variance', () => {
    const r = mannWhitneyU([1, 1, 2, 2], [2, 2, 3, 3]);
    expect(r.u).toBe(2); // ranks of a: 1.5 1.5 4.5 4.5 → 12 − 10
    expect(r.p).toBeGreaterThan(0.05);
  });

  test('all values tied: p 1, never a division by zero', () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1]).p).toBe(1);
    expect(mannWhitneyU([], [1]).p).toBe(1);
  });

  test('the normal CDF matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });
});

describe('bootstrap interval of the difference of medians', () => {
  test('seeded: the same inputs and seed give the same interval', () => {
    const r = mulberry32(7);
    const a = latencies(r, 50, 2);
    const b = latencies(r, 50, 2.4);
    expect(bootstrapMedianDiff(a, b, { seed: 3 })).toEqual(bootstrapMedianDiff(a, b, { seed: 3 }));
  });

  test('the counting resample gives exactly the medians a sort-based bootstrap gives', () => {
    const r = mulberry32(11);
    for (const n of [1, 2, 9, 10, 57]) {
      const a = latencies(r, n, 2).sort((x, y) => x - y);
      const b = latencies(r, n + 3, 3).sort((x, y) => x - y);
      // The reference: draw indices in the same order, sort the resample, take its median.
      const rand = mulberry32(5);
      const diffs: number[] = [];
      for (let i = 0; i < 100; i++) {
        const mb = median(Array.from({ length: b.length }, () => b[Math.floor(rand() * b.length)]!));
        diffs.push(mb - median(Array.from({ length: a.length }, () => a[Math.floor(rand() * a.length)]!)));
      }
      const [lo, hi] = bootstrapMedianDiff(a, b, { resamples: 100, seed: 5 });
      expect(lo).toBeCloseTo(quantile(diffs, 0.025), 12); // (a + b) / 2 and a + (b − a) / 2 may differ in the last bit
      expect(hi).toBeCloseTo(quantile(diffs, 0.975), 12);
    }
  });

  test('a constant shift of 1 gives an interval around 1', () => {
    const a = Array.from({ length: 40 }, (_, i) => i / 100);
    const [lo, hi] = bootstrapMedianDiff(a, a.map((x) => x + 1));
    expect(lo).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThanOrEqual(1);
    expect(hi - lo).toBeLessThan(0.3);
  });
});

describe('compareSamples', () => {
  test('an injected 20 % slowdown is detected as slower, with its effect size', () => {
    const r = mulberry32(2026);
    const before = latencies(r, 120, 2);
    const after = latencies(r, 120, 2).map((x) => x * 1.2);
    const c = compareSamples(before, after);
    expect(c.verdict).toBe('slower');
    expect(c.relative).toBeGreaterThan(0.1);
    expect(c.relative).toBeLessThan(0.3);
    expect(c.ci[0]).toBeGreaterThan(0);
    expect(c.p).toBeLessThan(0.05);
  });

  test('a 20 % speed-up is faster', () => {
    const r = mulberry32(99);
    expect(compareSamples(latencies(r, 120, 2), latencies(r, 120, 1.6)).verdict).toBe('faster');
  });

  test('two draws of the same distribution: no significant change in at least 95 of 100 seeded trials', () => {
    let unchanged = 0;
    for (let trial = 0; trial < 100; trial++) {
      const r = mulberry32(10_000 + trial);
      if (compareSamples(latencies(r, 60, 2), latencies(r, 60, 2), { seed: trial }).verdict === 'no_change') unchanged++;
    }
    expect(unchanged).toBeGreaterThanOrEqual(95);
  });

  test('fewer than 8 samples in a group give insufficient_data, not a verdict', () => {
    const c = compareSamples([1, 2, 3], [10, 20, 30, 40, 50, 60, 70, 80]);
    expect(c.verdict).toBe('insufficient_data');
    expect(c.ci[0]).toBeNaN();
  });

  test('a difference the two tests disagree about is no change', () => {
    // Medians equal (CI includes 0) although the upper tails differ a lot.
    const a = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2];
    const b = [1, 1, 1, 1, 1, 2, 2, 9, 9, 9];
    expect(compareSamples(a, b).verdict).toBe('no_change');
  });

  test('property: swapping the groups mirrors the difference, keeps p and never keeps a direction', () => {
    const sample = fc.array(fc.double({ min: 0.1, max: 100, noNaN: true }), { minLength: 8, maxLength: 40 });
    fc.assert(fc.property(sample, sample, (a, b) => {
      const ab = compareSamples(a, b, { resamples: 200 });
      const ba = compareSamples(b, a, { resamples: 200 });
      expect(ba.diffMedian).toBeCloseTo(-ab.diffMedian, 9);
      expect(ba.p).toBeCloseTo(ab.p, 9);
      if (ab.verdict === 'slower' || ab.verdict === 'faster') expect(ba.verdict).not.toBe(ab.verdict);
    }), { numRuns: 60 });
  });

  test('property: adding the same constant to both groups changes nothing but the medians', () => {
    const sample = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 8, maxLength: 30 });
    fc.assert(fc.property(sample, sample, fc.integer({ min: 1, max: 1000 }), (a, b, c) => {
      const base = compareSamples(a, b, { resamples: 200 });
      const shifted = compareSamples(a.map((x) => x + c), b.map((x) => x + c), { resamples: 200 });
      expect(shifted.verdict).toBe(base.verdict);
      expect(shifted.p).toBeCloseTo(base.p, 9);
      expect(shifted.diffMedian).toBeCloseTo(base.diffMedian, 9);
    }), { numRuns: 60 });
  });
});
