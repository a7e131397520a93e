/**
 * The read model behind /metrics, the JSON API and the SSE tick: each hub's latest stored poll, its
 * servers and their verdicts, read from the store at request time (prom-client's "fill at scrape" idea).
 * A poll writes all its samples at one `t` (daemon/observations.ts), so "the latest poll" is one exact
 * timestamp and every per-server value is read at it. Nothing older than the staleness window is shown:
 * a server that left the hub disappears, as a Prometheus series goes stale (faults D5).
 */
import { levelFromAlerts } from '../../evaluate/level.js';
import type { Level } from '../../evaluate/types.js';
import { KNOWN_HUB_STATES } from '../../model/hub.js';
import type { AlertRow } from '../../store/alert-store.js';
import type { EventType, StoredEvent } from '../../model/events.js';
import type { DaemonView, HubStatusView, StoreReader } from './view.js';

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
  /** Time of the latest successful poll, whose server list this is. */
  serversAt?: number;
  servers: ServerState[];
  counts: { up: number; down: number; dead: number };
  level: Level;
}

/** Every value `mcp_hub_state` can take: a closed set, so a hostile state string cannot add series. */
export const HUB_STATES: readonly string[] = [...KNOWN_HUB_STATES, 'unreachable', 'unknown'];

const MIN_STALE_MS = 5 * 60_000; // Prometheus' own staleness lookback
const LEVELS: Level[] = ['green', 'yellow', 'orange', 'red'];
/** Most verdict events read per hub: enough for hundreds of servers flapping all day. */
const VERDICT_EVENTS = 5_000;

/** The 1–4 number of a level (the guide's L1–L4). */
export const levelNumber = (l: Level): number => LEVELS.indexOf(l) + 1;

/** How old a poll may be and still be shown: 3 poll intervals, at least 5 minutes. */
export function staleAfterMs(view: DaemonView): number {
  return Math.max(MIN_STALE_MS, 3 * view.config().collect.intervalMs);
}

type Raw = { labels: Record<string, string>; t: number; v: number | null; err: string | null };

function raw(store: StoreReader, hub: string, name: string, from: number, to: number): Raw[] {
  return store.querySamples({ hub, name, from, to, resolution: 'raw' });
}

/** The latest value per server of one series in [from, to). */
function latestByServer(store: StoreReader, hub: string, name: string, from: number, to: number): Map<string, Raw> {
  const out = new Map<string, Raw>();
  for (const r of store.samplesOfName(hub, name, from, to)) {
    const s = r.labels.server;
    if (s === undefined) continue;
    const prev = out.get(s);
    if (!prev || r.t >= prev.t) out.set(s, r);
  }
  return out;
}

/** What one hub's events say now: the latest verdict per server this run, and the latest hub state. */
interface HubEventState {
  since: number;
  cursor: number;
  verdicts: Map<string, Stamped>;
  hubState?: Stamped;
}
/** A value and the event it came from: the latest by time wins (then by id), whatever order the rows came in. */
interface Stamped { t: number; id: number; value: string }
const newer = (e: StoredEvent, cur: Stamped | undefined): boolean => !cur || e.t > cur.t || (e.t === cur.t && e.id > cur.id);

const VERDICT_TYPES = ['server_status', 'server_dead', 'hub_state'] as const satisfies readonly EventType[];
/** Per store and hub, the events read so far: a scrape reads only the events stored since the last one. */
const eventStates = new WeakMap<object, Map<string, HubEventState>>();

function applyEvents(state: HubEventState, events: readonly StoredEvent[]): void {
  for (const e of events) {
    state.cursor = Math.max(state.cursor, e.id);
    if (e.type === 'hub_state') {
      if (newer(e, state.hubState)) state.hubState = { t: e.t, id: e.id, value: e.data.state ?? 'unknown' };
    } else if ((e.type === 'server_status' || e.type === 'server_dead') && e.server !== null && e.t >= state.since && newer(e, state.verdicts.get(e.server))) {
      state.verdicts.set(e.server, { t: e.t, id: e.id, value: e.type === 'server_dead' ? 'dead' : e.data.to });
    }
  }
}

/**
 * The latest settled verdict per server since `since` (this run; the collector records every server's
 * first verdict) and the hub's latest state. The first read walks this run's verdicts and the last
 * hub_state once; later reads only the events after the last id seen.
 */
function hubEvents(store: StoreReader, hub: string, since: number, now: number): HubEventState {
  let perStore = eventStates.get(store);
  if (!perStore) eventStates.set(store, (perStore = new Map()));
  let state = perStore.get(hub);
  if (!state || state.since !== since) {
    state = { since, cursor: 0, verdicts: new Map() };
    perStore.set(hub, state);
    const [lastState] = store.queryEvents({ hub, type: 'hub_state', from: 0, to: now + 1, limit: 1, order: 'desc' });
    const run: StoredEvent[] = [];
    for (const type of ['server_status', 'server_dead'] as const) run.push(...store.queryEvents({ hub, type, from: since, to: now + 1, limit: VERDICT_EVENTS, order: 'desc' }));
    applyEvents(state, [...(lastState ? [lastState] : []), ...run].sort((a, b) => a.id - b.id));
  }
  for (;;) {
    const more = store.eventsAfter(hub, VERDICT_TYPES, state.cursor, VERDICT_EVENTS);
    applyEvents(state, more);
    if (more.length < VERDICT_EVENTS) return state;
  }
}

function hubState(events: HubEventState, latestUp: Raw | undefined): string {
  if (latestUp && latestUp.err !== null) return 'unreachable';
  const s = events.hubState?.value;
  return s !== undefined && KNOWN_HUB_STATES.includes(s) ? s : 'unknown';
}

/** Reads one hub's latest state; `open` is the open alerts (read once per request). */
export function readHub(view: DaemonView, h: HubStatusView, open: readonly AlertRow[]): HubState {
  const store = view.store();
  const now = view.now();
  const from = now - staleAfterMs(view);
  const to = now + 1;
  const ups = raw(store, h.url, 'hub.up', from, to);
  const latestUp = ups[ups.length - 1];
  const lastOk = [...ups].reverse().find((r) => r.err === null); // a failed poll: hub.up 0 with its error
  const events = hubEvents(store, h.url, view.daemon().startedAt, now);
  const out: HubState = {
    ...h, state: hubState(events, latestUp), servers: [], counts: { up: 0, down: 0, dead: 0 }, level: levelFromAlerts(h.url, open, view.config().levels),
  };
  if (latestUp) {
    out.up = latestUp.v === 1;
    if (latestUp.err !== null) out.pollError = latestUp.err;
  }
  if (!lastOk) return out;
  const at = lastOk.t;
  const one = (name: string): number | undefined => raw(store, h.url, name, at, at + 1)[0]?.v ?? undefined;
  out.healthLatencyMs = one('hub.health_latency_ms');
  out.rssBytes = one('hub.rss_bytes');
  out.serversAt = at;
  const up = latestByServer(store, h.url, 'server.up', at, at + 1);
  const tools = latestByServer(store, h.url, 'server.tools', at, at + 1); // every server, disabled ones too
  const uptime = latestByServer(store, h.url, 'server.uptime_s', at, at + 1);
  const probeFrom = now - Math.max(staleAfterMs(view), 3 * view.config().probes.intervalMs);
  const probeOk = latestByServer(store, h.url, 'server.probe_ok', probeFrom, to);
  const probeMs = latestByServer(store, h.url, 'server.probe_latency_ms', probeFrom, to);
  const verdictOf = events.verdicts;
  const names = [...new Set([...tools.keys(), ...up.keys()])].sort();
  for (const name of names) {
    const s: ServerState = { name, dead: false };
    const u = up.get(name)?.v;
    if (u !== undefined && u !== null) s.up = u === 1;
    const verdict = verdictOf.get(name)?.value;
    if (verdict !== undefined) s.verdict = verdict;
    s.dead = verdict === 'dead' && s.up === false;
    const ut = uptime.get(name)?.v;
    if (ut !== undefined && ut !== null) s.uptimeS = ut;
    const tc = tools.get(name)?.v;
    if (tc !== undefined && tc !== null) s.tools = tc;
    const p = probeOk.get(name);
    if (p) {
      s.probeOk = p.v === null ? null : p.v === 1;
      s.probeAt = p.t;
      const lat = probeMs.get(name);
      if (lat && lat.t === p.t && lat.v !== null) s.probeLatencyMs = lat.v;
    }
    if (s.up === true) out.counts.up++;
    else if (s.dead) out.counts.dead++;
    else if (s.up === false && verdict !== 'connecting') out.counts.down++;
    out.servers.push(s);
  }
  return out;
}

/** Every watched hub's latest state. */
export function readHubs(view: DaemonView): HubState[] {
  const open = view.alerts()?.openAlerts() ?? [];
  return view.hubs().map((h) => readHub(view, h, open));
}
