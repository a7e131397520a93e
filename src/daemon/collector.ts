/**
 * Collects one hub: polls on a monotonic schedule (one stored row per slot, success or failure), listens
 * to its SSE stream unless poll-only, and turns both into samples and events. A probe follows at once
 * when the stream is cut or a server's transport closes, so a crash is seen within a poll (faults A1, A11).
 * Decides nothing about health beyond what `deriveRows` records.
 */
import type http from 'node:http';
import type { MonitorConfig } from '../config/defaults.js';
import { isPassedThrough } from '../model/events.js';
import { pollHub } from '../sources/hub-client.js';
import type { HubSnapshot, HubTarget } from '../model/hub.js';
import { matchMessage, serverShownAlive } from '../sources/log-patterns.js';
import type { SseObservation, SseSubscription } from '../sources/sse-types.js';
import type { Clock } from '../model/clock.js';
import { deriveRows, type EventRow } from './observations.js';
import { schedulePeriodic, type Periodic, type SlotInfo } from '../model/schedule.js';
import { diffTools } from './tool-diff.js';
import type { WriteBuffer } from './write-buffer.js';

export interface SseHandle {
  stop(): Promise<void>;
  stats(): { connected: boolean; reconnects: number; eventsTotal: number };
}

export type StartSse = (opts: {
  url: string;
  hub: string;
  onObservation: (o: SseObservation) => void;
  onConnected: () => Promise<void>;
}) => SseHandle;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CollectorDeps {
  cfg: MonitorConfig;
  clock: Clock;
  writer: WriteBuffer;
  agent: http.Agent;
  log: Logger;
  pollIntervalMs: number;
  /** Per-poll deadline; kept below the interval so probes never overlap. */
  timeoutMs: number;
  /** Absent in poll-only mode. */
  startSse?: StartSse;
  /**
   * Called with every poll (and the one before it); returns true when some rule is failing below its
   * threshold, so confirmation polls follow at +1 s and +2 s instead of a whole interval (faults §4.4).
   */
  onSnapshot?: (snapshot: HubSnapshot, previous: HubSnapshot | undefined) => boolean;
  /** A server's child showed it is running (it wrote through the hub, or sent a list change): the prober skips it for a while. */
  onServerAlive?: (server: string) => void;
}

/**
 * Confirmation polls after a failing one (Uptime Kuma's retry interval): about +1 s and +2 s, a little
 * over, because uptime counts whole seconds and a stopped clock only shows on samples ≥ 1 s apart.
 */
const CONFIRM_AFTER_MS = [1_100, 2_200];

/** A slot starting this late means the process was stopped or suspended (faults A23). */
const STALL_MS = 2_000;
/**
 * The optional metrics routes answer 404 on upstream hubs forever; asking three of them on every poll
 * tripled the daemon's requests for nothing. When none is served, look again every 10 minutes.
 */
const METRICS_RECHECK_MS = 600_000;

export class HubCollector {
  lastPollAt?: number;
  lastPollOk?: boolean;
  /** When the hub last answered a poll (epoch ms). */
  lastOkAt?: number;
  private prev?: HubSnapshot;
  private prevVerdicts = new Map<string, string>();
  private schedule?: Periodic;
  private sse?: SseHandle;
  private readonly tools = new Map<string, unknown[]>();
  private metricsServed = true;
  private metricsCheckedMono = -Infinity;
  private confirmTimers: unknown[] = [];

  constructor(readonly target: HubTarget, private readonly deps: CollectorDeps) {}

  get hub(): string {
    return this.target.url;
  }

  start(): void {
    const { clock, pollIntervalMs } = this.deps;
    this.schedule = schedulePeriodic({
      periodMs: pollIntervalMs,
      clock,
      run: (slot) => this.pollOnce(slot),
      onSkipped: (n, lateMs) => this.record([{ hub: this.hub, t: clock.now(), type: 'slots_skipped', data: { count: n, lateMs: Math.round(lateMs) } }]),
    });
    if (this.deps.startSse) {
      this.sse = this.deps.startSse({
        url: this.hub,
        hub: this.hub,
        onObservation: (o) => this.onSse(o),
        // After every (re)connect nothing is replayed (docs/hub-api.md §3): resync with a poll before trusting state.
        onConnected: async () => this.schedule?.kick(),
      });
    }
  }

  async stop(): Promise<void> {
    for (const t of this.confirmTimers) this.deps.clock.clearTimeout(t);
    this.confirmTimers = [];
    await Promise.all([this.schedule?.stop(), this.sse?.stop()]);
  }

  /** Polls now, out of slot (something outside the poll suggests the hub changed). */
  look(): void {
    this.schedule?.kick();
  }

  /**
   * Evidence from outside the poll that `server`'s child is dead (a call through the tap failed "Not
   * connected"): the `server_dead` event a poll would write, so the read model and the dashboards show it
   * now, not at the next poll. Once per death: the verdict is carried to the next poll, which then has
   * nothing to add, and further evidence changes nothing while it stays dead. Only for a server of the
   * latest poll that the hub calls connected; whether it wrote the event.
   */
  noteDead(server: string, message: string): boolean {
    const was = this.prevVerdicts.get(server);
    if (was !== 'up' && was !== 'unconfirmed') return false;
    this.prevVerdicts.set(server, 'dead');
    this.record([{ hub: this.hub, t: this.deps.clock.now(), type: 'server_dead', server, data: { from: was === 'up' ? was : null, to: 'dead', message } }]);
    return true;
  }

  /** Servers the latest poll found `connected` (none while the hub is unreachable). */
  connectedServers(): string[] {
    const h = this.prev?.health;
    return h?.ok ? h.value.servers.filter((s) => s.status === 'connected').map((s) => s.name) : [];
  }

  /** Whether the SSE stream is connected now (undefined in poll-only mode). */
  sseConnected(): boolean | undefined {
    return this.sse?.stats().connected;
  }

  private record(events: EventRow[]): void {
    if (events.length) this.deps.writer.write([], events);
  }

  private async pollOnce(slot: SlotInfo): Promise<void> {
    const { clock, cfg, agent } = this.deps;
    const extra: EventRow[] = [];
    if (slot.lateMs > STALL_MS) extra.push({ hub: this.hub, t: clock.now(), type: 'daemon_paused', data: { lateMs: Math.round(slot.lateMs) } });
    const wantMetrics = slot.k >= 0 && (this.metricsServed || clock.monotonic() - this.metricsCheckedMono >= METRICS_RECHECK_MS);
    const snapshot = await pollHub(this.target, {
      deadline: clock.monotonic() + this.deps.timeoutMs,
      agent,
      healthOnly: !wantMetrics, // out-of-slot probes only need health
      cpuTicks: true, // hub.cpu_percent: the hub tree's CPU between this poll and the previous one
      now: () => clock.now(),
      monotonicNow: () => clock.monotonic(),
    });
    if (wantMetrics && snapshot.health.ok) {
      this.metricsCheckedMono = clock.monotonic();
      this.metricsServed = Object.values(snapshot.routes).some((r) => r.outcome === 'ok');
    }
    // The daemon's time line (timeline.ts) records a step of the wall clock as `clock_jump` on every hub.
    const wall = clock.now();
    const d = deriveRows(snapshot, this.prev, this.prevVerdicts, cfg);
    const previous = this.prev;
    this.prev = snapshot;
    this.prevVerdicts = d.verdicts;
    this.lastPollAt = wall;
    this.lastPollOk = snapshot.health.ok;
    if (snapshot.health.ok) {
      this.lastOkAt = wall;
      for (const s of snapshot.health.value.servers) if (s.tools && !this.tools.has(s.name)) this.tools.set(s.name, s.tools);
    }
    // Out-of-slot polls (confirmations, SSE-triggered looks) store their events but no samples: one sample
    // per slot keeps rollups and SLO ratios unbiased (an outage would otherwise be oversampled).
    this.deps.writer.write(slot.k >= 0 ? d.samples : [], [...extra, ...d.events]);
    if (this.deps.onSnapshot?.(snapshot, previous) && this.confirmTimers.length === 0) {
      this.confirmTimers = CONFIRM_AFTER_MS.map((ms, i) => clock.setTimeout(() => {
        if (i === CONFIRM_AFTER_MS.length - 1) this.confirmTimers = [];
        this.schedule?.kick();
      }, ms));
    }
  }

  private onSse(o: SseObservation): void {
    const hub = this.hub;
    const t = o.at;
    switch (o.kind) {
      case 'open':
        this.record([{ hub, t, type: 'sse_open' }]);
        break;
      case 'close':
        this.record([{ hub, t, type: 'sse_close', data: { reason: o.reason, detail: o.detail } }]);
        // A cut stream is a reason to look, never an alert by itself (faults §4 item 4).
        if (o.reason !== 'stopped') this.schedule?.kick();
        break;
      case 'hub_state':
        this.record([{ hub, t, type: 'hub_state', data: { state: o.state ?? null, source: 'sse', pid: o.pid ?? null } }]);
        if (o.state === 'stopping') this.schedule?.kick();
        break;
      case 'subscription':
        this.record([this.subscriptionEvent(o)]);
        // The hub re-lists a server's tools, resources or prompts when its child says they changed.
        if (o.server !== undefined && o.type.endsWith('_list_changed')) this.deps.onServerAlive?.(o.server);
        break;
      case 'log': {
        const { message } = o;
        const facts = matchMessage(message);
        const alive = serverShownAlive(message, facts);
        if (alive !== undefined) this.deps.onServerAlive?.(alive);
        if (facts.kind === 'transport_closed') {
          this.record([{ hub, t, type: 'transport_closed', server: facts.server }]);
          this.schedule?.kick(); // a stdio child may have died: look now
        } else if (o.level === 'warn' || o.level === 'error' || o.level === 'fatal') {
          this.record([{ hub, t, type: 'log', server: o.server ?? facts.server, data: { level: o.level, code: o.code ?? facts.code, message: message.slice(0, 2_000) } }]);
        }
        break;
      }
      case 'log_summary':
        this.record([{ hub, t, type: 'log_summary', data: { from: o.from, to: o.to, total: o.total, byLevel: o.byLevel, byCode: o.byCode, sample: o.sample } }]);
        break;
      default:
        break;
    }
  }

  private subscriptionEvent(o: SseSubscription): EventRow {
    const { type, payload } = o;
    const server = o.server ?? (typeof payload.server === 'string' ? payload.server : undefined);
    if (type === 'tool_list_changed' && server && Array.isArray(payload.tools)) {
      const before = this.tools.get(server);
      this.tools.set(server, payload.tools);
      const data = before ? { ...diffTools(before, payload.tools), count: payload.tools.length } : { baseline: true, count: payload.tools.length };
      return { hub: this.hub, t: o.at, type: 'tool_list_changed', server, data };
    }
    if (type === 'config_changed') {
      // Only the fact and the names of servers; the raw config can hold secrets (faults D14).
      const cfg = payload.newConfig as { mcpServers?: Record<string, unknown> } | undefined;
      const isSignificant = typeof payload.isSignificant === 'boolean' ? payload.isSignificant : null;
      return { hub: this.hub, t: o.at, type: 'config_changed', data: { isSignificant, servers: cfg?.mcpServers ? Object.keys(cfg.mcpServers) : [] } };
    }
    const changes = payload.changes !== undefined ? { changes: payload.changes } : undefined;
    if (isPassedThrough(type)) return { hub: this.hub, t: o.at, type, server, data: changes };
    // A type the hub does not send today: stored, but not under a name the hub chose.
    return { hub: this.hub, t: o.at, type: 'hub_subscription', server, data: { subscription: type, ...changes } };
  }
}
