/**
 * Judges the calls the traffic tap saw over a window (model/call-stats.ts sums them per server and tool):
 * `calls.error_rate` (the guide's success rate: below 95 % warning, below 90 % critical) and
 * `calls.p95_latency` (P95 above 2000 ms warning, P99 above 5000 ms critical), per server and per tool.
 * A server or tool with fewer than `min_calls` calls in the window is not judged (no_data): zero or light
 * load never alerts, and never resolves what a busier window fired. Pure.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { CALL_DURATION_BUCKETS_S, countAbove, emptyStats, mergeStats, quantileMs, type CallStats } from '../model/call-stats.js';
import type { CallsWindowDoc } from '../model/calls-window.js';
import { otelExportProblems, tapExportSources } from './otel-export.js';
import { formatDuration } from '../config/duration.js';
import type { CallsLevelInput } from './level.js';
import { finding, type CheckStatus, type Finding } from './types.js';

export type CallsConfig = MonitorConfig['calls'];

/** What the window shows of one server or tool, as `status` and `check` print it. */
export interface CallsVerdict {
  calls: number;
  successPercent: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
}

/** Findings for one hub's window: every server with a name, then each of its tools. */
export function evaluateCalls(hub: string, window: readonly CallStats[], cfg: CallsConfig, o: { windowLabel: string }): Finding[] {
  const byServer = new Map<string, CallStats>();
  const tools: CallStats[] = [];
  for (const s of window) {
    if (s.hub !== hub || s.server === '') continue; // a call that names no server (initialize, tools/list) is no server's
    let agg = byServer.get(s.server);
    if (!agg) byServer.set(s.server, (agg = emptyStats(hub, s.server, '')));
    mergeStats(agg, s);
    if (s.tool !== '') tools.push(s);
  }
  const out: Finding[] = [];
  const sorted = <T extends CallStats>(xs: T[]) => xs.sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0));
  for (const s of [...sorted([...byServer.values()]), ...sorted(tools)]) out.push(...judge(s, cfg, o.windowLabel));
  return out;
}

function judge(s: CallStats, cfg: CallsConfig, windowLabel: string): Finding[] {
  const extra = { subject: s.server, ...(s.tool !== '' ? { tool: s.tool } : {}) };
  const over = `${s.calls} call${s.calls === 1 ? '' : 's'} in ${windowLabel}`;
  if (s.calls < cfg.min_calls) {
    const message = `${over}, fewer than calls.min_calls (${cfg.min_calls}): not judged`;
    return [finding(s.hub, 'calls.error_rate', 'no_data', message, extra), finding(s.hub, 'calls.p95_latency', 'no_data', message, extra)];
  }
  const v = verdictOf(s);
  const rate: CheckStatus = v.successPercent < cfg.success_rate.critical ? 'critical' : v.successPercent < cfg.success_rate.warning ? 'warning' : 'ok';
  const errors = s.errors === 0 ? '' : ` (${s.errors} failed: ${errorSummary(s)})`;
  const rateFinding = finding(s.hub, 'calls.error_rate', rate, `success ${v.successPercent.toFixed(1)}% over ${over}${errors}`, {
    ...extra, value: round1(v.successPercent), threshold: `warning <${cfg.success_rate.warning}%, critical <${cfg.success_rate.critical}%`,
  });
  const p99Over = exceeds(s, 0.99, cfg.p99_latency_ms.critical);
  const p95Over = exceeds(s, 0.95, cfg.p95_latency_ms.warning);
  const latency: CheckStatus = p99Over ? 'critical' : p95Over ? 'warning' : 'ok';
  const latencyFinding = finding(s.hub, 'calls.p95_latency', latency, `P95 ${ms(v.p95Ms)}, P99 ${ms(v.p99Ms)} over ${over}`, {
    ...extra, value: Math.round(v.p95Ms ?? 0), threshold: `warning P95 >${cfg.p95_latency_ms.warning} ms, critical P99 >${cfg.p99_latency_ms.critical} ms`,
  });
  return [rateFinding, latencyFinding];
}

/** Success rate and percentiles of one server or tool. */
export function verdictOf(s: CallStats): CallsVerdict {
  const successPercent = s.calls === 0 ? 100 : (100 * (s.calls - s.errors)) / s.calls;
  const q = (x: number) => quantileMs(s, x);
  return { calls: s.calls, successPercent, ...opt('p50Ms', q(0.5)), ...opt('p95Ms', q(0.95)), ...opt('p99Ms', q(0.99)) };
}

/**
 * Whether the q-quantile is above `limitMs`. On a bucket boundary (2000 and 5000 ms are) this is exact:
 * more than (1 - q) of the calls took longer. Elsewhere the interpolated quantile decides.
 */
export function exceeds(s: CallStats, q: number, limitMs: number): boolean {
  if (CALL_DURATION_BUCKETS_S.some((le) => le * 1000 === limitMs)) return countAbove(s, limitMs) > (1 - q) * s.calls;
  return (quantileMs(s, q) ?? 0) > limitMs;
}

/** `500 ×18, timeout ×2: "Not connected"` — error types by count, and the latest message. */
export function errorSummary(s: CallStats): string {
  const types = Object.entries(s.errorTypes).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 4).map(([t, n]) => `${t} ×${n}`).join(', ');
  return s.lastError !== undefined ? `${types}: ${JSON.stringify(s.lastError)}` : types;
}

const opt = <K extends string>(k: K, v: number | undefined) => (v === undefined ? {} : { [k]: v } as Record<K, number>);
const round1 = (x: number) => Math.round(x * 10) / 10;
const ms = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x)} ms`);

/** Older than this, the daemon's calls window is not its last pass (it runs every 5 s). */
export const CALLS_WINDOW_STALE_MS = 30_000;

/**
 * What `check` says of the daemon's last calls window (calls-window.json) for `hub`: its calls.* findings
 * while the window is fresh, and `calls.tap` when the taps are gone, dropping, cannot reach the daemon or
 * cannot export to OpenTelemetry — a monitor that stopped seeing or telling calls says so. Nothing when no
 * tap ever connected to this daemon run.
 */
export function callsWindowFindings(hub: string, doc: CallsWindowDoc | undefined, now: number): Finding[] {
  if (!doc) return [];
  const out: Finding[] = [];
  const age = now - doc.at;
  if (doc.tap.problem !== undefined) out.push(finding(hub, 'calls.tap', 'warning', doc.tap.problem));
  if (age > CALLS_WINDOW_STALE_MS) {
    out.push(finding(hub, 'calls.tap', 'no_data', `the daemon's calls window is ${Math.round(age / 1000)} s old: calls are not being judged`));
    return out;
  }
  if (doc.tap.everConnected && doc.tap.connected === 0) out.push(finding(hub, 'calls.tap', 'warning', 'a tap was connected and is gone: calls through the hub are not seen'));
  if (doc.tap.dropped > 0) out.push(finding(hub, 'calls.tap', 'warning', `the taps dropped ${doc.tap.dropped} call records (their buffer filled while the daemon was away)`));
  for (const p of tapExportSources(doc.tap.otel).flatMap((src) => otelExportProblems(src, now))) out.push(finding(hub, 'calls.tap', 'warning', p));
  // check's views name a subject, not a tool: a tool's finding is about server/tool.
  out.push(...doc.findings.filter((f) => f.hub === hub && f.id.startsWith('calls.'))
    .map(({ tool, ...f }) => (tool === undefined ? f : { ...f, subject: `${f.subject ?? ''}/${tool}` })));
  return out;
}

/**
 * What the degradation level reads of the daemon's last calls window (calls-window.json) for `hub`: its
 * calls while the window is fresh; undefined when it is stale or has none for the hub (no tap).
 */
export function callsLevelFromWindow(hub: string, doc: CallsWindowDoc | undefined, now: number, cfg: CallsConfig): CallsLevelInput | undefined {
  if (!doc || now - doc.at > CALLS_WINDOW_STALE_MS) return undefined;
  const t = doc.totals?.find((x) => x.hub === hub);
  if (!t) return undefined;
  return { calls: t.calls, errors: t.errors, ...(t.p95Ms !== undefined ? { p95Ms: t.p95Ms } : {}), windowLabel: formatDuration(doc.windowMs), minCalls: cfg.min_calls };
}
