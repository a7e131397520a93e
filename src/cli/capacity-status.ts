/**
 * The capacity section of `status`: per hub its RSS (and call volume when it has a threshold) and, for
 * this machine, the disk the hub's logs and the store use — each "reaches X in N days (between A and B)",
 * "not growing" or "too little history (N h of 24 h)", predicted from the store's hourly rollups as the
 * daemon's capacity job does (daemon/capacity-inputs.ts, evaluate/capacity-outlook.ts).
 */
import type { MonitorConfig } from '../config/defaults.js';
import { capacitySeries, MACHINE_HUB } from '../daemon/capacity-inputs.js';
import { capacityOutlook, capacityResourceName, describeOutlookState, type CapacityResource } from '../evaluate/capacity-outlook.js';
import type { Store } from '../store/store.js';
import { sanitizeTerminal as clean } from '../views/sanitize.js';

export interface CapacityStatusRow {
  /** The hub, or null for this machine (the disk of the hub's logs and of the store). */
  hub: string | null;
  resource: CapacityResource;
  rule: string;
  threshold: number;
  slopePerDay: number;
  days: number | null;
  earliestDays: number | null;
  latestDays: number | null;
  reason: string | null;
  historyMs: number;
  /** The earliest crossing is within the horizon: the daemon warns (capacity.*). */
  warn: boolean;
  text: string;
}

export interface CapacityStatus {
  enabled: boolean;
  windowMs: number;
  horizonMs: number;
  resources: CapacityStatusRow[];
}

export function capacityStatus(cfg: MonitorConfig, store: Pick<Store, 'querySamples'>, hubs: readonly string[], now: number): CapacityStatus {
  const c = cfg.capacity;
  const resources = capacityOutlook(capacitySeries(store, hubs, c, now), c, now).map((o): CapacityStatusRow => {
    const p = o.prediction;
    return {
      hub: o.hub === MACHINE_HUB ? null : o.hub, resource: o.resource, rule: o.rule, threshold: p.threshold, slopePerDay: p.slopePerDay,
      days: p.days ?? null, earliestDays: p.earliestDays ?? null, latestDays: p.latestDays ?? null, reason: p.reason ?? null,
      historyMs: o.historyMs, warn: o.warn, text: describeOutlookState(o, c),
    };
  });
  return { enabled: c.enabled, windowMs: c.window, horizonMs: c.horizon, resources };
}

const DAY_MS = 86_400_000;

export function capacityLines(s: CapacityStatus): string[] {
  const days = (ms: number) => `${Number((ms / DAY_MS).toFixed(1))} d`;
  return [
    `capacity (trend over ${days(s.windowMs)} of hourly points; warns when the earliest crossing is within ${days(s.horizonMs)}${s.enabled ? '' : '; capacity.enabled is false: the daemon neither samples the disk nor warns'}):`,
    ...s.resources.map((r) => `  ${r.hub === null ? 'this machine' : clean(r.hub, 200)}  ${capacityResourceName(r.resource)}: ${r.text}${r.warn ? `  [${r.rule} warns]` : ''}`),
  ];
}
