/** `baseline compare --tolerance`: a percentage or a fraction below 1. */
import { expect, test } from 'vitest';
import { parseTolerance } from './baseline.js';

test.each([
  { text: undefined, value: 0.1 },
  { text: '10%', value: 0.1 },
  { text: '0.25', value: 0.25 },
  { text: ' 2.5% ', value: 0.025 },
  { text: '0%', value: 0 },
  { text: '150%', value: 1.5 },
  { text: '1000%', value: 10 },
])('$text is $value', ({ text, value }) => {
  expect(parseTolerance(text)).toBeCloseTo(value, 12);
});

test.each(['1', '10', '1001%', '-5%', 'ten', '10 %', ''])('%j is a usage error saying how to write it', (text) => {
  expect(() => parseTolerance(text)).toThrow(`--tolerance: not a percentage (got ${JSON.stringify(text)}). Write it like 10% (or the fraction 0.1).`);
});
