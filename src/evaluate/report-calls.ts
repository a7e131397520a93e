/**
 * The reports' calls sections, pure: from the `calls.*` series the daemon stored over the period and the
 * one before (read back as CallStats per server and tool), the slow servers (P95 above
 * `calls.p95_latency_ms.warning`, 2000 ms by default, decided exactly on the bucket boundary as the alert
 * does), the error type distribution and the top tools by calls, each with the previous period beside it.
 * null when the tap saw no call in either period: the report then says calls are not seen.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { countAbove, emptyStats, mergeStats, quantileMs, type CallStats } from '../model/call-stats.js';
import { exceeds } from './calls.js';
import { topErrorType } from './tools-panel.js';

/** Rows of each list (the error types are all kept: the tap's types are few and the ledger caps them). */
export const REPORT_CALL_ROWS = 10;

export interface CallTotals { calls: number; errors: number; successPercent: number | null }

export interface CallsReport {
  slowThresholdMs: number;
  current: CallTotals;
  previous: CallTotals;
  slowServers: { server: string; calls: number; p95Ms: number; previousP95Ms: number | null; slowCalls: number }[];
  errorTypes: { type: string; count: number; sharePercent: number; previous: number }[];
  topTools: { server: string; tool: string; calls: number; previousCalls: number; successPercent: number; p95Ms: number | null; topError: string | null }[];
}

const totals = (xs: readonly CallStats[]): CallTotals => {
  const calls = xs.reduce((n, s) => n + s.calls, 0);
  const errors = xs.reduce((n, s) => n + s.errors, 0);
  return { calls, errors, successPercent: calls === 0 ? null : (100 * (calls - errors)) / calls };
};

/** Per server (every tool of it, and its calls that named no tool); calls naming no server are none's. */
function byServer(xs: readonly CallStats[]): Map<string, CallStats> {
  const out = new Map<string, CallStats>();
  for (const s of xs) {
    if (s.server === '') continue;
    let agg = out.get(s.server);
    if (!agg) out.set(s.server, (agg = emptyStats(s.hub, s.server, '')));
    mergeStats(agg, s);
  }
  return out;
}

const errorTypesOf = (xs: readonly CallStats[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const s of xs) for (const [t, n] of Object.entries(s.errorTypes)) out.set(t, (out.get(t) ?? 0) + n);
  return out;
};

const toolKey = (s: CallStats): string => `${s.server}\u0000${s.tool}`;

export function callsReport(current: readonly CallStats[], previous: readonly CallStats[], cfg: MonitorConfig): CallsReport | null {
  const now = totals(current);
  const before = totals(previous);
  if (now.calls === 0 && before.calls === 0) return null;
  const limit = cfg.calls.p95_latency_ms.warning;
  const serversBefore = byServer(previous);
  const slowServers = [...byServer(current).values()].filter((s) => s.calls > 0 && exceeds(s, 0.95, limit)).map((s) => {
    const prev = serversBefore.get(s.server);
    return { server: s.server, calls: s.calls, p95Ms: quantileMs(s, 0.95)!, previousP95Ms: prev ? quantileMs(prev, 0.95) ?? null : null, slowCalls: countAbove(s, limit) };
  }).sort((a, b) => b.p95Ms - a.p95Ms || (a.server < b.server ? -1 : 1)).slice(0, REPORT_CALL_ROWS);
  const typesNow = errorTypesOf(current);
  const typesBefore = errorTypesOf(previous);
  const errorTypes = [...new Set([...typesNow.keys(), ...typesBefore.keys()])]
    .map((type) => ({ type, count: typesNow.get(type) ?? 0, sharePercent: now.errors === 0 ? 0 : (100 * (typesNow.get(type) ?? 0)) / now.errors, previous: typesBefore.get(type) ?? 0 }))
    .sort((a, b) => b.count - a.count || b.previous - a.previous || (a.type < b.type ? -1 : 1));
  const callsBefore = new Map<string, number>();
  for (const s of previous) if (s.tool !== '') callsBefore.set(toolKey(s), (callsBefore.get(toolKey(s)) ?? 0) + s.calls);
  const topTools = current.filter((s) => s.tool !== '' && s.calls > 0).map((s) => ({
    server: s.server, tool: s.tool, calls: s.calls, previousCalls: callsBefore.get(toolKey(s)) ?? 0, successPercent: (100 * (s.calls - s.errors)) / s.calls,
    p95Ms: quantileMs(s, 0.95) ?? null, topError: topErrorType(s) ?? null,
  })).sort((a, b) => b.calls - a.calls || (a.server < b.server ? -1 : a.server > b.server ? 1 : a.tool < b.tool ? -1 : 1)).slice(0, REPORT_CALL_ROWS);
  return { slowThresholdMs: limit, current: now, previous: before, slowServers, errorTypes, topTools };
}

