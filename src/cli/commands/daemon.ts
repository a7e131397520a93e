/**
 * `daemon`: runs the collector in the foreground until SIGTERM/SIGINT (systemd `Type=simple`). SIGHUP reloads
 * the config file (a bad one is reported and the running config kept). Exit 0 on a clean stop; exit 3 when it cannot start (bad config, a second daemon on the same state dir, an unusable
 * state dir) with one line saying why.
 */
import { performance } from 'node:perf_hooks';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../config/errors.js';
import { parseDuration, DURATION_HINT } from '../../config/duration.js';
import { loadConfig } from '../../config/load.js';
import { canonicalPath } from '../../config/paths.js';
import { discoverHubs } from '../../sources/discovery.js';
import { escapeUnsafeJson } from '../../sources/safe-json.js';
import type { ResolvedConfig } from '../../daemon/host.js';
import type { GlobalOptions } from '../global-options.js';

export interface DaemonFlags {
  sse?: boolean;
  interval?: string;
  allowNetworkFs?: boolean;
  listen?: string;
}

/** How long SIGTERM may take before we exit anyway (systemd's stop is patient, cron wrappers are not). */
const STOP_DEADLINE_MS = 2_000;

/** `host:port` (or `[v6]:port`) → the bind address; '' → no server. */
function parseListen(text: string): { host: string; port: number } | undefined {
  if (!text) return undefined;
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--listen / http.listen: not host:port (got ${JSON.stringify(text)}). Write e.g. 127.0.0.1:9464`);
  return { host: m[1] ?? m[2]!, port };
}

/** The config file with the command-line overrides, and the hubs: at start and at every reload. */
async function resolveConfig(g: GlobalOptions, flags: DaemonFlags): Promise<ResolvedConfig> {
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  if (flags.interval !== undefined) {
    const ms = parseDuration(flags.interval);
    if (ms === undefined || ms < 1_000) throw new UsageError(`--interval: not a duration of at least 1s (got ${JSON.stringify(flags.interval)}). ${DURATION_HINT}`);
    cfg.collect.intervalMs = ms;
  }
  if (flags.sse === false) cfg.collect.sse = false;
  if (flags.listen !== undefined) cfg.http.listen = flags.listen;
  try {
    return { cfg, targets: discoverHubs({ flagHubs: g.hubs, configHubs: cfg.hubs, env: process.env, stateDir: g.stateDir }) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function runDaemon(g: GlobalOptions, flags: DaemonFlags): Promise<void> {
  const first = await resolveConfig(g, flags);
  const { cfg } = first;
  const listen = parseListen(cfg.http.listen);
  if (listen) {
    // An unsafe address or a bad token is refused before the state dir, the store or a run exist.
    const { validateListen } = await import('../../views/http/security.js');
    validateListen(listen, cfg.http.token || undefined);
  }
  const [{ default: pino }, { openDaemonState }, { startDaemon }, { startSseClient }, { DaemonHost }] = await Promise.all([
    import('pino'), import('../../daemon/open-state.js'),
    import('../../daemon/daemon.js'), import('../../sources/sse-client.js'), import('../../daemon/host.js'),
  ]);
  const [{ Timeline }, { systemClock }] = await Promise.all([import('../../daemon/timeline.js'), import('../../daemon/clock.js')]);
  // pino escapes C0 but writes C1 controls and bidi characters from hub strings raw: each line goes through
  // the escaping every JSON output shares (faults F5).
  const log = pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, hooks: { streamWrite: escapeUnsafeJson } }, pino.destination({ fd: 2, sync: true }));
  const { lock, store } = openDaemonState({ stateDir: g.stateDir, allowNetworkFs: flags.allowNetworkFs, configFile: canonicalPath(g.configFile), log });
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
  const { buildNotifiers } = await import('../receivers.js');
  // One time line for the whole process (daemon/timeline.ts): stored times, durations and ages across wall
  // clock steps; a config reload continues it.
  const clock = new Timeline(systemClock);
  const host = await DaemonHost.start({
    resolve: () => resolveConfig(g, flags),
    buildNotifiers: async (c) => {
      const notifiers = await buildNotifiers(c, log);
      if (c.alerting.enabled) log.info({ receivers: [...notifiers.keys()] }, notifiers.size ? 'alerting to receivers' : 'alerting with no receivers: alerts are stored and listed by `alerts`, nobody is notified');
      return notifiers;
    },
    start: (o) => startDaemon({
      ...o, stateDir: g.stateDir, store, log, clock,
      timeoutMs: g.timeoutMs ?? o.cfg.timeoutMs,
      // Scheduled jobs run this same CLI with the same hubs, config and state dir.
      jobs: {
        cliArgv: [process.execPath, process.argv[1] as string],
        globalArgs: [
          ...o.targets.flatMap((t) => ['--hub', t.url]),
          ...(g.configExplicit ? ['--config', g.configFile] : []),
          '--state-dir', g.stateDir,
        ],
      },
      startSse: o.cfg.collect.sse
        ? (s) => startSseClient({ ...s, clock, onObservation: (obs) => s.onObservation(obs as never) })
        : undefined,
    }),
    stateDir: g.stateDir, log, now: () => Date.now(),
  }, first);
  let http: { url: string; close(): Promise<void> } | undefined;
  if (listen) {
    const { withPendingSamples } = await import('../../views/http/live-store.js');
    const live = withPendingSamples(store, () => host.daemon.buffer.pendingSamples());
    const { startHttpServer } = await import('../../views/http/server.js');
    try {
      http = await startHttpServer({
        listen, token: cfg.http.token || undefined, allowedHosts: cfg.http.allowedHosts, log,
        // bin/mcp-hub-monitor.cjs → the package root → dist/web (built at install time).
        webDir: join(dirname(realpathSync(process.argv[1] ?? '.')), '..', 'dist', 'web'),
        source: {
          hubs: () => host.daemon.collectors.map((c) => ({ url: c.hub, lastPollAt: c.lastPollAt, lastPollOk: c.lastPollOk, sseConnected: c.sseConnected() })),
          live: () => host.daemon.live,
          store: () => live,
          alerts: () => {
            const alerting = host.daemon.alerting;
            if (!alerting) return undefined;
            // Open alerts from memory while some change is only there (the store refused it).
            return {
              openAlerts: () => (alerting.pipeline.hasUnsaved() ? alerting.pipeline.openAlerts() : alerting.alertStore.openAlerts()),
              recentResolved: (from, limit) => alerting.alertStore.recentResolved(from, limit),
              firedSummary: (a) => alerting.alertStore.firedSummary(a),
            };
          },
          daemon: () => {
            const daemon = host.daemon;
            const { health, buffer, alerting } = daemon;
            return {
              startedAt: daemon.startedAt, cleanStart: daemon.cleanStart, runId: daemon.runId,
              outboxDepth: alerting?.outbox.pendingDepth() ?? 0, droppedSamples: buffer.stats.droppedSamples,
              notifications: alerting?.notificationCounts() ?? {},
              configReload: { ok: host.status.ok, lastSuccessAt: host.status.lastSuccessAt },
              store: {
                writeFailures: health.failures, failing: health.failing, ...(health.lastSuccessAt !== undefined ? { lastWriteAt: health.lastSuccessAt } : {}),
                pendingRows: buffer.stats.pendingSamples + buffer.stats.pendingEvents, droppedEvents: buffer.stats.droppedEvents,
                pendingAlerting: alerting ? alerting.outbox.memoryDepth() + alerting.pipeline.unsavedCount() : 0,
              },
            };
          },
          config: () => host.cfg,
          now: () => clock.now(),
        },
      });
      log.info({ url: http.url }, 'serving /metrics, /api/* and /api/stream');
    } catch (err) {
      await host.stop();
      store.close();
      lock.release();
      throw (err as { code?: string }).code === 'USAGE' ? new UsageError((err as Error).message) : err;
    }
  }
  if (store.openInfo.corruptMovedTo) {
    host.daemon.buffer.write([], first.targets.map((t) => ({ hub: t.url, t: clock.now(), type: 'store_corrupt', data: { movedTo: store.openInfo.corruptMovedTo } })));
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
      void Promise.all([http?.close(), host.stop()]).finally(() => {
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
      log.info({ file: g.configFile }, 'SIGHUP: reloading the config');
      void host.reload();
    };
    onHup = reload;
    if (stopWhileStarting) stop(stopWhileStarting);
    else if (hupWhileStarting) reload();
  });
}
