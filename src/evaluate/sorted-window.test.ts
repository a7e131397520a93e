import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { medianInPlace, SortedWindow } from './sorted-window.js';
import { median } from './stats.js';

const naiveMad = (xs: number[]) => {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
};

describe('medians and MADs over sliding windows', () => {
  test('medianInPlace is the median, odd and even counts, ties included', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 60 }), (xs) => {
      expect(medianInPlace(Float64Array.from(xs), xs.length)).toBe(median(xs));
    }));
    expect(medianInPlace(new Float64Array(3), 0)).toBeNaN();
  });

  test('a window slid forward (and back) holds the median and MAD of exactly its range; NaN values are left out', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constant(Number.NaN)), { minLength: 1, maxLength: 80 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 20 }),
      (values, moves) => {
        const window = new SortedWindow(values.length, (j) => values[j]!);
        let lo = 0;
        for (const [a, b] of moves) {
          // Mostly forward, sometimes back: the window must rebuild rather than drift.
          lo = a % 5 === 0 ? a % values.length : Math.min(values.length, lo + (a % 3));
          const hi = Math.min(values.length, lo + (b % 30));
          const inRange = values.slice(lo, hi).filter((v) => !Number.isNaN(v));
          window.cover(lo, hi);
          expect(window.count).toBe(inRange.length);
          if (inRange.length === 0) continue;
          expect(window.median()).toBe(median(inRange));
          expect(window.mad(window.median())).toBeCloseTo(naiveMad(inRange), 12);
        }
      },
    ));
  });
});
