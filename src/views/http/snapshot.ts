/**
 * Each hub's latest state behind /metrics, the JSON API and the SSE tick: its latest poll, its servers and
 * their verdicts, read from the daemon's read model (daemon/live-state.ts, in memory) at request time.
 * A poll writes all its samples at one `t` (daemon/observations.ts), so "the latest poll" is one exact
 * timestamp and every per-server value is read at it. Nothing older than the staleness window is shown:
 * a server that left the hub disappears, as a Prometheus series goes stale (faults D5).
 */
import { callsLevelInput, levelFromAlerts } from '../../evaluate/level.js';
import { formatDuration } from '../../config/duration.js';
import type { Level } from '../../evaluate/types.js';
import { KNOWN_HUB_STATES } from '../../model/hub.js';
import type { AlertRow } from '../../store/alert-store.js';
import type { PollRecord } from '../../daemon/live-state.js';
import type { DaemonView, HubStatusView } from './view.js';

/** One server at its hub's latest successful poll. */
export interface ServerState {
  name: string;
  /** From `server.up`; undefined for a disabled server (never counted as down). */
  up?: boolean;
  /** The latest verdict event says dead-while-connected and the server is still not up. */
  dead: boolean;
  /** The latest settled verdict (up, down, dead, connecting, disabled, unknown), when one was recorded this run. */
  verdict?: string;
  uptimeS?: number;
  tools?: number;
  /** The latest MCP probe within the staleness window: true answered, false dead/hung, null not asked. */
  probeOk?: boolean | null;
  probeLatencyMs?: number;
  probeAt?: number;
}

/** One hub as the store and its collector last saw it. */
export interface HubState extends HubStatusView {
  /** From the latest `hub.up` sample; undefined when there is none within the staleness window. */
  up?: boolean;
  /** The failure class of the latest poll when it failed (refused, timeout, …). */
  pollError?: string;
  /** A known hub state, `unreachable` when the latest poll failed, `unknown` for anything else. */
  state: string;
  healthLatencyMs?: number;
  rssBytes?: number;
  /** CPU of the hub and its children between the last two polls, % of one core (local hubs). */
  cpuPercent?: number;
  /** Time of the latest successful poll, whose server list this is. */
  serversAt?: number;
  servers: ServerState[];
  counts: { up: number; down: number; dead: number };
  level: Level;
  /** What the level was judged from: the firing alerts, and the calls through the tap over calls.window. */
  levelReason: string;
}

/** Every value `mcp_hub_state` can take: a closed set, so a hostile state string cannot add series. */
export const HUB_STATES: readonly string[] = [...KNOWN_HUB_STATES, 'unreachable', 'unknown'];

const MIN_STALE_MS = 5 * 60_000; // Prometheus' own staleness lookback
const LEVELS: Level[] = ['green', 'yellow', 'orange', 'red'];

/** The 1–4 number of a level (the guide's L1–L4). */
export const levelNumber = (l: Level): number => LEVELS.indexOf(l) + 1;

/** How old a poll may be and still be shown: 3 poll intervals, at least 5 minutes. */
export function staleAfterMs(view: DaemonView): number {
  return Math.max(MIN_STALE_MS, 3 * view.config().collect.interval);
}

/** A sample within [from, now]: older is stale, newer is not yet (as the store's range reads were). */
const within = <T extends { t: number }>(x: T | undefined, from: number, now: number): T | undefined => (x && x.t >= from && x.t <= now ? x : undefined);

/** Reads one hub's latest state from the daemon's read model; `open` is the open alerts (read once per request). */
export function readHub(view: DaemonView, h: HubStatusView, open: readonly AlertRow[]): HubState {
  const now = view.now();
  const from = now - staleAfterMs(view);
  const live = view.live().hub(h.url);
  const latestPoll = within(live?.latestPoll, from, now);
  const lastOk = within(live?.lastOkPoll, from, now);
  const out: HubState = {
    ...h, state: hubState(live?.hubState?.value, latestPoll), servers: [], counts: { up: 0, down: 0, dead: 0 }, ...hubLevel(view, h.url, open, now),
  };
  if (latestPoll?.up) {
    out.up = latestPoll.up.v === 1;
    if (latestPoll.up.err !== undefined) out.pollError = latestPoll.up.err;
  }
  if (!live || !lastOk) return out;
  const one = (name: string): number | undefined => lastOk.hub.get(name) ?? undefined;
  out.healthLatencyMs = one('hub.health_latency_ms');
  out.rssBytes = one('hub.rss_bytes');
  out.cpuPercent = one('hub.cpu_percent');
  out.serversAt = lastOk.t;
  const probeFrom = now - Math.max(staleAfterMs(view), 3 * view.config().probes.interval);
  // Verdicts of this run only: the collector records every server's first verdict after it starts.
  const since = view.daemon().startedAt;
  // Every server with a tool count (disabled ones too) or an up sample.
  const names = [...lastOk.servers].filter(([, v]) => v.has('server.tools') || v.has('server.up')).map(([name]) => name).sort();
  for (const name of names) {
    const values = lastOk.servers.get(name)!;
    const s: ServerState = { name, dead: false };
    const u = values.get('server.up');
    if (u !== undefined && u !== null) s.up = u === 1;
    const stamped = live.verdicts.get(name);
    const verdict = stamped && stamped.t >= since ? stamped.value : undefined;
    if (verdict !== undefined) s.verdict = verdict;
    // A death recorded after the poll's samples (a call through the tap failed "Not connected", or a poll
    // between slots) is newer than its `server.up`: the server is dead now, not at the next poll.
    if (verdict === 'dead' && stamped!.t > lastOk.t) s.up = false;
    s.dead = verdict === 'dead' && s.up === false;
    const ut = values.get('server.uptime_s');
    if (ut !== undefined && ut !== null) s.uptimeS = ut;
    const tc = values.get('server.tools');
    if (tc !== undefined && tc !== null) s.tools = tc;
    const p = within(live.probeOk.get(name), probeFrom, now);
    if (p) {
      s.probeOk = p.v === null ? null : p.v === 1;
      s.probeAt = p.t;
      const lat = live.probeLatency.get(name);
      if (lat && lat.t === p.t && lat.v !== null) s.probeLatencyMs = lat.v;
    }
    if (s.up === true) out.counts.up++;
    else if (s.dead) out.counts.dead++;
    else if (s.up === false && verdict !== 'connecting') out.counts.down++;
    out.servers.push(s);
  }
  return out;
}

/** The hub's level from its firing alerts and the tap's calls of the calls window (from the read model). */
function hubLevel(view: DaemonView, hub: string, open: readonly AlertRow[], now: number): { level: Level; levelReason: string } {
  const cfg = view.config();
  const tap = view.live().calls();
  const calls = tap ? callsLevelInput(tap.ledger.window(now, cfg.calls.window), hub, cfg.calls, formatDuration(cfg.calls.window)) : undefined;
  const v = levelFromAlerts(hub, open, cfg.levels, calls);
  return { level: v.level, levelReason: v.reason };
}

function hubState(state: string | undefined, latestPoll: PollRecord | undefined): string {
  if (latestPoll?.up?.err !== undefined) return 'unreachable';
  return state !== undefined && KNOWN_HUB_STATES.includes(state) ? state : 'unknown';
}

/** Every watched hub's latest state. */
export function readHubs(view: DaemonView): HubState[] {
  const open = view.live().openAlerts();
  return view.hubs().map((h) => readHub(view, h, open));
}
