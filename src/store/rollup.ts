/**
 * 1-minute and 1-hour rollups, maintained incrementally. A watermark W says "every minute before W is
 * folded"; each call folds complete minutes from W on (bounded per call) and rebuilds the hours they
 * complete from their minutes. Buckets are recomputed from their source rows and written with INSERT OR
 * REPLACE, never incremented, so running a range twice changes nothing and a kill mid-way is harmless.
 * Samples that arrive late (t before W: out-of-order rows, a clock stepped back — faults A22) mark the
 * range dirty, and the next call recomputes from there.
 */
import type { Sql } from './sql.js';

/** Width of a rollup_1m bucket. */
export const MINUTE_MS = 60_000;
/** Width of a rollup_1h bucket. */
export const HOUR_MS = 3_600_000;

const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit;

/** `meta` key: every minute before it is folded into rollup_1m. */
export const META_ROLLUP_WATERMARK = 'rollup.1m.watermark';
/** `meta` key: every hour before it is folded into rollup_1h (informational: derived from the minute one). */
export const META_ROLLUP_1H_WATERMARK = 'rollup.1h.watermark';
/** `meta` key: the earliest minute that got a late sample since it was folded; recomputed next call. */
export const META_ROLLUP_DIRTY = 'rollup.dirty_from';
/** Written by retention: raw rows before it may be gone, so no minute before it may be recomputed. */
export const META_RAW_DELETED_BEFORE = 'retention.raw_before';

/** What one rollup call did. */
export interface RollupResult {
  /** Minutes [fromMs, toMs) were folded (equal when there was nothing to do). */
  fromMs: number;
  toMs: number;
  rows1m: number;
  rows1h: number;
  /** False when the per-call bound stopped it before `now`: call again. */
  done: boolean;
  /** Every minute before this is folded; undefined before the first sample. */
  watermark: number | undefined;
}

// (t / 60000) * 60000 is integer division in SQL: t is a non-negative integer, so it floors. CROSS JOIN
// pins the loop order (SQLite never reorders it): series outside, one primary-key range of samples per series.
const FOLD_MINUTES = `INSERT OR REPLACE INTO rollup_1m (series_id, bucket, n, n_err, sum, min, max)
  SELECT m.series_id, (m.t / ${MINUTE_MS}) * ${MINUTE_MS} AS b, count(*), count(*) - count(m.v), sum(m.v), min(m.v), max(m.v)
  FROM series s CROSS JOIN samples m ON m.series_id = s.id AND m.t >= ? AND m.t < ?
  GROUP BY m.series_id, b`;
const FOLD_HOURS = `INSERT OR REPLACE INTO rollup_1h (series_id, bucket, n, n_err, sum, min, max)
  SELECT r.series_id, (r.bucket / ${HOUR_MS}) * ${HOUR_MS} AS b, sum(r.n), sum(r.n_err), sum(r.sum), min(r.min), max(r.max)
  FROM series s CROSS JOIN rollup_1m r ON r.series_id = s.id AND r.bucket >= ? AND r.bucket < ?
  GROUP BY r.series_id, b`;
// One primary-key seek per series (the series table is small); never a scan of samples.
const FIRST_SAMPLE_FROM = 'SELECT min((SELECT min(t) FROM samples WHERE series_id = s.id AND t >= ?)) AS t FROM series s';

/**
 * Rollup state of one writer connection: the watermark and the dirty mark are cached so that inserting
 * samples costs no extra query, and are written to `meta` in the transactions that change them.
 */
export class Rollups {
  private wm: number | undefined;
  private dirty: number | undefined;

  constructor(private readonly sql: Sql) {
    this.wm = sql.getMetaNumber(META_ROLLUP_WATERMARK);
    this.dirty = sql.getMetaNumber(META_ROLLUP_DIRTY);
  }

  /** Every minute before this is folded (undefined before the first rollup). */
  get watermark(): number | undefined {
    return this.wm;
  }

  /**
   * Called inside an insert transaction with the smallest t actually inserted. When that is before the
   * watermark, records the dirty minute in `meta` (same transaction) and returns a function to apply the
   * new mark to the cache once the transaction has committed.
   */
  noteInserted(minT: number): (() => void) | undefined {
    if (this.wm === undefined || minT >= this.wm) return undefined;
    const minute = floorTo(minT, MINUTE_MS);
    if (this.dirty !== undefined && this.dirty <= minute) return undefined;
    this.sql.setMeta(META_ROLLUP_DIRTY, minute);
    return () => { this.dirty = minute; };
  }

  /**
   * Folds complete minutes (those ending at or before `now`) into rollup_1m and complete hours into
   * rollup_1h, at most `maxSpanMs` of minutes with data per call (empty stretches, such as the time the
   * daemon was down, are skipped in one step). Idempotent; one transaction.
   */
  run(now: number, opts: { maxSpanMs?: number } = {}): RollupResult {
    const maxSpan = Math.max(MINUTE_MS, floorTo(opts.maxSpanMs ?? 3 * HOUR_MS, MINUTE_MS));
    const end = floorTo(now, MINUTE_MS);
    let after: (() => void) | undefined;
    const result = this.sql.write((): RollupResult => {
      const rawBefore = this.sql.getMetaNumber(META_RAW_DELETED_BEFORE);
      const firstFrom = (t: number): number | undefined =>
        (this.sql.stmt(FIRST_SAMPLE_FROM).get(t) as { t: number | null }).t ?? undefined;
      let start = minDefined(this.wm, this.dirty);
      if (start === undefined) {
        const first = firstFrom(0);
        if (first === undefined) return { fromMs: end, toMs: end, rows1m: 0, rows1h: 0, done: true, watermark: undefined };
        start = floorTo(first, MINUTE_MS);
      }
      // Raw rows before the retention cutoff may be partly deleted: recomputing those minutes would shrink them.
      if (rawBefore !== undefined) start = Math.max(start, Math.ceil(rawBefore / MINUTE_MS) * MINUTE_MS);
      if (start >= end) {
        return { fromMs: start, toMs: start, rows1m: 0, rows1h: 0, done: true, watermark: this.wm };
      }
      const next = firstFrom(start);
      const lo = next === undefined ? end : Math.min(end, Math.max(start, floorTo(next, MINUTE_MS)));
      const hi = Math.min(end, lo + maxSpan);
      const rows1m = lo < hi ? this.sql.stmt(FOLD_MINUTES).run(lo, hi).changes : 0;
      // Hours from the hour of `start` (not `lo`): an hour whose tail was an empty stretch completes now.
      const hLo = floorTo(start, HOUR_MS);
      const hHi = floorTo(hi, HOUR_MS);
      const rows1h = hLo < hHi ? this.sql.stmt(FOLD_HOURS).run(hLo, hHi).changes : 0;

      const newWm = Math.max(this.wm ?? hi, hi);
      // A dirty recompute that stopped short of the watermark continues from where it stopped next time.
      const newDirty = this.wm !== undefined && hi < this.wm && this.dirty !== undefined ? hi : undefined;
      this.sql.setMeta(META_ROLLUP_WATERMARK, newWm);
      this.sql.setMeta(META_ROLLUP_1H_WATERMARK, floorTo(newWm, HOUR_MS));
      this.sql.setMeta(META_ROLLUP_DIRTY, newDirty);
      after = () => { this.wm = newWm; this.dirty = newDirty; };
      return { fromMs: lo, toMs: hi, rows1m, rows1h, done: hi >= end && (newDirty === undefined || newDirty >= end), watermark: newWm };
    });
    after?.();
    return result;
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
