/**
 * `otel-export.json` beside the store: the daemon's OpenTelemetry export, whether it is on and how its
 * exports fare (counts, the last error, redacted). `status` and `check --expect-daemon` read it, so an export
 * that fails is seen without the daemon's log. Only node:fs here: check is a lean path (the daemon writes
 * it, in daemon/otel.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportCounts, OtelExportHealth, TelemetryStatus } from '../otel/status.js';

export const OTEL_EXPORT_FILE = 'otel-export.json';

export interface OtelExportNote extends OtelExportHealth {
  /** When the daemon wrote it (epoch ms), and which daemon: a note of another pid is stale. */
  at: number;
  pid: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const str = (v: unknown, max = 300): string | undefined => (typeof v === 'string' ? v.slice(0, max) : undefined);

function counts(raw: unknown): (ExportCounts & { url: string }) | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  const url = str(c.url, 500);
  const exported = num(c.exported);
  const failed = num(c.failed);
  const failedExports = num(c.failedExports);
  if (url === undefined || exported === undefined || failed === undefined || failedExports === undefined) return undefined;
  const out: ExportCounts & { url: string } = { url, exported, failed, failedExports, failing: c.failing === true };
  for (const k of ['lastErrorAt', 'lastSuccessAt'] as const) if (num(c[k]) !== undefined) out[k] = num(c[k]);
  if (str(c.lastError) !== undefined) out.lastError = str(c.lastError);
  return out;
}

/** The daemon's last note, or undefined when there is none or it is not ours. */
export function readOtelExportNote(stateDir: string): OtelExportNote | undefined {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, OTEL_EXPORT_FILE), 'utf8')) as Record<string, unknown>;
    const at = num(s.at);
    const pid = num(s.pid);
    if (at === undefined || pid === undefined || typeof s.enabled !== 'boolean') return undefined;
    const note: OtelExportNote = { at, pid, enabled: s.enabled };
    if (str(s.startError) !== undefined) note.startError = str(s.startError);
    const st = typeof s.status === 'object' && s.status !== null ? s.status as Record<string, unknown> : undefined;
    const traces = counts(st?.traces);
    const metrics = counts(st?.metrics);
    if (traces && metrics) note.status = { traces, metrics } satisfies TelemetryStatus;
    return note;
  } catch {
    return undefined;
  }
}
