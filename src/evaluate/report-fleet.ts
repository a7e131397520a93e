/**
 * The reports' fleet: the hubs of a report side by side over its period and the ones that stand out —
 * evaluateFleet (fleet.ts) over the period's inputs. The daemon's fleetInputs reads raw samples, which are
 * kept 48 h, so a report's period (up to 30 days) is read from what the report already has instead: the
 * hub.up and server.up buckets, the latency values, the tap's calls, the probes' buckets and the servers'
 * down/up cycles. Pure.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { evaluateFleet, type FleetHubInput } from './fleet.js';
import { levelFromAlerts, type AlertLike } from './level.js';
import { availabilityOf } from './report-availability.js';
import type { Bucket, HubReport, HubReportInput, ReportFleet, ReportInput } from './report-model.js';

/** The alerts firing at the period's end, as the level reads them. */
function firingAt(h: HubReportInput, to: number): AlertLike[] {
  return h.alerts.filter((a) => a.firedAt < to && (a.resolvedAt === null || a.resolvedAt >= to))
    .map((a) => ({ hub: h.hub, rule: a.rule, severity: a.severity, state: 'firing' }));
}

/** A 0/1 series' last bucket with a value, and whether most of its values were 1 (a null is a look not taken). */
function lastLook(buckets: readonly Bucket[]): { t: number; ok: boolean } | undefined {
  const b = [...buckets].reverse().find((x) => x.n - x.nErr > 0);
  return b && { t: b.t, ok: (b.sum ?? 0) / (b.n - b.nErr) >= 0.5 };
}

/**
 * Each server's latest look in the period, as fleetInputs takes it: up when its last bucket of polls said up
 * (most of them) and its last bucket of probes, if any, did not fail. Servers whose last bucket is older than
 * the hub's latest are no longer the hub's.
 */
function serversAtEnd(h: HubReportInput): Map<string, boolean> {
  const probes = new Map((h.fleet?.probes ?? []).map((p) => [p.name, lastLook(p.buckets)]));
  const last = h.servers.flatMap((s) => {
    const look = lastLook(s.up.current);
    return look ? [{ name: s.name, look }] : [];
  });
  const latest = Math.max(-Infinity, ...last.map((x) => x.look.t));
  return new Map(last.filter((x) => x.look.t === latest).map((x) => [x.name, x.look.ok && probes.get(x.name)?.ok !== false]));
}

/** The period's probes over every server: asked (a null is a probe not asked) and failed (a 0). */
function probeCounts(h: HubReportInput): { total: number; failed: number } {
  let total = 0;
  let failed = 0;
  for (const p of h.fleet?.probes ?? []) {
    for (const b of p.buckets) {
      total += b.n - b.nErr;
      failed += b.n - b.nErr - (b.sum ?? 0);
    }
  }
  return { total, failed };
}

/** One hub's fleet input over the report's period. */
export function reportFleetInput(h: HubReportInput, r: HubReport, to: number, cfg: MonitorConfig): FleetHubInput {
  const calls = (h.calls?.current ?? []).reduce((n, s) => ({ total: n.total + s.calls, errors: n.errors + s.errors }), { total: 0, errors: 0 });
  const polls = availabilityOf(h.up.current);
  return {
    hub: h.hub,
    level: levelFromAlerts(h.hub, firingAt(h, to), cfg.levels).level,
    polls: { good: polls.good, total: polls.total },
    healthLatencyMs: h.latency.current,
    ...(calls.total > 0 ? { calls } : {}),
    probes: probeCounts(h),
    // A server that went down and came back up, and each time the hub restarted.
    restarts: r.servers.reduce((n, s) => n + s.cycles, 0) + (h.fleet?.hubRestarts ?? 0),
    servers: serversAtEnd(h),
  };
}

/** The fleet over the report's period; null for a report of one hub (nothing to compare it with). */
export function reportFleet(input: ReportInput, hubs: readonly HubReport[], cfg: MonitorConfig, windowLabel: string): ReportFleet | null {
  if (input.hubs.length < 2) return null;
  const inputs = input.hubs.map((h, i) => reportFleetInput(h, hubs[i]!, input.to, cfg));
  const v = evaluateFleet(inputs, { ...cfg.fleet, window: input.to - input.from }, { windowLabel });
  return { rows: v.rows, outliers: v.outliers, findings: v.findings, ...(v.notJudged !== undefined ? { notJudged: v.notJudged } : {}), notCompared: v.notCompared, minHubs: cfg.fleet.min_hubs };
}
