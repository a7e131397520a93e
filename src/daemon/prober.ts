/**
 * Runs the MCP probes of one hub on their own slower schedule: a liveness round trip to every server the
 * hub's last poll called `connected`, then the configured canaries. Records samples and, on transitions,
 * events — including the disagreement "hub says connected, the child does not answer through the hub",
 * which is its own signal (the hub keeps a dead stdio child `connected`, docs/hub-api.md §6).
 */
import type http from 'node:http';
import type { CanaryConfig, MonitorConfig } from '../config/defaults.js';
import { callCanary, probeServer, type CanaryResult, type ProbeResult } from '../sources/server-probe.js';
import type { Clock } from './clock.js';
import type { EventRow, SampleRow } from './observations.js';
import { schedulePeriodic, type Periodic } from './schedule.js';
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
  /** Every round's results, for alerting; `answered` = the hub served the round. */
  onRound?: (probes: ProbeResult[], canaries: CanaryResult[], answered: boolean) => void;
}

export class HubProber {
  private schedule?: Periodic;
  private prev = new Map<string, string>();
  private unsupportedUntilMono = -Infinity;

  constructor(readonly hub: string, private readonly deps: ProberDeps) {}

  private canaries(): CanaryConfig[] {
    return this.deps.cfg.probes.canaries.filter((c) => c.hub === '' || c.hub.replace(/\/+$/, '') === this.hub);
  }

  start(): void {
    const { clock, cfg } = this.deps;
    this.schedule = schedulePeriodic({ periodMs: cfg.probes.intervalMs, clock, immediate: false, run: () => this.round() });
  }

  async stop(): Promise<void> {
    await this.schedule?.stop();
  }

  /** One probe round; exported for tests through the class. */
  async round(): Promise<void> {
    const { clock, cfg, agent } = this.deps;
    if (clock.monotonic() < this.unsupportedUntilMono) return;
    const connected = this.deps.connectedServers();
    const opts = { timeoutMs: cfg.probes.timeoutMs, agent };
    // One at a time: a probe costs the hub almost nothing, but N hung children probed at once would hold
    // N of its request slots for the whole timeout.
    const probes: ProbeResult[] = [];
    for (const server of connected) {
      const r = await probeServer(this.hub, server, opts);
      if (r.outcome === 'unsupported') {
        this.unsupportedUntilMono = clock.monotonic() + UNSUPPORTED_RECHECK_MS;
        break;
      }
      probes.push(r);
    }
    const canaries: CanaryResult[] = [];
    for (const c of this.canaries()) {
      if (!connected.includes(c.server)) continue;
      canaries.push(await callCanary(this.hub, c, opts));
    }
    const d = deriveProbeRows(this.hub, clock.now(), probes, canaries, this.prev);
    this.prev = d.outcomes;
    this.deps.writer.write(d.samples, d.events);
    const answered = [...probes, ...canaries].every((r) => r.outcome !== 'unreachable' && r.outcome !== 'unsupported');
    this.deps.onRound?.(probes, canaries, answered && connected.length > 0);
  }
}
