import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { escapeMarkdown, markdownCode, markdownTable } from './markdown.js';

describe('escapeMarkdown', () => {
  test.each([
    ['a pipe, which would split a table cell', 'a|b', 'a\\|b'],
    ['backticks', 'x`rm -rf`y', 'x\\`rm -rf\\`y'],
    ['emphasis with stars', '**loud**', '\\*\\*loud\\*\\*'],
    ['emphasis with underscores', '__proto__', '\\_\\_proto\\_\\_'],
    ['a link', '[click](javascript:alert(1))', '\\[click\\](javascript:alert(1))'],
    ['an image', '![x](http://e/x.png)', '\\!\\[x\\](http://e/x.png)'],
    ['HTML', '<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert(1)\\>'],
    ['an entity', '&lt;script&gt;', '\\&lt;script\\&gt;'],
    ['a newline, which would end the row', 'line1\nline2', 'line1\\\\x0aline2'],
    ['a carriage return', 'a\r\nb', 'a\\\\x0d\\\\x0ab'],
    ['an escape sequence', '\x1b]0;pwned\x07', '\\\\x1b\\]0;pwned\\\\x07'],
    ['a bidi override', 'abc\u202Etxt', 'abc\\<U+202E\\>txt'],
    ['a backslash', 'C:\\dir', 'C:\\\\dir'],
    ['strikethrough and headings', '~~x~~ #1', '\\~\\~x\\~\\~ \\#1'],
    ['a plain URL (kept readable)', 'http://127.0.0.1:7000', 'http://127.0.0.1:7000'],
  ])('escapes %s', (_what, input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  test('a long string is cut', () => {
    expect(escapeMarkdown('x'.repeat(1000), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  test('property: the result has no line break and no unescaped syntax character', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      const out = escapeMarkdown(s);
      expect(out).not.toMatch(/[\r\n\u2028\u2029]/);
      // Remove escaped pairs; what is left must contain no syntax character at all.
      expect(out.replace(/\\[\\`*_[\]<>|~&!#]/g, '')).not.toMatch(/[\\`*_[\]<>|~&!#]/);
    }));
  });
});

describe('markdownCode and markdownTable', () => {
  test('code spans wrap plain text and escape text with backticks', () => {
    expect(markdownCode('run-1')).toBe('`run-1`');
    expect(markdownCode('a`b')).toBe('a\\`b');
  });

  test('a table has a header rule with alignment', () => {
    expect(markdownTable(['a', 'b'], [['1', '2']], ['l', 'r'])).toBe('| a | b |\n| --- | ---: |\n| 1 | 2 |');
  });
});
