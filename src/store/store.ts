/**
 * The history store: one SQLite database per state dir, one writer connection (the daemon), any number of
 * read-only ones (one-shot commands). Every method is synchronous and every write batch is one
 * transaction, so a kill leaves whole batches or nothing (faults B6). The caller holds the daemon lock
 * (lock.ts) and owns the write buffer that keeps rows while the database is busy or full (B1, B4).
 */
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { NewEvent, StoredEvent } from '../model/events.js';
import { openDatabase, type OpenInfo, type OpenOptions } from './open.js';
import {
  distinctEventValues, eventCountsByStep, eventsAfter, firstDataTime, lastSampleTime, minutesOfName, queryEvents, querySamples, type EventQuery, type EventStepCounts, type MinuteRow, type RawSampleRow, type RollupRow, type SampleQuery,
} from './queries.js';
import { applyRetention, DEFAULT_RETENTION, type RetentionPolicy, type RetentionResult } from './retention.js';
import { META_ROLLUP_1H_WATERMARK, META_ROLLUP_WATERMARK, Rollups, type RollupResult } from './rollup.js';
import { beat, computeGaps, lastRun, nextRunId, runsBefore, startRun, stopRun, type Gap, type RunRow } from './runs.js';
import { canonicalLabels, parseLabels, SeriesRegistry, type Labels, type SeriesInfo } from './series.js';
import { Sql } from './sql.js';

// The types a caller of the store needs, from one import.
export { StoreError } from '../errors.js';
export type { OpenInfo } from './open.js';
export type { EventQuery, MinuteRow, RawSampleRow, RollupRow, SampleQuery } from './queries.js';
export type { NewEvent, StoredEvent } from '../model/events.js';
export type { RetentionPolicy, RetentionResult } from './retention.js';
export type { RollupResult } from './rollup.js';
export type { Gap, RunRow } from './runs.js';
export type { Labels, SeriesInfo } from './series.js';

/** A sample to store: `v` null is a failed probe, with `err` its class (refused, timeout, http_5xx, …). */
export interface SampleInput {
  hub: string;
  name: string;
  labels?: Labels;
  /** Epoch ms, a non-negative integer. */
  t: number;
  v: number | null;
  err?: string;
}

/** Store.open's options. */
export type StoreOpenOptions = Pick<OpenOptions, 'stateDir' | 'now' | 'readOnly' | 'allowNetworkFs' | 'busyTimeoutMs' | 'quickCheck' | 'diskUsage' | 'uid' | 'migrations' | 'migrateHooks'>;

const INSERT_SAMPLE = 'INSERT OR IGNORE INTO samples (series_id, t, v, err) VALUES (?, ?, ?, ?)';
const INSERT_EVENT = 'INSERT INTO events (hub, t, type, server, data) VALUES (?, ?, ?, ?, ?)';

/** The history database: samples, rollups, events, daemon runs. */
export class Store {
  /** Every prepared production statement, for the query-plan test. */
  readonly sql: Sql;
  private readonly series: SeriesRegistry;
  private readonly rollups: Rollups | undefined;
  private closed = false;

  private constructor(
    /** The connection, for backups (`VACUUM INTO`, the backup API) and tests; never open the file with fs. */
    readonly db: Database.Database,
    /** The database file. */
    readonly path: string,
    /** What opening found: created, moved a corrupt file aside, schema version. */
    readonly openInfo: OpenInfo,
    readonly readOnly: boolean,
  ) {
    this.sql = new Sql(db);
    this.series = new SeriesRegistry(this.sql);
    this.rollups = readOnly ? undefined : new Rollups(this.sql);
  }

  /** Opens `<stateDir>/history.sqlite` (see openDatabase); read-only mode creates nothing. */
  static open(opts: StoreOpenOptions): Store {
    const { db, path, info } = openDatabase(opts);
    // Sorts and groupings (the anomaly job's counts per step) stay in memory: no etilqs_* file in TMPDIR,
    // which a process killed mid-query would leave behind.
    db.pragma('temp_store = MEMORY');
    if (opts.readOnly) db.pragma('query_only = ON');
    return new Store(db, path, info, Boolean(opts.readOnly));
  }

  private writer(): Rollups {
    if (this.rollups === undefined) throw new Error(`${this.path}: opened read-only`);
    return this.rollups;
  }

  /** The id of a series, created on first use (labels canonical: key order does not matter). */
  seriesId(hub: string, name: string, labels?: Labels): number {
    this.writer();
    return this.series.id(hub, name, canonicalLabels(labels));
  }

  /**
   * Stores samples in one transaction; a row with the series and t of a stored one is ignored (a replayed
   * buffer must not fail). With `runId`, the run's last beat moves to the batch's newest t in the same
   * transaction, so a gap starts exactly at the last committed row. Errors (SQLITE_FULL, SQLITE_BUSY after
   * 5 s) leave nothing written; the caller keeps the batch.
   */
  insertSamples(rows: readonly SampleInput[], opts: { runId?: number } = {}): { inserted: number; duplicates: number } {
    const rollups = this.writer();
    if (rows.length === 0) return { inserted: 0, duplicates: 0 };
    for (const [i, r] of rows.entries()) {
      // Checked before the transaction, so one bad row rejects the batch whole rather than half of it.
      if (!Number.isSafeInteger(r.t) || r.t < 0) throw new TypeError(`samples[${i}]: t must be epoch ms, a non-negative integer (got ${r.t})`);
      if (r.v !== null && !Number.isFinite(r.v)) throw new TypeError(`samples[${i}]: v must be a finite number or null (got ${r.v})`);
    }
    const created: string[] = [];
    let afterCommit: (() => void) | undefined;
    try {
      const res = this.sql.write(() => {
        const ins = this.sql.stmt(INSERT_SAMPLE);
        let inserted = 0;
        let minT = Infinity;
        let maxT = -Infinity;
        for (const r of rows) {
          const id = this.series.id(r.hub, r.name, canonicalLabels(r.labels), created);
          if (ins.run(id, r.t, r.v, r.err ?? null).changes === 1) {
            inserted++;
            if (r.t < minT) minT = r.t;
          }
          if (r.t > maxT) maxT = r.t;
        }
        if (inserted > 0) afterCommit = rollups.noteInserted(minT);
        if (opts.runId !== undefined && rows.length > 0) beat(this.sql, opts.runId, maxT);
        return { inserted, duplicates: rows.length - inserted };
      });
      afterCommit?.();
      return res;
    } catch (err) {
      this.series.forget(created); // those series rows were rolled back with the batch
      throw err;
    }
  }

  /** Stores events in one transaction; returns how many. */
  insertEvents(rows: readonly NewEvent[]): number {
    this.writer();
    for (const [i, r] of rows.entries()) {
      if (!Number.isSafeInteger(r.t)) throw new TypeError(`events[${i}]: t must be epoch ms, an integer (got ${r.t})`);
    }
    if (rows.length === 0) return 0;
    return this.sql.write(() => {
      const ins = this.sql.stmt(INSERT_EVENT);
      for (const r of rows) {
        ins.run(r.hub, r.t, r.type, r.server ?? null, r.data === undefined ? null : JSON.stringify(r.data));
      }
      return rows.length;
    });
  }

  /** Records a daemon start; `cleanStart` is whether the previous run stopped cleanly. Returns the run id. */
  startRun(r: { pid: number; t: number; cleanStart: boolean; id?: number; lastBeatAt?: number }): number {
    this.writer();
    return startRun(this.sql, r);
  }

  /** The id the next recorded run gets. */
  nextRunId(): number {
    return nextRunId(this.sql);
  }

  /** Records that run `runId` was alive at `t`. */
  beat(runId: number, t: number): void {
    this.writer();
    beat(this.sql, runId, t);
  }

  /** Records the end of run `runId`. */
  stopRun(runId: number, t: number, clean: boolean): void {
    this.writer();
    stopRun(this.sql, runId, t, clean);
  }

  /** The latest daemon run, or undefined when the daemon never ran. */
  lastRun(): RunRow | undefined {
    return lastRun(this.sql);
  }

  /** The parts of [from, to) with no daemon running; `currentRunId` (the live daemon) covers up to `to`. */
  gaps(from: number, to: number, opts: { currentRunId?: number } = {}): Gap[] {
    return computeGaps(runsBefore(this.sql, to), from, to, opts);
  }

  /**
   * How much of [from, to) a hub's series (no labels; `anyLabels`: all of the name's) has observed: the
   * time a daemon ran from the series' first data in the window on. A hub watched for 10 minutes has 10 minutes observed, however long the
   * daemon ran before; time the daemon was not running is not observed.
   */
  observedMs(hub: string, name: string, from: number, to: number, opts: { currentRunId?: number; anyLabels?: boolean } = {}): number {
    const firsts = this.series.match({ hub, name, ...(opts.anyLabels ? {} : { labelsText: '' }) }).flatMap((m) => firstDataTime(this.sql, m.id, from) ?? []);
    if (firsts.length === 0) return 0;
    const start = Math.max(from, Math.min(...firsts));
    if (!(to > start)) return 0;
    const unobserved = this.gaps(start, to, opts).reduce((sum, g) => sum + (g.to - g.from), 0) + this.skippedMs(hub, start, to);
    return Math.max(0, to - start - unobserved);
  }

  /**
   * The time in [from, to) the daemon's time line skipped to follow the wall clock forward (a suspend, or a
   * clock set forward): each `clock_jump` event ends such a hole and says how long it was (faults F7).
   */
  private skippedMs(hub: string, from: number, to: number): number {
    let sum = 0;
    for (const e of this.queryEvents({ hub, type: 'clock_jump', from, to: Number.MAX_SAFE_INTEGER, limit: 10_000 })) {
      if (e.type !== 'clock_jump') continue;
      const followed = e.data.followedMs;
      if (!(followed > 0)) continue;
      sum += Math.max(0, Math.min(e.t, to) - Math.max(e.t - followed, from));
    }
    return sum;
  }

  /** Samples of the matching series in [from, to), raw or rolled up (complete minutes/hours only). */
  querySamples(q: SampleQuery & { resolution: 'raw' }): RawSampleRow[];
  querySamples(q: SampleQuery & { resolution: '1m' | '1h' }): RollupRow[];
  querySamples(q: SampleQuery): RawSampleRow[] | RollupRow[];
  querySamples(q: SampleQuery): RawSampleRow[] | RollupRow[] {
    return querySamples(this.sql, this.series, q);
  }

  /** Events in [from, to), optionally of one hub and/or type. */
  queryEvents(q: EventQuery): StoredEvent[] {
    return queryEvents(this.sql, q);
  }

  /** A hub's events of `types` after the event id `afterId`, oldest first (for readers that keep a cursor). */
  eventsAfter(hub: string, types: readonly string[], afterId: number, limit: number): StoredEvent[] {
    return eventsAfter(this.sql, hub, types, afterId, limit);
  }

  /** Every series, or one hub's. */
  listSeries(hub?: string): SeriesInfo[] {
    return this.series.list(hub);
  }

  /** The event types stored, sorted. */
  eventTypes(): string[] {
    return distinctEventValues(this.sql, 'type');
  }

  /** Hubs with stored events, sorted. */
  eventHubs(): string[] {
    return distinctEventValues(this.sql, 'hub');
  }

  /** Hubs with stored samples, sorted (not "", the monitor's own series). */
  listHubs(): string[] {
    return this.series.hubs();
  }

  /** The newest sample time (of one hub, or of all), or undefined. */
  lastSampleTime(hub?: string): number | undefined {
    return lastSampleTime(this.sql, hub);
  }

  /** Folds complete minutes and hours into the rollups; idempotent, bounded per call (see Rollups.run). */
  rollup(now: number, opts: { maxSpanMs?: number } = {}): RollupResult {
    return this.writer().run(now, opts);
  }

  /**
   * Deletes rows older than `policy`, at most `maxRowsPerCall` per call. `now` must be a trusted wall
   * time: the caller skips retention when the wall clock disagrees with the monotonic one (faults A22).
   */
  retention(now: number, policy: RetentionPolicy = DEFAULT_RETENTION, opts: { maxRowsPerCall?: number } = {}): RetentionResult {
    return applyRetention(this.sql, this.writer(), now, policy, opts);
  }

  /** Bytes on disk: the database plus its -wal and -shm (stat by path; the file is never opened). */
  sizeBytes(): number {
    let total = 0;
    for (const p of [this.path, `${this.path}-wal`, `${this.path}-shm`]) {
      try { total += statSync(p).size; } catch { /* absent */ }
    }
    return total;
  }

  /** `PRAGMA integrity_check`: 'ok', or its findings one per line. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  }

  /** Copies the WAL into the database (PASSIVE: never waits for readers). */
  checkpoint(mode: 'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE' = 'PASSIVE'): { busy: number; log: number; checkpointed: number } {
    const row = (this.db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[])[0];
    return row ?? { busy: 0, log: 0, checkpointed: 0 };
  }

  /**
   * Gives the -wal's space back to the volume after a write failed for lack of it (faults F2): checkpoint
   * and truncate it to zero bytes. Waits for readers at most `waitMs`, not the 5 s busy timeout: the daemon
   * calls this from its loop. Without it a small volume stays full after space is freed, as the -wal grows
   * back until its 16 MB autocheckpoint, which a small volume never reaches. Throws when it cannot.
   */
  reclaimWal(waitMs = 200): void {
    const busy = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${waitMs}`);
    try {
      const r = this.checkpoint('TRUNCATE');
      if (r.busy) throw Object.assign(new Error('a reader holds the -wal'), { code: 'SQLITE_BUSY' });
    } finally {
      this.db.pragma(`busy_timeout = ${busy}`);
    }
  }

  /** Parsed label sets by their stored text, shared and frozen: a scrape reads the same 250 sets every time. */
  private readonly labelCache = new Map<string, Labels>();
  private labelsOf(text: string): Labels {
    let labels = this.labelCache.get(text);
    if (labels === undefined) {
      if (this.labelCache.size >= 20_000) this.labelCache.clear(); // bounded: series come and go
      labels = Object.freeze(parseLabels(text));
      this.labelCache.set(text, labels);
    }
    return labels;
  }

  /**
   * Every sample of one metric name of a hub in [from, to), all label sets in one statement (the per-server
   * series of one poll: 250 servers are one index walk, not 250 queries).
   */
  samplesOfName(hub: string, name: string, from: number, to: number): RawSampleRow[] {
    const rows = this.sql.stmt(`SELECT s.labels AS labels, r.t AS t, r.v AS v, r.err AS err FROM series s
      JOIN samples r ON r.series_id = s.id WHERE s.hub = ? AND s.name = ? AND r.t >= ? AND r.t < ? ORDER BY r.t`)
      .all(hub, name, from, to) as { labels: string; t: number; v: number | null; err: string | null }[];
    return rows.map((r) => ({ hub, labels: this.labelsOf(r.labels), t: r.t, v: r.v, err: r.err }));
  }

  /**
   * Every series of one metric name of a hub, per minute over [from, to): the 1-minute rollups up to the
   * rollup's watermark and the raw samples after it (for the learned bands: days of minutes, not of polls).
   * Labels as canonical text (parseLabels).
   */
  minutesOfName(hub: string, name: string, from: number, to: number): MinuteRow[] {
    return minutesOfName(this.sql, this.series, { hub, name, from, to, watermark: this.sql.getMetaNumber(META_ROLLUP_WATERMARK) });
  }

  /** A hub's error-level log lines and reconnects per `stepMs` over [from, to) (for the learned bands). */
  eventCountsByStep(hub: string, from: number, to: number, stepMs: number): EventStepCounts[] {
    return eventCountsByStep(this.sql, { hub, from, to, stepMs });
  }

  /**
   * Good/total of a 0/1 series over [from, to): raw samples when `resolution` is raw, else 1-minute
   * rollups (a failed poll — NULL — counts in total, not in good). Time with no rows is not counted.
   */
  ratio(hub: string, name: string, from: number, to: number, resolution: 'raw' | '1m' | '1h'): { good: number; total: number } {
    let good = 0;
    let total = 0;
    const text = resolution === 'raw'
      ? 'SELECT count(*) AS total, total(v) AS good FROM samples WHERE series_id = ? AND t >= ? AND t < ?'
      : `SELECT total(n) AS total, total(sum) AS good FROM ${resolution === '1h' ? 'rollup_1h' : 'rollup_1m'} WHERE series_id = ? AND bucket >= ? AND bucket < ?`;
    for (const m of this.series.match({ hub, name, labelsText: '' })) {
      const r = this.sql.stmt(text).get(m.id, from, to) as { good: number; total: number };
      good += r.good;
      total += r.total;
    }
    return { good, total };
  }

  /**
   * Good/total over any window: raw samples up to 6 h; beyond, the 1-minute rollups for the minutes the
   * rollup has folded (its watermark) and raw samples after that — so a daemon's first minutes, before any
   * rollup ran, still count, and no poll counts twice.
   */
  ratioOver(hub: string, name: string, from: number, to: number): { good: number; total: number } {
    return this.spans(from, to).map((p) => this.ratio(hub, name, p.from, p.to, p.resolution))
      .reduce((a, b) => ({ good: a.good + b.good, total: a.total + b.total }), { good: 0, total: 0 });
  }

  /**
   * Per series of `name` (every label set) of a hub, the sum of its values over [from, to), for series of
   * counts such as the tap's `calls.*`, whose sums are exact at any resolution: raw up to an hour; beyond,
   * the rollups' sums and the raw rows after them, as ratioOver reads. A busy tap stores a row per tool
   * every 5 s: six hours of 50 tools raw is 216,000 rows, against 18,000 of the 1-minute rollup.
   */
  sumsOver(hub: string, name: string, from: number, to: number): { labels: Labels; total: number }[] {
    const byLabels = new Map<string, number>();
    for (const p of this.spans(from, to, 3_600_000)) {
      const rows = this.sql.stmt(p.resolution === 'raw'
        ? `SELECT s.labels AS labels, total(r.v) AS total FROM series s JOIN samples r ON r.series_id = s.id
            WHERE s.hub = ? AND s.name = ? AND r.t >= ? AND r.t < ? GROUP BY s.id`
        : `SELECT s.labels AS labels, total(r.sum) AS total FROM series s JOIN ${p.resolution === '1h' ? 'rollup_1h' : 'rollup_1m'} r ON r.series_id = s.id
            WHERE s.hub = ? AND s.name = ? AND r.bucket >= ? AND r.bucket < ? GROUP BY s.id`).all(hub, name, p.from, p.to) as { labels: string; total: number }[];
      for (const r of rows) byLabels.set(r.labels, (byLabels.get(r.labels) ?? 0) + r.total);
    }
    return [...byLabels].map(([text, total]) => ({ labels: this.labelsOf(text), total }));
  }

  /** The parts of [from, to) and the resolution each is read at, so that every sample counts once. */
  private spans(from: number, to: number, rawUpToMs = 6 * 3_600_000): { from: number; to: number; resolution: 'raw' | '1m' | '1h' }[] {
    if (to - from <= rawUpToMs) return [{ from, to, resolution: 'raw' }];
    // Whole hours from the 1-hour rollup (30 days = 720 rows, not 43,200), the rest from the 1-minute one,
    // the newest minutes raw: each poll counts once.
    const wm1m = this.sql.getMetaNumber(META_ROLLUP_WATERMARK) ?? from;
    const cut1m = Math.min(to, Math.max(from, wm1m));
    const hourStart = Math.ceil(from / 3_600_000) * 3_600_000;
    const wm1h = Math.min(this.sql.getMetaNumber(META_ROLLUP_1H_WATERMARK) ?? hourStart, cut1m);
    const parts = wm1h > hourStart
      ? [{ from, to: hourStart, resolution: '1m' as const }, { from: hourStart, to: wm1h, resolution: '1h' as const }, { from: wm1h, to: cut1m, resolution: '1m' as const }]
      : [{ from, to: cut1m, resolution: '1m' as const }];
    return [...parts, { from: cut1m, to, resolution: 'raw' }];
  }

  /** Closes the connection (SQLite checkpoints and removes the -wal when it is the last one). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
