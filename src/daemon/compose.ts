/**
 * The daemon's composition root: `mcp-hub-monitor daemon` parses its options (cli/commands/daemon.ts) and
 * calls `runDaemonRoot`, which builds the process — the log, the state dir with its lock and store, the
 * time line, the host that starts a run per config (host.ts → daemon.ts, which builds the run's jobs),
 * the HTTP server over the run's public interface — and runs it in the foreground until SIGTERM/SIGINT
 * (systemd `Type=simple`), reloading the config on SIGHUP. On SIGTERM it flushes and exits 0 within 2 s.
 */
import { performance } from 'node:perf_hooks';
import type { MonitorConfig } from '../config/defaults.js';
import { canonicalPath } from '../config/paths.js';
import type { Notifier } from '../notify/types.js';
import type { HubTarget } from '../model/hub.js';
import { escapeUnsafeJson } from '../model/json.js';
import type { Store } from '../store/store.js';
import type { Logger } from './collector.js';
import type { ResolvedConfig } from './host.js';
import type { LiveView } from './live-state.js';
import type { SampleRow } from './observations.js';
import type { RunningAlerting } from './alerting.js';
import type { RunStatus } from './daemon.js';
import type { OtelExportHealth } from '../otel/status.js';

/** How long SIGTERM may take before we exit anyway (systemd's stop is patient, cron wrappers are not). */
const STOP_DEADLINE_MS = 2_000;

/** What the HTTP server reads of the running daemon (views/http/view.ts `DaemonView`, less the store overlay). */
export interface DaemonReadout {
  hubs(): { url: string; lastPollAt?: number; lastPollOk?: boolean; sseConnected?: boolean }[];
  live(): LiveView;
  /** The history store, and the samples still waiting in the write buffer for it. */
  store: Store;
  pendingSamples(): readonly SampleRow[];
  alerts(): ReturnType<RunningAlerting['reader']> | undefined;
  daemon(): RunStatus & { configReload: { ok: boolean; lastSuccessAt: number }; otel: OtelExportHealth };
  config(): MonitorConfig;
  now(): number;
}

export interface DaemonRootOptions {
  stateDir: string;
  /** The config file as given (the lock names it canonical). */
  configFile: string;
  allowNetworkFs?: boolean;
  /** The config at start (a bad one is the caller's exit 3), and how to load it again on SIGHUP. */
  first: ResolvedConfig;
  resolve(): Promise<ResolvedConfig>;
  buildNotifiers(cfg: MonitorConfig, log: Logger): Promise<ReadonlyMap<string, Notifier>>;
  /** --timeout: the per-request deadline of polls, over the config's. */
  timeoutMs?: number;
  /** How the scheduled jobs run this CLI's own commands, with these hubs. */
  jobs: { cliArgv: string[]; globalArgs(targets: HubTarget[]): string[] };
  /** The package's version, for the OpenTelemetry resource (service.version). */
  serviceVersion: string;
  /** Starts the HTTP server over the daemon (absent: none); throws a USAGE error when it cannot listen. */
  serve?(readout: DaemonReadout, log: Logger): Promise<{ url: string; close(): Promise<void> }>;
}

/** Runs the daemon until SIGTERM/SIGINT; resolves after a clean stop. */
export async function runDaemonRoot(o: DaemonRootOptions): Promise<void> {
  const [{ default: pino }, { openDaemonState }, { startDaemon }, { startSseClient }, { DaemonHost }] = await Promise.all([
    import('pino'), import('./open-state.js'), import('./daemon.js'), import('../sources/sse-client.js'), import('./host.js'),
  ]);
  const [{ Timeline }, { systemClock }, { DaemonTelemetry }] = await Promise.all([import('./timeline.js'), import('../model/clock.js'), import('./otel.js')]);
  // pino escapes C0 but writes C1 controls and bidi characters from hub strings raw: each line goes through
  // the escaping every JSON output shares (faults F5).
  const log = pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, hooks: { streamWrite: escapeUnsafeJson } }, pino.destination({ fd: 2, sync: true }));
  const { lock, store } = openDaemonState({ stateDir: o.stateDir, allowNetworkFs: o.allowNetworkFs, configFile: canonicalPath(o.configFile), pollOnly: !o.first.cfg.collect.sse, log });
  // Every way out, an exception included, leaves no daemon.lock behind (only a SIGKILL can, and the next
  // start takes a dead pid's lock over).
  process.once('exit', () => lock.release());
  // From here `reload` may find us by the lock: a SIGHUP must not kill us (Node's default) before we can
  // reload, nor a SIGTERM before we can stop cleanly (it would leave the lock behind).
  // One listener each for the whole run: removing the last listener of a signal drops one that is pending.
  let hupWhileStarting = false;
  let stopWhileStarting: string | undefined;
  let onHup: (() => void) | undefined;
  let onStop: ((signal: string) => void) | undefined;
  process.on('SIGHUP', () => { if (onHup) onHup(); else hupWhileStarting = true; });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => { if (onStop) onStop(signal); else stopWhileStarting ??= signal; });
  if (store.openInfo.corruptMovedTo) log.error({ movedTo: store.openInfo.corruptMovedTo }, 'the history database was corrupt: moved aside, started a fresh one');
  // One time line for the whole process (timeline.ts): stored times, durations and ages across wall clock
  // steps; a config reload continues it.
  const clock = new Timeline(systemClock);
  // OpenTelemetry export (otel:), per process: a reload that changes it restarts it, the runs' probes trace through it.
  const otel = new DaemonTelemetry({ stateDir: o.stateDir, log, clock, serviceVersion: o.serviceVersion });
  await otel.apply(o.first.cfg.otel);
  const host = await DaemonHost.start({
    resolve: o.resolve,
    buildNotifiers: async (c) => {
      const notifiers = await o.buildNotifiers(c, log);
      if (c.alerting.enabled) log.info({ receivers: [...notifiers.keys()] }, notifiers.size ? 'alerting to receivers' : 'alerting with no receivers: alerts are stored and listed by `alerts`, nobody is notified');
      return notifiers;
    },
    start: (r) => startDaemon({
      ...r, stateDir: o.stateDir, store, log, clock, tracing: otel.tracing, otelHealth: () => otel.health(),
      timeoutMs: o.timeoutMs ?? r.cfg.timeout,
      // Scheduled jobs run this same CLI with the same hubs, config and state dir.
      jobs: { cliArgv: o.jobs.cliArgv, globalArgs: o.jobs.globalArgs(r.targets) },
      startSse: r.cfg.collect.sse
        ? (s) => startSseClient({ ...s, clock })
        : undefined,
    }),
    stateDir: o.stateDir, log, now: () => Date.now(),
  }, o.first);
  let http: { url: string; close(): Promise<void> } | undefined;
  if (o.serve) {
    const readout: DaemonReadout = {
      hubs: () => host.daemon.hubStatus(),
      live: () => host.daemon.live,
      store,
      pendingSamples: () => host.daemon.buffer.pendingSamples(),
      alerts: () => host.daemon.alerting?.reader(),
      daemon: () => ({ ...host.daemon.status(), configReload: { ok: host.status.ok, lastSuccessAt: host.status.lastSuccessAt }, otel: otel.health() }),
      config: () => host.cfg,
      now: () => clock.now(),
    };
    try {
      http = await o.serve(readout, log);
      log.info({ url: http.url }, 'serving /metrics, /api/* and /api/stream');
    } catch (err) {
      await host.stop();
      await otel.stop();
      store.close();
      lock.release();
      throw err;
    }
  }
  const movedTo = store.openInfo.corruptMovedTo;
  if (movedTo) {
    host.daemon.record(o.first.targets.map((t) => ({ hub: t.url, t: clock.now(), type: 'store_corrupt', data: { movedTo } })));
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      const started = performance.now();
      log.info({ signal }, 'stopping');
      const force = setTimeout(() => {
        log.error({ afterMs: Math.round(performance.now() - started) }, 'stop took too long; exiting anyway');
        lock.release();
        process.exit(0);
      }, STOP_DEADLINE_MS);
      force.unref();
      // The export is flushed after the last probe round (bounded: the stop has STOP_DEADLINE_MS in all).
      void Promise.all([http?.close(), host.stop().finally(() => otel.stop())]).finally(() => {
        try { store.close(); } catch { /* closing is best effort */ }
        lock.release();
        clearTimeout(force);
        resolve();
      });
    };
    onStop = stop;
    // systemd's ExecReload and `mcp-hub-monitor reload` send SIGHUP: load the config file again.
    const reload = () => {
      if (stopping) return;
      log.info({ file: o.configFile }, 'SIGHUP: reloading the config');
      // A reload that changes otel: restarts the export (after the runs' config took effect).
      void host.reload().then((r) => (r.ok ? otel.apply(host.cfg.otel) : undefined));
    };
    onHup = reload;
    if (stopWhileStarting) stop(stopWhileStarting);
    else if (hupWhileStarting) reload();
  });
}
