/**
 * SLOs per hub, pure: availability (polls answered with the hub up) and health latency (polls answered
 * within the threshold) as good/total ratios over windows read from the store. Time the daemon was not
 * running has no polls, so it is unknown — never counted as met, and it spends no error budget: the budget
 * used is the bad time observed over what the whole window allows. Multi-window multi-burn-rate alerts
 * (Google SRE workbook ch. 5): a rate fires only when both its long and short windows burn faster than
 * its factor, so a blip does not page and a fix clears it quickly.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { formatDuration } from '../config/duration.js';
import { finding, type CheckStatus, type Finding } from './types.js';

export interface Ratio {
  good: number;
  total: number;
}

export interface SloInputs {
  /** Good/total per window length (ms), for availability. */
  availability: ReadonlyMap<number, Ratio>;
  latency: ReadonlyMap<number, Ratio>;
  /**
   * How much of the SLO window has data, per objective (ms): the time a daemon ran since the series'
   * first sample in the window. A young history observes little of it.
   */
  observedMs: { availability: number; latency: number };
}

/**
 * Multi-window multi-burn-rate alerts (Google SRE workbook): both windows must burn faster than `factor`.
 * Not configurable: the workbook's pairs.
 */
export const SLO_BURN_RATES: readonly { longMs: number; shortMs: number; factor: number; severity: 'critical' | 'warning' }[] = [
  { longMs: 3_600_000, shortMs: 300_000, factor: 14.4, severity: 'critical' },
  { longMs: 6 * 3_600_000, shortMs: 1_800_000, factor: 6, severity: 'warning' },
];

/** The windows the evaluator needs: the SLO window and both windows of every burn rate. */
export function sloWindows(cfg: MonitorConfig['slo']): number[] {
  return [...new Set([cfg.window, ...SLO_BURN_RATES.flatMap((b) => [b.longMs, b.shortMs])])].sort((a, b) => a - b);
}

/**
 * The ratios evaluateSlo needs, from a reader of good/total over [from, to) per series (the store's
 * ratioOver): availability from `hub.up`, latency from `hub.health_fast`, for every window; and the time
 * of the SLO window observed (the store's observedMs).
 */
export function sloInputs(
  ratioOver: (name: string, from: number, to: number) => Ratio, observed: (name: string, from: number, to: number) => number,
  cfg: MonitorConfig['slo'], now: number,
): SloInputs {
  const ratios = (name: string) => new Map(sloWindows(cfg).map((w) => [w, ratioOver(name, now - w, now + 1)]));
  return {
    availability: ratios('hub.up'), latency: ratios('hub.health_fast'),
    observedMs: { availability: observed('hub.up', now - cfg.window, now + 1), latency: observed('hub.health_fast', now - cfg.window, now + 1) },
  };
}

/** Error budget used over a whole window: bad time observed ÷ the bad time the window allows. */
export interface BudgetUse {
  /** 1 = the whole window's budget is spent; never more than the bad share × observed / allowed. */
  usedFraction: number;
  /** Bad time observed: the bad share of the polls times the time they cover. */
  badMs: number;
  /** What the whole window allows: (1 − objective) × window. */
  allowedMs: number;
  observedMs: number;
  windowMs: number;
}

/**
 * The budget a window's observations used. Time not observed (before the first poll, or the daemon not
 * running) spends none: 15 s down in the first 10 minutes of a 99.9 % / 30 d objective is 15 s of the
 * 43.2 minutes allowed (0.58 %), not "exhausted". Undefined with no polls.
 */
export function budgetUse(r: Ratio | undefined, observedMs: number, windowMs: number, targetPercent: number): BudgetUse | undefined {
  if (!r || r.total === 0) return undefined;
  const observed = Math.max(0, Math.min(observedMs, windowMs));
  const badMs = (1 - r.good / r.total) * observed;
  return { usedFraction: budgetFraction(badMs, windowMs, targetPercent), badMs, allowedMs: allowedBadMs(windowMs, targetPercent), observedMs: observed, windowMs };
}

/** The bad time an objective allows over a whole window: (1 − objective) × window. */
export const allowedBadMs = (windowMs: number, targetPercent: number): number => (1 - targetPercent / 100) * windowMs;

/** Bad time ÷ what the whole window allows (1 = all of it; Infinity for any bad time under a 100 % objective). */
export function budgetFraction(badMs: number, windowMs: number, targetPercent: number): number {
  const allowed = allowedBadMs(windowMs, targetPercent);
  return allowed <= 0 ? (badMs > 0 ? Infinity : 0) : badMs / allowed;
}

/** How fast the error budget burns: 1 = exactly on budget over the SLO window. */
export function burnRate(r: Ratio | undefined, targetPercent: number): number | undefined {
  if (!r || r.total === 0) return undefined;
  const allowed = 1 - targetPercent / 100;
  const bad = 1 - r.good / r.total;
  return allowed <= 0 ? (bad > 0 ? Infinity : 0) : bad / allowed;
}

const pct = (r: Ratio) => `${((100 * r.good) / r.total).toFixed(3)}%`;

/** `0.6% of the error budget used (15s down of 43m12s allowed in 30d)`, or `error budget exhausted (…)`. */
export function describeBudget(u: BudgetUse, bad: string): string {
  const detail = `${u.badMs <= 0 ? '0s' : formatDuration(u.badMs)} ${bad} of ${formatDuration(u.allowedMs)} allowed in ${formatDuration(u.windowMs)}`;
  return u.usedFraction >= 1 ? `error budget exhausted (${detail})` : `${(u.usedFraction * 100).toFixed(1)}% of the error budget used (${detail})`;
}

/** `the 10m observed of 30d`, or `30d` when the whole window has data. */
export function describeCoverage(observedMs: number, windowMs: number): string {
  return observedMs >= windowMs ? formatDuration(windowMs) : `the ${formatDuration(observedMs)} observed of ${formatDuration(windowMs)}`;
}

function objective(hub: string, name: 'availability' | 'latency', ratios: ReadonlyMap<number, Ratio>, observedMs: number, target: number, cfg: MonitorConfig['slo']): Finding[] {
  const out: Finding[] = [];
  const whole = ratios.get(cfg.window);
  const use = budgetUse(whole, observedMs, cfg.window, target);
  if (!whole || !use) {
    out.push(finding(hub, `slo.${name}`, 'no_data', `no polls recorded in the last ${formatDuration(cfg.window)}`, { subject: name }));
  } else {
    const status: CheckStatus = use.usedFraction >= 1 ? 'warning' : 'ok';
    // The percentage is of the polls observed, said so: on a young history it is not the window's.
    out.push(finding(hub, `slo.${name}`, status,
      `${pct(whole)} of ${whole.total} polls over ${describeCoverage(use.observedMs, cfg.window)} (objective ${target}%): ${describeBudget(use, name === 'availability' ? 'down' : 'slow')}`,
      { subject: name, value: Number(((100 * whole.good) / whole.total).toFixed(4)), threshold: target }));
  }
  out.push(burnRateFinding(hub, name, ratios, target, 'polls'));
  return out;
}

/**
 * `slo.burn_rate` of one objective: the worst window pair whose long and short windows both burn faster
 * than its factor; ok when none does; no_data when no pair has events (`noun`: what the events are).
 */
export function burnRateFinding(hub: string, objectiveName: string, ratios: ReadonlyMap<number, Ratio>, target: number, noun: string): Finding {
  let worst: { status: CheckStatus; message: string } | undefined;
  let anyData = false;
  for (const b of SLO_BURN_RATES) {
    const long = burnRate(ratios.get(b.longMs), target);
    const short = burnRate(ratios.get(b.shortMs), target);
    if (long === undefined || short === undefined) continue;
    anyData = true;
    if (long > b.factor && short > b.factor && (!worst || (worst.status === 'warning' && b.severity === 'critical'))) {
      worst = { status: b.severity, message: `${objectiveName} error budget burning ${long.toFixed(1)}× over ${formatDuration(b.longMs)} and ${short.toFixed(1)}× over ${formatDuration(b.shortMs)} (threshold ${b.factor}×)` };
    }
  }
  return worst
    ? finding(hub, 'slo.burn_rate', worst.status, worst.message, { subject: objectiveName })
    : finding(hub, 'slo.burn_rate', anyData ? 'ok' : 'no_data', anyData ? `${objectiveName} burn rates within bounds` : `${objectiveName}: not enough ${noun} for burn rates`, { subject: objectiveName });
}

export function evaluateSlo(hub: string, i: SloInputs, cfg: MonitorConfig['slo']): Finding[] {
  return [
    ...objective(hub, 'availability', i.availability, i.observedMs.availability, cfg.availability, cfg),
    ...objective(hub, 'latency', i.latency, i.observedMs.latency, cfg.latency, cfg),
  ];
}
