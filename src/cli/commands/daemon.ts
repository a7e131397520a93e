/**
 * `daemon`: runs the collector in the foreground until SIGTERM/SIGINT (systemd `Type=simple`). Exit 0 on a
 * clean stop; exit 3 when it cannot start (bad config, a second daemon on the same state dir, an unusable
 * state dir) with one line saying why.
 */
import { performance } from 'node:perf_hooks';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../config/errors.js';
import { parseDuration, DURATION_HINT } from '../../config/duration.js';
import { loadConfig } from '../../config/load.js';
import { discoverHubs } from '../../sources/discovery.js';
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

export async function runDaemon(g: GlobalOptions, flags: DaemonFlags): Promise<void> {
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  if (flags.interval !== undefined) {
    const ms = parseDuration(flags.interval);
    if (ms === undefined || ms < 1_000) throw new UsageError(`--interval: not a duration of at least 1s (got ${JSON.stringify(flags.interval)}). ${DURATION_HINT}`);
    cfg.collect.intervalMs = ms;
  }
  if (flags.sse === false) cfg.collect.sse = false;
  if (flags.listen !== undefined) cfg.http.listen = flags.listen;
  const listen = parseListen(cfg.http.listen);
  let targets;
  try {
    targets = discoverHubs({ flagHubs: g.hubs, configHubs: cfg.hubs, env: process.env });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [{ default: pino }, { acquireLock, LockHeldError }, { ensureStateDir, StateDirError, sweepTempFiles }, { Store }, { startDaemon }, { startSseClient }] = await Promise.all([
    import('pino'), import('../../store/lock.js'), import('../../store/files.js'), import('../../store/store.js'),
    import('../../daemon/daemon.js'), import('../../sources/sse-client.js'),
  ]);
  const log = pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
  let lock;
  try {
    ensureStateDir(g.stateDir, { allowNetworkFs: flags.allowNetworkFs });
    lock = acquireLock(g.stateDir);
  } catch (err) {
    if (err instanceof LockHeldError || err instanceof StateDirError) throw new UsageError(err.message);
    throw err;
  }
  sweepTempFiles(g.stateDir);
  const store = Store.open({ stateDir: g.stateDir, allowNetworkFs: flags.allowNetworkFs });
  if (store.openInfo.corruptMovedTo) log.error({ movedTo: store.openInfo.corruptMovedTo }, 'the history database was corrupt: moved aside, started a fresh one');
  const { buildNotifiers } = await import('../receivers.js');
  const notifiers = await buildNotifiers(cfg, log);
  if (cfg.alerting.enabled) log.info({ receivers: [...notifiers.keys()] }, notifiers.size ? 'alerting to receivers' : 'alerting with no receivers: alerts are stored and listed by `alerts`, nobody is notified');
  const daemon = startDaemon({
    cfg, targets, stateDir: g.stateDir, store, log, notifiers,
    timeoutMs: g.timeoutMs ?? cfg.timeoutMs,
    // Scheduled jobs run this same CLI with the same hubs, config and state dir.
    jobs: {
      cliArgv: [process.execPath, process.argv[1] as string],
      globalArgs: [
        ...targets.flatMap((t) => ['--hub', t.url]),
        ...(g.configExplicit ? ['--config', g.configFile] : []),
        '--state-dir', g.stateDir,
      ],
    },
    startSse: cfg.collect.sse
      ? (o) => startSseClient({ ...o, onObservation: (obs) => o.onObservation(obs as never) })
      : undefined,
  });
  let http: { url: string; close(): Promise<void> } | undefined;
  if (listen) {
    const { startHttpServer } = await import('../../views/http/server.js');
    try {
      http = await startHttpServer({
        listen, token: cfg.http.token || undefined, allowedHosts: cfg.http.allowedHosts, log,
        // bin/mcp-hub-monitor.cjs → the package root → dist/web (built at install time).
        webDir: join(dirname(realpathSync(process.argv[1] ?? '.')), '..', 'dist', 'web'),
        source: {
          hubs: () => daemon.collectors.map((c) => ({ url: c.hub, lastPollAt: c.lastPollAt, lastPollOk: c.lastPollOk, sseConnected: c.sseConnected() })),
          store: () => store,
          alerts: () => daemon.alerting?.alertStore,
          daemon: () => ({
            startedAt: daemon.startedAt, cleanStart: daemon.cleanStart, runId: daemon.runId,
            outboxDepth: daemon.alerting?.alertStore.pendingDepth() ?? 0, droppedSamples: daemon.buffer.stats.droppedSamples,
            notifications: daemon.alerting?.notificationCounts() ?? {},
          }),
          config: () => cfg,
          now: () => Date.now(),
        },
      });
      log.info({ url: http.url }, 'serving /metrics, /api/* and /api/stream');
    } catch (err) {
      await daemon.stop();
      store.close();
      lock?.release();
      throw (err as { code?: string }).code === 'USAGE' ? new UsageError((err as Error).message) : err;
    }
  }
  if (store.openInfo.corruptMovedTo) {
    daemon.buffer.write([], targets.map((t) => ({ hub: t.url, t: Date.now(), type: 'store_corrupt', data: { movedTo: store.openInfo.corruptMovedTo } })));
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
        lock?.release();
        process.exit(0);
      }, STOP_DEADLINE_MS);
      force.unref();
      void Promise.all([http?.close(), daemon.stop()]).finally(() => {
        try { store.close(); } catch { /* closing is best effort */ }
        lock?.release();
        clearTimeout(force);
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
