/**
 * What the events and the alert store say about a period: incidents (alerts that fired, with durations),
 * error codes from the hub's log, and tool-list changes. Pure. Event payloads come back from a database a
 * person could edit: the store checks each row against the event catalogue, and only rows that fit get here.
 */
import type { AlertEpisode, Incident, RemediationEntry, ReportEvent, ToolChange } from './report-model.js';

/** An event-derived episode matches a stored alert with the same fingerprint fired within this of it. */
const SAME_EPISODE_MS = 60_000;

/** Episodes from `alert_firing`/`alert_resolved` events, paired by fingerprint. */
function episodesFromEvents(events: readonly ReportEvent[]): (AlertEpisode & { source: 'events' })[] {
  const open = new Map<string, AlertEpisode & { source: 'events' }>();
  const out: (AlertEpisode & { source: 'events' })[] = [];
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (e.type !== 'alert_firing' && e.type !== 'alert_resolved') continue;
    const { fingerprint: fp, rule, severity, summary } = e.data;
    if (e.type === 'alert_firing') {
      if (open.has(fp)) continue; // a repeated firing of one episode
      const ep = { fingerprint: fp, rule, severity, server: e.server, summary, firedAt: e.t, resolvedAt: null, source: 'events' as const };
      open.set(fp, ep);
      out.push(ep);
    } else {
      const ep = open.get(fp);
      if (ep) ep.resolvedAt = e.t; // a resolve whose firing is before the events start has no known start: skipped
      open.delete(fp);
    }
  }
  return out;
}

/**
 * Incidents overlapping [from, to): the alert store's episodes, plus episodes seen only in events (an
 * alert row can be gone, events are history). Sorted by start, then rule and server.
 */
export function incidentsIn(alerts: readonly AlertEpisode[], events: readonly ReportEvent[], from: number, to: number): Incident[] {
  const episodes = episodesFromEvents(events);
  const same = (a: AlertEpisode, ep: AlertEpisode) => a.fingerprint === ep.fingerprint && Math.abs(a.firedAt - ep.firedAt) <= SAME_EPISODE_MS;
  const ownEvent = (a: AlertEpisode) => episodes.find((ep) => same(a, ep));
  const fromEvents = episodes.filter((ep) => !alerts.some((a) => same(a, ep)));
  // A resolved row's summary is the passing check's text ("crashy: connected, up 6s"): the incident is
  // what fired, which its alert_firing event keeps.
  const all = [...alerts.map((a) => ({ ...a, summary: ownEvent(a)?.summary || a.summary, source: 'alert_store' as const })), ...fromEvents];
  return all
    .filter((a) => a.firedAt < to && (a.resolvedAt ?? Infinity) > from)
    .map((a): Incident => ({
      rule: a.rule, severity: a.severity, server: a.server, summary: a.summary, start: a.firedAt, end: a.resolvedAt,
      durationMs: Math.min(a.resolvedAt ?? to, to) - a.firedAt, ongoing: a.resolvedAt === null || a.resolvedAt > to, source: a.source,
    }))
    .sort((a, b) => a.start - b.start || cmp(a.rule, b.rule) || cmp(a.server ?? '', b.server ?? ''));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ERROR_LEVELS = new Set(['warn', 'warning', 'error', 'fatal']);
/** Shown for a log line that carries no code. */
export const NO_CODE = '(no code)';

/** Warning/error log lines in [from, to): per code (from `log` and flood `log_summary` events) and per server. */
export function errorCounts(events: readonly ReportEvent[], from: number, to: number): { total: number; byCode: Map<string, number>; byServer: Map<string, number> } {
  const byCode = new Map<string, number>();
  const byServer = new Map<string, number>();
  let total = 0;
  const bump = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const e of events) {
    if (e.t < from || e.t >= to) continue;
    if (e.type === 'log') {
      if (!ERROR_LEVELS.has(e.data.level)) continue;
      total++;
      bump(byCode, e.data.code ?? NO_CODE, 1);
      if (e.server !== null) bump(byServer, e.server, 1);
    } else if (e.type === 'log_summary') {
      // A flood was summarised: its exact counts per code (faults A18). Lines without a code are not in byCode.
      for (const [code, n] of Object.entries(e.data.byCode)) {
        if (!Number.isFinite(n) || n <= 0) continue;
        bump(byCode, code, n);
        total += n;
      }
    }
  }
  return { total, byCode, byServer };
}

/** The `n` largest counts, ties broken by name so the order is stable. */
export function topCounts(m: ReadonlyMap<string, number>, n: number): { code: string; count: number }[] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, n).map(([code, count]) => ({ code, count }));
}

/** Tool-list changes in [from, to); the first list seen of a server (a baseline, no diff) is not a change. */
export function toolChangesIn(events: readonly ReportEvent[], from: number, to: number): ToolChange[] {
  const out: ToolChange[] = [];
  for (const e of events) {
    if (e.type !== 'tool_list_changed' || e.t < from || e.t >= to) continue;
    const d = e.data;
    if ('baseline' in d) continue;
    out.push({ t: e.t, server: e.server, added: d.added, removed: d.removed, changed: d.changed.map((c) => c.name), count: d.count });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Remediation events in [from, to): what was done (or a dry run decided) to which target, and how it ended. */
export function remediationsIn(events: readonly ReportEvent[], from: number, to: number): RemediationEntry[] {
  const out: RemediationEntry[] = [];
  for (const e of events) {
    if (e.type !== 'remediation' || e.t < from || e.t >= to) continue;
    const d = e.data;
    out.push({ t: e.t, action: d.action, target: d.target, result: d.result, dryRun: d.dryRun, who: d.who, why: d.why, detail: d.detail ?? null });
  }
  return out.sort((a, b) => a.t - b.t);
}
