/**
 * SLOs per hub, pure: availability (polls answered with the hub up) and health latency (polls answered
 * within the threshold) as good/total ratios over windows read from the store. Time the daemon was not
 * running has no polls, so it is unknown — never counted as met. Multi-window multi-burn-rate alerts
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
}

/** The windows the evaluator needs: the SLO window and both windows of every burn rate. */
export function sloWindows(cfg: MonitorConfig['slo']): number[] {
  return [...new Set([cfg.windowMs, ...cfg.burnRates.flatMap((b) => [b.longMs, b.shortMs])])].sort((a, b) => a - b);
}

/**
 * The ratios evaluateSlo needs, from a reader of good/total over [from, to) per series (the store's
 * ratioOver): availability from `hub.up`, latency from `hub.health_fast`, for every window.
 */
export function sloInputs(ratioOver: (name: string, from: number, to: number) => Ratio, cfg: MonitorConfig['slo'], now: number): SloInputs {
  const ratios = (name: string) => new Map(sloWindows(cfg).map((w) => [w, ratioOver(name, now - w, now + 1)]));
  return { availability: ratios('hub.up'), latency: ratios('hub.health_fast') };
}

/** How fast the error budget burns: 1 = exactly on budget over the SLO window. */
export function burnRate(r: Ratio | undefined, targetPercent: number): number | undefined {
  if (!r || r.total === 0) return undefined;
  const allowed = 1 - targetPercent / 100;
  const bad = 1 - r.good / r.total;
  return allowed <= 0 ? (bad > 0 ? Infinity : 0) : bad / allowed;
}

const pct = (r: Ratio) => `${((100 * r.good) / r.total).toFixed(3)}%`;

function objective(hub: string, name: 'availability' | 'latency', ratios: ReadonlyMap<number, Ratio>, target: number, cfg: MonitorConfig['slo']): Finding[] {
  const out: Finding[] = [];
  const whole = ratios.get(cfg.windowMs);
  if (!whole || whole.total === 0) {
    out.push(finding(hub, `slo.${name}`, 'no_data', `no polls recorded in the last ${formatDuration(cfg.windowMs)}`, { subject: name }));
  } else {
    const burned = burnRate(whole, target) ?? 0;
    const left = 1 - burned;
    const status: CheckStatus = left <= 0 ? 'warning' : 'ok';
    out.push(finding(hub, `slo.${name}`, status,
      `${pct(whole)} of ${whole.total} polls over ${formatDuration(cfg.windowMs)} (objective ${target}%): ${left <= 0 ? 'error budget exhausted' : `${(left * 100).toFixed(1)}% of the error budget left`}`,
      { subject: name, value: Number(((100 * whole.good) / whole.total).toFixed(4)), threshold: target }));
  }
  let worst: { status: CheckStatus; message: string } | undefined;
  let anyData = false;
  for (const b of cfg.burnRates) {
    const long = burnRate(ratios.get(b.longMs), target);
    const short = burnRate(ratios.get(b.shortMs), target);
    if (long === undefined || short === undefined) continue;
    anyData = true;
    if (long > b.factor && short > b.factor && (!worst || (worst.status === 'warning' && b.severity === 'critical'))) {
      worst = { status: b.severity, message: `${name} error budget burning ${long.toFixed(1)}× over ${formatDuration(b.longMs)} and ${short.toFixed(1)}× over ${formatDuration(b.shortMs)} (threshold ${b.factor}×)` };
    }
  }
  out.push(worst
    ? finding(hub, 'slo.burn_rate', worst.status, worst.message, { subject: name })
    : finding(hub, 'slo.burn_rate', anyData ? 'ok' : 'no_data', anyData ? `${name} burn rates within bounds` : `${name}: not enough polls for burn rates`, { subject: name }));
  return out;
}

export function evaluateSlo(hub: string, i: SloInputs, cfg: MonitorConfig['slo']): Finding[] {
  return [...objective(hub, 'availability', i.availability, cfg.availabilityPercent, cfg), ...objective(hub, 'latency', i.latency, cfg.latencyPercent, cfg)];
}
