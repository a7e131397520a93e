/**
 * The daemon's OpenTelemetry export (config `otel:`): its probes and canaries as MCP client spans and the
 * `mcp.client.operation.duration` histogram (otel/client-spans.ts), sent over OTLP/HTTP. One per process,
 * built by the composition root: started with the first config, restarted by a reload that changes
 * `otel:`, flushed (within a bound) at stop. The SDK is loaded by a dynamic import only when export is on;
 * off, `tracing` starts no span and nothing of OpenTelemetry is loaded.
 *
 * Silent is the worst failure: the export's counts and last error are in `health()` (/metrics,
 * /api/health), in `otel-export.json` beside the store (`status`, `check --expect-daemon`) and, for every
 * failure and recovery, in the daemon's log.
 */
import { join } from 'node:path';
import type { MonitorConfig } from '../config/defaults.js';
import type { Clock } from '../model/clock.js';
import type { McpTracing } from '../model/mcp-tracing.js';
import { schedulePeriodic, type Periodic } from '../model/schedule.js';
import { otelEnabled, type ExportCounts, type OtelExportHealth, type TelemetryStatus } from '../otel/status.js';
import type { Telemetry } from '../otel/telemetry.js';
import { writeFileAtomic } from '../store/files.js';
import type { Logger } from './collector.js';
import { OTEL_EXPORT_FILE, type OtelExportNote } from './otel-export-status.js';

export interface DaemonTelemetryDeps {
  stateDir: string;
  log: Logger;
  clock: Clock;
  serviceVersion: string;
  env?: NodeJS.ProcessEnv;
  /** How often the export's health is checked for a change to write to otel-export.json. */
  noteEveryMs?: number;
  /** How soon finished spans are sent (the SDK's 5 s by default; tests shorten it). */
  spanDelayMs?: number;
}

/** What the stop may spend flushing: the daemon's whole stop has 2 s. */
const SHUTDOWN_BOUND_MS = 1_000;
const NOTE_EVERY_MS = 5_000;
const COUNTS = ['exported', 'failed', 'failedExports'] as const;

type Counted = Record<(typeof COUNTS)[number], number>;

function plus(c: ExportCounts & { url: string }, carried: Counted): ExportCounts & { url: string } {
  return { ...c, exported: c.exported + carried.exported, failed: c.failed + carried.failed, failedExports: c.failedExports + carried.failedExports };
}

export class DaemonTelemetry {
  private current?: { telemetry: Telemetry; tracing: McpTracing };
  /** The config it runs, to tell whether a reload changes it. */
  private settings = JSON.stringify(null);
  private enabled = false;
  private startError?: string;
  /** Counts of the exports a reload replaced: /metrics counters never go back. */
  private carried: Record<'traces' | 'metrics', Counted> = { traces: { exported: 0, failed: 0, failedExports: 0 }, metrics: { exported: 0, failed: 0, failedExports: 0 } };
  private queue: Promise<unknown> = Promise.resolve();
  private noteSchedule?: Periodic;
  private lastNote = '';
  /** The counts at stop, for the last note. */
  private final?: TelemetryStatus;

  /** What the probes trace through: the current export's client spans, or nothing while off. */
  readonly tracing: McpTracing = { startClient: (r) => this.current?.tracing.startClient(r) };

  constructor(private readonly deps: DaemonTelemetryDeps) {}

  /** Starts, restarts or stops the export for `otel` (a config's); one change at a time, in order. */
  apply(otel: MonitorConfig['otel']): Promise<void> {
    const next = this.queue.then(() => this.applyNow(otel));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The export's health now, across restarts. */
  health(): OtelExportHealth {
    const live = this.current?.telemetry.status();
    const status = live ? { traces: plus(live.traces, this.carried.traces), metrics: plus(live.metrics, this.carried.metrics) } : this.final;
    return {
      enabled: this.enabled,
      ...(this.startError !== undefined ? { startError: this.startError } : {}),
      ...(status ? { status } : {}),
    };
  }

  /** Sends what is pending (at most SHUTDOWN_BOUND_MS) and stops; the note keeps the final counts. */
  async stop(): Promise<void> {
    await this.queue;
    await this.noteSchedule?.stop();
    this.noteSchedule = undefined;
    this.final = await this.shutdownCurrent();
    this.writeNote(true);
  }

  private async applyNow(otel: MonitorConfig['otel']): Promise<void> {
    const { log } = this.deps;
    const enabled = otelEnabled(otel.enabled, this.deps.env);
    const settings = JSON.stringify(enabled ? otel : null);
    if (settings === this.settings && this.lastNote !== '') return;
    const restarting = this.current !== undefined;
    if (settings !== this.settings) {
      await this.shutdownCurrent();
      this.settings = settings;
      this.enabled = enabled;
      this.startError = undefined;
      if (enabled) await this.start(otel, restarting);
      else if (restarting) log.info({}, 'otel: export stopped by the reloaded config');
    }
    // While it is on, its health is written when it changes; off, once (a new run's note replaces the last run's).
    if (enabled) this.noteSchedule ??= schedulePeriodic({ periodMs: this.deps.noteEveryMs ?? NOTE_EVERY_MS, clock: this.deps.clock, run: async () => this.writeNote(false) });
    else {
      await this.noteSchedule?.stop();
      this.noteSchedule = undefined;
    }
    this.writeNote(true);
  }

  private async start(otel: MonitorConfig['otel'], restarting: boolean): Promise<void> {
    const { log } = this.deps;
    try {
      const [{ startTelemetry }, { mcpClientTracing }] = await Promise.all([import('../otel/telemetry.js'), import('../otel/client-spans.js')]);
      const { enabled: _, ...settings } = otel;
      const telemetry = await startTelemetry({
        settings, defaultServiceName: 'mcp-hub-monitor', serviceVersion: this.deps.serviceVersion, env: this.deps.env,
        // The ledger logs each failure (at most once a minute) and the recovery; redacted there.
        log: (line) => (/ works again$/.test(line) ? log.info({}, line) : log.warn({}, line)),
        ...(this.deps.spanDelayMs !== undefined ? { spanDelayMs: this.deps.spanDelayMs } : {}),
      });
      this.current = { telemetry, tracing: mcpClientTracing(telemetry) };
      const { traces, metrics } = telemetry.status();
      log.info({ traces: traces.url, metrics: metrics.url }, `otel: ${restarting ? 'export restarted with the reloaded config' : 'exporting'}: probes and canaries as MCP client spans`);
    } catch (err) {
      this.startError = String((err as Error).message ?? err).slice(0, 300);
      log.error({ error: this.startError }, 'otel: export is enabled but cannot start: nothing is exported');
    }
  }

  /** Flushes and stops the running export (within SHUTDOWN_BOUND_MS); its final counts, across restarts. */
  private async shutdownCurrent(): Promise<TelemetryStatus | undefined> {
    const c = this.current;
    if (!c) return undefined;
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      c.telemetry.shutdown().catch(() => undefined),
      new Promise<void>((resolve) => { bound = setTimeout(resolve, SHUTDOWN_BOUND_MS).unref(); }),
    ]);
    clearTimeout(bound);
    const final = this.health().status;
    this.current = undefined;
    const s = c.telemetry.status();
    for (const signal of ['traces', 'metrics'] as const) for (const k of COUNTS) this.carried[signal][k] += s[signal][k];
    return final;
  }

  /** Writes otel-export.json when what it says changed (or `force`). */
  private writeNote(force: boolean): void {
    const health = this.health();
    const text = JSON.stringify(health);
    if (!force && text === this.lastNote) return;
    this.lastNote = text;
    const note: OtelExportNote = { at: this.deps.clock.now(), pid: process.pid, ...health };
    try {
      writeFileAtomic(join(this.deps.stateDir, OTEL_EXPORT_FILE), `${JSON.stringify(note)}\n`, { mode: 0o600 });
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'cannot write the otel export status file');
    }
  }
}
