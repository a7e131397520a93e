/**
 * The daemon's OpenTelemetry export in `status`, from its note beside the store (otel-export.json): where it
 * sends, what it sent and lost, and, loudly, an export that fails. Nothing when export is off.
 */
import { readOtelExportNote } from '../daemon/otel-export-status.js';
import { daemonExportSource, otelExportProblems } from '../evaluate/otel-export.js';
import type { OtelExportHealth } from '../otel/status.js';
import { sanitizeTerminal as clean } from '../views/sanitize.js';

export interface OtelStatusReport {
  /** The running daemon's export; null when no daemon runs or it wrote no note. */
  export: OtelExportHealth | null;
  problems: string[];
  lines: string[];
}

/** The note of the daemon `pid` (a note another daemon left is stale); undefined pid: none is running. */
export function otelStatus(stateDir: string, pid: number | undefined, now: number): OtelStatusReport {
  const note = pid === undefined ? undefined : readOtelExportNote(stateDir);
  if (!note || note.pid !== pid) return { export: null, problems: [], lines: [] };
  const { at: _at, pid: _pid, ...health } = note;
  const source = daemonExportSource(health);
  const problems = source ? otelExportProblems(source, now) : [];
  const s = health.status;
  const lines = !health.enabled ? [] : [
    ...(s ? [`otel: probes and canaries as spans to ${clean(s.traces.url)}: ${s.traces.exported} sent, ${s.traces.failed} lost; metrics to ${clean(s.metrics.url)}: ${s.metrics.exported} streams sent, ${s.metrics.failed} lost`] : []),
    ...problems.map((p) => `otel: EXPORT FAILING: ${clean(p)}`),
  ];
  return { export: health, problems, lines };
}
