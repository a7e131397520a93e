import { describe, expect, test } from 'vitest';
import { ParamError } from '../../errors.js';
import { parseChoice, parseLimit, parseName, parseRange, parseTimeParam, readParams } from './params.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const q = (s: string) => new URLSearchParams(s);

function paramOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParamError) return err.parameter;
    throw err;
  }
  return undefined;
}

describe('readParams', () => {
  test('an unknown parameter is named in the error', () => {
    expect(paramOf(() => readParams(q('form=1h'), ['from', 'to']))).toBe('form');
  });
  test('a repeated parameter is an error, not a guess', () => {
    expect(paramOf(() => readParams(q('hub=a&hub=b'), ['hub']))).toBe('hub');
  });
  test('an oversized value is refused', () => {
    expect(paramOf(() => readParams(q(`hub=${'x'.repeat(3000)}`), ['hub']))).toBe('hub');
  });
  test('known parameters come back as a map', () => {
    expect([...readParams(q('from=1h&to=now'), ['from', 'to'])]).toEqual([['from', '1h'], ['to', 'now']]);
  });
});

describe('parseTimeParam', () => {
  test.each([
    ['now', NOW], ['1h', NOW - 3_600_000], ['1700000000000', 1_700_000_000_000], ['2026-11-25T11:00:00Z', NOW - 3_600_000],
  ])('%s', (text, want) => {
    expect(parseTimeParam(text, NOW, 'from')).toBe(want);
  });
  test.each([['yesterday'], ['-1'], ['1e3'], ['NaN'], ['2026-13-45'], ['']])('%j is a 400 naming the parameter', (text) => {
    expect(paramOf(() => parseTimeParam(text, NOW, 'to'))).toBe('to');
  });
});

describe('parseRange', () => {
  test('defaults to the last span', () => {
    expect(parseRange(new Map(), NOW, 3_600_000, 86_400_000)).toEqual({ from: NOW + 1 - 3_600_000, to: NOW + 1 });
  });
  test('from after to is an error on from', () => {
    expect(paramOf(() => parseRange(new Map([['from', 'now'], ['to', '1h']]), NOW, 1, 1e12))).toBe('from');
  });
  test('a span over the cap is refused', () => {
    expect(paramOf(() => parseRange(new Map([['from', '30d']]), NOW, 1, 86_400_000))).toBe('from');
  });
});

describe('parseLimit', () => {
  test('absent → default; above the cap → the cap', () => {
    expect(parseLimit(undefined, 100, 1000)).toBe(100);
    expect(parseLimit('5', 100, 1000)).toBe(5);
    expect(parseLimit('999999', 100, 1000)).toBe(1000);
  });
  test.each([['0'], ['-1'], ['1.5'], ['abc'], ['1e3'], ['99999999999']])('%j is a 400 on limit', (text) => {
    expect(paramOf(() => parseLimit(text, 100, 1000))).toBe('limit');
  });
});

describe('parseChoice and parseName', () => {
  test('a word outside the set is refused', () => {
    expect(parseChoice('1m', ['auto', 'raw', '1m'] as const, 'auto', 'step')).toBe('1m');
    expect(paramOf(() => parseChoice('5m', ['auto', 'raw', '1m'] as const, 'auto', 'step'))).toBe('step');
  });
  test('names allow the series alphabet only', () => {
    expect(parseName('server.probe_latency_ms', 'name', true)).toBe('server.probe_latency_ms');
    expect(paramOf(() => parseName(undefined, 'name', true))).toBe('name');
    expect(paramOf(() => parseName("x' OR 1=1 --", 'name', true))).toBe('name');
    expect(parseName(undefined, 'type', false)).toBeUndefined();
  });
});
