/**
 * Runs the MCP probes of one hub: every `probes.interval` a full round (a liveness round trip to every server
 * the hub's last poll called `connected`, then the configured canaries), and in between, every
 * `probes.idle_interval`, an idle round that probes only the servers that showed no sign of life lately —
 * a SIGSTOPped child keeps `connected` and a moving uptime, so only a round trip finds it, and one minute
 * was too slow. A canary that hangs or dies probes its server at once. Records samples (full rounds
 * only, one per round, so ratios stay unbiased) and, on transitions, events — including the disagreement
 * "hub says connected, the child does not answer through the hub" (the hub keeps a dead or hung stdio
 * child `connected`).
 */
import type http from 'node:http';
import type { CanaryConfig, MonitorConfig } from '../config/defaults.js';
import { callCanary, probeServer, type ProbeOptions } from '../sources/server-probe.js';
import type { CanaryResult, ProbeResult } from '../model/probe.js';
import type { McpTracing } from '../model/mcp-tracing.js';
import type { Clock } from '../model/clock.js';
import type { EventRow, SampleRow } from './observations.js';
import { schedulePeriodic, type Periodic, type SlotInfo } from '../model/schedule.js';
import type { WriteBuffer } from './write-buffer.js';

/** Outcomes that mean the child did not answer although the hub still lists it as connected. */
const UNRESPONSIVE = new Set(['dead', 'hung']);
/** When the hub does not serve the probe route (a fork), ask again after this long. */
const UNSUPPORTED_RECHECK_MS = 600_000;

/** Rows for one probe round; `prev` maps a series key to its previous outcome. Pure, for replay in tests. */
export function deriveProbeRows(
  hub: string, t: number, probes: ProbeResult[], canaries: CanaryResult[], prev: ReadonlyMap<string, string>,
): { samples: SampleRow[]; events: EventRow[]; outcomes: Map<string, string> } {
  const samples: SampleRow[] = [];
  const events: EventRow[] = [];
  const outcomes = new Map<string, string>();
  for (const p of probes) {
    if (p.outcome === 'not_connected') continue; // the hub already says so; the poll records it
    const labels = { server: p.server };
    const key = `probe\0${p.server}`;
    const was = prev.get(key);
    outcomes.set(key, p.outcome);
    if (p.outcome === 'alive') {
      samples.push({ hub, name: 'server.probe_ok', labels, t, v: 1 });
      samples.push({ hub, name: 'server.probe_latency_ms', labels, t, v: Math.round(p.latencyMs * 100) / 100 });
      if (was !== undefined && UNRESPONSIVE.has(was)) events.push({ hub, t, type: 'probe_recovered', server: p.server, data: { after: was } });
    } else if (UNRESPONSIVE.has(p.outcome)) {
      samples.push({ hub, name: 'server.probe_ok', labels, t, v: 0, err: p.outcome });
      if (was !== p.outcome) {
        events.push({ hub, t, type: 'probe_disagreement', server: p.server, data: { hubStatus: 'connected', outcome: p.outcome, detail: p.detail ?? null, latencyMs: Math.round(p.latencyMs) } });
      }
    } else {
      // The hub did not answer or answered something else: the probe says nothing about the child.
      samples.push({ hub, name: 'server.probe_ok', labels, t, v: null, err: p.outcome });
    }
  }
  for (const c of canaries) {
    const labels = { server: c.server, tool: c.tool };
    const key = `canary\0${c.server}\0${c.tool}`;
    const was = prev.get(key);
    outcomes.set(key, c.outcome);
    const ok = c.outcome === 'ok';
    const known = ok || c.outcome === 'tool_error' || UNRESPONSIVE.has(c.outcome);
    samples.push({ hub, name: 'canary.ok', labels, t, v: known ? (ok ? 1 : 0) : null, err: ok ? undefined : c.outcome });
    if (ok) samples.push({ hub, name: 'canary.latency_ms', labels, t, v: Math.round(c.latencyMs * 100) / 100 });
    if (!ok && was !== c.outcome) events.push({ hub, t, type: 'canary_failed', server: c.server, data: { tool: c.tool, outcome: c.outcome, detail: c.detail ?? null } });
    if (ok && was !== undefined && was !== 'ok') events.push({ hub, t, type: 'canary_recovered', server: c.server, data: { tool: c.tool, after: was } });
  }
  return { samples, events, outcomes };
}

export interface ProberDeps {
  cfg: MonitorConfig;
  clock: Clock;
  writer: WriteBuffer;
  agent: http.Agent;
  /** The servers the hub's latest poll reports `connected` (empty when the hub is down). */
  connectedServers: () => string[];
  /**
   * Every round's results, for alerting. `answered`: the hub served the round. `complete`: every connected
   * server was probed (a full round), so a server missing from it is gone rather than not asked.
   */
  onRound?: (probes: ProbeResult[], canaries: CanaryResult[], answered: boolean, complete: boolean) => void;
  /** The round trips, injectable for tests on a manual clock; default the real ones through the hub. */
  probe?: typeof probeServer;
  canary?: typeof callCanary;
  /** Traces each probe and canary request (OpenTelemetry client spans); absent when export is off. */
  tracing?: McpTracing;
}

/** What an idle round probes: connected servers with no sign of life since `quietSince`, plus the troubled. */
export function idleProbeTargets(
  connected: readonly string[], lastLifeMono: ReadonlyMap<string, number>, quietSince: number, troubled: ReadonlySet<string>,
): string[] {
  return connected.filter((s) => troubled.has(s) || !((lastLifeMono.get(s) ?? -Infinity) > quietSince));
}

export class HubProber {
  private schedule?: Periodic;
  private prev = new Map<string, string>();
  private unsupportedUntilMono = -Infinity;
  private nextFullMono = Infinity;
  /** Server → monotonic time of its latest sign of life (an answer to us, a line it wrote through the hub). */
  private readonly lastLifeMono = new Map<string, number>();
  /** Servers to probe at once, out of turn. */
  private readonly troubled = new Set<string>();

  constructor(readonly hub: string, private readonly deps: ProberDeps) {}

  private canaries(): CanaryConfig[] {
    return this.deps.cfg.probes.canaries.filter((c) => c.hub === '' || c.hub.replace(/\/+$/, '') === this.hub);
  }

  /** Idle rounds run when their interval is set and shorter than the full round's. */
  private get idleMs(): number {
    const { idle_interval: idle, interval } = this.deps.cfg.probes;
    return idle > 0 && idle < interval ? idle : 0;
  }

  start(): void {
    const { clock, cfg } = this.deps;
    this.nextFullMono = clock.monotonic() + cfg.probes.interval;
    this.schedule = schedulePeriodic({ periodMs: this.idleMs || cfg.probes.interval, clock, immediate: false, run: (slot) => this.tick(slot) });
  }

  async stop(): Promise<void> {
    await this.schedule?.stop();
  }

  /**
   * `server`'s child showed it is alive (it answered, or wrote through the hub): no idle probe for a while.
   * Only connected servers are kept: names in log lines are hub strings, and must not grow the map.
   */
  noteLife(server: string): void {
    if (this.deps.connectedServers().includes(server)) this.lastLifeMono.set(server, this.deps.clock.monotonic());
  }

  private async tick(slot: SlotInfo): Promise<void> {
    const { clock, cfg } = this.deps;
    const now = clock.monotonic();
    if (slot.k < 0) {
      await this.round([...this.troubled]); // out of turn: only the servers in trouble
      return;
    }
    // Half an idle period of slack: the two grids start a few microseconds apart.
    if (now >= this.nextFullMono - this.idleMs / 2) {
      while (this.nextFullMono <= now + this.idleMs / 2) this.nextFullMono += cfg.probes.interval;
      await this.round();
    } else {
      // A server that showed life within the last half idle period is not probed: its next look comes
      // within 1.5 idle periods, plus the timeout if it hangs.
      await this.round(idleProbeTargets(this.deps.connectedServers(), this.lastLifeMono, now - this.idleMs / 2, this.troubled));
    }
  }

  /** One round: every connected server and the canaries, or (`only`) these servers without canaries. */
  async round(only?: string[]): Promise<void> {
    const { clock, cfg, agent } = this.deps;
    const complete = only === undefined;
    this.troubled.clear();
    if (clock.monotonic() < this.unsupportedUntilMono) return;
    const connected = this.deps.connectedServers();
    if (complete) for (const s of this.lastLifeMono.keys()) if (!connected.includes(s)) this.lastLifeMono.delete(s);
    const targets = only ?? connected;
    if (!complete && targets.length === 0) return;
    const opts: ProbeOptions = { timeoutMs: cfg.probes.timeout, agent, ...(this.deps.tracing ? { tracing: this.deps.tracing } : {}) };
    const probe = this.deps.probe ?? probeServer;
    // One at a time: N hung children probed at once would hold N of the hub's requests for the whole
    // timeout. Children already found unresponsive go last, so a known hang never delays a new one's discovery.
    const ordered = [...targets].sort((a, b) => Number(this.unresponsive(a)) - Number(this.unresponsive(b)));
    const probes: ProbeResult[] = [];
    for (const server of ordered) {
      const r = await probe(this.hub, server, opts);
      if (r.outcome === 'unsupported') {
        this.unsupportedUntilMono = clock.monotonic() + UNSUPPORTED_RECHECK_MS;
        break;
      }
      if (r.outcome === 'alive') this.noteLife(server);
      probes.push(r);
    }
    const canaries = complete ? await this.callCanaries(connected, opts) : [];
    const d = deriveProbeRows(this.hub, clock.now(), probes, canaries, this.prev);
    // A partial round speaks only for the servers it probed; the others keep their last outcome.
    this.prev = complete ? d.outcomes : new Map([...this.prev, ...d.outcomes]);
    // Samples from full rounds only: one per server per round, so probe_ok ratios are not skewed by how
    // often a quiet or failing server is looked at (as the collector stores no samples for extra polls).
    this.deps.writer.write(complete ? d.samples : [], d.events);
    const answered = [...probes, ...canaries].every((r) => r.outcome !== 'unreachable' && r.outcome !== 'unsupported');
    this.deps.onRound?.(probes, canaries, answered && targets.length > 0, complete);
  }

  private unresponsive(server: string): boolean {
    return UNRESPONSIVE.has(this.prev.get(`probe\0${server}`) ?? '');
  }

  private async callCanaries(connected: readonly string[], opts: ProbeOptions): Promise<CanaryResult[]> {
    const call = this.deps.canary ?? callCanary;
    const out: CanaryResult[] = [];
    for (const c of this.canaries()) {
      if (!connected.includes(c.server)) continue;
      const r = await call(this.hub, c, opts);
      out.push(r);
      // The child answered (even with a tool error): alive. It did not: probe it at once for the verdict.
      if (r.outcome === 'ok' || r.outcome === 'tool_error') this.noteLife(c.server);
      else if (UNRESPONSIVE.has(r.outcome)) this.troubled.add(c.server);
    }
    if (this.troubled.size > 0) this.schedule?.kick();
    return out;
  }
}
