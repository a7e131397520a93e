/**
 * `daemon`: parses the options and calls the composition root (daemon/compose.ts), which runs the collector
 * in the foreground until SIGTERM/SIGINT (systemd `Type=simple`). SIGHUP reloads
 * the config file (a bad one is reported and the running config kept). Exit 0 on a clean stop; exit 3 when it cannot start (bad config, a second daemon on the same state dir, an unusable
 * state dir) with one line saying why.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { parseDuration, DURATION_HINT } from '../../config/duration.js';
import { loadConfig } from '../../config/load.js';
import { discoverHubs } from '../../sources/discovery.js';
import type { MonitorConfig } from '../../config/defaults.js';
import type { Logger } from '../../daemon/collector.js';
import type { DaemonReadout } from '../../daemon/compose.js';
import type { ResolvedConfig } from '../../daemon/host.js';
import type { GlobalOptions } from '../global-options.js';

export interface DaemonFlags {
  sse?: boolean;
  interval?: string;
  allowNetworkFs?: boolean;
  listen?: string;
}

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
    cfg.collect.interval = ms;
  }
  if (flags.sse === false) cfg.collect.sse = false;
  if (flags.listen !== undefined) cfg.http.listen = flags.listen;
  try {
    return { cfg, targets: discoverHubs({ flagHubs: g.hubs, configHubs: cfg.hubs, env: process.env, stateDir: g.stateDir }) };
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
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
  const [{ runDaemonRoot }, { buildNotifiers }, { packageVersion }] = await Promise.all([import('../../daemon/compose.js'), import('../receivers.js'), import('../version.js')]);
  await runDaemonRoot({
    serviceVersion: packageVersion(),
    stateDir: g.stateDir, configFile: g.configFile, allowNetworkFs: flags.allowNetworkFs, timeoutMs: g.timeoutMs,
    first, resolve: () => resolveConfig(g, flags), buildNotifiers,
    // Scheduled jobs run this same CLI with the same hubs, config and state dir.
    jobs: {
      cliArgv: [process.execPath, process.argv[1] as string],
      globalArgs: (targets) => [...targets.flatMap((t) => ['--hub', t.url]), ...(g.configExplicit ? ['--config', g.configFile] : []), '--state-dir', g.stateDir],
    },
    ...(listen ? { serve: (readout: DaemonReadout, log: Logger) => serveHttp(listen, cfg, readout, log) } : {}),
  });
}

/** The HTTP server over the running daemon: `/metrics`, the JSON API, the stream and the web dashboard. */
async function serveHttp(listen: { host: string; port: number }, cfg: MonitorConfig, d: DaemonReadout, log: Logger): Promise<{ url: string; close(): Promise<void> }> {
  const [{ withPendingSamples }, { startHttpServer }] = await Promise.all([import('../../views/http/live-store.js'), import('../../views/http/server.js')]);
  // History with the rows still in the write buffer (the store may be refusing them).
  const store = withPendingSamples(d.store, d.pendingSamples);
  return startHttpServer({
    listen, token: cfg.http.token || undefined, allowedHosts: cfg.http.allowed_hosts, log,
    // bin/mcp-hub-monitor.cjs → the package root → dist/web (built at install time).
    webDir: join(dirname(realpathSync(process.argv[1] ?? '.')), '..', 'dist', 'web'),
    source: { ...d, store: () => store },
  });
}
