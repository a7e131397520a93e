import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { alert, batch, firingBatch, resolvedBatch } from '../../test/support/alert-batches.js';
import { batchTitle, listWithin, statusTag, topSeverity } from './summary.js';
import { byteLength, runeLength } from './truncate.js';

describe('titles', () => {
  test.each([
    ['one alert: its summary', firingBatch(), '[FIRING:1] server crashy is down'],
    ['resolved', resolvedBatch(), '[RESOLVED] server crashy is down'],
    ['a test notification', { ...firingBatch(), test: true }, '[TEST] [FIRING:1] server crashy is down'],
    ['several: group labels and rules', batch([alert('a'), alert('b', { rule: 'HubDown' })]), '[FIRING:2] http://127.0.0.1:7000: ServerDown, HubDown'],
    ['firing count excludes resolved alerts', batch([alert('a'), alert('b', { status: 'resolved', endsAt: 1 })]), '[FIRING:1] http://127.0.0.1:7000: ServerDown'],
  ])('%s', (_name, b, title) => {
    expect(batchTitle(b)).toBe(title);
  });

  test('more than five rules are counted, not listed', () => {
    const b = batch(Array.from({ length: 8 }, (_, i) => alert(`s${i}`, { rule: `R${i}` })));
    expect(batchTitle(b)).toBe('[FIRING:8] http://127.0.0.1:7000: R0, R1, R2, R3, R4, +3 more');
  });

  test('status tag and top severity', () => {
    expect(statusTag(resolvedBatch())).toBe('[RESOLVED]');
    expect(topSeverity(batch([alert('a', { severity: 'info' }), alert('b', { severity: 'warning' })]))).toBe('warning');
    expect(topSeverity(batch([]))).toBe('info');
  });
});

describe('listWithin', () => {
  test('all items when they fit', () => {
    expect(listWithin(['a', 'b'], { budget: 10, maxItems: 5 })).toBe('a\nb');
  });
  test('the item limit, then "+N more"', () => {
    expect(listWithin(['a', 'b', 'c', 'd'], { budget: 100, maxItems: 2 })).toBe('a\nb\n+2 more');
  });
  test('the budget keeps room for the "+N more" line', () => {
    expect(listWithin(['aaaa', 'bbbb', 'cccc'], { budget: 14, maxItems: 10 })).toBe('aaaa\n+2 more');
  });
  test('property: never over budget (runes or bytes), always accounts for every item', () => {
    fc.assert(fc.property(
      fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { maxLength: 60 }),
      fc.integer({ min: 12, max: 400 }), fc.integer({ min: 1, max: 30 }), fc.boolean(),
      (items, budget, maxItems, bytes) => {
        const measure = bytes ? byteLength : runeLength;
        const out = listWithin(items, { budget, maxItems, measure });
        expect(measure(out)).toBeLessThanOrEqual(Math.max(budget, measure(`+${items.length} more`)));
        const more = /\+(\d+) more$/.exec(out);
        if (more) expect(Number(more[1])).toBeGreaterThan(0);
        else expect(out).toBe(items.join('\n'));
      },
    ));
  });
});
