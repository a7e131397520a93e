import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { migrate } from './migrations.js';
import { TABLES } from './schema.js';

function fresh(): Database.Database {
  const db = new Database(':memory:');
  migrate(db, ':memory:');
  return db;
}

/** Bytes per raw sample after VACUUM, for `n` samples over 30 series polled every 5 s. */
function bytesPerSample(value: (series: number, k: number) => number | null, n = 150_000): number {
  const db = fresh();
  const series = db.prepare("INSERT INTO series (hub, name, labels) VALUES ('http://127.0.0.1:7000', ?, ?)");
  for (let i = 0; i < 30; i++) series.run(`metric.${i % 10}`, `{"server":"s${Math.floor(i / 10)}"}`);
  const ins = db.prepare('INSERT INTO samples (series_id, t, v, err) VALUES (?, ?, ?, NULL)');
  const t0 = Date.UTC(2026, 10, 25);
  db.transaction(() => {
    for (let k = 0; k < n / 30; k++) for (let s = 1; s <= 30; s++) ins.run(s, t0 + k * 5000 + (k % 997), value(s, k));
  })();
  db.exec('VACUUM');
  const bytes = Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
  // Only the samples table's pages count: dbstat gives them exactly.
  const own = (db.prepare("SELECT sum(pgsize) AS b FROM dbstat WHERE name = 'samples'").get() as { b: number }).b;
  db.close();
  expect(own).toBeLessThanOrEqual(bytes);
  return own / n;
}

describe('schema v1', () => {
  test('creates every table; samples and rollups are WITHOUT ROWID', () => {
    const db = fresh();
    const sqlOf = (name: string) => (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) as { sql: string } | undefined)?.sql;
    for (const t of TABLES) expect(sqlOf(t), t).toBeDefined();
    for (const t of ['samples', 'rollup_1m', 'rollup_1h']) expect(sqlOf(t)).toMatch(/WITHOUT ROWID/);
  });

  test('t keeps millisecond precision, and integral values come back as the same numbers', () => {
    const db = fresh();
    db.prepare("INSERT INTO series (hub, name) VALUES ('h', 'n')").run();
    const rows = [[1_764_050_400_123, 1], [1_764_050_400_124, 0.125], [1_764_050_400_125, 500_000_000], [1_764_050_400_126, null]];
    for (const [t, v] of rows) db.prepare('INSERT INTO samples (series_id, t, v) VALUES (1, ?, ?)').run(t, v);
    expect(db.prepare('SELECT t, v FROM samples ORDER BY t').raw().all()).toEqual(rows);
  });

  test('a raw sample costs at most 25 bytes on disk: mixed values ~19, every value a non-integral double ~23', () => {
    // Realistic: a third up/down flags (0/1), a third byte or request counters, a third latencies in ms.
    const mixed = bytesPerSample((s, k) => (s % 3 === 0 ? (k + s) % 2 : s % 3 === 1 ? 50_000_000 + k * 4096 : Math.round(((k * 7919 + s) % 100_000) / 10) / 100));
    const doubles = bytesPerSample((s, k) => Math.sin(k + s) * 1000);
    expect(mixed).toBeLessThanOrEqual(25);
    expect(doubles).toBeLessThanOrEqual(25);
  });
});
