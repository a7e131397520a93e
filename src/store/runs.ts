/**
 * Daemon runs, and the gaps between them. Time the daemon was not running is unknown, never "up"
 * (docs/faults.md §5: "the only permitted gap is the time the daemon process was not running"). A run that
 * stopped has a known end; one that was killed ends at its last heartbeat (or last committed batch).
 */
import type { Sql } from './sql.js';

/** A `runs` row as stored (0/1 for the flags, null for what is not known yet). */
export interface RunRow {
  id: number;
  pid: number | null;
  started_at: number;
  last_beat_at: number | null;
  stopped_at: number | null;
  clean_start: number;
  clean_stop: number | null;
}

/** An interval with no daemon running: no sample in it means "unknown", not "up" or "down". */
export interface Gap {
  from: number;
  to: number;
  reason: 'daemon_not_running';
}

/**
 * Records a daemon start and returns the run id. `id`: the id the daemon already runs under because the
 * store refused the start (disk full) and it is recorded late; `lastBeatAt`: when it was last known alive.
 */
export function startRun(sql: Sql, r: { pid: number; t: number; cleanStart: boolean; id?: number; lastBeatAt?: number }): number {
  const res = sql.stmt('INSERT INTO runs (id, pid, started_at, last_beat_at, clean_start) VALUES (?, ?, ?, ?, ?)')
    .run(r.id ?? null, r.pid, r.t, r.lastBeatAt ?? r.t, r.cleanStart ? 1 : 0);
  return Number(res.lastInsertRowid);
}

/** The id the next run gets (runs are only written by the daemon holding the lock). */
export function nextRunId(sql: Sql): number {
  return ((sql.stmt('SELECT max(id) AS id FROM runs').get() as { id: number | null }).id ?? 0) + 1;
}

/** Records that the run was alive at `t` (the latest beat wins, even if the wall clock stepped back). */
export function beat(sql: Sql, runId: number, t: number): void {
  sql.stmt('UPDATE runs SET last_beat_at = ? WHERE id = ?').run(t, runId);
}

/** Records the end of a run; `clean` when everything buffered was written. */
export function stopRun(sql: Sql, runId: number, t: number, clean: boolean): void {
  sql.stmt('UPDATE runs SET stopped_at = ?, last_beat_at = ?, clean_stop = ? WHERE id = ?').run(t, t, clean ? 1 : 0, runId);
}

/** The latest run (by id, i.e. start order), or undefined. */
export function lastRun(sql: Sql): RunRow | undefined {
  return sql.stmt('SELECT * FROM runs WHERE id = (SELECT max(id) FROM runs)').get() as RunRow | undefined;
}

/** Runs that started before `to`, oldest first. */
export function runsBefore(sql: Sql, to: number): RunRow[] {
  return sql.stmt('SELECT * FROM runs WHERE started_at < ? ORDER BY started_at').all(to) as RunRow[];
}

/** Where a run's coverage ends: its stop, else its last beat (a killed run), else its start. */
export function runEnd(r: RunRow): number {
  return r.stopped_at ?? r.last_beat_at ?? r.started_at;
}

/**
 * The parts of [from, to) that no run covers. `currentRunId` is the run asking (the live daemon): it
 * covers up to `to` even though its last beat is a few seconds old. Runs may overlap or be out of order
 * (a wall clock stepped back): coverage is merged, not assumed sequential.
 */
export function computeGaps(runs: readonly RunRow[], from: number, to: number, opts: { currentRunId?: number } = {}): Gap[] {
  if (!(to > from)) return [];
  const spans = runs
    .map((r) => [r.started_at, r.id === opts.currentRunId ? Infinity : Math.max(r.started_at, runEnd(r))] as const)
    .filter(([s, e]) => e > s && e > from && s < to) // a run killed before its first beat covers nothing
    .sort((a, b) => a[0] - b[0]);
  const gaps: Gap[] = [];
  let cursor = from;
  for (const [s, e] of spans) {
    if (s > cursor) gaps.push({ from: cursor, to: s, reason: 'daemon_not_running' });
    cursor = Math.max(cursor, e);
    if (cursor >= to) break;
  }
  if (cursor < to) gaps.push({ from: cursor, to, reason: 'daemon_not_running' });
  return gaps;
}
