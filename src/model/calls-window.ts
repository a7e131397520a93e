import type { CallRecord, TapOtelStatus } from './calls.js';

/**
 * What the daemon writes of the tap's last window to `<state-dir>/calls-window.json` (every pass of its
 * calls job, while a tap has connected since it started), so `check` and `status` can show `calls.*`
 * without opening SQLite or asking the daemon. Strings in it come from the tap: hostile on every output.
 */

/** A calls.* finding as written (evaluate/types.ts `Finding`, which model/ may not import). */
export interface Finding { id: string; status: 'ok' | 'warning' | 'critical' | 'no_data'; hub: string; subject?: string; tool?: string; value?: number | string; threshold?: number | string; message: string }


export const CALLS_WINDOW_FILE = 'calls-window.json';

/** A tool among the worst of the window. */
export interface WorstTool { hub: string; server: string; tool: string; calls: number; errors: number; successPercent: number; p95Ms?: number; topError?: string }

/** A tool in the dashboards' tools panel (evaluate/tools-panel.ts): its calls over the window. */
export interface ToolRow { server: string; tool: string; calls: number; errors: number; successPercent: number; p95Ms?: number; topError?: string }

/** A live tap's OpenTelemetry export as it last said (taps that export only). */
export interface TapOtelSeen extends TapOtelStatus {
  /** Where the tap listens. */
  listen: string;
}

/** A failing call as the tap recorded it (its arguments only when the user opted in). */
export interface RecentFailure {
  at: number;
  hub: string;
  server: string | null;
  tool: string | null;
  method: string;
  client: string | null;
  outcome: string;
  errorType?: string;
  errorMessage?: string;
  arguments?: string;
}

/** What `status` and the JSON API show of a failing call. */
export function recentFailure(c: CallRecord): RecentFailure {
  return {
    at: c.start, hub: c.hub, server: c.server, tool: c.tool, method: c.method, client: c.client, outcome: c.outcome,
    ...(c.errorType !== undefined ? { errorType: c.errorType } : {}), ...(c.errorMessage !== undefined ? { errorMessage: c.errorMessage } : {}),
    ...(c.arguments !== undefined ? { arguments: c.arguments } : {}),
  };
}

/** One hub's slowest and most failing tools over the window. */
export interface ToolsPanel { hub: string; calls: number; errors: number; slowest: ToolRow[]; failing: ToolRow[] }

export interface CallsWindowDoc {
  /** When it was written (epoch ms), and the window it covers. */
  at: number;
  windowMs: number;
  tap: {
    /** Taps connected now, and whether one ever connected during this daemon run. */
    connected: number;
    everConnected: boolean;
    lastGoneAt?: number;
    /** Records the taps said they dropped (their buffer was full while the daemon was away). */
    dropped: number;
    /** Lines the daemon could not read. */
    badLines: number;
    /** Why the daemon cannot take taps, when it cannot. */
    problem?: string;
    /** The OpenTelemetry export of each live tap that exports (absent when none does, and in older files). */
    otel?: TapOtelSeen[];
    /**
     * Calls since the daemon started for hubs it does not watch (not judged), and the hubs such calls came
     * for within the window, with their calls since start (absent in older files).
     */
    unwatched?: { calls: number; hubs: { hub: string; calls: number }[] };
  };
  calls: number;
  errors: number;
  /** The calls.* findings of every watched hub (per server, and per tool when not OK). */
  findings: Finding[];
  worst: WorstTool[];
  /** Per watched hub, the tools panel of the dashboards (absent in files of older daemons). */
  panels?: ToolsPanel[];
  /** The last few failing calls, oldest first (absent in files of older daemons). */
  recentFailures?: RecentFailure[];
  /** Per watched hub, all its calls of the window, for the degradation level (absent in files of older daemons). */
  totals?: HubCallTotals[];
}

/** One hub's calls over the window: every server and tool, and the calls that name none. */
export interface HubCallTotals { hub: string; calls: number; errors: number; p95Ms?: number }

/** The document, or undefined when the text is not one (an older or hand-edited file). */
export function parseCallsWindow(text: string): CallsWindowDoc | undefined {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return undefined; }
  const d = raw as Partial<CallsWindowDoc> | null;
  if (!d || typeof d !== 'object' || typeof d.at !== 'number' || typeof d.windowMs !== 'number' || !d.tap || typeof d.tap !== 'object' || !Array.isArray(d.findings) || !Array.isArray(d.worst)) return undefined;
  const findings = d.findings.filter((f): f is Finding => !!f && typeof f === 'object' && typeof (f as Finding).id === 'string' && typeof (f as Finding).message === 'string' && typeof (f as Finding).hub === 'string'
    && ['ok', 'warning', 'critical', 'no_data'].includes((f as Finding).status));
  const panels = Array.isArray(d.panels) ? d.panels.filter((p): p is ToolsPanel => !!p && typeof p === 'object' && typeof p.hub === 'string' && Array.isArray(p.slowest) && Array.isArray(p.failing)) : undefined;
  const tap = { ...(d.tap as CallsWindowDoc['tap']) };
  if (tap.otel !== undefined) tap.otel = Array.isArray(tap.otel) ? tap.otel.filter(isOtelSeen) : [];
  const recentFailures = Array.isArray(d.recentFailures) ? d.recentFailures.filter((f): f is RecentFailure => !!f && typeof f === 'object' && typeof f.at === 'number' && typeof f.method === 'string' && typeof f.outcome === 'string'
    && (f.arguments === undefined || typeof f.arguments === 'string')) : undefined;
  const u = (d.tap as Partial<CallsWindowDoc['tap']>).unwatched;
  const unwatched = u && typeof u === 'object' && typeof u.calls === 'number' && Array.isArray(u.hubs)
    ? { calls: u.calls, hubs: u.hubs.filter((h) => !!h && typeof h === 'object' && typeof h.hub === 'string' && typeof h.calls === 'number') } : undefined;
  const totals = Array.isArray(d.totals) ? d.totals.filter((t): t is HubCallTotals => !!t && typeof t === 'object' && typeof t.hub === 'string'
    && typeof t.calls === 'number' && typeof t.errors === 'number' && (t.p95Ms === undefined || typeof t.p95Ms === 'number')) : undefined;
  delete tap.unwatched;
  if (unwatched) tap.unwatched = unwatched;
  return { ...(d as CallsWindowDoc), tap, findings, ...(panels ? { panels } : {}), ...(recentFailures ? { recentFailures } : {}), ...(totals ? { totals } : {}) };
}

function isOtelSeen(o: unknown): o is TapOtelSeen {
  const health = (h: unknown) => !!h && typeof h === 'object' && typeof (h as { url?: unknown }).url === 'string' && typeof (h as { exported?: unknown }).exported === 'number'
    && typeof (h as { failed?: unknown }).failed === 'number' && typeof (h as { failing?: unknown }).failing === 'boolean';
  return !!o && typeof o === 'object' && typeof (o as TapOtelSeen).listen === 'string' && health((o as TapOtelSeen).traces) && health((o as TapOtelSeen).metrics);
}
