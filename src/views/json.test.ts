import { expect, test } from 'vitest';
import fc from 'fast-check';
import { toSafeJson } from './json.js';

test('ESC, C1 controls, DEL and bidi overrides from hub data are escaped, and the JSON value is unchanged', () => {
  const value = { name: 'evil\u202Ename\u009b31m\u007f', error: '\x1b]0;pwned\x07' };
  const text = toSafeJson(value);
  expect(text).not.toMatch(/[\u001b\u007f-\u009f\u202a-\u202e]/);
  expect(text).toContain('\\u202e');
  expect(text).toContain('\\u009b');
  expect(text).toContain('\\u001b');
  expect(JSON.parse(text)).toEqual(value);
});

test('property: any string survives the round trip and leaves no raw control or bidi character', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    const text = toSafeJson({ s });
    expect(JSON.parse(text)).toEqual({ s });
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text)).toBe(false);
  }));
});
