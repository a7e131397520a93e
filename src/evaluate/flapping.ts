/**
 * Flapping, pure: a server whose state keeps changing is one `server.flapping` alert naming the server and
 * the count, like Prometheus' `changes(server_up[window]) >= N`, instead of one page per down/up cycle.
 * The changes are counted by the daemon (daemon/flap-tracker.ts) from each poll's server verdicts; a
 * restart between two polls (a new `lastStarted`, both looks connected) counts as two changes.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { HubSnapshot } from '../model/hub.js';
import { formatDuration } from '../config/duration.js';
import { finding, type Finding } from './types.js';

/** A server's state as far as flapping goes; `unknown` (uptime 0 not yet settled) changes nothing. */
export type FlapState = 'up' | 'down' | 'unknown';

/** The state a `server.status` finding gives. */
export function flapStateOf(f: Finding): FlapState {
  if (f.value === 'unconfirmed' || f.value === 'unknown') return 'unknown';
  return f.status === 'ok' ? 'up' : 'down';
}

/**
 * Servers connected in both looks whose connection was made again in between (a stop/start or a restart
 * faster than a poll). When every connected server (two or more) restarted at once, the hub restarted
 * them all (`/api/restart`): that is one hub event, not each server flapping.
 */
export function restartedServers(prev: HubSnapshot | undefined, cur: HubSnapshot): string[] {
  if (!prev?.health.ok || !cur.health.ok) return [];
  const before = new Map(prev.health.value.servers.map((s) => [s.name, s]));
  const connected = cur.health.value.servers.filter((s) => s.status === 'connected');
  const restarted = connected.filter((s) => {
    const b = before.get(s.name);
    return b?.status === 'connected' && typeof s.lastStartedMs === 'number' && typeof b.lastStartedMs === 'number' && s.lastStartedMs !== b.lastStartedMs;
  });
  return restarted.length >= 2 && restarted.length === connected.length ? [] : restarted.map((s) => s.name);
}

/**
 * One finding per server that changed state within the window: warning while the count reaches
 * `alerting.flapping.changes`, ok below it (so the alert resolves once the server is steady).
 */
export function evaluateFlapping(
  hub: string, changes: ReadonlyMap<string, readonly number[]>, cfg: MonitorConfig['alerting']['flapping'], now: number,
): Finding[] {
  const out: Finding[] = [];
  const window = formatDuration(cfg.window);
  for (const [server, times] of changes) {
    const n = times.filter((t) => t > now - cfg.window && t <= now).length;
    const flapping = n >= cfg.changes;
    out.push(finding(hub, 'server.flapping', flapping ? 'warning' : 'ok',
      flapping ? `flapping: ${n} state changes (up ↔ down) in the last ${window}; its per-cycle alerts are held while it flaps`
        : `${n} state change${n === 1 ? '' : 's'} in the last ${window} (flapping at ${cfg.changes})`,
      { subject: server, value: n, threshold: cfg.changes }));
  }
  return out;
}
