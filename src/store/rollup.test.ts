import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { Store, type SampleInput } from './store.js';

const store = useTempStores('store-rollup-');

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
type Bucket = { key: string; bucket: number; n: number; n_err: number; sum: number | null; min: number | null; max: number | null };

/** The obvious computation, to compare against: group, count, sum, min, max over buckets ending by `until`. */
function naive(rows: readonly SampleInput[], width: number, until: number): Bucket[] {
  const out = new Map<string, Bucket>();
  // Duplicates (same series and t) are ignored by the store: the first one stays.
  const seen = new Set<string>();
  for (const r of rows) {
    const id = `${r.hub}|${r.name}`;
    if (seen.has(`${id}|${r.t}`)) continue;
    seen.add(`${id}|${r.t}`);
    const bucket = Math.floor(r.t / width) * width;
    if (bucket + width > until) continue;
    const k = `${id}|${bucket}`;
    const b = out.get(k) ?? { key: id, bucket, n: 0, n_err: 0, sum: null, min: null, max: null };
    b.n++;
    if (r.v === null) b.n_err++;
    else {
      b.sum = (b.sum ?? 0) + r.v;
      b.min = b.min === null ? r.v : Math.min(b.min, r.v);
      b.max = b.max === null ? r.v : Math.max(b.max, r.v);
    }
    out.set(k, b);
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key) || a.bucket - b.bucket);
}

function stored(s: Store, table: 'rollup_1m' | 'rollup_1h'): Bucket[] {
  return (s.db.prepare(`SELECT s.hub || '|' || s.name AS key, r.bucket, r.n, r.n_err, r.sum, r.min, r.max FROM ${table} r JOIN series s ON s.id = r.series_id`).all() as Bucket[])
    .sort((a, b) => a.key.localeCompare(b.key) || a.bucket - b.bucket);
}

function rollupUntilDone(s: Store, now: number, maxSpanMs?: number): number {
  for (let calls = 1; calls < 1000; calls++) if (s.rollup(now, { maxSpanMs }).done) return calls;
  throw new Error('rollup never finished');
}

/** Samples every 5 s for `minutes`, 3 series, values multiples of 1/4 (sums exact in any order), ~10% failed. */
function generated(minutes: number, seed = 1): SampleInput[] {
  const rows: SampleInput[] = [];
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let t = T0; t < T0 + minutes * MINUTE_MS; t += 5000) {
    for (const name of ['a', 'b', 'c']) {
      const failed = rand() < 0.1;
      rows.push({ hub: 'h', name, t: t + Math.floor(rand() * 1000), v: failed ? null : Math.round((rand() - 0.3) * 4000) / 4, ...(failed ? { err: 'timeout' } : {}) });
    }
  }
  return rows;
}

describe('Store.rollup', () => {
  test('1-minute and 1-hour buckets equal a naive count/sum/min/max over the same data', () => {
    const s = store();
    const rows = generated(200);
    s.insertSamples(rows);
    const now = T0 + 200 * MINUTE_MS + 30_000;
    rollupUntilDone(s, now);
    expect(stored(s, 'rollup_1m')).toEqual(naive(rows, MINUTE_MS, Math.floor(now / MINUTE_MS) * MINUTE_MS));
    expect(stored(s, 'rollup_1h')).toEqual(naive(rows, HOUR_MS, Math.floor(now / MINUTE_MS) * MINUTE_MS));
    expect(stored(s, 'rollup_1h')).toHaveLength(3 * 3);
  });

  test('any doubles: sums agree to rounding, counts/min/max exactly', () => {
    const s = store();
    const rows = generated(61).map((r, i) => ({ ...r, v: r.v === null ? null : r.v * Math.PI + i / 7 }));
    s.insertSamples(rows);
    rollupUntilDone(s, T0 + 2 * HOUR_MS);
    const want = naive(rows, HOUR_MS, T0 + 2 * HOUR_MS);
    const got = stored(s, 'rollup_1h');
    expect(got.map(({ sum: _s, ...b }) => b)).toEqual(want.map(({ sum: _s, ...b }) => b));
    got.forEach((b, i) => expect(b.sum).toBeCloseTo(want[i]?.sum as number, 6));
  });

  test('running it twice changes nothing', () => {
    const s = store();
    s.insertSamples(generated(90));
    const now = T0 + 90 * MINUTE_MS;
    rollupUntilDone(s, now);
    const before = [stored(s, 'rollup_1m'), stored(s, 'rollup_1h'), s.db.prepare('SELECT * FROM meta ORDER BY key').all()];
    const again = s.rollup(now);
    expect(again).toMatchObject({ rows1m: 0, rows1h: 0, done: true });
    expect([stored(s, 'rollup_1m'), stored(s, 'rollup_1h'), s.db.prepare('SELECT * FROM meta ORDER BY key').all()]).toEqual(before);
  });

  test('the current minute and hour are not folded until they are complete', () => {
    const s = store();
    s.insertSamples([{ hub: 'h', name: 'a', t: T0 + 5_000, v: 1 }, { hub: 'h', name: 'a', t: T0 + 65_000, v: 2 }]);
    s.rollup(T0 + 90_000);
    expect(stored(s, 'rollup_1m').map((b) => b.bucket)).toEqual([T0]);
    expect(stored(s, 'rollup_1h')).toEqual([]);
    s.rollup(T0 + HOUR_MS);
    expect(stored(s, 'rollup_1m').map((b) => b.bucket)).toEqual([T0, T0 + MINUTE_MS]);
    expect(stored(s, 'rollup_1h')).toEqual([{ key: 'h|a', bucket: T0, n: 2, n_err: 0, sum: 3, min: 1, max: 2 }]);
  });

  test('work per call is bounded by maxSpanMs; repeated calls finish the job exactly', () => {
    const s = store();
    const rows = generated(600);
    s.insertSamples(rows);
    const now = T0 + 600 * MINUTE_MS;
    const first = s.rollup(now, { maxSpanMs: HOUR_MS });
    expect(first).toMatchObject({ fromMs: T0, toMs: T0 + HOUR_MS, done: false, rows1m: 3 * 60 });
    expect(rollupUntilDone(s, now, HOUR_MS)).toBe(9);
    expect(stored(s, 'rollup_1m')).toEqual(naive(rows, MINUTE_MS, now));
    expect(stored(s, 'rollup_1h')).toEqual(naive(rows, HOUR_MS, now));
  });

  test('a week without data (daemon down) is skipped in one step, and the hour before it still completes', () => {
    const s = store();
    const rows = [
      { hub: 'h', name: 'a', t: T0 + 60_000, v: 1 }, // hour 10:00, then nothing until a week later
      { hub: 'h', name: 'a', t: T0 + 7 * 24 * HOUR_MS + 30_000, v: 3 },
    ];
    s.insertSamples(rows.slice(0, 1));
    s.rollup(T0 + 20 * MINUTE_MS); // minute 10:01 folded; the hour is not complete yet
    s.insertSamples(rows.slice(1));
    const now = T0 + 7 * 24 * HOUR_MS + 2 * HOUR_MS;
    expect(rollupUntilDone(s, now, HOUR_MS)).toBeLessThanOrEqual(3);
    expect(stored(s, 'rollup_1h')).toEqual(naive(rows, HOUR_MS, now));
  });

  test('a late sample (before the watermark: out of order, or a clock stepped back) is folded in by the next call', () => {
    const s = store();
    s.insertSamples([{ hub: 'h', name: 'a', t: T0 + 1_000, v: 5 }, { hub: 'h', name: 'a', t: T0 + 3 * HOUR_MS, v: 1 }]);
    rollupUntilDone(s, T0 + 3 * HOUR_MS);
    s.insertSamples([{ hub: 'h', name: 'a', t: T0 + 2_000, v: 7 }]); // late, into minute 10:00
    expect(s.db.prepare("SELECT value FROM meta WHERE key = 'rollup.dirty_from'").get()).toEqual({ value: String(T0) });
    rollupUntilDone(s, T0 + 3 * HOUR_MS);
    expect(stored(s, 'rollup_1m')[0]).toEqual({ key: 'h|a', bucket: T0, n: 2, n_err: 0, sum: 12, min: 5, max: 7 });
    expect(stored(s, 'rollup_1h')[0]).toEqual({ key: 'h|a', bucket: T0, n: 2, n_err: 0, sum: 12, min: 5, max: 7 });
    expect(s.db.prepare("SELECT value FROM meta WHERE key = 'rollup.dirty_from'").get()).toBeUndefined();
  });

  test('failed probes count in n and n_err; a bucket of only failures has null sum/min/max', () => {
    const s = store();
    s.insertSamples([
      { hub: 'h', name: 'a', t: T0, v: null, err: 'refused' },
      { hub: 'h', name: 'a', t: T0 + 5000, v: null, err: 'timeout' },
      { hub: 'h', name: 'a', t: T0 + MINUTE_MS, v: null, err: 'timeout' },
      { hub: 'h', name: 'a', t: T0 + MINUTE_MS + 5000, v: 4 },
    ]);
    s.rollup(T0 + 2 * MINUTE_MS);
    expect(stored(s, 'rollup_1m')).toEqual([
      { key: 'h|a', bucket: T0, n: 2, n_err: 2, sum: null, min: null, max: null },
      { key: 'h|a', bucket: T0 + MINUTE_MS, n: 2, n_err: 1, sum: 4, min: 4, max: 4 },
    ]);
  });

  test('an empty store has nothing to do', () => {
    expect(store().rollup(T0)).toMatchObject({ rows1m: 0, rows1h: 0, done: true, watermark: undefined });
  });

  test('property: any samples, inserted in any batches with rollups in between, end up folded exactly', () => {
    const sample = fc.record({
      name: fc.constantFrom('a', 'b'),
      t: fc.integer({ min: T0, max: T0 + 3 * HOUR_MS }),
      v: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null, freq: 8 }),
    });
    const step = fc.record({ rows: fc.array(sample, { maxLength: 40 }), advanceMs: fc.integer({ min: 0, max: 50 * MINUTE_MS }) });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), fc.integer({ min: MINUTE_MS, max: 4 * HOUR_MS }), (steps, span) => {
      const s = store();
      const all: SampleInput[] = [];
      let now = T0;
      for (const st of steps) {
        const rows = st.rows.map((r) => ({ hub: 'h', ...r }));
        s.insertSamples(rows);
        all.push(...rows);
        now += st.advanceMs;
        s.rollup(now, { maxSpanMs: span }); // a single bounded call, whatever it manages
      }
      const end = T0 + 4 * HOUR_MS;
      rollupUntilDone(s, end, span);
      expect(stored(s, 'rollup_1m')).toEqual(naive(all, MINUTE_MS, end));
      expect(stored(s, 'rollup_1h')).toEqual(naive(all, HOUR_MS, end));
      s.close();
    }), { numRuns: 60 });
  });
});
