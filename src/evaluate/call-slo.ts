/**
 * The SLO on real calls, pure: the traffic tap's calls as good/total events per hub — answered OK
 * (`slo.call_success`) and answered within `slo.calls.latency_threshold` (`slo.call_latency`, a bound of
 * the calls' duration histogram, so counted exactly) — over the same windows, error budget and burn-rate
 * pairs as the hub's own SLOs (slo.ts). The budget is counted as theirs: the bad share of the calls times
 * the time observed (from the first call in the window on, the daemon running), against what the whole
 * window allows. No calls is no data — no tap in front of the hub, or no traffic — never 100 %.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { formatDuration } from '../config/duration.js';
import { countAbove, type CallStats } from '../model/call-stats.js';
import { budgetUse, burnRateFinding, describeCoverage, sloWindows, type BudgetUse, type Ratio } from './slo.js';
import { finding, type CheckStatus, type Finding } from './types.js';

export type CallObjective = 'call_success' | 'call_latency';

export interface CallSloInputs {
  /** Good/total per window length (ms): calls answered OK, and calls answered within the threshold. */
  success: ReadonlyMap<number, Ratio>;
  latency: ReadonlyMap<number, Ratio>;
  /** How much of the SLO window has calls: the time a daemon ran since the first call in the window. */
  observedMs: number;
}

/** The two objectives' events of a hub's calls over one window. */
export function callRatios(s: CallStats, latencyThresholdMs: number): { success: Ratio; latency: Ratio } {
  return { success: { good: s.calls - s.errors, total: s.calls }, latency: { good: s.calls - countAbove(s, latencyThresholdMs), total: s.calls } };
}

/**
 * The inputs from a reader of a hub's calls over [from, to) (the store's `calls.*` sums) and of the time
 * observed, for every window the evaluation needs.
 */
export function callSloInputs(
  callsOver: (from: number, to: number) => CallStats, observed: (from: number, to: number) => number, cfg: MonitorConfig['slo'], now: number,
): CallSloInputs {
  const success = new Map<number, Ratio>();
  const latency = new Map<number, Ratio>();
  for (const w of sloWindows(cfg)) {
    const r = callRatios(callsOver(now - w, now + 1), cfg.calls.latency_threshold);
    success.set(w, r.success);
    latency.set(w, r.latency);
  }
  return { success, latency, observedMs: observed(now - cfg.window, now + 1) };
}

/** `1.2% of the error budget used (2 failed; the objective allows 1% of the calls)`, or `error budget exhausted (…)`. */
function describeCallBudget(u: BudgetUse, bad: number, badWord: string, target: number): string {
  const detail = `${bad} ${badWord}; the objective allows ${Number((100 - target).toFixed(4))}% of the calls`;
  return u.usedFraction >= 1 ? `error budget exhausted (${detail})` : `${(u.usedFraction * 100).toFixed(1)}% of the error budget used (${detail})`;
}

function objective(hub: string, name: CallObjective, ratios: ReadonlyMap<number, Ratio>, observedMs: number, target: number, cfg: MonitorConfig['slo']): Finding[] {
  const whole = ratios.get(cfg.window);
  const use = budgetUse(whole, observedMs, cfg.window, target);
  const id = `slo.${name}`;
  if (!whole || whole.total === 0 || !use) {
    return [
      finding(hub, id, 'no_data', `no calls seen through a tap in the last ${formatDuration(cfg.window)}: no tap in front of this hub (see \`mcp-hub-monitor tap\`), or no traffic`, { subject: name }),
      burnRateFinding(hub, name, ratios, target, 'calls'),
    ];
  }
  const status: CheckStatus = use.usedFraction >= 1 ? 'warning' : 'ok';
  const good = name === 'call_success' ? 'answered OK' : `answered within ${cfg.calls.latency_threshold} ms`;
  const badWord = name === 'call_success' ? 'failed' : 'slower';
  const percent = (100 * whole.good) / whole.total;
  return [
    finding(hub, id, status,
      `${percent.toFixed(3)}% of ${whole.total} calls ${good} over ${describeCoverage(use.observedMs, cfg.window)} (objective ${target}%): ${describeCallBudget(use, whole.total - whole.good, badWord, target)}`,
      { subject: name, value: Number(percent.toFixed(4)), threshold: target }),
    burnRateFinding(hub, name, ratios, target, 'calls'),
  ];
}

/** `slo.call_success`, `slo.call_latency` and their `slo.burn_rate` findings for one hub. */
export function evaluateCallSlo(hub: string, i: CallSloInputs, cfg: MonitorConfig['slo']): Finding[] {
  return [
    ...objective(hub, 'call_success', i.success, i.observedMs, cfg.calls.success, cfg),
    ...objective(hub, 'call_latency', i.latency, i.observedMs, cfg.calls.latency, cfg),
  ];
}
