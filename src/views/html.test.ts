import fc from 'fast-check';
import { expect, test } from 'vitest';
import { escapeHtml } from './html.js';

test.each([
  ['a tag', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['an event-handler attribute breakout', '" onerror="x', '&quot; onerror=&quot;x'],
  ['a single-quoted breakout', "' onload='x", '&#39; onload=&#39;x'],
  ['an entity, escaped once', '&amp;', '&amp;amp;'],
  ['ESC, invalid in XML, made visible', 'a\x1b]0;t\x07b', 'a\\x1b]0;t\\x07b'],
  ['NUL', 'a\x00b', 'a\\x00b'],
  ['a lone surrogate', 'a\ud800b', 'a\ufffdb'],
  ['newline and tab kept (valid in XML)', 'a\nb\tc', 'a\nb\tc'],
  ['plain text and emoji', 'everything ✓ 🚀', 'everything ✓ 🚀'],
])('escapes %s', (_what, input, expected) => {
  expect(escapeHtml(input)).toBe(expected);
});

test('no output ever contains markup characters or XML-invalid characters', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    const out = escapeHtml(s);
    expect(out).not.toMatch(/[<>"']/);
    expect(out).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  }));
});
