/**
 * The history database's tables (schema version 1). Why the layout is what it is:
 *
 * - `samples` is keyed (series_id, t) WITHOUT ROWID: the row lives in the primary-key b-tree itself, so a
 *   sample costs its key and value and nothing else (no rowid, no second index). A chart reads one series
 *   over a time range, which is one contiguous key range. Measured with 30 series at 5 s polls: ~19
 *   bytes/sample with mixed values (0/1, counters, latencies), ~23 with every value a non-integral double
 *   (bench/store.mjs). `t` stays epoch milliseconds: seconds would save 2 bytes but lose latency timing.
 *   `v` is REAL: SQLite stores integral REALs as small integers on disk and hands them back as doubles,
 *   so 0/1 and counters cost 0–4 bytes. NULL `v` is a failed probe and `err` says why (refused, timeout,
 *   http_5xx, malformed, too_large, …): "nothing lost" counts a failure as a row (docs/faults.md §5).
 * - Hub, name and labels are stored once, in `series`; a sample carries the small integer id. Besides
 *   UNIQUE (hub, name, labels), an index on (name, labels) serves "this metric on every hub".
 * - Rollups keep count, failures, sum, min and max: every one of them merges exactly (an average is
 *   sum/(n - n_err)), which is how the hour is built from its minutes.
 * - `events` has an index on `t` besides (hub, t) and (type, t): `history`/`export` of all events in a
 *   window, and retention, would otherwise scan the table.
 * - `runs` records daemon runs; the time between runs is a gap (unknown, never up).
 * - `meta` holds rollup and retention watermarks.
 */

/** DDL of schema version 1. */
/** The 1-minute and 1-hour rollups share one shape: n samples, n_err failed, sum/min/max of the rest. */
const rollupTable = (name: string): string => `CREATE TABLE ${name} (
  series_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  n INTEGER NOT NULL,
  n_err INTEGER NOT NULL,
  sum REAL,
  min REAL,
  max REAL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
`;

export const SCHEMA_V1 = `
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  hub TEXT NOT NULL,
  name TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '',
  UNIQUE (hub, name, labels)
);
CREATE INDEX series_name ON series (name, labels);

CREATE TABLE samples (
  series_id INTEGER NOT NULL,
  t INTEGER NOT NULL,
  v REAL,
  err TEXT,
  PRIMARY KEY (series_id, t)
) WITHOUT ROWID;

${rollupTable('rollup_1m')}
${rollupTable('rollup_1h')}
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  hub TEXT NOT NULL,
  t INTEGER NOT NULL,
  type TEXT NOT NULL,
  server TEXT,
  data TEXT
);
CREATE INDEX events_hub_t ON events (hub, t);
CREATE INDEX events_type_t ON events (type, t);
CREATE INDEX events_t ON events (t);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  pid INTEGER,
  started_at INTEGER NOT NULL,
  last_beat_at INTEGER,
  stopped_at INTEGER,
  clean_start INTEGER NOT NULL,
  clean_stop INTEGER
);
CREATE INDEX runs_started ON runs (started_at);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT
) WITHOUT ROWID;
`;

/** Tables the store owns, for tests and `status`. */
export const TABLES = ['series', 'samples', 'rollup_1m', 'rollup_1h', 'events', 'runs', 'meta', 'alerts', 'silences', 'outbox', 'notifications'] as const;
