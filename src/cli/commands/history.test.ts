/** `history --since/--until`: a duration ago or an ISO time; anything else is a usage error saying how to write it. */
import { expect, test } from 'vitest';
import { parseTime } from './history.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

test.each([
  { text: '1h', t: NOW - 3_600_000 },
  { text: '90m', t: NOW - 5_400_000 },
  { text: '1d12h', t: NOW - 36 * 3_600_000 },
  { text: '500ms', t: NOW - 500 },
  { text: '2026-11-25T09:00:00Z', t: Date.parse('2026-11-25T09:00:00Z') },
  { text: '2026-11-25T09:00:00.250+01:00', t: Date.parse('2026-11-25T08:00:00.250Z') },
])('$text is $t', ({ text, t }) => {
  expect(parseTime(text, NOW, '--since')).toBe(t);
});

test.each(['yesterday', '1 hour', '', '-1h'])('%j is a usage error naming the flag and both forms', (text) => {
  expect(() => parseTime(text, NOW, '--until')).toThrow(
    `--until: not a time (got ${JSON.stringify(text)}). Write a duration ago (Write a number and a unit: 500ms, 30s, 5m, 4h, 1d) or an ISO time`,
  );
});
