/**
 * What is wrong with an OpenTelemetry export, the daemon's or a tap's, in one sentence per signal: the same
 * words on every path a user looks at (`status`, `check --expect-daemon`, the `monitor.otel` alert).
 * Pure: the caller passes `now`.
 */
import type { TapOtelSeen } from '../model/calls-window.js';
import type { ExportCounts, OtelExportHealth } from '../otel/status.js';

export interface ExportSource {
  /** Who exports, as a sentence starts: "the daemon", "the tap on 127.0.0.1:7001". */
  who: string;
  /** Why it is on but never started (nothing is exported). */
  startError?: string;
  traces?: ExportCounts & { url: string };
  metrics?: ExportCounts & { url: string };
}

const UNIT = { traces: 'spans', metrics: 'metric streams' } as const;

export function otelExportProblems(s: ExportSource, now: number): string[] {
  if (s.startError !== undefined) return [`${s.who}'s OpenTelemetry export is enabled but could not start (${s.startError}): nothing is exported`];
  const out: string[] = [];
  for (const signal of ['traces', 'metrics'] as const) {
    const c = s[signal];
    if (!c?.failing) continue;
    const when = c.lastErrorAt !== undefined ? ` ${Math.max(0, Math.round((now - c.lastErrorAt) / 1000))} s ago` : '';
    out.push(`${s.who} cannot export ${signal} to ${c.url}: ${c.failedExports} exports failed, ${c.failed} ${UNIT[signal]} lost; last error${when}: ${c.lastError ?? 'unknown'}`);
  }
  return out;
}

/** The `monitor.otel` verdict per exporter: warning with its problems, ok when it works. */
export function judgeOtelExports(sources: readonly ExportSource[], now: number): { who: string; status: 'ok' | 'warning'; summary: string }[] {
  return sources.map((s) => {
    const problems = otelExportProblems(s, now);
    return problems.length > 0
      ? { who: s.who, status: 'warning' as const, summary: problems.join('; ') }
      : { who: s.who, status: 'ok' as const, summary: `${s.who}'s OpenTelemetry export works` };
  });
}

/** The daemon's export as a source; undefined while it is off. */
export function daemonExportSource(h: OtelExportHealth | undefined): ExportSource | undefined {
  if (!h?.enabled) return undefined;
  return { who: 'the daemon', ...(h.startError !== undefined ? { startError: h.startError } : {}), ...(h.status ? { traces: h.status.traces, metrics: h.status.metrics } : {}) };
}

/** Each tap's export (those the daemon heard from lately) as a source. */
export function tapExportSources(otel: readonly TapOtelSeen[] | undefined): ExportSource[] {
  return (otel ?? []).map((t) => ({ who: `the tap on ${t.listen}`, traces: t.traces, metrics: t.metrics }));
}
