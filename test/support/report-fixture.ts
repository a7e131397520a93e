/** A small report model full of hostile hub strings, for the Markdown and HTML view tests (no store needed). */
import { defaultConfig } from '../../src/config/defaults.js';
import { buildReport, reportPeriod } from '../../src/evaluate/report.js';
import type { CapacitySeries } from '../../src/evaluate/capacity-outlook.js';
import type { Bucket, ReportModel } from '../../src/evaluate/report-model.js';
import { addCall, emptyStats, type CallStats } from '../../src/model/call-stats.js';

/** Server names that try to break out of a table cell, a line, a code span or the HTML. */
export const HOSTILE_NAMES = [
  'pipe|name',
  'new\nline',
  'back`tick`s',
  '<script>alert(1)</script>',
  '<img src=x onerror="window.__pwned=1">',
  '__proto__',
  '**bold** [link](javascript:alert(1)) \\| ~~x~~',
  'ansi\x1b]0;title\x07\u202Eevil',
];

const M = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const ones = (from: number, n: number, down: (i: number) => boolean = () => false): Bucket[] =>
  Array.from({ length: n }, (_, i) => ({ t: from + i * M, widthMs: M, n: 1, nErr: 0, sum: down(i) ? 0 : 1, min: null, max: null }));

/** One hub's report input whose servers carry `names`; the caller adds events, alerts and gaps. */
type HubInput = Parameters<typeof buildReport>[0]['hubs'][number];
type Period = ReturnType<typeof reportPeriod>;
type EventRow = { t: number; type: string; server: string | null; data: unknown };
type AlertInput = HubInput['alerts'][number];

/**
 * A daily report of one hub whose server names come from `names`: 10 min down, a slow tail, growing RSS,
 * and whatever events, alerts and gaps `extra` adds (its period passed in). Shared by the view tests and
 * the Markdown-injection test (faults D4).
 */
export function hostileReport(names: readonly string[], hub: string,
  extra: (p: Period) => { events: EventRow[]; alerts: AlertInput[]; gaps?: { from: number; to: number }[]; capacity?: CapacitySeries[] }, cfg = defaultConfig()): ReportModel {
  const period = reportPeriod('daily', T0 + 86_400_000);
  const { from, to, previousFrom } = period;
  const more = extra(period);
  return buildReport({
    kind: 'daily', from, to, previousFrom, generatedAt: to, latencyBasis: 'raw',
    baseline: { status: 'absent', file: '/state/baselines/pinned.json', hubs: [] },
    ...(more.capacity ? { capacity: more.capacity } : {}),
    hubs: [{
      hub,
      up: { current: ones(from, 1440, (i) => i >= 60 && i < 70), previous: ones(previousFrom, 1440) },
      fast: { current: ones(from, 1430), previous: [] },
      sloWindow: { availability: { good: 2870, total: 2880, observedMs: 2 * 86_400_000 }, latency: { good: 1, total: 1, observedMs: 2 * 86_400_000 } },
      gaps: more.gaps ?? [],
      servers: names.map((name, k) => ({ name, up: { current: ones(from, 1430, (i) => i % 500 < k), previous: [] } })),
      latency: { current: [3, 4, 5, 40], previous: [3, 3, 3] },
      latencyBuckets: ones(from, 1440).map((b, i) => ({ ...b, sum: 3 + (i % 7), min: 3, max: 9 })),
      rss: ones(from - 6 * 86_400_000, 7 * 1440).map((b, i) => ({ ...b, sum: 1e8 + i * 1e3, min: null, max: 1e8 + i * 1e3 })),
      events: more.events,
      alerts: more.alerts,
      calls: { current: names.map((name, k) => callsOf(hub, name, 10 + k, 3_000)), previous: names.map((name) => callsOf(hub, name, 5, 100)) },
    } as HubInput],
  }, cfg);
}

/** A tool named `name` of a server named `name`: `n` calls of `ms` each, the first two failing with error type `name`. */
function callsOf(hub: string, name: string, n: number, ms: number): CallStats {
  const s = emptyStats(hub, name, name);
  for (let i = 0; i < n; i++) {
    addCall(s, {
      hub, server: name, tool: name, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: 0, durationMs: ms,
      outcome: i < 2 ? 'jsonrpc_error' : 'ok', ...(i < 2 ? { errorType: name } : {}), requestBytes: 1, responseBytes: 1,
    });
  }
  return s;
}

/** An event row for hostileReport. */
export const ev = (t: number, type: string, server: string | null, data: unknown): EventRow => ({ t, type, server, data });
export { M as MINUTE_MS };

/** A daily report of one hub whose servers, incidents, error codes and tool changes all carry hostile names. */
export function hostileModel(): ReportModel {
  return hostileReport(HOSTILE_NAMES, 'http://127.0.0.1:7000/|`<b>`', ({ from }) => ({
    gaps: [{ from: from + 600 * M, to: from + 660 * M }],
    events: HOSTILE_NAMES.flatMap((name, k) => [
      ev(from + (k + 1) * 3_600_000, 'server_status', name, { from: 'up', to: 'down' }),
      ev(from + (k + 1) * 3_600_000 + 5 * M, 'server_status', name, { from: 'down', to: 'up' }),
      ev(from + (k + 1) * 3_600_000, 'log', name, { level: 'error', code: `code ${name}` }),
      ev(from + (k + 1) * 3_600_000, 'tool_list_changed', name, { added: [name, `t|${k}`], removed: [`<i>${k}</i>`], changed: [{ name }], count: 2 }),
    ]),
    alerts: HOSTILE_NAMES.map((name, k) => ({
      fingerprint: `fp${k}`, rule: 'server.status', severity: 'warning', server: name, summary: `${name}: disconnected`,
      firedAt: from + (k + 1) * 3_600_000, resolvedAt: from + (k + 1) * 3_600_000 + 5 * M,
    })),
  }));
}

/**
 * The tables of a Markdown text: each a list of rows, each row its cells split on unescaped pipes (a pipe
 * preceded by an odd number of backslashes is text). Text after a row's closing pipe becomes a last cell,
 * so a broken row shows up as a wrong cell count.
 */
export function markdownTables(md: string): string[][][] {
  const tables: string[][][] = [];
  let cur: string[][] | undefined;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) { cur = undefined; continue; }
    if (!cur) { cur = []; tables.push(cur); }
    const cells: string[] = [];
    let cell = '';
    let slashes = 0;
    for (const ch of line.slice(1)) {
      if (ch === '|' && slashes % 2 === 0) { cells.push(cell.trim()); cell = ''; } else cell += ch;
      slashes = ch === '\\' ? slashes + 1 : 0;
    }
    if (cell.trim() !== '') cells.push(cell.trim());
    cur.push(cells);
  }
  return tables;
}
