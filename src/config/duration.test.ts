import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DURATION_HINT, formatDuration, formatElapsed, inFuture, parseDuration } from './duration.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1m30s', 90_000],
    ['1h1m1s', 3_661_000],
    ['1.5s', 1_500],
    ['0s', 0],
    [' 30s ', 30_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['5', '5 minutes', '', '-1s', '5 s', 's', '1e3s', '5sec', '5M', '1m 30s', '30s5', '.5s', 'NaNs', '1,5s'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  test('the hint tells users how to write one', () => {
    expect(DURATION_HINT).toBe('Write a number and a unit: 500ms, 30s, 5m, 4h, 1d');
  });

  test('never throws and never returns a negative or non-finite number', () => {
    const unitish = fc.string({ unit: fc.constantFrom('1', '0', '9', '.', 'm', 's', 'h', 'd', 'w', '-', ' '), maxLength: 20 });
    fc.assert(fc.property(fc.oneof(fc.string(), unitish), (text) => {
      const ms = parseDuration(text);
      if (ms !== undefined) {
        expect(Number.isFinite(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(0);
      }
    }));
  });

  test('a sum of unit parts parses to the sum of its values', () => {
    const unit = fc.constantFrom(['ms', 1], ['s', 1_000], ['m', 60_000], ['h', 3_600_000]) as fc.Arbitrary<[string, number]>;
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(1_000), unit), { minLength: 1, maxLength: 4 }), (parts) => {
      const text = parts.map(([n, [u]]) => `${n}${u}`).join('');
      expect(parseDuration(text)).toBe(parts.reduce((sum, [n, [, size]]) => sum + n * size, 0));
    }));
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0ms'],
    [500, '500ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [5_000, '5s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [86_400_000 + 7_200_000, '1d2h'],
    [Infinity, 'Infinity'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('what it prints for whole seconds under an hour parses back to the same value', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3_599 }), (s) => {
      expect(parseDuration(formatDuration(s * 1000))).toBe(s * 1000);
    }));
  });

  test('what it prints under a second parses back to the same value', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 999 }), (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }));
  });
});

describe('formatElapsed: an age or a time elapsed, never negative (faults F7)', () => {
  test.each([
    [0, {}, '0ms'],
    [90_000, {}, '1m30s'],
    [90_000, { ago: true }, '1m30s ago'],
    [-1_500, { ago: true }, '0ms ago'], // clock noise: not a step
    [-3_529_432, { ago: true }, '0s ago (stamped 58m49s in the future: the clock stepped back)'],
    [-3_546_395, {}, '0s (stamped 59m6s in the future: the clock stepped back)'],
  ])('%d ms %j is %j', (ms, opts, text) => {
    expect(formatElapsed(ms, opts)).toBe(text);
  });

  test('no input prints a minus sign', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.boolean(), (ms, ago) => {
      expect(formatElapsed(ms, { ago })).not.toMatch(/-/);
    }));
  });

  test('inFuture: beyond 2 s of clock noise', () => {
    expect([inFuture(10_000, 12_000), inFuture(10_000, 12_001)]).toEqual([false, true]);
  });
});
