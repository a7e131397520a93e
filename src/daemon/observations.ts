/**
 * Turns one poll snapshot (and the previous one of the same hub) into stored rows: samples for every
 * series, and events for what changed — hub state, server verdicts (dead-while-connected included), poll
 * failures and recoveries. Pure: the daemon's I/O happens elsewhere, so this is replayable in tests.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { isUpState } from '../evaluate/hub.js';
import { judgeServer, type ServerJudgement, type ServerSample } from '../evaluate/servers.js';
import type { NewEvent } from '../model/events.js';
import { FILTERING_SERIES } from '../sources/filtering-stats.js';
import { cpuBetween } from '../sources/process-meter.js';
import { FILTERING_NUMBERS, type FilteringStats, type HubSnapshot } from '../model/hub.js';

export interface SampleRow {
  hub: string;
  name: string;
  labels?: Record<string, string>;
  t: number;
  v: number | null;
  err?: string;
}

/** An event to store: a type of the catalogue with its data shape. */
export type EventRow = NewEvent;

export interface Derived {
  samples: SampleRow[];
  events: EventRow[];
  /** Each server's verdict now, carried to the next poll. */
  verdicts: Map<string, ServerJudgement['verdict']>;
}

function serverSamples(s: HubSnapshot): Map<string, ServerSample> {
  const out = new Map<string, ServerSample>();
  if (!s.health.ok) return out;
  const at = s.health.value.timestampMs ?? s.at;
  for (const server of s.health.value.servers) out.set(server.name, { server, atMs: at });
  return out;
}

/** Samples of the fork's filtering stats as served (counters of filter decisions, not tool counts). */
export function filteringSamples(hub: string, t: number, stats: FilteringStats): SampleRow[] {
  const out: SampleRow[] = [];
  for (const key of FILTERING_NUMBERS) {
    const v = stats[key];
    if (v !== undefined) out.push({ hub, name: FILTERING_SERIES[key], t, v });
  }
  if (stats.enabled !== undefined) out.push({ hub, name: FILTERING_SERIES.enabled, t, v: stats.enabled ? 1 : 0 });
  return out;
}

/** Rows for one poll. `prev` is the previous poll of the same hub, `prevVerdicts` its server verdicts. */
export function deriveRows(
  cur: HubSnapshot, prev: HubSnapshot | undefined, prevVerdicts: ReadonlyMap<string, string>, cfg: MonitorConfig,
): Derived {
  const hub = cur.target.url;
  const t = cur.at;
  const samples: SampleRow[] = [];
  const events: EventRow[] = [];
  const verdicts = new Map<string, ServerJudgement['verdict']>();
  if (!cur.health.ok) {
    // A failed poll is the hub not up: 0, with the failure class. Only time with no poll at all (the daemon
    // not running) is unknown.
    samples.push({ hub, name: 'hub.up', t, v: 0, err: cur.health.failure });
    if (!prev || prev.health.ok) events.push({ hub, t, type: 'poll_failed', data: { failure: cur.health.failure, message: cur.health.message } });
    return { samples, events, verdicts };
  }
  const h = cur.health.value;
  samples.push({ hub, name: 'hub.up', t, v: isUpState(h.state) ? 1 : 0 });
  samples.push({ hub, name: 'hub.health_latency_ms', t, v: Math.round(cur.health.latencyMs * 100) / 100 });
  // The latency SLO's good-event indicator, so 30-day objectives come from the rollups' sums.
  samples.push({ hub, name: 'hub.health_fast', t, v: cur.health.latencyMs <= cfg.slo.latency_threshold ? 1 : 0 });
  if (prev && !prev.health.ok) events.push({ hub, t, type: 'poll_recovered', data: { after: prev.health.failure } });
  const prevState = prev?.health.ok ? prev.health.value.state : undefined;
  if (h.state !== prevState) events.push({ hub, t, type: 'hub_state', data: { state: h.state ?? null, previous: prevState ?? null, source: 'poll', pid: h.pid ?? null } });
  if (cur.process?.rssBytes !== undefined) samples.push({ hub, name: 'hub.rss_bytes', t, v: cur.process.rssBytes });
  const cpu = cur.process?.cpuTicks && prev?.process?.cpuTicks ? cpuBetween(prev.process.cpuTicks, cur.process.cpuTicks) : undefined;
  // The hub plus its stdio servers, % of one core, since the previous poll (none across a hub restart).
  if (cpu) samples.push({ hub, name: 'hub.cpu_percent', t, v: Math.round((cpu.hubCpuPercent + cpu.childrenCpuPercent) * 10) / 10 });
  if (cur.filtering) samples.push(...filteringSamples(hub, t, cur.filtering));

  const before = prev ? serverSamples(prev) : new Map<string, ServerSample>();
  const counts = { up: 0, down: 0, dead: 0 };
  for (const sample of serverSamples(cur).values()) {
    const name = sample.server.name;
    const j = judgeServer(sample, before.get(name), cfg.check.dead_after);
    const was = prevVerdicts.get(name);
    // "unconfirmed" (uptime 0, just connected or died young) settles on the next poll: keep the last
    // settled verdict meanwhile, and record only settled changes.
    // The samples follow the settled verdict too: a dead child's next look can be "uptime 0, unconfirmed"
    // (two looks under a second apart), and counting that as up made server.up flicker 0, 1, 0 after one
    // death — three changes, a flapping server to a changes() rule.
    const settled = j.verdict === 'unconfirmed' && was !== undefined ? was as ServerJudgement['verdict'] : j.verdict;
    verdicts.set(name, settled);
    const labels = { server: name };
    if (settled !== 'disabled') {
      const up = settled === 'up' || settled === 'unconfirmed';
      samples.push({ hub, name: 'server.up', labels, t, v: up ? 1 : 0 });
      if (up) counts.up++;
      else if (settled === 'dead') counts.dead++;
      else if (settled !== 'connecting') counts.down++;
    }
    if (sample.server.uptimeS !== undefined) samples.push({ hub, name: 'server.uptime_s', labels, t, v: sample.server.uptimeS });
    samples.push({ hub, name: 'server.tools', labels, t, v: sample.server.toolCount });
    if (j.verdict !== 'unconfirmed' && j.verdict !== was) {
      events.push({ hub, t, type: j.verdict === 'dead' ? 'server_dead' : 'server_status', server: name, data: { from: was === undefined || was === 'unconfirmed' ? null : was, to: j.verdict, message: j.message } });
    }
  }
  for (const [name, was] of prevVerdicts) {
    if (!verdicts.has(name)) events.push({ hub, t, type: 'server_removed', server: name, data: { from: was } });
  }
  samples.push({ hub, name: 'hub.servers_up', t, v: counts.up }, { hub, name: 'hub.servers_down', t, v: counts.down }, { hub, name: 'hub.servers_dead', t, v: counts.dead });
  return { samples, events, verdicts };
}
