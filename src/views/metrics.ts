/**
 * `/metrics`: the daemon's view of every hub in the Prometheus text format, on its own prom-client
 * Registry (never the global one), filled at scrape time from the daemon's read model (in memory,
 * daemon/live-state.ts, through http/snapshot.ts) as prom-client's `collect()` idea suggests; only the SLO
 * budgets read the store (30 days of rollups, once a minute). Names follow Prometheus conventions (base units, `_seconds`, `_bytes`,
 * `_total`, `_ratio`); the probe histogram is the OpenTelemetry MCP semantic conventions'
 * `mcp.client.operation.duration` (histogram, seconds, their bucket boundaries) for the one operation we
 * make, a read-only `resources/read` through the hub (see sources/server-probe.ts).
 *
 * Not exported, and why: LLM metrics (not stored; the `llm.*` alerts carry them into `mcp_hub_degradation_level`). The fork's filtering
 * stats are (metrics-fork.ts), and so are the learned bands (metrics-anomaly.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { budgetUse, type Ratio } from '../evaluate/slo.js';
import { callRatios } from '../evaluate/call-slo.js';
import { CALL_SERIES, hubCallsOver } from '../daemon/calls-series.js';
import { capServers, DroppedSeries, OTHER_SERVER, sanitizeLabelValue } from './http/metric-labels.js';
import { HUB_STATES, levelNumber, readHub, type HubState, type ServerState } from './http/snapshot.js';
import type { DaemonView } from './http/view.js';
import type { ProbeLatency } from '../daemon/live-state.js';
import { createForkGauges } from './metrics-fork.js';
import { createCallMetrics } from './metrics-calls.js';
import { createOtelMetrics } from './metrics-otel.js';
import { createAnomalyGauges } from './metrics-anomaly.js';

/** createMetrics' options. */
export interface MetricsOptions {
  /** Servers per hub with their own series; the rest fold into `server="__other__"` (faults D5). */
  maxServersPerHub?: number;
  /** The daemon's own process metrics (process_open_fds, process_resident_memory_bytes, …); default true. */
  processMetrics?: boolean;
  log?: { warn(o: object, m?: string): void };
}

/** The /metrics source of one HTTP server. */
export interface MonitorMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Reads the store and renders the exposition text; concurrent calls run one after another. */
  render(): Promise<string>;
}

/** OTel's advisory boundaries for mcp.client.operation.duration, in seconds. */
const PROBE_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const SEVERITIES = ['critical', 'warning', 'info'];
const OPEN_STATES = ['pending', 'firing'];
/** SLO ratios read 30 days of rollups: recomputed once a minute, as often as the alerting loop does. */
const SLO_EVERY_MS = 60_000;
/** How far back the first scrape takes probes (those of the last round or two). */
const PROBE_OVERLAP_MS = 120_000;

const L = sanitizeLabelValue;

/** The probe latencies recorded since the last scrape; on the first, only those since `firstFrom`. */
interface ProbeRound { rows: readonly ProbeLatency[]; firstFrom: number | undefined }

/** Builds the registry and its scrape-time filling for one server. */
export function createMetrics(view: DaemonView, o: MetricsOptions = {}): MonitorMetrics {
  const maxServers = o.maxServersPerHub ?? 200;
  const registry = new Registry();
  const registers = [registry];
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });
  const c = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers });

  const hubUp = g('mcp_hub_up', 'Whether the latest poll found the hub up (state ready or restarted); absent before the first poll.', ['hub']);
  const hubState = g('mcp_hub_state', 'The hub state at the latest poll, one series per possible state (1 = current).', ['hub', 'state']);
  const servers = g('mcp_hub_servers', 'Enabled servers by status at the latest successful poll (dead = the hub says connected but the child exited).', ['hub', 'status']);
  const serverUp = g('mcp_hub_server_up', 'Whether the server was up at the latest successful poll; __other__ is 1 only when every folded server is.', ['hub', 'server']);
  const serverDead = g('mcp_hub_server_dead', 'Whether the server is dead while the hub calls it connected; __other__ is 1 when any folded server is.', ['hub', 'server']);
  const uptime = g('mcp_hub_server_uptime_seconds', 'How long the server\'s child had run at the latest successful poll, as the hub reports it (0 for a child that exited while the hub calls it connected); it goes back when the child restarts. __other__ has the smallest of the folded servers\'.', ['hub', 'server']);
  const probeOk = g('mcp_hub_server_probe_success', 'Whether the latest MCP probe through the hub got an answer from the server.', ['hub', 'server']);
  const probeSeconds = new Histogram({
    name: 'mcp_hub_probe_duration_seconds', help: 'MCP probe round trips through the hub that got an answer (OTel mcp.client.operation.duration), since the daemon started.',
    labelNames: ['hub', 'server'], buckets: PROBE_BUCKETS, registers,
  });
  const healthSeconds = g('mcp_hub_health_latency_seconds', 'How long the hub took to answer /api/health at the latest successful poll.', ['hub']);
  const rss = g('mcp_hub_process_resident_memory_bytes', 'Resident memory of the hub process at the latest poll (local hubs only).', ['hub']);
  const cpu = g('mcp_hub_process_tree_cpu_ratio', 'CPU of the hub process and its children (its stdio MCP servers) between the latest two polls, in cores (1 = one core busy; local hubs only).', ['hub']);
  const level = g('mcp_hub_degradation_level', 'Degradation level from firing alerts: 1 green, 2 yellow, 3 orange, 4 red (the guide\'s L1-L4).', ['hub']);
  const budget = g('mcp_hub_slo_error_budget_remaining_ratio', 'Error budget left over the SLO window: 1 - bad time observed / bad time the whole window allows (1 = untouched, 0 = spent, below 0 = overspent; time not observed spends none); absent with no polls. Objectives: availability and latency of the polls; call_success and call_latency of the calls through the tap (absent with no calls).', ['hub', 'objective']);
  const alerts = g('mcp_hub_monitor_alerts', 'Open alerts by severity and state.', ['severity', 'state']);
  const cleanStart = g('mcp_hub_monitor_clean_start', 'Whether the previous daemon run stopped cleanly (0 after a crash or kill -9).');
  const startTime = g('mcp_hub_monitor_start_time_seconds', 'When this daemon run started, in Unix seconds.');
  const pollAge = g('mcp_hub_monitor_last_poll_age_seconds', 'Seconds since the daemon last finished a poll of the hub.', ['hub']);
  const sse = g('mcp_hub_monitor_sse_connected', 'Whether the daemon\'s SSE stream from the hub is connected (absent in poll-only mode).', ['hub']);
  const reloadOk = g('mcp_hub_monitor_config_last_reload_successful', 'Whether the last config load (start or reload) took effect; 0 = the daemon runs its previous config (as Prometheus names it).');
  const reloadAt = g('mcp_hub_monitor_config_last_reload_success_timestamp_seconds', 'When a config load last took effect, in Unix seconds.');
  const outbox = g('mcp_hub_monitor_outbox_depth', 'Notifications waiting in the outbox.');
  const notifications = c('mcp_hub_monitor_notifications_total', 'Notification delivery attempts by receiver and outcome (sent, retry, failed, expired).', ['receiver', 'outcome']);
  const droppedSamples = c('mcp_hub_monitor_dropped_samples_total', 'Samples dropped because the store refused writes for too long.');
  const droppedEvents = c('mcp_hub_monitor_dropped_events_total', 'Events dropped because the store refused writes for too long.');
  const writeFailures = c('mcp_hub_monitor_store_write_failures_total', 'Writes to the history store that it refused (disk full, I/O error, locked), since the daemon started.');
  const writable = g('mcp_hub_monitor_store_writable', 'Whether the history store takes writes now (0 = the daemon alerts and notifies from memory, monitor.store fires).');
  const lastWrite = g('mcp_hub_monitor_store_last_successful_write_timestamp_seconds', 'When a write to the history store last succeeded, in Unix seconds (failed writes do not count).');
  const lastWriteAge = g('mcp_hub_monitor_store_last_successful_write_age_seconds', 'Seconds since a write to the history store last succeeded.');
  const backlog = g('mcp_hub_monitor_store_backlog_rows', 'Rows waiting in memory for the history store (samples and events; bounded, the oldest are dropped beyond it).');
  const seriesDropped = c('mcp_hub_monitor_series_dropped_total', 'Distinct server series folded into server="__other__" by the per-hub cap.');
  const fork = createForkGauges(registers);
  const calls = createCallMetrics(registers);
  const otel = createOtelMetrics(registers);
  const anomaly = createAnomalyGauges(registers, maxServers);
  const scrapeErrors = c('mcp_hub_monitor_scrape_errors_total', 'Hubs whose store reads (the SLO windows) failed during a scrape (the rest of the scrape still answers).', ['hub']);
  if (o.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client exports these three totals as gauges, which breaks the `_total` = counter convention
    // (`promtool check metrics` flags them); the per-type gauges without the suffix stay.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  }

  const dropped = new DroppedSeries();
  const startedAt = view.daemon().startedAt;
  let probeSeq: number | undefined; // the read model's probe log, read up to here
  const sloCache = new Map<string, { at: number; values: [string, number][] }>();
  const histogramLabels = new Set<string>(); // `hub\0server` pairs with a histogram series

  function feedProbes(hub: string, h: string, labelOf: (name: string) => string | undefined, rows: readonly ProbeLatency[], firstFrom: number | undefined): void {
    for (const r of rows) {
      // The first scrape reaches back one overlap only, within this run: a counter may start from zero when
      // its exporter starts.
      if (r.hub !== hub || (firstFrom !== undefined && r.t < firstFrom)) continue;
      const server = labelOf(r.server);
      if (server === undefined) continue; // no longer on the hub
      probeSeconds.observe({ hub: h, server }, r.ms / 1000);
      histogramLabels.add(`${h}\u0000${server}`);
    }
  }

  function slo(hub: string, now: number): [string, number][] {
    const hit = sloCache.get(hub);
    if (hit && now - hit.at < SLO_EVERY_MS) return hit.values;
    const cfg = view.config().slo;
    const values: [string, number][] = [];
    const from = now - cfg.window;
    const run = { currentRunId: view.daemon().runId };
    const add = (objective: string, ratio: Ratio, observedMs: number, target: number) => {
      const use = budgetUse(ratio, observedMs, cfg.window, target);
      if (use !== undefined && Number.isFinite(use.usedFraction)) values.push([objective, 1 - use.usedFraction]);
    };
    for (const [objective, series, target] of [['availability', 'hub.up', cfg.availability], ['latency', 'hub.health_fast', cfg.latency]] as const) {
      // ratioOver and observedMs, as the alerting loop and `status` read them.
      add(objective, view.store().ratioOver(hub, series, from, now + 1), view.store().observedMs(hub, series, from, now + 1, run), target);
    }
    // The SLO on the tap's calls: absent with no calls (no tap), as the others are with no polls.
    const calls = callRatios(hubCallsOver(view.store(), hub, from, now + 1), cfg.calls.latency_threshold);
    const callsObserved = view.store().observedMs(hub, CALL_SERIES.count, from, now + 1, { ...run, anyLabels: true });
    add('call_success', calls.success, callsObserved, cfg.calls.success);
    add('call_latency', calls.latency, callsObserved, cfg.calls.latency);
    sloCache.set(hub, { at: now, values });
    return values;
  }

  /** The SLO budgets, the one read of the store: a failure leaves them out and the rest of the hub in. */
  function sloOrNone(hub: string, now: number): [string, number][] {
    try {
      return slo(hub, now);
    } catch (err) {
      scrapeErrors.inc({ hub: L(hub) });
      o.log?.warn({ hub, err: String(err) }, 'metrics: cannot read this hub\'s SLO window from the store; its error budget is left out of this scrape');
      return [];
    }
  }

  function fillServers(s: HubState, h: string, probes: ProbeRound, liveHistograms: Set<string>): void {
    const { kept, folded } = capServers(s.servers, maxServers);
    dropped.note(s.url, folded.map((f) => f.name));
    const keptLabel = new Map(kept.map((k) => [k.name, L(k.name)]));
    const foldedNames = new Set(folded.map((f) => f.name));
    const groups: [string, ServerState[]][] = kept.map((k) => [keptLabel.get(k.name)!, [k]]);
    if (folded.length > 0) groups.push([OTHER_SERVER, folded]);
    for (const [server, members] of groups) {
      const ups = members.filter((m) => m.up !== undefined);
      if (ups.length > 0) serverUp.set({ hub: h, server }, ups.every((m) => m.up) ? 1 : 0);
      serverDead.set({ hub: h, server }, members.some((m) => m.dead) ? 1 : 0);
      const uptimes = members.flatMap((m) => (m.uptimeS === undefined ? [] : [m.uptimeS]));
      if (uptimes.length > 0) uptime.set({ hub: h, server }, Math.min(...uptimes));
      const probed = members.filter((m) => m.probeOk !== undefined && m.probeOk !== null);
      if (probed.length > 0) probeOk.set({ hub: h, server }, probed.every((m) => m.probeOk) ? 1 : 0);
      liveHistograms.add(`${h}\u0000${server}`);
    }
    feedProbes(s.url, h, (name) => keptLabel.get(name) ?? (foldedNames.has(name) ? OTHER_SERVER : undefined), probes.rows, probes.firstFrom);
  }

  function fillHub(s: HubState, now: number, probes: ProbeRound, liveHistograms: Set<string>): void {
    const h = L(s.url);
    if (s.up !== undefined) hubUp.set({ hub: h }, s.up ? 1 : 0);
    for (const st of HUB_STATES) hubState.set({ hub: h, state: st }, st === s.state ? 1 : 0);
    if (s.serversAt !== undefined) {
      for (const [status, n] of Object.entries(s.counts)) servers.set({ hub: h, status }, n);
    }
    if (s.healthLatencyMs !== undefined) healthSeconds.set({ hub: h }, Math.round(s.healthLatencyMs * 1000) / 1e6); // µs: no 0.004200000000000001
    if (s.rssBytes !== undefined) rss.set({ hub: h }, s.rssBytes);
    if (s.cpuPercent !== undefined) cpu.set({ hub: h }, s.cpuPercent / 100);
    level.set({ hub: h }, levelNumber(s.level));
    if (s.lastPollAt !== undefined) pollAge.set({ hub: h }, Math.max(0, (now - s.lastPollAt) / 1000));
    if (s.sseConnected !== undefined) sse.set({ hub: h }, s.sseConnected ? 1 : 0);
    for (const [objective, v] of sloOrNone(s.url, now)) budget.set({ hub: h, objective }, v);
    const lastOk = view.live().hub(s.url)?.lastOkPoll;
    if (lastOk !== undefined && lastOk.t === s.serversAt) fork.fill(lastOk, h);
    fillServers(s, h, probes, liveHistograms);
  }

  function refresh(): void {
    for (const m of [hubUp, hubState, servers, serverUp, serverDead, uptime, probeOk, healthSeconds, rss, cpu, level, budget, alerts, pollAge, sse, notifications]) m.reset();
    fork.reset();
    const now = view.now();
    const d = view.daemon();
    cleanStart.set(d.cleanStart ? 1 : 0);
    startTime.set(d.startedAt / 1000);
    outbox.set(d.outboxDepth);
    reloadOk.set(d.configReload.ok ? 1 : 0);
    reloadAt.set(d.configReload.lastSuccessAt / 1000);
    droppedSamples.reset();
    droppedSamples.inc(d.droppedSamples);
    droppedEvents.reset();
    droppedEvents.inc(d.store.droppedEvents);
    writeFailures.reset();
    writeFailures.inc(d.store.writeFailures);
    writable.set(d.store.failing ? 0 : 1);
    backlog.set(d.store.pendingRows);
    if (d.store.lastWriteAt !== undefined) {
      lastWrite.set(d.store.lastWriteAt / 1000);
      lastWriteAge.set(Math.max(0, (now - d.store.lastWriteAt) / 1000));
    } else {
      // No successful write known: no sample, rather than a 1970 one.
      lastWrite.remove();
      lastWriteAge.remove();
    }
    for (const [receiver, outcomes] of Object.entries(d.notifications)) {
      for (const [outcome, n] of Object.entries(outcomes)) notifications.inc({ receiver: L(receiver), outcome: L(outcome) }, n);
    }
    otel.refresh(d.otel);
    anomaly.refresh(d.anomaly);
    const open = view.live().openAlerts();
    for (const severity of SEVERITIES) for (const state of OPEN_STATES) alerts.set({ severity, state }, 0);
    for (const a of open) alerts.inc({ severity: L(a.severity), state: a.state });
    const liveHistograms = new Set<string>();
    const { rows, seq } = view.live().probeLatencies(probeSeq ?? 0);
    const probes: ProbeRound = { rows, firstFrom: probeSeq === undefined ? Math.max(startedAt, now + 1 - PROBE_OVERLAP_MS) : undefined };
    probeSeq = seq;
    for (const hub of view.hubs()) {
      try {
        fillHub(readHub(view, hub, open), now, probes, liveHistograms);
      } catch (err) {
        scrapeErrors.inc({ hub: L(hub.url) });
        o.log?.warn({ hub: hub.url, err: String(err) }, 'metrics: cannot read this hub; its series are left out of this scrape');
        for (const k of histogramLabels) if (k.startsWith(`${L(hub.url)}\u0000`)) liveHistograms.add(k); // a read error is not staleness
      }
    }
    // A server gone from its hub loses its histogram too (Prometheus staleness, faults D5).
    for (const k of histogramLabels) {
      if (liveHistograms.has(k)) continue;
      const [hub = '', server = ''] = k.split('\u0000');
      probeSeconds.remove({ hub, server });
      histogramLabels.delete(k);
    }
    seriesDropped.reset();
    seriesDropped.inc(dropped.total);
    calls.refresh(view.live(), now);
  }

  let chain: Promise<unknown> = Promise.resolve();
  return {
    registry,
    contentType: registry.contentType,
    render() {
      const run = chain.then(async () => {
        refresh();
        return `${await registry.metrics()}${calls.histogramText(view.live(), maxServers)}`;
      });
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
