/**
 * What the OpenTelemetry export says of itself, and the facts about it that need no SDK: whether it is on,
 * where it sends. Node builtins only, so `status`, the tap's status line and the daemon can show it without
 * loading the SDK.
 */

export type { ExportCounts } from '../model/calls.js';
import type { ExportCounts } from '../model/calls.js';

export interface TelemetryStatus {
  traces: ExportCounts & { url: string };
  metrics: ExportCounts & { url: string };
}

/** The export's health as a process shows it (the daemon: /metrics, /api/health, `status`, `check --expect-daemon`). */
export interface OtelExportHealth {
  /** Export is on: the config enables it and OTEL_SDK_DISABLED does not turn it off. */
  enabled: boolean;
  /** Why it is on but could not start: nothing is exported. */
  startError?: string;
  /** What was exported and lost since the process started; absent while off or not started. */
  status?: TelemetryStatus;
}

/** True when the config turns export on and OTEL_SDK_DISABLED does not turn it off. */
export function otelEnabled(enabled: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return enabled && (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() !== 'true';
}

/**
 * Where a signal goes, as the exporter resolves it: the config's base URL, else the signal's variable, else
 * OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318. Shown without userinfo or query (they may hold secrets).
 */
export function exportUrl(base: string, signal: 'traces' | 'metrics', env: NodeJS.ProcessEnv = process.env): string {
  const specific = signal === 'traces' ? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT : env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const url = base ? `${base}/v1/${signal}` : specific || (general ? `${general}/v1/${signal}` : `http://localhost:4318/v1/${signal}`);
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<not a URL>';
  }
}

/** Whether the signal's last export failed (its later exports will say when it works again). */
export function exportFailing(c: ExportCounts): boolean {
  return c.failing;
}
