import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { byteLength, oneLine, runeLength, stripControls, truncateBytes, truncateRunes } from './truncate.js';

describe('truncateRunes', () => {
  test.each([
    ['short text is unchanged', 'hello', 5, 'hello'],
    ['a cut ends with the ellipsis, which counts', 'hello world', 6, 'hello…'],
    ['counts runes, not UTF-16 units: astral emoji are one rune', '😀😀😀😀', 4, '😀😀😀😀'],
    ['never splits a surrogate pair', '😀😀😀😀', 3, '😀😀…'],
    ['keeps a combining mark with its letter', 'abcde\u0301f', 6, 'abcd…'],
    ['keeps an emoji ZWJ sequence whole', 'ab👩‍👩‍👧‍👦cd', 4, 'ab…'],
    ['keeps a flag (two regional indicators) whole', 'a🇫🇷b', 3, 'a…'],
    ['a limit of 1 leaves only the ellipsis', 'hello', 1, '…'],
    ['a limit of 0 leaves nothing', 'hello', 0, ''],
  ])('%s', (_name, input, max, out) => {
    expect(truncateRunes(input, max)).toBe(out);
  });

  test('a 10 KB string is cut to the limit by runes', () => {
    const s = 'é'.repeat(10_000);
    const cut = truncateRunes(s, 1024);
    expect(runeLength(cut)).toBe(1024);
    expect(byteLength(cut)).toBeGreaterThan(1024);
  });

  test('property: never over the limit, a prefix of the input plus "…", no lone surrogate', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 0, max: 40 }), (s, max) => {
      const out = truncateRunes(s, max);
      expect(runeLength(out)).toBeLessThanOrEqual(Math.max(max, 0));
      if (out !== s && out !== '') {
        expect(out.endsWith('…')).toBe(true);
        expect(s.startsWith(out.slice(0, -1))).toBe(true);
      }
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }));
  });
});

describe('truncateBytes', () => {
  test.each([
    ['short text is unchanged', 'hello', 5, 'hello'],
    ['the ellipsis takes 3 bytes', 'hello world', 8, 'hello…'],
    ['a 2-byte rune is not split', 'aééé', 5, 'a…'],
    ['a 4-byte emoji is not split', 'a😀bc', 6, 'a…'],
    ['under 3 bytes nothing fits', 'hello', 2, ''],
  ])('%s', (_name, input, max, out) => {
    expect(truncateBytes(input, max)).toBe(out);
  });

  test('property: never over the byte limit', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 0, max: 80 }), (s, max) => {
      expect(byteLength(truncateBytes(s, max))).toBeLessThanOrEqual(max);
    }));
  });
});

describe('control characters', () => {
  test('escapes, BEL, CR, DEL, C1 and bidi overrides are removed; newline and tab stay', () => {
    expect(stripControls('a\x1b]0;pwned\x07b\r\n\tc\x7f\x9b31m\u202eZ')).toBe('a]0;pwnedb\n\tc31mZ');
  });
  test('oneLine folds newlines and tabs to one space', () => {
    expect(oneLine('a\n\n\tb\x00c')).toBe('a bc');
  });
});
