/**
 * What the history holds of each hub over the fleet window, as evaluate/fleet.ts takes it: the polls, the
 * health latencies, the tap's calls, the probes, the restarts and each server's latest look. Read from the
 * store (the daemon's fleet job and `status --fleet` read the same rows, so they say the same); the level
 * comes from the open alerts the caller has.
 */
import { hubRestartTimes } from '../evaluate/hub-restarts.js';
import type { FleetHubInput } from '../evaluate/fleet.js';
import { levelFromAlerts, type AlertLike } from '../evaluate/level.js';
import type { MonitorConfig } from '../config/defaults.js';
import type { Store } from '../store/store.js';
import { CALL_SERIES } from './calls-series.js';

type Row = { labels: Record<string, string>; t: number; v: number | null };

const sum = (rows: readonly Row[]) => rows.reduce((n, r) => n + (r.v ?? 0), 0);

/** Each label `server`'s latest row. */
function latestByServer(rows: readonly Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) {
    const s = r.labels.server;
    if (s !== undefined && r.t >= (out.get(s)?.t ?? -Infinity)) out.set(s, r);
  }
  return out;
}

/**
 * Restarts: a server whose uptime went back and runs again (its child started again), and each time the hub
 * itself restarted. An uptime that fell to 0 and stays there is a child that died (the hub keeps calling it
 * connected with uptime 0, faults A11), not a restart: it counts once it runs again.
 */
function restartsOf(uptimes: readonly Row[], hubStates: readonly { t: number; data: unknown }[]): number {
  let n = 0;
  const last = new Map<string, { v: number; down: boolean }>();
  for (const r of uptimes) {
    const s = r.labels.server;
    if (s === undefined || r.v === null) continue;
    const before = last.get(s);
    let down = before?.down ?? false;
    if (before !== undefined && r.v < before.v) down = true;
    if (down && r.v > 0) {
      n++;
      down = false;
    }
    last.set(s, { v: r.v, down });
  }
  return n + hubRestartTimes(hubStates).length;
}

/**
 * The servers of the hub's latest poll in the window: up when the poll said up and the latest probe (if
 * any) did not fail. A server the latest poll no longer lists is not the hub's any more.
 */
function serversOf(ups: readonly Row[], probes: readonly Row[]): Map<string, boolean> {
  const latestT = ups.reduce((t, r) => Math.max(t, r.t), -Infinity);
  const probe = latestByServer(probes);
  const out = new Map<string, boolean>();
  for (const [server, r] of latestByServer(ups)) {
    if (r.t !== latestT) continue;
    out.set(server, r.v === 1 && probe.get(server)?.v !== 0);
  }
  return out;
}

/** The store's reads this needs: the daemon's Store, or the HTTP server's view of it (store plus write buffer). */
export type FleetStoreReader = Pick<Store, 'samplesOfName' | 'queryEvents' | 'ratioOver'>;

export function fleetInputs(store: FleetStoreReader, hubs: readonly string[], open: readonly AlertLike[], cfg: MonitorConfig, now: number): FleetHubInput[] {
  const from = now - cfg.fleet.window;
  const to = now + 1;
  return hubs.map((hub): FleetHubInput => {
    const rows = (name: string) => store.samplesOfName(hub, name, from, to);
    const probeRows = rows('server.probe_ok').filter((r) => r.v !== null);
    const callCount = sum(rows(CALL_SERIES.count));
    const hubStates = store.queryEvents({ hub, type: 'hub_state', from, to, limit: 10_000 });
    return {
      hub,
      level: levelFromAlerts(hub, open, cfg.levels).level,
      polls: store.ratioOver(hub, 'hub.up', from, to),
      healthLatencyMs: rows('hub.health_latency_ms').flatMap((r) => (r.v === null ? [] : [r.v])),
      ...(callCount > 0 ? { calls: { total: callCount, errors: sum(rows(CALL_SERIES.errors)) } } : {}),
      probes: { total: probeRows.length, failed: probeRows.filter((r) => r.v === 0).length },
      restarts: restartsOf(rows('server.uptime_s'), hubStates),
      servers: serversOf(rows('server.up'), probeRows),
    };
  });
}
