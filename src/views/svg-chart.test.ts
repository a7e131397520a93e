import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { barChart, formatCompact, lineChart, niceTicks } from './svg-chart.js';

const T0 = Date.UTC(2026, 0, 5);
const H = 3_600_000;
const paths = (svg: string) => [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!);
const numbersIn = (d: string) => (d.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);

describe('lineChart', () => {
  test('draws one path per series with axes, ticks, a title and a legend', () => {
    const svg = lineChart([
      { name: 'p50', points: [0, 1, 2, 3].map((i) => ({ x: T0 + i * H, y: 10 + i })) },
      { name: 'p95', points: [0, 1, 2, 3].map((i) => ({ x: T0 + i * H, y: 20 + i })) },
    ], { title: 'Latency', xAxis: 'time' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="720" height="260"/);
    expect(svg).toContain('<title>Latency</title>');
    expect(paths(svg).filter((d) => d.includes('L'))).toHaveLength(2);
    expect(paths(svg).filter((d) => d.includes('V'))).toHaveLength(1); // the axes
    expect(svg).toContain('>01:00<'); // UTC time ticks
    expect(svg).toContain('>p95<');
  });

  test('the same data gives the same bytes', () => {
    const s = [{ name: 'a', points: [{ x: 1, y: 0.1 + 0.2 }, { x: 2, y: 0.3 }] }];
    expect(lineChart(s, { title: 't' })).toBe(lineChart(s.map((x) => ({ ...x, points: [...x.points].reverse() })), { title: 't' }));
  });

  test('empty data and all-null data say "no data" instead of drawing', () => {
    expect(lineChart([], { title: 'x' })).toContain('>no data<');
    expect(lineChart([{ name: 'a', points: [{ x: 1, y: null }, { x: 2, y: NaN }] }], { title: 'x' })).toContain('>no data<');
  });

  test('a single point is drawn as a marker, with a usable axis', () => {
    const svg = lineChart([{ name: 'a', points: [{ x: T0, y: 5 }] }], { title: 'one', xAxis: 'time' });
    expect(svg).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="2.5"/);
    expect(svg).not.toContain('NaN');
  });

  test('NaN, Infinity and null break the line; they are never plotted', () => {
    const svg = lineChart([{ name: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 2, y: Infinity }, { x: 3, y: NaN }, { x: 4, y: 3 }, { x: 5, y: 4 }, { x: 6, y: null }] }], { title: 'gaps' });
    const line = paths(svg).filter((d) => d.includes('L') && !d.includes('V'));
    expect(line).toHaveLength(1);
    expect(line[0]!.match(/M/g)).toHaveLength(2); // two runs
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  test.each([
    ['huge values', [0, 1e300, 1.7e308]],
    ['both extremes', [-1.7e308, 1.7e308]],
    ['tiny values', [1e-12, 2e-12]],
    ['a flat line', [7, 7, 7]],
  ])('%s stay finite and inside the plot', (_name, ys) => {
    const svg = lineChart([{ name: 'a', points: ys.map((y, i) => ({ x: i, y })) }], { title: 't' });
    expect(svg).not.toMatch(/NaN|Infinity/);
    for (const d of paths(svg)) for (const v of numbersIn(d)) expect(v).toBeGreaterThanOrEqual(0);
  });

  test('labels are escaped: a hostile series name or title cannot open a tag', () => {
    const svg = lineChart([{ name: '<script>x</script>', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }, { name: '"onload="', points: [{ x: 0, y: 1 }] }],
      { title: '<img src=x onerror=alert(1)>\x1b]0;t\x07' });
    expect(svg).not.toMatch(/<script|<img|"onload="/);
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('\\x1b]0;t\\x07');
  });

  test('any finite or non-finite input renders without NaN and with balanced tags', () => {
    fc.assert(fc.property(fc.array(fc.record({ x: fc.double(), y: fc.option(fc.double(), { nil: null }) }), { maxLength: 30 }), (points) => {
      const svg = lineChart([{ name: 's', points }], { title: 't' });
      expect(svg).not.toMatch(/NaN|"Infinity|-Infinity"/);
      expect(svg.match(/<svg/g)).toHaveLength(1);
      expect(svg.endsWith('</svg>')).toBe(true);
    }), { numRuns: 200, examples: [[[{ x: 0, y: 6e-323 }]], [[{ x: 1, y: -5e-324 }, { x: 2, y: 5e-324 }]]] });
  });

  test('a flat series of denormal values (found by the property above) renders finite ticks', () => {
    expect(lineChart([{ name: 's', points: [{ x: 0, y: 6e-323 }] }], { title: 't' })).not.toMatch(/NaN|Infinity/);
  });
});

/** Every tag's attribute names, so a duplicate (which makes a standalone .svg unparseable) shows. */
const duplicateAttributes = (svg: string) => [...svg.matchAll(/<[a-z]+((?:\s+[a-z:-]+="[^"]*")*)\s*\/?>/gi)]
  .flatMap((m) => {
    const names = [...m[1]!.matchAll(/([a-z:-]+)=/gi)].map((a) => a[1]!);
    return names.filter((n, i) => names.indexOf(n) !== i);
  });

test('no element repeats an attribute (XML forbids it; a standalone .svg would not open)', () => {
  const line = lineChart([{ name: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }, { name: 'b', points: [{ x: 0, y: 3 }] }], { title: 't', xAxis: 'time' });
  const bars = barChart([{ label: 'a', value: 1 }], { title: 't' });
  for (const svg of [line, bars, lineChart([], { title: 'e' })]) {
    expect(svg.match(/<[a-z]+[^>]*>/gi)!.length).toBeGreaterThan(2);
    expect(duplicateAttributes(svg)).toEqual([]);
  }
});

describe('barChart', () => {
  test('one rect per finite bar, labels and values shown, non-finite bars skipped', () => {
    const svg = barChart([{ label: 'ECONNRESET', value: 25 }, { label: 'EPIPE', value: 2 }, { label: 'bad', value: NaN }, { label: 'inf', value: Infinity }], { title: 'Top codes' });
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="16"/g)).toHaveLength(2);
    expect(svg).toContain('>ECONNRESET<');
    expect(svg).toContain('>25<');
    expect(svg).not.toContain('>bad<');
  });

  test('empty bars say "no data"; zero values still show a hairline', () => {
    expect(barChart([], { title: 'x' })).toContain('>no data<');
    expect(barChart([{ label: 'z', value: 0 }], { title: 'x' })).toMatch(/width="1.0" height="16"/);
  });

  test('hostile labels are escaped and cut', () => {
    const svg = barChart([{ label: `<img src=x onerror="window.__pwned=1">${'x'.repeat(100)}`, value: 1 }], { title: 't' });
    expect(svg).not.toMatch(/<img|onerror="/);
    expect(svg).toContain('&lt;img src=x onerror=');
    expect(svg).toContain('…');
  });
});

describe('helpers', () => {
  test.each([[0, '0'], [0.25, '0.25'], [12, '12'], [1500, '1.5k'], [2_000_000, '2M'], [3.14e9, '3.14G'], [1e300, '1.00e+300'], [-1500, '-1.5k']])(
    'formatCompact(%s) = %s', (v, s) => expect(formatCompact(v)).toBe(s));

  test('nice ticks cover the range with round steps', () => {
    expect(niceTicks(0, 97)).toEqual({ lo: 0, hi: 100, ticks: [0, 25, 50, 75, 100] });
    expect(niceTicks(99.2, 100).ticks.every((t) => Number.isFinite(t))).toBe(true);
    expect(niceTicks(5, 5).lo).toBeLessThan(5);
  });
});
