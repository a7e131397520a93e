/**
 * Retention: deletes rows older than the policy, a bounded number per call, each delete a primary-key (or
 * index) range so no call scans a table or holds the write lock for long. Raw minutes are only deleted once
 * folded into rollup_1m, and minutes once folded into rollup_1h: a lagging rollup never loses data.
 *
 * `now` must be trusted: the caller passes a wall time it has checked against the monotonic clock. A
 * forward jump of the wall clock (+1 year, faults A22) would otherwise delete the whole history.
 */
import { HOUR_MS, META_RAW_DELETED_BEFORE, type Rollups } from './rollup.js';
import type { Sql } from './sql.js';

/** How long each kind of row is kept, in ms. */
export interface RetentionPolicy {
  rawMs: number;
  oneMinuteMs: number;
  oneHourMs: number;
  /** Events; defaults to oneHourMs (events are few, and explain the hours they sit in). */
  eventsMs?: number;
}

/** The defaults of issue 5: raw 48 h, 1-minute 30 days, 1-hour 400 days. */
export const DEFAULT_RETENTION: Readonly<Required<RetentionPolicy>> = {
  rawMs: 48 * HOUR_MS,
  oneMinuteMs: 30 * 24 * HOUR_MS,
  oneHourMs: 400 * 24 * HOUR_MS,
  eventsMs: 400 * 24 * HOUR_MS,
};

/** Rows deleted by one call, per table; `done` is false when the per-call bound was reached. */
export interface RetentionResult {
  raw: number;
  oneMinute: number;
  oneHour: number;
  events: number;
  done: boolean;
}

/** Per-series delete of a keyed table: find the key `budget` rows in, then delete the range below it. */
function keyedTable(table: 'samples' | 'rollup_1m' | 'rollup_1h'): { nth: string; del: string } {
  const k = table === 'samples' ? 't' : 'bucket';
  return {
    nth: `SELECT ${k} AS k FROM ${table} WHERE series_id = ? AND ${k} < ? ORDER BY ${k} LIMIT 1 OFFSET ?`,
    del: `DELETE FROM ${table} WHERE series_id = ? AND ${k} < ?`,
  };
}
const KEYED = { samples: keyedTable('samples'), rollup_1m: keyedTable('rollup_1m'), rollup_1h: keyedTable('rollup_1h') };
// Through the covering index series_name: every series id, without reading the (wider) table rows.
const SERIES_IDS = 'SELECT id FROM series INDEXED BY series_name';
const DELETE_EVENTS = 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE t < ? ORDER BY t LIMIT ?)';

/**
 * Deletes rows older than `policy` at `now`, at most `maxRowsPerCall` in all, in one transaction.
 * Returns how many rows of each kind went. Call again while `done` is false.
 */
export function applyRetention(
  sql: Sql, rollups: Rollups, now: number, policy: RetentionPolicy = DEFAULT_RETENTION, opts: { maxRowsPerCall?: number } = {},
): RetentionResult {
  const max = Math.max(1, Math.trunc(opts.maxRowsPerCall ?? 5_000));
  const wm = rollups.watermark;
  // Never delete what has not been folded yet: raw up to the minute watermark, minutes up to the hour one.
  const rawCut = wm === undefined ? undefined : Math.min(now - policy.rawMs, wm);
  const minuteCut = wm === undefined ? undefined : Math.min(now - policy.oneMinuteMs, Math.floor(wm / HOUR_MS) * HOUR_MS);
  const hourCut = now - policy.oneHourMs;
  const eventCut = now - (policy.eventsMs ?? policy.oneHourMs);
  return sql.write(() => {
    let budget = max;
    const ids = (sql.stmt(SERIES_IDS).all() as { id: number }[]).map((r) => r.id);
    const sweep = (table: keyof typeof KEYED, cut: number | undefined): number => {
      if (cut === undefined) return 0;
      const q = KEYED[table];
      let deleted = 0;
      for (const id of ids) {
        if (budget <= 0) break;
        const nth = sql.stmt(q.nth).get(id, cut, budget) as { k: number } | undefined;
        // With a row `budget` deep, delete exactly the `budget` rows below it; else all that are old.
        const n = sql.stmt(q.del).run(id, nth === undefined ? cut : nth.k).changes;
        deleted += n;
        budget -= n;
      }
      return deleted;
    };
    const raw = sweep('samples', rawCut);
    if (rawCut !== undefined) {
      const prev = sql.getMetaNumber(META_RAW_DELETED_BEFORE);
      // Rows before rawCut are deleted or about to be: rollups must not recompute those minutes from them.
      if (prev === undefined || rawCut > prev) sql.setMeta(META_RAW_DELETED_BEFORE, rawCut);
    }
    const oneMinute = sweep('rollup_1m', minuteCut);
    const oneHour = sweep('rollup_1h', hourCut);
    const events = budget > 0 ? sql.stmt(DELETE_EVENTS).run(eventCut, budget).changes : 0;
    budget -= events;
    return { raw, oneMinute, oneHour, events, done: budget > 0 };
  });
}
