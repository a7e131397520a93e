/**
 * A performance baseline as data (issue E): what `measure` observed of each hub — every raw sample, so a
 * later `baseline compare` can run statistics on them — plus summaries and findings against the SLO targets.
 * Pure: the sampler's observations and the config in, the document out. Summaries are rounded once here,
 * so the Markdown and the JSON of one baseline show the very same numbers.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { LlmMetrics } from '../model/hub.js';
import type { HealthSample, HubObservations, LlmSample, MeasureObservations, ProbeSample, ProcessWindow } from '../model/measure.js';
import { evaluateLlm, NOT_EXPOSED } from './llm.js';
import { summarize, type Summary } from './stats.js';
import { EXIT_CODES, finding, worstStatus, type Finding, type OverallStatus } from './types.js';

/** Identifies the JSON format; `baseline` refuses other files. */
export const BASELINE_FORMAT = 'mcp-hub-monitor-baseline';

/** LLM metrics over the measurement: counter deltas between the first and last look, gauges at their worst. */
export interface LlmWindow {
  exposed: boolean;
  spanMs: number;
  metrics: Omit<LlmMetrics, 'sources'>;
  throughputPerS?: number;
  note?: string;
}

/** One hub in a baseline. */
export interface BaselineHub {
  url: string;
  version: string | null;
  state: string | null;
  pid: number | null;
  health: {
    samples: HealthSample[];
    scheduled: number;
    answered: number;
    failed: number;
    missed: number;
    failedPercent: number | null;
    latencyMs: Summary | null;
    /** |actual − scheduled| of the sent requests: how well the schedule was kept. */
    scheduleErrorMs: Summary | null;
  };
  probes: { server: string; samples: ProbeSample[]; alive: number; failed: number; latencyMs: Summary | null }[];
  process: {
    unavailable: string | null;
    windows: ProcessWindow[];
    hubCpuPercent: Summary | null;
    hubRssMb: Summary | null;
    childrenCpuPercent: Summary | null;
    childrenRssMb: Summary | null;
  };
  llm: LlmWindow & { sources: string[]; samples: LlmSample[] };
  findings: Finding[];
}

/** The whole baseline: written as JSON and (the same numbers) as Markdown. */
export interface BaselineDoc {
  format: typeof BASELINE_FORMAT;
  version: 1;
  name: string;
  startedAt: string;
  settings: { durationMs: number; intervalMs: number; probeEveryMs: number; timeoutMs: number };
  targets: { healthP95Ms: number; failedPercentMax: number; llm: MonitorConfig['check'] };
  tool: MeasureObservations['tool'];
  status: OverallStatus;
  exitCode: number;
  hubs: BaselineHub[];
}

/** More failed health requests than this share of the sent ones is CRITICAL (issue E). */
export const FAILED_PERCENT_MAX = 10;
const MB = 1_000_000;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

type Counter = 'requestsTotal' | 'requestsSuccess' | 'requestsFailure' | 'cacheHits' | 'cacheMisses';
const COUNTERS: Counter[] = ['requestsTotal', 'requestsSuccess', 'requestsFailure', 'cacheHits', 'cacheMisses'];

/** Counter deltas between the first and last look (the window's own traffic), gauges at their last or worst. */
export function llmWindow(samples: readonly LlmSample[]): LlmWindow {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const metrics: Omit<LlmMetrics, 'sources'> = {};
  if (!first || !last) return { exposed: false, spanMs: 0, metrics };
  const spanMs = last.atMs - first.atMs;
  let note: string | undefined;
  for (const c of COUNTERS) {
    const a = first.values[c];
    const b = last.values[c];
    if (b === undefined) continue;
    if (a === undefined || b < a || samples.length < 2) {
      // A counter that went down was reset (the hub restarted): its value now is all we can say.
      note = samples.length < 2 ? 'one look only: totals since the hub started' : 'counters reset during the measurement (hub restart?): totals since then';
      metrics[c] = b;
    } else metrics[c] = b - a;
  }
  for (const g of ['p95LatencyMs', 'p99LatencyMs', 'successRate', 'cacheHitRate', 'circuitBreakerState'] as const) {
    if (last.values[g] !== undefined) (metrics as Record<string, unknown>)[g] = last.values[g];
  }
  const depths = samples.map((s) => s.values.queueDepth).filter((d): d is number => d !== undefined);
  if (depths.length) metrics.queueDepth = Math.max(...depths);
  const exposed = Object.keys(metrics).length > 0;
  const requests = metrics.requestsTotal;
  const throughputPerS = requests !== undefined && !note && spanMs > 0 ? round(requests / (spanMs / 1000)) : undefined;
  return { exposed, spanMs, metrics, ...(throughputPerS !== undefined ? { throughputPerS } : {}), ...(note ? { note } : {}) };
}

function summarizeHealth(samples: HealthSample[]): BaselineHub['health'] {
  const sent = samples.filter((s) => s.outcome !== 'missed');
  const answered = sent.filter((s) => s.outcome === 'ok');
  const failed = sent.length - answered.length;
  return {
    samples,
    scheduled: samples.length,
    answered: answered.length,
    failed,
    missed: samples.length - sent.length,
    failedPercent: sent.length ? round((failed / sent.length) * 100, 2) : null,
    latencyMs: summarize(answered.map((s) => s.latencyMs as number)) ?? null,
    scheduleErrorMs: summarize(sent.filter((s) => s.actualMs !== null).map((s) => Math.abs((s.actualMs as number) - s.scheduledMs))) ?? null,
  };
}

const mb = (bytes: number) => bytes / MB;

/** Findings of one hub against the targets: availability, health P95, probes, resources and the LLM checks. */
export function judgeHub(h: Omit<BaselineHub, 'findings'>, targets: BaselineDoc['targets'], cfg: MonitorConfig['check']): Finding[] {
  const out: Finding[] = [];
  const { health } = h;
  const sent = health.answered + health.failed;
  if (sent === 0) out.push(finding(h.url, 'measure.availability', 'no_data', 'no health request was sent'));
  else {
    const pct = health.failedPercent ?? 0;
    out.push(finding(h.url, 'measure.availability', pct > targets.failedPercentMax ? 'critical' : 'ok',
      `${health.answered} of ${sent} health requests answered OK (${pct}% failed; limit ${targets.failedPercentMax}%)`, { value: pct, threshold: targets.failedPercentMax }));
  }
  const lat = health.latencyMs;
  if (!lat) out.push(finding(h.url, 'measure.health_latency', 'no_data', 'no health answer to time'));
  else {
    out.push(finding(h.url, 'measure.health_latency', lat.p95 > targets.healthP95Ms ? 'warning' : 'ok',
      `health round trip p50 ${lat.p50} ms, p95 ${lat.p95} ms, p99 ${lat.p99} ms (target p95 ≤ ${targets.healthP95Ms} ms)`, { value: lat.p95, threshold: targets.healthP95Ms }));
  }
  for (const p of h.probes) {
    const n = p.samples.length;
    if (n > 0 && p.samples.every((s) => s.outcome === 'unsupported')) {
      out.push(finding(h.url, 'measure.probe', 'no_data', 'the hub does not serve /api/servers/resources', { subject: p.server }));
      continue;
    }
    const kinds = [...new Set(p.samples.filter((s) => s.outcome !== 'alive').map((s) => s.outcome))].join(', ');
    const l = p.latencyMs;
    const timing = l ? `p50 ${l.p50} ms, p95 ${l.p95} ms over ${p.alive} answer${p.alive === 1 ? '' : 's'}` : 'no answer';
    out.push(finding(h.url, 'measure.probe', p.failed > 0 ? 'warning' : 'ok',
      p.failed > 0 ? `${p.failed} of ${n} round trips failed (${kinds}); ${timing}` : `MCP round trip through the hub ${timing}`, { subject: p.server, value: l?.p95 ?? 'none' }));
  }
  const proc = h.process;
  if (proc.unavailable || !proc.hubRssMb || !proc.hubCpuPercent) {
    out.push(finding(h.url, 'measure.resources', 'no_data', proc.unavailable ?? 'no process sample'));
  } else {
    const over = proc.hubRssMb.max > cfg.memory_mb.warning;
    const kids = proc.childrenCpuPercent && proc.childrenRssMb
      ? `; children CPU mean ${proc.childrenCpuPercent.mean}%, RSS max ${proc.childrenRssMb.max} MB` : '';
    out.push(finding(h.url, 'measure.resources', over ? 'warning' : 'ok',
      `hub CPU mean ${proc.hubCpuPercent.mean}% (max ${proc.hubCpuPercent.max}%), RSS max ${proc.hubRssMb.max} MB${kids}`, { value: proc.hubRssMb.max, threshold: cfg.memory_mb.warning }));
  }
  const llm = h.llm;
  out.push(llm.throughputPerS !== undefined
    ? finding(h.url, 'llm.throughput', 'ok', `${llm.throughputPerS} LLM requests/s during the measurement`, { value: llm.throughputPerS })
    : finding(h.url, 'llm.throughput', 'no_data', llm.metrics.requestsTotal === undefined ? NOT_EXPOSED : llm.note ?? 'no time span to divide by'));
  out.push(...evaluateLlm(h.url, { ...llm.metrics, sources: llm.sources }, cfg));
  return out;
}

function processSummary(obs: HubObservations): BaselineHub['process'] {
  const w = obs.process;
  const s = (f: (x: ProcessWindow) => number) => (w.length ? summarize(w.map(f)) ?? null : null);
  return {
    unavailable: obs.processUnavailable ?? (w.length ? null : 'no process sample'),
    windows: w,
    hubCpuPercent: s((x) => x.hubCpuPercent),
    hubRssMb: s((x) => mb(x.hubRssBytes)),
    childrenCpuPercent: w.some((x) => x.children > 0) ? s((x) => x.childrenCpuPercent) : null,
    childrenRssMb: w.some((x) => x.children > 0) ? s((x) => mb(x.childrenRssBytes)) : null,
  };
}

/** Builds the baseline document (summaries and findings) from what the sampler observed. */
export function buildBaseline(obs: MeasureObservations, cfg: MonitorConfig): BaselineDoc {
  const targets = { healthP95Ms: cfg.slo.latency_threshold, failedPercentMax: FAILED_PERCENT_MAX, llm: cfg.check };
  const hubs = obs.hubs.map((o): BaselineHub => {
    const probes = o.probes.map((p) => {
      const alive = p.samples.filter((s) => s.outcome === 'alive');
      return { server: p.server, samples: p.samples, alive: alive.length, failed: p.samples.length - alive.length, latencyMs: summarize(alive.map((s) => s.latencyMs)) ?? null };
    });
    const hub = {
      url: o.url, version: o.version ?? null, state: o.state ?? null, pid: o.pid ?? null,
      health: summarizeHealth(o.health), probes, process: processSummary(o),
      llm: { ...llmWindow(o.llm), sources: o.llmSources, samples: o.llm },
    };
    return { ...hub, findings: judgeHub(hub, targets, cfg.check) };
  });
  const status: OverallStatus = hubs.length ? worstStatus(hubs.flatMap((h) => h.findings)) : 'unknown';
  return {
    format: BASELINE_FORMAT,
    version: 1,
    name: obs.name,
    startedAt: new Date(obs.startedAtMs).toISOString(),
    settings: { durationMs: obs.durationMs, intervalMs: obs.intervalMs, probeEveryMs: obs.probeEveryMs, timeoutMs: obs.timeoutMs },
    targets,
    tool: obs.tool,
    status,
    exitCode: EXIT_CODES[status],
    hubs,
  };
}
