/**
 * Per-server truth from the hub's own list. The hub never updates `status` when a stdio child dies
 * (docs/hub-api.md §6): the server stays `connected` with `error: null` while its `uptime` drops to 0. So a
 * connected server with uptime 0 whose connect began long ago is dead — unless history shows its uptime
 * counting up again (a server that finished connecting less than a second ago also shows 0).
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { ServerInfo } from '../model/hub.js';
import { finding, type Finding } from './types.js';

export type ServerVerdict = 'up' | 'unconfirmed' | 'disabled' | 'connecting' | 'down' | 'dead' | 'unknown';

export interface ServerSample {
  server: ServerInfo;
  /** Hub clock at the time of the sample (epoch ms). */
  atMs: number;
}

export interface ServerJudgement {
  verdict: ServerVerdict;
  message: string;
}

function ago(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)}s ago` : `${Math.round(ms / 60_000)}m ago`;
}

/**
 * Judges one server from its current sample and, when available, an earlier sample of the same server.
 * `earlier` lets one-shot `check` confirm a suspected death with a second poll.
 */
export function judgeServer(cur: ServerSample, earlier: ServerSample | undefined, deadAfterMs: number): ServerJudgement {
  const s = cur.server;
  switch (s.status) {
    case 'disabled':
      return { verdict: 'disabled', message: 'disabled (not counted as down)' };
    case 'connecting':
      return { verdict: 'connecting', message: 'connecting' };
    case 'disconnected':
      return { verdict: 'down', message: s.error ? `disconnected: ${s.error}` : 'disconnected (stopped, no error given)' };
    case 'unauthorized':
      return { verdict: 'down', message: 'unauthorized: needs OAuth authorization' };
    case 'connected':
      break;
    default:
      return { verdict: 'unknown', message: `unrecognised status ${JSON.stringify(s.status ?? null)}` };
  }
  if (s.uptimeS === undefined) return { verdict: 'unknown', message: 'connected, but uptime is missing or not a number' };
  const prev = earlier?.server;
  const sameStart = prev !== undefined && prev.lastStartedMs === s.lastStartedMs;
  // Uptime went backwards with no new connect: the transport closed under a "connected" status.
  if (sameStart && prev.status === 'connected' && prev.uptimeS !== undefined && prev.uptimeS > s.uptimeS) {
    return { verdict: 'dead', message: `dead: the hub says connected, but uptime went from ${prev.uptimeS}s to ${s.uptimeS}s (process exited)` };
  }
  if (s.uptimeS > 0) return { verdict: 'up', message: `connected, up ${s.uptimeS}s` };
  if (s.lastStartedMs == null) return { verdict: 'unknown', message: 'connected with uptime 0 and no lastStarted' };
  const sinceStart = cur.atMs - s.lastStartedMs;
  // Uptime counts whole seconds from the end of the connect: 0 on two connected samples ≥ 1 s apart is a
  // stopped clock. A `connecting` sample always shows 0 (the clock has not started), so it proves nothing.
  if (sameStart && prev.status === 'connected' && prev.uptimeS === 0 && cur.atMs - earlier!.atMs >= 1_000) {
    return { verdict: 'dead', message: `dead: the hub says connected, but uptime stayed 0 (started ${ago(sinceStart)}; process exited)` };
  }
  if (sinceStart > deadAfterMs) {
    return { verdict: 'dead', message: `dead: the hub says connected, but uptime is 0 and it started ${ago(sinceStart)} (process exited)` };
  }
  // Just connected, or died within its first seconds: only a second look (or history) can tell.
  return { verdict: 'unconfirmed', message: `connected, uptime 0, started ${ago(sinceStart)} (just connected, or died young)` };
}

const VERDICT_STATUS = { up: 'ok', unconfirmed: 'ok', disabled: 'ok', connecting: 'warning', down: 'warning', unknown: 'warning' } as const;

/** Per-server findings plus the `servers.down` aggregate, with the guide's 1–2 down = warning rule. */
export function evaluateServers(
  hub: string, current: ServerSample[], earlier: Map<string, ServerSample>, cfg: MonitorConfig['check'],
): Finding[] {
  const out: Finding[] = [];
  let down = 0;
  let enabled = 0;
  const downNames: string[] = [];
  for (const sample of current) {
    const j = judgeServer(sample, earlier.get(sample.server.name), cfg.dead_after);
    const status = j.verdict === 'dead' ? cfg.dead_server_severity : VERDICT_STATUS[j.verdict];
    out.push(finding(hub, 'server.status', status, j.message, {
      subject: sample.server.name,
      value: j.verdict,
    }));
    if (j.verdict !== 'disabled') enabled++;
    if (j.verdict === 'down' || j.verdict === 'dead') {
      down++;
      downNames.push(sample.server.name);
    }
  }
  if (current.length === 0) {
    out.push(finding(hub, 'servers.down', 'no_data', 'the hub lists no servers (yet)'));
    return out;
  }
  if (enabled === 0) {
    out.push(finding(hub, 'servers.down', 'ok', 'every server is disabled', { value: 0 }));
    return out;
  }
  const all = down === enabled;
  const status = down === 0 ? 'ok' : all || down >= cfg.servers_down.critical ? 'critical' : down >= cfg.servers_down.warning ? 'warning' : 'ok';
  const list = downNames.slice(0, 10).join(', ') + (downNames.length > 10 ? `, +${downNames.length - 10} more` : '');
  const message = down === 0 ? `all ${enabled} enabled servers up`
    : all ? `all ${enabled} enabled servers down: ${list}` : `${down} of ${enabled} enabled servers down: ${list}`;
  out.push(finding(hub, 'servers.down', status, message, { value: down, threshold: `warning ≥${cfg.servers_down.warning}, critical ≥${cfg.servers_down.critical} or all` }));
  return out;
}
