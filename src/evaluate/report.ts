/**
 * Builds the report model (report-model.ts) from what the CLI read out of the store: per hub the SLOs
 * and their error budgets, outages, servers, incidents, errors, latency and memory trends, the capacity
 * outlook and tool-list changes. Pure: the same inputs always give the same model (no clock, no I/O).
 */
import type { MonitorConfig } from '../config/defaults.js';
import {
  availabilityOf, badTimeMs, budgetUsedPercent, downEpisodes, episodesIn, findOutages, meanOf, percentOf, stepSeries, withPercent,
} from './report-availability.js';
import { errorCounts, incidentsIn, remediationsIn, topCounts, toolChangesIn } from './report-events.js';
import {
  CHART_STEP_MS, REPORT_SPAN_MS,
  type HubReport, type HubReportInput, type ObjectiveReport, type ReportInput, type ReportKind, type ReportModel, type UpBuckets, type WindowRatio,
} from './report-model.js';
import { budgetUse, type Ratio } from './slo.js';
import { callRatios } from './call-slo.js';
import { emptyStats, mergeStats, type CallStats } from '../model/call-stats.js';
import { callsReport } from './report-calls.js';
import { latencyReport, memoryReport } from './report-trends.js';
import { capacityOutlook, type CapacityOutlook } from './capacity-outlook.js';
import { reportFleet } from './report-fleet.js';
import { formatDuration } from '../config/duration.js';

export type * from './report-model.js';
export { CHART_STEP_MS, REPORT_SPAN_MS } from './report-model.js';

/** How many error codes and servers the "top" lists keep. */
const TOP_N = 10;

const TITLES: Record<ReportKind, string> = { daily: 'Daily review', weekly: 'Weekly review', monthly: 'Monthly review' };

/** The report's period: [to − span, to) and the one before; `at` is floored to the minute (rollups are per minute). */
export function reportPeriod(kind: ReportKind, at: number): { from: number; to: number; previousFrom: number } {
  const to = Math.floor(at / 60_000) * 60_000;
  const span = REPORT_SPAN_MS[kind];
  return { from: to - span, to, previousFrom: to - 2 * span };
}

/**
 * One objective: the period's availability and the budget it used (bad time observed ÷ what the whole
 * period allows), and the rolling SLO window's the same way (its bad share × the time it observed).
 */
function objective(up: UpBuckets, window: WindowRatio, objectivePercent: number, periodMs: number, windowMs: number): ObjectiveReport {
  const current = availabilityOf(up.current);
  const badMs = badTimeMs(up.current);
  const w = withPercent(window);
  const use = budgetUse(window, window.observedMs, windowMs, objectivePercent);
  return {
    objectivePercent,
    current,
    previous: availabilityOf(up.previous),
    budgetUsedPercent: budgetUsedPercent(current, badMs, periodMs, objectivePercent),
    badMs,
    window: { ...w, budgetLeftPercent: use ? 100 - use.usedFraction * 100 : null, observedMs: use?.observedMs ?? 0, badMs: use?.badMs ?? 0 },
  };
}

function hubReport(h: HubReportInput, input: ReportInput, cfg: MonitorConfig, capacity: readonly CapacityOutlook[]): HubReport {
  const { from, to, previousFrom } = input;
  const target = cfg.slo.availability;
  const episodes = downEpisodes(h.events, previousFrom);
  const errors = errorCounts(h.events, from, to);
  const incidents = incidentsIn(h.alerts, h.events, from, to);
  const step = CHART_STEP_MS[input.kind];
  const gaps = h.gaps
    .map((g) => ({ from: Math.max(g.from, from), to: Math.min(g.to, to) }))
    .filter((g) => g.to > g.from)
    .map((g) => ({ ...g, durationMs: g.to - g.from }));
  const servers = h.servers.map((s) => {
    const current = availabilityOf(s.up.current);
    const ep = episodesIn(episodes.get(s.name) ?? [], from, to);
    return {
      name: s.name,
      current,
      previous: availabilityOf(s.up.previous),
      budgetUsedPercent: budgetUsedPercent(current, badTimeMs(s.up.current), to - from, target),
      downEpisodes: ep.count,
      downMs: ep.downMs,
      longestDownMs: ep.longestMs,
      cycles: ep.cycles,
      flapping: ep.cycles > cfg.anomalies.flapping_cycles,
      errors: errors.byServer.get(s.name) ?? 0,
      incidents: incidents.filter((i) => i.server === s.name).length,
    };
  });
  return {
    hub: h.hub,
    availability: objective(h.up, h.sloWindow.availability, target, to - from, cfg.slo.window),
    latencySlo: objective(h.fast, h.sloWindow.latency, cfg.slo.latency, to - from, cfg.slo.window),
    unknown: { totalMs: gaps.reduce((s, g) => s + g.durationMs, 0), gaps },
    outages: findOutages(h.up.current, to),
    servers,
    incidents,
    incidentsPrevious: incidentsIn(h.alerts, h.events, previousFrom, from).length,
    errors: { total: errors.total, totalPrevious: errorCounts(h.events, previousFrom, from).total, codes: topCounts(errors.byCode, TOP_N) },
    latency: latencyReport(h.hub, h.latency, input.latencyBasis, input.baseline),
    memory: memoryReport(h.rss, { from, to, previousFrom, capacityFrom: to - cfg.capacity.window }, {
      // The same limits check and anomalies judge RSS by (decimal MB, as the guide's "500 MB").
      warningBytes: cfg.check.memory_mb.warning * 1_000_000,
      criticalBytes: cfg.anomalies.rss.critical,
    }, input.baseline, h.hub, { horizonMs: cfg.capacity.horizon, minHistoryMs: cfg.capacity.min_history }),
    capacity: capacity.filter((o) => o.hub === h.hub && o.resource !== 'rss'),
    toolChanges: toolChangesIn(h.events, from, to),
    remediation: remediationsIn(h.events, from, to),
    calls: callsReport(h.calls?.current ?? [], h.calls?.previous ?? [], cfg),
    callSlos: callObjectives(h, to - from - gaps.reduce((s, g) => s + g.durationMs, 0), to - from, cfg),
    series: {
      stepMs: step,
      availabilityPercent: stepSeries(h.up.current, from, to, step, percentOf),
      latencyMs: stepSeries(h.latencyBuckets, from, to, step, meanOf),
      rssBytes: stepSeries(h.rss, from, to, step, meanOf),
    },
  };
}

/**
 * The SLO on the tap's calls over the period, the one before and the rolling window. The period's budget is
 * counted as the hub's: the bad share of its calls times the time the daemon ran in it, against what the
 * whole period allows.
 */
function callObjectives(h: HubReportInput, runningMs: number, periodMs: number, cfg: MonitorConfig): HubReport['callSlos'] {
  const threshold = cfg.slo.calls.latency_threshold;
  const sum = (xs: readonly CallStats[] = []) => {
    const all = emptyStats(h.hub, '', '');
    for (const s of xs) mergeStats(all, s);
    return callRatios(all, threshold);
  };
  const current = sum(h.calls?.current);
  const previous = sum(h.calls?.previous);
  const window = h.callsSloWindow;
  if (current.success.total === 0 && previous.success.total === 0 && (window?.success.total ?? 0) === 0) return null;
  const one = (now: Ratio, before: Ratio, w: WindowRatio | undefined, objectivePercent: number): ObjectiveReport => {
    const a = withPercent(now);
    const badMs = now.total === 0 ? 0 : (1 - now.good / now.total) * Math.max(0, runningMs);
    const ww = w ?? { good: 0, total: 0, observedMs: 0 };
    const use = budgetUse(ww, ww.observedMs, cfg.slo.window, objectivePercent);
    return {
      objectivePercent, current: a, previous: withPercent(before), budgetUsedPercent: budgetUsedPercent(a, badMs, periodMs, objectivePercent), badMs,
      window: { ...withPercent(ww), budgetLeftPercent: use ? 100 - use.usedFraction * 100 : null, observedMs: use?.observedMs ?? 0, badMs: use?.badMs ?? 0 },
    };
  };
  return {
    success: one(current.success, previous.success, window?.success, cfg.slo.calls.success),
    latency: one(current.latency, previous.latency, window?.latency, cfg.slo.calls.latency),
  };
}

/** The report model for `input`; hubs keep the order they were given in. */
export function buildReport(input: ReportInput, cfg: MonitorConfig): ReportModel {
  // RSS is judged against check's and anomalies' limits in each hub's memory section; the rest here.
  const capacity = capacityOutlook(input.capacity ?? [], cfg.capacity, input.to);
  const hubs = input.hubs.map((h) => hubReport(h, input, cfg, capacity));
  return {
    kind: input.kind,
    title: `MCP Hub ${TITLES[input.kind].toLowerCase()}`,
    period: { from: input.from, to: input.to },
    previous: { from: input.previousFrom, to: input.from },
    generatedAt: input.generatedAt,
    objectives: {
      availabilityPercent: cfg.slo.availability, latencyPercent: cfg.slo.latency,
      latencyThresholdMs: cfg.slo.latency_threshold, sloWindowMs: cfg.slo.window, flappingCycles: cfg.anomalies.flapping_cycles,
      callSuccessPercent: cfg.slo.calls.success, callLatencyPercent: cfg.slo.calls.latency, callLatencyThresholdMs: cfg.slo.calls.latency_threshold,
    },
    baseline: input.baseline,
    machineCapacity: capacity.filter((o) => o.resource === 'hub_logs' || o.resource === 'store'),
    capacitySettings: { windowMs: cfg.capacity.window, horizonMs: cfg.capacity.horizon, minHistoryMs: cfg.capacity.min_history },
    hubs,
    fleet: reportFleet(input, hubs, cfg, formatDuration(input.to - input.from)),
  };
}

/** Servers sorted for the "top servers" list: most errors, then incidents, then time down. */
export function topServers(h: HubReport, n = TOP_N): HubReport['servers'] {
  return h.servers.filter((s) => s.errors > 0 || s.incidents > 0 || s.downMs > 0)
    .sort((a, b) => b.errors - a.errors || b.incidents - a.incidents || b.downMs - a.downMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n);
}
