/** `measure`'s flags, validated before anything is measured. */
import { expect, test } from 'vitest';
import { MEASURE_DEFAULTS, measureSettings, timestampName } from './measure.js';

test('no flags: the defaults', () => {
  expect(measureSettings({})).toEqual(MEASURE_DEFAULTS);
});

test('--probe-every defaults to no less than --interval', () => {
  expect(measureSettings({ duration: '10m', interval: '30s' })).toEqual({ durationMs: 600_000, intervalMs: 30_000, probeEveryMs: 30_000 });
});

test.each([
  { name: 'a duration that is not one', flags: { duration: 'long' }, error: /^--duration: not a duration from 1s to 1d \(got "long"\)\. Write a number and a unit/ },
  { name: 'a duration beyond a day', flags: { duration: '2d' }, error: /^--duration: not a duration from 1s to 1d \(got "2d"\)/ },
  { name: 'an interval below 10 ms', flags: { interval: '5ms' }, error: /^--interval: not a duration from 10ms to 1h \(got "5ms"\)/ },
  { name: 'an interval leaving fewer than two samples', flags: { duration: '10s', interval: '6s' }, error: /^--interval: 6s leaves fewer than two samples in --duration 10s\. Use a shorter --interval or a longer --duration\.$/ },
  { name: 'too many samples', flags: { duration: '1d', interval: '10ms' }, error: /^--duration 1d at --interval 10ms is 8640000 samples per hub; at most 100000\. Use a longer --interval\.$/ },
  { name: 'a probe interval below the sample interval', flags: { interval: '1s', probeEvery: '500ms' }, error: /^--probe-every: not a duration from 1s to 1h/ },
  { name: 'a name that is not a file name', flags: { name: '../x' }, error: /^--name: not a baseline name \(got "\.\.\/x"\)/ },
  { name: 'the name of the pin', flags: { name: 'pinned' }, error: /^--name: "pinned" is the pin/ },
])('$name is a usage error', ({ flags, error }) => {
  expect(() => measureSettings(flags)).toThrow(error);
});

test('a baseline timestamp is also a portable file name', () => {
  expect(timestampName(Date.parse('2026-11-25T09:40:00.123Z'))).toBe('2026-11-25T09-40-00Z');
});
