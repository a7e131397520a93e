/**
 * `tap`: a transparent reverse proxy in front of one hub that records every call it forwards (server, tool,
 * method, client, duration, outcome; never results, arguments only with tap.record_arguments) and sends
 * the records to the daemon over `<state-dir>/tap.sock`. A separate process with a lean import graph
 * (node:http; no zod without a config file, no SQLite, no commander), so proxying never depends on the
 * daemon. Runs until SIGTERM/SIGINT. `--pass-through` forwards without observing anything: what
 * observation costs is the difference.
 * With `otel.enabled`, it also exports a span per MCP request and the call duration metric over OTLP
 * (tap/tracing.ts); the SDK is loaded only then.
 */
import { join } from 'node:path';
import type { MonitorConfig } from '../../config/schema.js';
import { loadConfig } from '../../config/load.js';
import { TAP_SOCKET_FILE } from '../../model/calls.js';
import { systemClock } from '../../model/clock.js';
import { UsageError } from '../../errors.js';
import { otelEnabled } from '../../otel/status.js';
import type { Telemetry } from '../../otel/telemetry.js';
import { createProxy } from '../../tap/proxy.js';
import { TapSink } from '../../tap/sink.js';
import type { CallTracing } from '../../tap/tracing.js';
import { capYoungGeneration } from '../../tap/young-generation.js';
import { hasBearerToken, hostWithPort, validateListen } from '../../views/http/security.js';
import type { GlobalOptions } from '../global-options.js';
import { packageVersion } from '../version.js';

export interface TapFlags {
  listen?: string;
  passThrough?: boolean;
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`tap --listen / tap.listen: not host:port (got ${JSON.stringify(text)}). Write e.g. 127.0.0.1:7001`);
  return { host: m[1] ?? m[2]!, port };
}

function parseHub(g: GlobalOptions, configured: string): URL {
  if (g.hubs.length > 1) throw new UsageError(`tap: one --hub only (got ${g.hubs.length}); run one tap per hub`);
  const text = g.hubs[0] ?? configured;
  if (!text) throw new UsageError('tap: which hub? Give --hub http://127.0.0.1:7000 (or tap.hub in the config)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`tap --hub: not a URL (got ${JSON.stringify(text)}). Write e.g. http://127.0.0.1:7000`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`tap --hub: only http:// hubs can be tapped (got ${url.protocol})`);
  return url;
}

/** The OpenTelemetry export, by dynamic import: without it the tap never loads the SDK. */
async function startExport(cfg: MonitorConfig, log: (line: string) => void): Promise<{ telemetry: Telemetry; tracing: CallTracing }> {
  const [{ startTelemetry }, { CallTracing }] = await Promise.all([import('../../otel/telemetry.js'), import('../../tap/tracing.js')]);
  const telemetry = await startTelemetry({ settings: cfg.otel, defaultServiceName: 'mcp-hub-monitor-tap', serviceVersion: packageVersion(), log });
  const s = telemetry.status();
  log(`tap: OpenTelemetry export on: traces to ${s.traces.url}, metrics to ${s.metrics.url}`);
  return { telemetry, tracing: new CallTracing(telemetry) };
}

/** Sends what the export holds, within its deadline: a backend that does not answer does not hold the exit. */
function flushExport(telemetry: Telemetry, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    void telemetry.shutdown().then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts the tap and resolves when it has stopped (SIGTERM or SIGINT). */
export async function runTap(g: GlobalOptions, flags: TapFlags): Promise<void> {
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  const listenText = flags.listen ?? cfg.tap.listen;
  if (!listenText) throw new UsageError('tap: where should it listen? Give --listen 127.0.0.1:7001 (or tap.listen in the config)');
  const listen = parseListen(listenText);
  const hub = parseHub(g, cfg.tap.hub);
  const token = cfg.tap.token || undefined;
  validateListen(listen, token, 'tap');
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const observe = flags.passThrough !== true;
  const otel = observe && otelEnabled(cfg.otel.enabled) ? await startExport(cfg, log) : undefined;

  const sink = new TapSink({
    socketPath: join(g.stateDir, TAP_SOCKET_FILE), capacity: cfg.tap.buffer, clock: systemClock, log,
    identity: { listen: hostWithPort(listen.host, listen.port), hub: hub.origin, pid: process.pid, startedAt: Date.now() },
    ...(otel ? { otel: () => otel.telemetry.status() } : {}),
  });
  const proxy = createProxy({
    hub, maxBodyBytes: cfg.tap.max_body_bytes, deadlineMs: cfg.tap.deadline, observe, recordArguments: cfg.tap.record_arguments, clock: systemClock,
    emit: (call) => sink.send(call), ...(otel ? { tracing: otel.tracing } : {}),
    ...(token !== undefined ? { authorize: (req) => hasBearerToken(req.headers.authorization, token) } : {}),
  });
  capYoungGeneration(proxy.server);
  await new Promise<void>((resolve, reject) => {
    proxy.server.once('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`tap: cannot listen on ${listenText} (${err.code ?? err.message})`, { cause: err })));
    proxy.server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = proxy.server.address() as { port: number };
  if (observe) sink.start();
  log(`tap: listening on ${hostWithPort(listen.host, addr.port)}, forwarding to ${hub.origin}${observe ? `, records to ${join(g.stateDir, TAP_SOCKET_FILE)}` : ' (pass-through: nothing observed)'}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      sink.stop();
      // The calls the close ends have their spans ended too: the flush comes after it.
      void proxy.close().then(() => (otel ? flushExport(otel.telemetry, cfg.otel.timeout) : undefined)).then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
