import { describe, expect, test } from 'vitest';
import { capServers, DroppedSeries, MAX_LABEL_LENGTH, sanitizeLabelValue } from './metric-labels.js';

describe('sanitizeLabelValue', () => {
  test.each([
    ['plain', 'everything', 'everything'],
    ['OSC title escape loses its control bytes', '\x1b]0;pwned\x07', ']0;pwned'],
    ['CSI and C1', '\x1b[2Jx\u009b31m', '[2Jx31m'],
    ['newline, tab and CR are dropped (a label is one line)', 'a\nb\tc\rd', 'abcd'],
    ['quote and backslash stay (prom-client escapes them)', 'a"b\\c', 'a"b\\c'],
    ['bidi override is shown, not applied', 'abc\u202Edef', 'abc<U+202E>def'],
    ['zero-width joiner is shown', 'fi\u200dle', 'fi<U+200D>le'],
    ['a lone surrogate becomes U+FFFD', 'x\ud800y', 'x\ufffdy'],
    ['__proto__ is just a name', '__proto__', '__proto__'],
  ])('%s', (_name, input, want) => {
    expect(sanitizeLabelValue(input)).toBe(want);
  });

  test('a 10 KB name is cut to 128 code points ending in a hash of the whole', () => {
    const long = 'x'.repeat(10_240);
    const out = sanitizeLabelValue(long);
    expect([...out]).toHaveLength(MAX_LABEL_LENGTH);
    expect(out).toMatch(/^x+…#[0-9a-f]{8}$/);
  });

  test('two long names with the same prefix stay two values', () => {
    const a = sanitizeLabelValue(`${'y'.repeat(500)}a`);
    const b = sanitizeLabelValue(`${'y'.repeat(500)}b`);
    expect(a).not.toBe(b);
  });

  test('a cut never splits a surrogate pair', () => {
    const out = sanitizeLabelValue('😀'.repeat(300));
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect([...out]).toHaveLength(MAX_LABEL_LENGTH);
  });
});

describe('capServers', () => {
  test('keeps the first N by name and folds the rest', () => {
    const servers = ['d', 'a', 'c', 'b'].map((name) => ({ name }));
    const { kept, folded } = capServers(servers, 2);
    expect(kept.map((s) => s.name)).toEqual(['a', 'b']);
    expect(folded.map((s) => s.name)).toEqual(['c', 'd']);
  });
});

describe('DroppedSeries', () => {
  test('counts each folded series once, however many scrapes see it', () => {
    const d = new DroppedSeries();
    expect(d.note('h', ['x', 'y'])).toBe(2);
    expect(d.note('h', ['x', 'y', 'z'])).toBe(1);
    expect(d.note('other-hub', ['x'])).toBe(1);
    expect(d.total).toBe(4);
  });

  test('stays bounded under endless new names', () => {
    const d = new DroppedSeries(100);
    for (let i = 0; i < 10_000; i++) d.note('h', [`s${i}`]);
    expect(d.total).toBe(10_000);
    expect((d as unknown as { seen: Set<string> }).seen.size).toBeLessThanOrEqual(100);
  });
});
