/**
 * `history`: the stored series and events for a time range, as CSV (default) or JSON — raw samples or the
 * 1-minute / 1-hour rollups (the CSV's first column says which: `time`, `bucket_1m`, `bucket_1h`). Reads the
 * store read-only; never writes it. A series, server, hub or event type the store does not know is a usage
 * error listing the ones it knows, not an empty table. Printed, the table is made terminal-safe; written with
 * `--output <file>`, it is the stored data.
 */
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { historyDbPath } from '../../config/paths.js';
import { DURATION_HINT, parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { EVENT_TYPES, eventRow } from '../../model/events.js';
import { writeFileAtomic } from '../../store/files.js';
import { normaliseHubUrl } from '../../sources/discovery.js';
import { toCsv } from '../../views/csv.js';
import { toSafeJson } from '../../views/json.js';
import { sanitizeTerminal } from '../../views/sanitize.js';
import type { Store } from '../../store/store.js';
import type { SeriesInfo } from '../../store/series.js';
import type { RawSampleRow, RollupRow } from '../../store/queries.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';
import { ensureOutputDir } from '../output-dir.js';

export interface HistoryFlags {
  series?: string;
  server?: string;
  since?: string;
  until?: string;
  resolution?: string;
  events?: boolean | string;
  format?: string;
  limit?: string;
  output?: string;
}

/** A time: an ISO timestamp, or a duration meaning "that long ago". */
export function parseTime(text: string, now: number, flag: string): number {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const t = Date.parse(text);
  if (Number.isFinite(t)) return t;
  throw new UsageError(`${flag}: not a time (got ${JSON.stringify(text)}). Write a duration ago (${DURATION_HINT}) or an ISO time`);
}

/** ` (known: a, b, …)` for an error message; the names come from hubs, so they are made safe. */
function known(what: string, names: readonly string[]): string {
  if (names.length === 0) return ` (the store has no ${what} yet)`;
  const shown = names.slice(0, 40).map((n) => sanitizeTerminal(n, 120));
  return ` (known ${what}: ${shown.join(', ')}${names.length > shown.length ? `, and ${names.length - shown.length} more` : ''})`;
}

/** The series to read: those of `--series` (and `--server`) on the hub; throws UsageError naming the known ones. */
function pickSeries(store: Store, hub: string | undefined, name: string, server: string | undefined): SeriesInfo[] {
  const all = store.listSeries(hub);
  const named = all.filter((s) => s.name === name);
  if (named.length === 0) {
    throw new UsageError(`--series: no series ${JSON.stringify(name)} in the store${hub ? ` for ${hub}` : ''}${known('series', [...new Set(all.map((s) => s.name))].sort())}. See: mcp-hub-monitor history`);
  }
  if (server === undefined) return named;
  const servers = [...new Set(named.map((s) => s.labels.server).filter((v): v is string => v !== undefined))].sort();
  const picked = named.filter((s) => s.labels.server === server);
  if (picked.length === 0) {
    throw new UsageError(`--server: no server ${JSON.stringify(server)} in series ${name}${hub ? ` of ${hub}` : ''}${servers.length ? known('servers', servers) : ' (this series has no server label)'}`);
  }
  return picked;
}

/** Checks --hub against the hubs the store holds samples or events of. */
function checkHub(store: Store, hub: string | undefined): void {
  if (hub === undefined) return;
  const hubs = [...new Set([...store.listHubs(), ...store.eventHubs()])].sort();
  // The monitor's own events carry no hub (""): not a hub to suggest.
  if (!hubs.includes(hub)) throw new UsageError(`--hub: the store has nothing of ${hub}${known('hubs', hubs.filter(Boolean))}`);
}

/** Checks --events <type> against the types the daemon records and the ones stored. */
async function checkEventType(store: Store, type: string | undefined): Promise<void> {
  if (type === undefined) return;
  const types = [...new Set([...EVENT_TYPES, ...store.eventTypes()])].sort();
  if (!types.includes(type)) throw new UsageError(`--events: no event type ${JSON.stringify(type)}${known('types', types)}`);
}

export async function runHistory(g: GlobalOptions, f: HistoryFlags): Promise<CommandRun> {
  const now = Date.now();
  const from = parseTime(f.since ?? '1h', now, '--since');
  const to = f.until ? parseTime(f.until, now, '--until') : now + 1; // + 1: a sample stored this millisecond is in
  if (!(from < to)) throw new UsageError('--since must be before --until');
  const format = g.json ? 'json' : (f.format ?? 'csv');
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format: csv or json (got ${JSON.stringify(format)})`);
  const span = (f.until ? to : now) - from;
  const resolution = f.resolution ?? 'auto';
  const res = resolution === 'auto' ? (span <= 6 * 3_600_000 ? 'raw' : span <= 7 * 86_400_000 ? '1m' : '1h') : resolution;
  if (res !== 'raw' && res !== '1m' && res !== '1h') throw new UsageError(`--resolution: raw, 1m, 1h or auto (got ${JSON.stringify(resolution)})`);
  const limit = f.limit === undefined ? 10_000 : Number(f.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit: a positive whole number (got ${JSON.stringify(f.limit)})`);
  const hub = g.hubs[0] === undefined ? undefined : normaliseHubUrl(g.hubs[0]);

  if (!existsSync(historyDbPath(g.stateDir))) {
    throw new UsageError(`no history at ${historyDbPath(g.stateDir)}: start the daemon first (mcp-hub-monitor daemon)`);
  }
  const table = await readTable(g.stateDir, hub, f, { now, from, to, limit, res });
  const text = format === 'json' ? `${toSafeJson(table.json)}\n` : toCsv(table.header, f.output === undefined ? table.rows.map(terminalRow) : table.rows);
  if (f.output === undefined) return { exitCode: 0, output: text };
  const path = resolve(f.output);
  ensureOutputDir(dirname(path), '--output', f.output);
  try {
    writeFileAtomic(path, text, { mode: 0o600 });
  } catch (err) {
    throw new UsageError(`--output ${f.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Choose a file in a directory you can write.`, { cause: err });
  }
  return { exitCode: 0, output: `wrote ${path}\n` };
}

/** What `history` shows: the JSON value, and the same as a CSV header and rows. */
interface Table {
  json: unknown;
  header: string[];
  rows: unknown[][];
}

/**
 * On stdout the CSV is a terminal path: hub strings (server names, errors, event data) have their control
 * and bidi characters made visible, as every other command does (faults F5). A file written with --output
 * stays data: the stored strings, formula-guarded by toCsv.
 */
const terminalRow = (row: readonly unknown[]): unknown[] => row.map((v) => {
  // An event's data is an object: toCsv would write it as JSON, whose strings keep C1 and bidi characters raw.
  const text = typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : undefined;
  return text === undefined ? v : sanitizeTerminal(text, Infinity);
});

async function readTable(stateDir: string, hub: string | undefined, f: HistoryFlags, q: { now: number; from: number; to: number; limit: number; res: 'raw' | '1m' | '1h' }): Promise<Table> {
  const { now, limit, res } = q;
  let { from, to } = q;
  const { Store } = await import('../../store/store.js');
  const store = Store.open({ stateDir, readOnly: true });
  try {
    // After a step back of the wall clock the daemon's times run ahead of it: a window ending now ends on them (faults F7).
    const { storeTime } = await import('../../store/store-time.js');
    const { aheadMs } = storeTime(store, now);
    if (aheadMs > 0) {
      from = parseTime(f.since ?? '1h', now + aheadMs, '--since');
      to = f.until ? parseTime(f.until, now + aheadMs, '--until') : now + aheadMs + 1;
    }
    checkHub(store, hub);
    if (f.events !== undefined && f.events !== false) {
      const type = typeof f.events === 'string' ? f.events : undefined;
      await checkEventType(store, type);
      const rows = store.queryEvents({ hub, type, from, to, limit }).map(eventRow);
      return { json: { from, to, events: rows }, header: ['time', 'hub', 'type', 'server', 'data'], rows: rows.map((e) => [new Date(e.t).toISOString(), e.hub, e.type, e.server, e.data ?? '']) };
    }
    if (!f.series) {
      const series = store.listSeries(hub);
      return { json: { series }, header: ['hub', 'series', 'labels'], rows: series.map((s) => [s.hub, s.name, Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(';')]) };
    }
    // Each series on its own: --server picks by the server label, whatever other labels (a canary's tool) it has.
    const rows = pickSeries(store, hub, f.series, f.server)
      .flatMap((s): (RawSampleRow | RollupRow)[] => store.querySamples({ hub: s.hub, name: s.name, labels: s.labels, from, to, resolution: res }))
      .slice(0, limit);
    const label = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(';');
    const json = { series: f.series, resolution: res, from, to, rows };
    if (res === 'raw') {
      const raw = rows as { hub: string; labels: Record<string, string>; t: number; v: number | null; err: string | null }[];
      return { json, header: ['time', 'hub', 'series', 'labels', 'value', 'error'], rows: raw.map((r) => [new Date(r.t).toISOString(), r.hub, f.series, label(r.labels), r.v, r.err]) };
    }
    const agg = rows as { hub: string; labels: Record<string, string>; bucket: number; n: number; n_err: number; sum: number | null; min: number | null; max: number | null }[];
    return {
      json,
      header: [`bucket_${res}`, 'hub', 'series', 'labels', 'count', 'failed', 'avg', 'min', 'max'],
      rows: agg.map((r) => [
        new Date(r.bucket).toISOString(), r.hub, f.series, label(r.labels), r.n, r.n_err,
        r.sum === null || r.n - r.n_err === 0 ? null : Math.round((r.sum / (r.n - r.n_err)) * 1000) / 1000, r.min, r.max,
      ]),
    };
  } finally {
    store.close();
  }
}
