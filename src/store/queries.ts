/**
 * Reads of the history: samples at raw, 1-minute or 1-hour resolution, events, the newest sample time.
 * Every statement is a primary-key or index range (store.test.ts checks each plan). Time ranges are
 * half-open, [from, to), on the sample time or on the bucket start.
 */
import { decodeEvent, type RawEvent, type StoredEvent } from '../model/events.js';
import { canonicalLabels, parseLabels, type Labels, type SeriesRegistry } from './series.js';
import type { Sql } from './sql.js';

/** Sample resolutions. */
export type Resolution = 'raw' | '1m' | '1h';

/** A sample query. `hub` and `labels` left out match any hub / any label set; `labels: {}` means none. */
export interface SampleQuery {
  hub?: string;
  name: string;
  labels?: Labels;
  from: number;
  to: number;
  resolution: Resolution;
}

/** A raw sample: `v` null is a failed probe, `err` its class. */
export interface RawSampleRow {
  hub: string;
  labels: Labels;
  t: number;
  v: number | null;
  err: string | null;
}

/** A rollup bucket: n samples, n_err of them failed; sum/min/max over the others (null when all failed). */
export interface RollupRow {
  hub: string;
  labels: Labels;
  bucket: number;
  n: number;
  n_err: number;
  sum: number | null;
  min: number | null;
  max: number | null;
}

/** An event query (`type` as typed by a user: any stored name); `limit` caps the rows, oldest first unless `order: 'desc'`. */
export interface EventQuery {
  hub?: string;
  type?: string;
  from: number;
  to: number;
  limit: number;
  order?: 'asc' | 'desc';
}

const RAW = 'SELECT t, v, err FROM samples WHERE series_id = ? AND t >= ? AND t < ? ORDER BY t';
const rollupSql = (table: 'rollup_1m' | 'rollup_1h'): string =>
  `SELECT bucket, n, n_err, sum, min, max FROM ${table} WHERE series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`;

/** Samples of every series matching `q`, series by series, each in time order. */
export function querySamples(sql: Sql, series: SeriesRegistry, q: SampleQuery): RawSampleRow[] | RollupRow[] {
  const matches = series.match({ hub: q.hub, name: q.name, labelsText: q.labels === undefined ? undefined : canonicalLabels(q.labels) });
  const out: (RawSampleRow | RollupRow)[] = [];
  for (const m of matches) {
    const labels = parseLabels(m.labels); // one object per series, shared by its rows
    if (q.resolution === 'raw') {
      for (const r of sql.stmt(RAW).all(m.id, q.from, q.to) as Omit<RawSampleRow, 'hub' | 'labels'>[]) {
        out.push({ hub: m.hub, labels, t: r.t, v: r.v, err: r.err });
      }
    } else {
      const text = rollupSql(q.resolution === '1m' ? 'rollup_1m' : 'rollup_1h');
      for (const r of sql.stmt(text).all(m.id, q.from, q.to) as Omit<RollupRow, 'hub' | 'labels'>[]) {
        out.push({ hub: m.hub, labels, ...r });
      }
    }
  }
  return out as RawSampleRow[] | RollupRow[];
}

/** Events in [from, to), filtered by hub and/or type, through the matching index. */
export function queryEvents(sql: Sql, q: EventQuery): StoredEvent[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.hub !== undefined) { where.push('hub = ?'); args.push(q.hub); }
  if (q.type !== undefined) { where.push('type = ?'); args.push(q.type); }
  where.push('t >= ?', 't < ?');
  args.push(q.from, q.to, Math.max(0, Math.trunc(q.limit)));
  const dir = q.order === 'desc' ? 'DESC' : 'ASC';
  // At most 2 × 2 × 2 distinct texts, so the statement cache stays small.
  const text = `SELECT id, hub, t, type, server, data FROM events WHERE ${where.join(' AND ')} ORDER BY t ${dir}, id ${dir} LIMIT ?`;
  const rows = sql.stmt(text).all(...args) as TextRow[];
  return rows.map(decode);
}

/**
 * A hub's events of the given types with id > `afterId`, in id order: a reader that remembers the last id
 * it saw reads only what is new. `+hub`/`+type` keep SQLite on the rowid range (ids only grow): with the
 * indexes it would walk every event of the hub since the start.
 */
export function eventsAfter(sql: Sql, hub: string, types: readonly string[], afterId: number, limit: number): StoredEvent[] {
  const marks = types.map(() => '?').join(', ');
  const rows = sql.stmt(`SELECT id, hub, t, type, server, data FROM events WHERE id > ? AND +hub = ? AND +type IN (${marks}) ORDER BY id LIMIT ?`)
    .all(afterId, hub, ...types, Math.max(0, Math.trunc(limit))) as TextRow[];
  return rows.map(decode);
}

/** An events row as SQLite returns it (`SELECT id, hub, t, type, server, data`). */
export type TextRow = Omit<RawEvent, 'data'> & { data: string | null };
/** The event a row holds: its JSON parsed, then checked against the catalogue. */
export const decode = (r: TextRow): StoredEvent => decodeEvent({ ...r, data: parseData(r.data) });

function parseData(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // written by us as JSON, so only a hand-edited database gets here
  }
}

/** The newest sample time of a hub (or of all hubs), or undefined when there is none. */
export function lastSampleTime(sql: Sql, hub?: string): number | undefined {
  // One primary-key seek to the end of each series: max(t) of a series is its last key.
  const row = (hub === undefined
    ? sql.stmt('SELECT max((SELECT max(t) FROM samples WHERE series_id = s.id)) AS t FROM series s').get()
    : sql.stmt('SELECT max((SELECT max(t) FROM samples WHERE series_id = s.id)) AS t FROM series s WHERE s.hub = ?').get(hub)) as { t: number | null };
  return row.t ?? undefined;
}

/**
 * The distinct values of an indexed events column (type, hub), sorted: one index seek per value (a
 * recursive skip over events_type_t / events_hub_t), not a scan of every event.
 */
export function distinctEventValues(sql: Sql, column: 'type' | 'hub'): string[] {
  const text = `WITH RECURSIVE v(x) AS (SELECT min(${column}) FROM events UNION ALL SELECT (SELECT min(${column}) FROM events WHERE ${column} > v.x) FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL`;
  return (sql.stmt(text).all() as { x: string }[]).map((r) => r.x);
}

/**
 * The first time a series has data at or after `from`: its first raw sample or 1-minute bucket (raw
 * samples are kept 48 h, minutes 30 d), or its first 1-hour bucket when that hour is older still.
 * Undefined when it has none.
 */
export function firstDataTime(sql: Sql, seriesId: number, from: number): number | undefined {
  const fine = sql.stmt(`SELECT min(x) AS t FROM (SELECT min(t) AS x FROM samples WHERE series_id = ? AND t >= ?
    UNION ALL SELECT min(bucket) FROM rollup_1m WHERE series_id = ? AND bucket >= ?)`).get(seriesId, from, seriesId, from) as { t: number | null };
  const hour = sql.stmt('SELECT min(bucket) AS t FROM rollup_1h WHERE series_id = ? AND bucket >= ?').get(seriesId, from) as { t: number | null };
  if (fine.t === null) return hour.t ?? undefined;
  // An hour bucket starts at the hour: only an earlier hour says more than the minutes do.
  return hour.t !== null && hour.t < Math.floor(fine.t / 3_600_000) * 3_600_000 ? hour.t : fine.t;
}

/** One step of a hub's events, counted for the learned bands (daemon/anomaly-series.ts). */
export interface EventStepCounts { t: number; logErrors: number; reconnects: number }

/**
 * Per `stepMs`-wide step of [from, to) with any such event, a hub's error-level log lines (`log` events of
 * level error or fatal, and the error and fatal counts of the `log_summary` events that stand for the lines
 * of a flood) and its servers' reconnects (a server's settled verdict going to up from one that was not up;
 * the hub's own restarts are counted apart, evaluate/hub-restarts.ts). Counted in SQLite on the (hub, t) index: days of log lines are not decoded one by one.
 */
export function eventCountsByStep(sql: Sql, q: { hub: string; from: number; to: number; stepMs: number }): EventStepCounts[] {
  const step = Math.max(1, Math.trunc(q.stepMs));
  // The step inlined: a bound number is a REAL to SQLite, and t / REAL is not a step. One step in use, one statement.
  const rows = sql.stmt(`SELECT (t / ${step}) * ${step} AS t,
      total(CASE
        WHEN type = 'log' THEN json_extract(data, '$.level') IN ('error', 'fatal')
        WHEN type = 'log_summary' THEN coalesce(json_extract(data, '$.byLevel.error'), 0) + coalesce(json_extract(data, '$.byLevel.fatal'), 0)
        ELSE 0 END) AS logErrors,
      total(CASE
        WHEN type = 'server_status' THEN json_extract(data, '$.to') = 'up' AND coalesce(json_extract(data, '$.from'), 'up') <> 'up'
        ELSE 0 END) AS reconnects
    FROM events WHERE hub = ? AND t >= ? AND t < ? AND type IN ('log', 'log_summary', 'server_status')
      AND json_valid(data) -- a hand-edited row must not fail every band of the hub (json_extract throws on it)
    GROUP BY t / ${step} ORDER BY 1`).all(q.hub, q.from, q.to) as EventStepCounts[];
  return rows;
}

/** One minute of one series: how many samples had a value, and their sum (mean = sum / n). */
export interface MinuteRow { labelsText: string; t: number; n: number; sum: number }

/**
 * Per minute, every series of `name` of a hub over [from, to), series by series, each in time order: the
 * 1-minute rollups before `watermark` (every minute before it is folded) and the raw samples after it,
 * grouped by minute, so each sample counts once and the newest minutes are there before any rollup ran.
 * Failed samples (v null) are left out, as are minutes with none that succeeded. One primary-key range per
 * series: a join ordered by time would sort days of minutes of every series (seconds, not milliseconds).
 */
export function minutesOfName(sql: Sql, series: SeriesRegistry, q: { hub: string; name: string; from: number; to: number; watermark: number | undefined }): MinuteRow[] {
  const cut = Math.min(q.to, Math.max(q.from, q.watermark ?? q.from));
  const out: MinuteRow[] = [];
  for (const m of series.match({ hub: q.hub, name: q.name })) {
    if (cut > q.from) {
      for (const r of sql.stmt('SELECT bucket, n - n_err AS n, sum FROM rollup_1m WHERE series_id = ? AND bucket >= ? AND bucket < ?').all(m.id, q.from, cut) as { bucket: number; n: number; sum: number | null }[]) {
        if (r.sum !== null && r.n > 0) out.push({ labelsText: m.labels, t: r.bucket, n: r.n, sum: r.sum });
      }
    }
    if (cut < q.to) {
      for (const r of sql.stmt('SELECT (t / 60000) * 60000 AS t, count(v) AS n, total(v) AS sum FROM samples WHERE series_id = ? AND t >= ? AND t < ? GROUP BY t / 60000').all(m.id, cut, q.to) as { t: number; n: number; sum: number }[]) {
        if (r.n > 0) out.push({ labelsText: m.labels, t: r.t, n: r.n, sum: r.sum });
      }
    }
  }
  return out;
}
