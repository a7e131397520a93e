import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { sanitizeTerminal, shouldUseColor } from './sanitize.js';

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI_AND_INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('sanitizeTerminal', () => {
  test.each([
    ['ESC', 'a\x1bb', 'a\\x1bb'],
    ['an SGR sequence', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['an OSC 52 clipboard write', '\x1b]52;c;ZXZpbA==\x07', '\\x1b]52;c;ZXZpbA==\\x07'],
    ['an OSC title change', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['the C1 CSI \\u009b', 'x\u009b2Jy', 'x\\u009b2Jy'],
    ['the C1 OSC \\u009d', '\u009d0;t\u009c', '\\u009d0;t\\u009c'],
    ['BEL', 'ding\x07', 'ding\\x07'],
    ['a carriage return', 'ok\rCRITICAL', 'ok\\x0dCRITICAL'],
    ['a newline', 'line1\nline2', 'line1\\x0aline2'],
    ['NUL', 'a\x00b', 'a\\x00b'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['a backspace', 'ok\x08\x08no', 'ok\\x08\\x08no'],
    ['bidi override U+202E', 'abc\u202Etxt.exe', 'abc<U+202E>txt.exe'],
    ['a zero-width space', 'a\u200bb', 'a<U+200B>b'],
    ['a BOM', '\ufeffx', '<U+FEFF>x'],
    ['a line separator', 'a\u2028b', 'a<U+2028>b'],
    ['a tab (shown as a space)', 'a\tb', 'a b'],
    ['a lone surrogate', 'a\ud800b', 'a\ufffdb'],
    ['plain text and emoji', 'everything ✓ 🚀', 'everything ✓ 🚀'],
  ])('escapes %s', (_what, input, expected) => {
    expect(sanitizeTerminal(input)).toBe(expected);
  });

  test('long text is cut to the cap with an ellipsis', () => {
    const out = sanitizeTerminal('x'.repeat(1000), 20);
    expect(out).toHaveLength(20);
    expect(out.endsWith('…')).toBe(true);
  });

  test('a cut never splits an emoji into a lone surrogate', () => {
    expect(sanitizeTerminal('ab🚀cd', 4)).toBe('ab…');
    expect(sanitizeTerminal('abc🚀d', 5)).toBe('abc…');
  });

  test('text at the cap is not cut', () => {
    expect(sanitizeTerminal('x'.repeat(20), 20)).toBe('x'.repeat(20));
  });

  const hostile = fc.string({
    unit: fc.oneof(
      fc.constantFrom('\x1b', '\x07', '\r', '\n', '\t', '\u009b', '\u009d', '\x7f', '\u202e', '\u200b', '\ufeff', '\ud83d', '\ude80', '🚀', '[', ']', ';'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 80,
  });
  const anyString = fc.oneof(fc.string({ unit: 'binary' }), hostile);

  test('for any string the output contains no C0, DEL or C1 control character', () => {
    fc.assert(fc.property(anyString, fc.integer({ min: 2, max: 600 }), (s, max) => {
      expect(sanitizeTerminal(s, max)).not.toMatch(CONTROL_CHARS);
      expect(sanitizeTerminal(s)).not.toMatch(CONTROL_CHARS);
    }), { numRuns: 500 });
  });

  test('for any string the output contains no bidi or invisible characters', () => {
    fc.assert(fc.property(anyString, (s) => {
      expect(sanitizeTerminal(s)).not.toMatch(BIDI_AND_INVISIBLE);
    }), { numRuns: 500 });
  });

  test('for any string and cap the output is well-formed UTF-16 within the cap', () => {
    fc.assert(fc.property(anyString, fc.integer({ min: 2, max: 600 }), (s, max) => {
      const out = sanitizeTerminal(s, max);
      expect(out).not.toMatch(LONE_SURROGATE);
      expect(out.length).toBeLessThanOrEqual(max);
    }), { numRuns: 500 });
  });

  test('printable ASCII passes through unchanged', () => {
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }), (s) => {
      expect(sanitizeTerminal(s)).toBe(s);
    }));
  });
});

describe('shouldUseColor', () => {
  test.each([
    { what: 'a TTY with no NO_COLOR uses colour', tty: true, env: {}, flag: true, expected: true },
    { what: 'a pipe never uses colour', tty: false, env: {}, flag: true, expected: false },
    { what: '--no-color wins over a TTY', tty: true, env: {}, flag: false, expected: false },
    { what: 'NO_COLOR=1 disables colour', tty: true, env: { NO_COLOR: '1' }, flag: true, expected: false },
    { what: 'an empty NO_COLOR is ignored (no-color.org)', tty: true, env: { NO_COLOR: '' }, flag: true, expected: true },
    { what: 'TERM=dumb disables colour', tty: true, env: { TERM: 'dumb' }, flag: true, expected: false },
  ])('$what', ({ tty, env, flag, expected }) => {
    expect(shouldUseColor({ isTTY: tty }, env, flag)).toBe(expected);
  });
});
