import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH, escapeUnsafeJson, isRecord, jsonDepth, own, parseJsonSafe } from './json.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJsonSafe depth cap', () => {
  test('the cap is 64 levels', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
  });

  test('an array nested exactly 64 deep parses', () => {
    const r = parseJsonSafe(nested(64));
    expect(r.ok).toBe(true);
  });

  test('an array nested 65 deep is rejected as depth', () => {
    const r = parseJsonSafe(nested(65));
    expect(r).toMatchObject({ ok: false, reason: 'depth' });
    if (!r.ok) expect(r.message).toContain('64');
  });

  test('objects count towards depth like arrays', () => {
    const obj = (d: number) => '{"a":'.repeat(d) + '1' + '}'.repeat(d);
    expect(parseJsonSafe(obj(64)).ok).toBe(true);
    expect(parseJsonSafe(obj(65))).toMatchObject({ ok: false, reason: 'depth' });
  });

  test('a 10,000-deep body is rejected as depth and never raises RangeError', () => {
    let r: ReturnType<typeof parseJsonSafe> | undefined;
    expect(() => { r = parseJsonSafe(nested(10_000)); }).not.toThrow();
    expect(r).toMatchObject({ ok: false, reason: 'depth' });
  });

  test('an unterminated 10,000-deep body is also rejected as depth', () => {
    expect(parseJsonSafe('['.repeat(10_000))).toMatchObject({ ok: false, reason: 'depth' });
  });

  test('a caller-supplied cap is honoured', () => {
    expect(parseJsonSafe(nested(3), 3).ok).toBe(true);
    expect(parseJsonSafe(nested(4), 3)).toMatchObject({ ok: false, reason: 'depth' });
  });

  test('brackets inside strings, including after escaped quotes, do not count as depth', () => {
    const text = JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\" and "[[["' });
    expect(jsonDepth(text)).toBe(1);
    const deepInString = JSON.stringify([nested(200)]);
    expect(parseJsonSafe(deepInString)).toEqual({ ok: true, value: [nested(200)] });
  });

  test('jsonDepth reports the real nesting of any JSON value', () => {
    const depthOf = (v: unknown): number =>
      typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
      expect(jsonDepth(JSON.stringify(v), 1000)).toBe(depthOf(v));
    }));
  });

  test('any JSON value within the cap round-trips', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 10 }), (v) => {
      const text = JSON.stringify(v);
      expect(parseJsonSafe(text)).toEqual({ ok: true, value: JSON.parse(text) });
    }));
  });

  test('no input string makes it throw, and whatever it accepts equals JSON.parse', () => {
    const jsonish = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ':', ',', '1', 'a', ' '), maxLength: 200 });
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), jsonish), (s) => {
      const r = parseJsonSafe(s);
      if (r.ok) expect(r.value).toEqual(JSON.parse(s.replace(/^\ufeff/, '')));
      else expect(['syntax', 'depth']).toContain(r.reason);
    }));
  });
});

describe('parseJsonSafe BOM and syntax', () => {
  test('a leading byte-order mark is accepted', () => {
    expect(parseJsonSafe('\ufeff{"state":"ready"}')).toEqual({ ok: true, value: { state: 'ready' } });
  });

  test.each([
    ['an empty body', ''],
    ['a truncated object', '{"a":1'],
    ['single-quoted keys', "{'a':1}"],
    ['an HTML page', '<!DOCTYPE html><html></html>'],
    ['a trailing comma', '[1,2,]'],
    ['two BOMs', '\ufeff\ufeff{}'],
  ])('%s is classified as a syntax error', (_name, text) => {
    const r = parseJsonSafe(text);
    expect(r).toMatchObject({ ok: false, reason: 'syntax' });
    if (!r.ok) expect(r.message).toMatch(/^invalid JSON: /);
  });
});

describe('prototype safety', () => {
  test('a parsed "__proto__" key does not change Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const r = parseJsonSafe('{"__proto__":{"polluted":true,"toString":"x"},"a":{"__proto__":{"deep":1}}}');
    const after = Object.getOwnPropertyNames(Object.prototype).sort();
    expect(after).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(r.ok).toBe(true);
    if (r.ok && isRecord(r.value)) {
      expect(Object.prototype.hasOwnProperty.call(r.value, '__proto__')).toBe(true);
      expect(own(r.value, '__proto__')).toEqual({ polluted: true, toString: 'x' });
    }
  });

  test('own() ignores inherited properties', () => {
    const inherited = Object.create({ inherited: 'yes' }) as Record<string, unknown>;
    inherited.mine = 1;
    expect(own(inherited, 'mine')).toBe(1);
    expect(own(inherited, 'inherited')).toBeUndefined();
    expect(own({}, 'toString')).toBeUndefined();
    expect(own({}, 'constructor')).toBeUndefined();
    expect(own({}, '__proto__')).toBeUndefined();
  });

  test('own() reads an own "constructor" key as plain data', () => {
    const r = parseJsonSafe('{"constructor":{"prototype":{"x":1}}}');
    expect(r.ok && isRecord(r.value) && own(r.value, 'constructor')).toEqual({ prototype: { x: 1 } });
  });

  test.each([
    [{}, true],
    [{ a: 1 }, true],
    [[], false],
    [null, false],
    ['{}', false],
    [1, false],
    [undefined, false],
  ])('isRecord(%j) is %s', (v, expected) => {
    expect(isRecord(v)).toBe(expected);
  });
});

describe('escapeUnsafeJson (faults F5)', () => {
  test('JSON lines as pino writes them: C1, bidi, separators and DEL become \\u escapes, every line parses to the same value', () => {
    const values = [{ msg: 'alert firing', labels: { server: 'c1\u009b2J' } }, { server: 'rlo\u202e lri\u2066 pdi\u2069 ls\u2028 ps\u2029 del\u007f nel\u0085' }];
    const text = escapeUnsafeJson(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual(values);
  });

  test('property: any JSON.stringify output keeps its value and has no raw control, C1 or bidi character', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, s) => {
      const text = escapeUnsafeJson(JSON.stringify({ v, s }));
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ v, s })));
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    }));
  });
});
