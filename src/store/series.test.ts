import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { migrate } from './migrations.js';
import { canonicalLabels, parseLabels, SeriesRegistry } from './series.js';
import { Sql } from './sql.js';

function registry(): { reg: SeriesRegistry; sql: Sql } {
  const db = new Database(':memory:');
  migrate(db, ':memory:');
  const sql = new Sql(db);
  return { reg: new SeriesRegistry(sql), sql };
}

describe('canonicalLabels', () => {
  test.each([
    ['no labels', undefined, ''],
    ['an empty set', {}, ''],
    ['one label', { server: 'a' }, '{"server":"a"}'],
    ['keys sorted', { z: '1', a: '2' }, '{"a":"2","z":"1"}'],
    ['integer-like keys sorted as strings, unlike JSON.stringify', { b: 'x', 10: 'y', 2: 'z' }, '{"10":"y","2":"z","b":"x"}'],
    ['quotes and control characters escaped', { 'a"b': 'c\nd' }, '{"a\\"b":"c\\nd"}'],
  ])('%s', (_name, labels, text) => {
    expect(canonicalLabels(labels as Record<string, string> | undefined)).toBe(text);
  });

  test('a non-string value is a caller bug', () => {
    expect(() => canonicalLabels({ n: 1 as unknown as string })).toThrow(/label "n": value must be a string/);
  });

  test('property: key order never matters, and parseLabels gives the set back', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string(), { maxKeys: 6 }), (labels) => {
      const reversed = Object.fromEntries(Object.entries(labels).reverse());
      const text = canonicalLabels(labels);
      expect(canonicalLabels(reversed)).toBe(text);
      expect({ ...parseLabels(text) }).toEqual({ ...labels });
    }));
  });

  test('parseLabels returns a null-prototype object, so "__proto__" is just a label', () => {
    const parsed = parseLabels('{"__proto__":"x","a":"b"}');
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
    expect(parsed.__proto__).toBe('x');
  });
});

describe('SeriesRegistry', () => {
  test('the same (hub, name, labels) always gets the same id; anything else another one', () => {
    const { reg } = registry();
    const a = reg.id('h1', 'hub.up', '');
    expect(reg.id('h1', 'hub.up', '')).toBe(a);
    expect(new Set([a, reg.id('h2', 'hub.up', ''), reg.id('h1', 'hub.rss', ''), reg.id('h1', 'hub.up', '{"s":"x"}')]).size).toBe(4);
  });

  test('ids survive a new registry over the same database (the cache is only a cache)', () => {
    const { reg, sql } = registry();
    const a = reg.id('h', 'n', '{"s":"1"}');
    expect(new SeriesRegistry(sql).id('h', 'n', '{"s":"1"}')).toBe(a);
  });

  test('forget drops ids created in a rolled-back transaction, so they are created again', () => {
    const { reg, sql } = registry();
    const created: string[] = [];
    expect(() => sql.write(() => {
      reg.id('h', 'n', '', created);
      throw new Error('SQLITE_FULL, say');
    })).toThrow('SQLITE_FULL');
    expect(created).toHaveLength(1);
    reg.forget(created);
    expect(reg.find('h', 'n', '')).toBeUndefined();
    const id = reg.id('h', 'n', '');
    expect(sql.stmt('SELECT count(*) AS n FROM series WHERE id = ?').get(id)).toEqual({ n: 1 });
  });

  test('an empty name is refused', () => {
    expect(() => registry().reg.id('h', '', '')).toThrow(/non-empty/);
  });

  test('match filters by hub and labels only when given; list and hubs read back', () => {
    const { reg } = registry();
    const x1 = reg.id('h1', 'server.up', '{"server":"x"}');
    const y1 = reg.id('h1', 'server.up', '{"server":"y"}');
    const x2 = reg.id('h2', 'server.up', '{"server":"x"}');
    reg.id('h2', 'hub.up', '');
    reg.id('', 'host.disk.store_bytes', ''); // the monitor's own series: not a hub
    const ids = (q: Parameters<SeriesRegistry['match']>[0]) => reg.match(q).map((m) => m.id).sort();
    expect(ids({ name: 'server.up' })).toEqual([x1, y1, x2].sort());
    expect(ids({ name: 'server.up', hub: 'h1' })).toEqual([x1, y1].sort());
    expect(ids({ name: 'server.up', labelsText: '{"server":"x"}' })).toEqual([x1, x2].sort());
    expect(ids({ name: 'server.up', hub: 'h2', labelsText: '{"server":"x"}' })).toEqual([x2]);
    expect(ids({ name: 'server.up', hub: 'h2', labelsText: '{"server":"y"}' })).toEqual([]);
    expect(reg.hubs()).toEqual(['h1', 'h2']);
    expect(reg.list('h2').map((s) => [s.name, { ...s.labels }])).toEqual([['hub.up', {}], ['server.up', { server: 'x' }]]);
    expect(reg.list()).toHaveLength(5);
  });
});
