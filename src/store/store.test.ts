import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, test } from 'vitest';
import { HOUR_MS } from './rollup.js';
import { Store, type SampleInput } from './store.js';
import { historyDbPath } from '../config/paths.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = join(HERE, '..', '..', 'node_modules');
const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const roots: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function stateDir(): string {
  const r = mkdtempSync(join(tmpdir(), 'store-'));
  roots.push(r);
  return join(r, 'state');
}
function open(dir = stateDir(), opts: { busyTimeoutMs?: number } = {}): Store {
  const s = Store.open({ stateDir: dir, quickCheck: false, ...opts });
  stores.push(s);
  return s;
}
const poll = (t: number, hub = 'h', series = 30): SampleInput[] =>
  Array.from({ length: series }, (_, i) => ({ hub, name: `metric.${i % 10}`, labels: { server: `s${Math.floor(i / 10)}` }, t, v: i * 1.5 }));
const count = (s: Store): number => (s.db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
function sqliteCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('insertSamples', () => {
  test('a row with the series and t of a stored one is ignored, not an error; the first value stays', () => {
    const s = open();
    expect(s.insertSamples(poll(T0))).toEqual({ inserted: 30, duplicates: 0 });
    const replay = poll(T0).map((r) => ({ ...r, v: 999 }));
    expect(s.insertSamples([...replay, ...poll(T0 + 5000), ...poll(T0 + 5000)])).toEqual({ inserted: 30, duplicates: 60 });
    expect(count(s)).toBe(60);
    expect(s.querySamples({ hub: 'h', name: 'metric.1', labels: { server: 's0' }, from: 0, to: Infinity, resolution: 'raw' }).map((r) => r.v)).toEqual([1.5, 1.5]);
  });

  test('labels in any key order are the same series', () => {
    const s = open();
    s.insertSamples([{ hub: 'h', name: 'n', labels: { a: '1', b: '2' }, t: 1, v: 1 }, { hub: 'h', name: 'n', labels: { b: '2', a: '1' }, t: 2, v: 1 }]);
    expect(s.listSeries()).toHaveLength(1);
    expect(s.seriesId('h', 'n', { b: '2', a: '1' })).toBe(s.listSeries()[0]?.id);
  });

  test.each([
    ['a fractional t', { t: 1.5, v: 1 }, /t must be epoch ms/],
    ['a negative t', { t: -1, v: 1 }, /t must be epoch ms/],
    ['NaN', { t: 1, v: Number.NaN }, /finite number or null/],
    ['Infinity', { t: 1, v: Infinity }, /finite number or null/],
  ])('%s rejects the whole batch before anything is written', (_name, bad, msg) => {
    const s = open();
    expect(() => s.insertSamples([...poll(T0), { hub: 'h', name: 'x', ...bad }])).toThrow(msg);
    expect(count(s)).toBe(0);
  });

  test('SQLITE_FULL (PRAGMA max_page_count) surfaces with its code; nothing of the batch is kept; raising the limit recovers (faults B1)', () => {
    const s = open();
    s.insertSamples(poll(T0));
    const pages = Number(s.db.pragma('page_count', { simple: true }));
    s.db.pragma(`max_page_count = ${pages + 2}`);
    const big = Array.from({ length: 400 }, (_, k) => poll(T0 + (k + 1) * 5000, 'h2')).flat(); // new series, ~12,000 rows
    expect(sqliteCode(() => s.insertSamples(big))).toBe('SQLITE_FULL');
    expect(count(s)).toBe(30);
    expect(s.listHubs()).toEqual(['h']); // the batch's new series rolled back with it
    s.db.pragma('max_page_count = 1000000');
    expect(s.insertSamples(big)).toEqual({ inserted: 12_000, duplicates: 0 });
    // Every sample points at a series row: ids cached during the failed batch were forgotten.
    expect(s.db.prepare('SELECT count(*) AS n FROM samples m LEFT JOIN series s ON s.id = m.series_id WHERE s.id IS NULL').get()).toEqual({ n: 0 });
    expect(s.listHubs()).toEqual(['h', 'h2']);
    expect(s.integrityCheck()).toBe('ok');
  });

  test('a database locked by another process: SQLITE_BUSY after busy_timeout, reads go on, writes resume after (faults B4)', () => {
    const dir = stateDir();
    const s = open(dir, { busyTimeoutMs: 200 });
    s.insertSamples(poll(T0));
    const other = new Database(historyDbPath(dir));
    other.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    expect(sqliteCode(() => s.insertSamples(poll(T0 + 5000)))).toBe('SQLITE_BUSY');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(s.lastSampleTime()).toBe(T0); // WAL: readers are not blocked by the writer
    other.exec('ROLLBACK');
    other.close();
    expect(s.insertSamples(poll(T0 + 5000)).inserted).toBe(30);
  });
});

describe('insertEvents and housekeeping', () => {
  test('events are stored with JSON data; sizeBytes, checkpoint, integrityCheck and close work', () => {
    const s = open();
    expect(s.insertEvents([{ hub: 'h', t: 1, type: 'hub_state', data: { state: 'ready', source: 'poll', pid: 7 } }, { hub: 'h', t: 2, type: 'sse_open' }])).toBe(2);
    expect(s.db.prepare('SELECT data FROM events ORDER BY id').all()).toEqual([{ data: '{"state":"ready","source":"poll","pid":7}' }, { data: null }]);
    expect(() => s.insertEvents([{ hub: 'h', t: 1.5, type: 'sse_open' }])).toThrow(/events\[0\]: t must be epoch ms/);
    expect(s.insertEvents([])).toBe(0);
    expect(s.insertSamples([])).toEqual({ inserted: 0, duplicates: 0 });
    const size = s.sizeBytes();
    expect(size).toBeGreaterThan(0);
    s.insertSamples(Array.from({ length: 200 }, (_, k) => poll(T0 + k * 5000)).flat());
    expect(s.sizeBytes()).toBeGreaterThan(size);
    expect(s.checkpoint('TRUNCATE')).toMatchObject({ busy: 0 });
    expect(s.integrityCheck()).toBe('ok');
    s.close();
    s.close();
    expect(() => s.lastSampleTime()).toThrow(/not open/);
  });
});

describe('query plans', () => {
  test('EXPLAIN QUERY PLAN of every prepared production statement is a key or index range, never a table scan', () => {
    const s = open();
    // Exercise every method, so every production statement gets prepared.
    const runId = s.startRun({ pid: 1, t: T0, cleanStart: true });
    for (let k = 0; k < 100; k++) s.insertSamples(poll(T0 + k * 60_000), { runId });
    s.insertSamples(poll(T0)); // duplicates
    s.beat(runId, T0 + 1);
    s.insertEvents([{ hub: 'h', t: T0, type: 'hub_state', server: 'x', data: { state: 'ready', source: 'poll', pid: null } }]);
    s.rollup(T0 + 3 * HOUR_MS);
    s.insertSamples([{ hub: 'h', name: 'late', t: T0, v: 1 }]); // marks the rollup dirty
    s.rollup(T0 + 3 * HOUR_MS);
    s.retention(T0 + 400 * 24 * HOUR_MS, undefined, { maxRowsPerCall: 50 }); // stops inside a series
    while (!s.retention(T0 + 500 * 24 * HOUR_MS).done); // reaches every table
    s.seriesId('h', 'new', { a: 'b' });
    for (const resolution of ['raw', '1m', '1h'] as const) {
      s.querySamples({ name: 'metric.1', from: 0, to: T0, resolution });
      s.querySamples({ hub: 'h', name: 'metric.1', from: 0, to: T0, resolution });
      s.querySamples({ name: 'metric.1', labels: {}, from: 0, to: T0, resolution });
      s.querySamples({ hub: 'h', name: 'metric.1', labels: { server: 's0' }, from: 0, to: T0, resolution });
    }
    for (const hub of [undefined, 'h']) {
      for (const type of [undefined, 'hub_state']) {
        for (const order of ['asc', 'desc'] as const) s.queryEvents({ hub, type, from: 0, to: T0, limit: 10, order });
      }
      s.eventsAfter(hub ?? 'h', ['server_status', 'server_dead', 'hub_state'], 0, 10);
      s.listSeries(hub);
      s.lastSampleTime(hub);
    }
    s.listHubs();
    s.ratio('h', 'hub.up', 0, T0, 'raw');
    s.samplesOfName('h', 'metric.1', 0, T0);
    s.minutesOfName('h', 'metric.1', 0, T0 + 400 * 24 * HOUR_MS);
    s.ratio('h', 'hub.up', 0, T0, '1m');
    s.lastRun();
    s.gaps(0, T0);
    s.stopRun(runId, T0 + 2, true);

    const texts = s.sql.prepared();
    for (const must of ['DELETE FROM samples', 'DELETE FROM rollup_1m', 'DELETE FROM rollup_1h', 'DELETE FROM events', 'INSERT OR REPLACE INTO rollup_1m', 'INSERT OR REPLACE INTO rollup_1h', 'FROM events WHERE hub = ? AND type = ?', 'FROM runs WHERE started_at']) {
      expect(texts.some((t) => t.includes(must)), must).toBe(true);
    }
    const bad: string[] = [];
    for (const text of texts) {
      const params = (text.match(/\?/g) ?? []).length;
      const plan = (s.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...Array(params).fill(null)) as { detail: string }[]).map((r) => r.detail);
      for (const line of plan) {
        if (!/\bSCAN\b/.test(line)) continue;
        // The only scan allowed is of the small series table (one row per metric), through a covering
        // index: listing series, or looping over them to seek into samples/rollups by primary key.
        if (/^SCAN (series|s) USING COVERING INDEX /.test(line)) continue;
        bad.push(`${line}    in: ${text.replace(/\s+/g, ' ')}`);
      }
    }
    expect(bad).toEqual([]);
    expect(texts.length).toBeGreaterThanOrEqual(30);
  });
});

describe('durability (faults B6)', () => {
  test('SIGKILLed 20 times at random moments while writing: integrity ok and every acknowledged sample present', async () => {
    const dir = stateDir();
    const script = join(dirname(dir), 'writer.cjs');
    buildSync({
      stdin: {
        contents: `import { writeSync } from 'node:fs';
          import { Store } from './store.js';
          const store = Store.open({ stateDir: process.argv[2] });
          const prev = store.lastRun();
          const runId = store.startRun({ pid: process.pid, t: Date.now(), cleanStart: prev === undefined || prev.clean_stop === 1 });
          let t = (store.lastSampleTime() ?? ${T0}) + 5000;
          for (let k = 0; ; k++, t += 5000) {
            const rows = [];
            for (let i = 0; i < 30; i++) rows.push({ hub: 'h', name: 'm' + i, t, v: k % 2 ? null : i, err: k % 2 ? 'timeout' : undefined });
            store.insertSamples(rows, { runId });
            if (k % 7 === 0) store.insertEvents([{ hub: 'h', t, type: 'tick', data: { k } }]);
            if (k % 50 === 0) store.rollup(t);
            writeSync(1, t + '\\n'); // after the commit: this t is acknowledged
          }`,
        resolveDir: HERE, loader: 'ts', sourcefile: 'writer.ts',
      },
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: script, external: ['better-sqlite3'], logLevel: 'error',
    });
    const acknowledged: number[] = [];
    for (let kill = 0; kill < 20; kill++) {
      const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: NODE_MODULES } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      await new Promise<void>((res, rej) => {
        child.stdout.once('data', () => res());
        child.once('exit', (code) => rej(new Error(`writer exited ${code}`)));
      });
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const lines = out.split('\n');
      lines.pop(); // a line cut by the kill is not an acknowledgement
      acknowledged.push(...lines.map(Number));

      const s = Store.open({ stateDir: dir }); // as the restarted daemon would: quick_check included
      try {
        expect(s.openInfo.corruptMovedTo).toBeUndefined();
        expect(s.integrityCheck()).toBe('ok');
        const last = acknowledged.at(-1) as number;
        expect(s.lastSampleTime()).toBeGreaterThanOrEqual(last);
        // The killed run's coverage reaches its last committed batch: the gap starts there.
        expect(s.lastRun()?.last_beat_at).toBeGreaterThanOrEqual(last);
      } finally {
        s.close();
      }
    }
    const s = open(dir);
    const perT = new Map((s.db.prepare('SELECT t, count(*) AS n FROM samples GROUP BY t').all() as { t: number; n: number }[]).map((r) => [r.t, r.n]));
    const missing = acknowledged.filter((t) => perT.get(t) !== 30);
    expect(acknowledged.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
    expect(s.lastRun()?.clean_start).toBe(0); // every start after a kill is unclean
  });
});

describe('ratios for SLOs', () => {
  test('ratioOver counts each poll once across rollups and the newest raw minutes; failed polls count as bad', () => {
    const s = open();
    const now = T0 + 10 * HOUR_MS;
    const rows = Array.from({ length: 600 }, (_, k) => ({ hub: 'h', name: 'hub.up', t: T0 + k * 60_000 + 5_000, v: k % 100 === 7 ? null : k % 50 === 3 ? 0 : 1 }));
    s.insertSamples(rows);
    s.rollup(T0 + 4 * HOUR_MS); // folded up to a watermark: the rest is only raw
    const expected = { good: rows.filter((r) => r.v === 1).length, total: rows.length };
    expect(s.ratioOver('h', 'hub.up', now - 30 * 24 * HOUR_MS, now + 1)).toEqual(expected);
    expect(s.ratioOver('h', 'hub.up', now - HOUR_MS, now + 1).total).toBe(60);
    // Before any rollup ran (a daemon's first minutes), the long window still sees the raw polls.
    const fresh = open();
    fresh.insertSamples(rows.slice(-3));
    expect(fresh.ratioOver('h', 'hub.up', now - 30 * 24 * HOUR_MS, now + 1).total).toBe(3);
  });
});

describe('observedMs: how much of a window a hub\'s series has data for', () => {
  test('from the series\' first data on (raw or rolled up), less the time no daemon ran; the live run covers up to now', () => {
    const s = open();
    const M = 60_000;
    const first = s.startRun({ pid: 1, t: T0, cleanStart: true });
    // Hub a polled from the start, hub b added 20 minutes in; the daemon stopped 30 → 40 min.
    for (let t = T0; t < T0 + 30 * M; t += 5_000) s.insertSamples([{ hub: 'a', name: 'hub.up', t, v: 1 }, ...(t >= T0 + 20 * M ? [{ hub: 'b', name: 'hub.up', t, v: 1 }] : [])]);
    s.stopRun(first, T0 + 30 * M, true);
    const second = s.startRun({ pid: 2, t: T0 + 40 * M, cleanStart: true });
    s.beat(second, T0 + 50 * M);
    const window = [T0 - 24 * HOUR_MS, T0 + 60 * M] as const;
    expect(s.observedMs('a', 'hub.up', ...window)).toBe(40 * M); // 0–30 and 40–50 (its last beat)
    expect(s.observedMs('a', 'hub.up', ...window, { currentRunId: second })).toBe(50 * M); // the asking daemon runs to now
    expect(s.observedMs('b', 'hub.up', ...window)).toBe(20 * M); // 20–30 and 40–50
    expect(s.observedMs('c', 'hub.up', ...window)).toBe(0);
    // Once raw samples are rolled up and deleted, the first minute bucket still says when data began.
    s.rollup(T0 + 60 * M);
    s.db.prepare('DELETE FROM samples').run();
    expect(s.observedMs('b', 'hub.up', ...window)).toBe(20 * M);
  });

  test('F7: the time the daemon\'s time line skipped to follow the wall clock forward (its clock_jump says how long) is not observed', () => {
    const s = open();
    const M = 60_000;
    const run = s.startRun({ pid: 1, t: T0, cleanStart: true });
    // 10 minutes of polls, a +2 h step followed at T0 + 10 min, 10 more minutes.
    const jump = T0 + 10 * M + 2 * HOUR_MS;
    for (let t = T0; t < T0 + 10 * M; t += 5_000) s.insertSamples([{ hub: 'a', name: 'hub.up', t, v: 1 }]);
    s.insertEvents([{ hub: 'a', t: jump, type: 'clock_jump', data: { deltaMs: 2 * HOUR_MS, aheadMs: 0, followedMs: 2 * HOUR_MS } }]);
    for (let t = jump; t < jump + 10 * M; t += 5_000) s.insertSamples([{ hub: 'a', name: 'hub.up', t, v: 1 }]);
    s.beat(run, jump + 10 * M);
    expect(s.observedMs('a', 'hub.up', T0 - HOUR_MS, jump + 10 * M)).toBe(20 * M);
    // A window starting inside the hole counts only what it holds of it.
    expect(s.observedMs('a', 'hub.up', jump - 5 * M, jump + 10 * M)).toBe(10 * M);
    // Another hub's step, and a step back (nothing skipped), change nothing.
    s.insertEvents([{ hub: 'b', t: jump, type: 'clock_jump', data: { deltaMs: 2 * HOUR_MS, aheadMs: 0, followedMs: 2 * HOUR_MS } }, { hub: 'a', t: jump + 5 * M, type: 'clock_jump', data: { deltaMs: -HOUR_MS, aheadMs: HOUR_MS, followedMs: 0 } }]);
    expect(s.observedMs('a', 'hub.up', T0 - HOUR_MS, jump + 10 * M)).toBe(20 * M);
  });
});
