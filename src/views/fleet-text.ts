/**
 * `status --fleet` as text: a row per hub (level, availability, health latency p50/p95, error ratio and
 * where it comes from, servers up/down, restarts) and the hubs that stand out. Hub and server names are
 * hostile: every one goes through sanitizeTerminal.
 */
import type { FleetVerdict } from '../evaluate/fleet.js';
import { fleetCells, notComparedLines, outlierSummary } from './fleet-format.js';
import { sanitizeTerminal as clean } from './sanitize.js';

const HUB_WIDTH = 60;

export function renderFleetText(v: FleetVerdict, windowLabel: string, minHubs: number): string {
  if (v.rows.length === 0) return `fleet: no hub recorded in the last ${windowLabel} (is the daemon running? mcp-hub-monitor status)\n`;
  const w = Math.max(3, ...v.rows.map((r) => clean(r.hub, HUB_WIDTH).length));
  const header = `  ${'hub'.padEnd(w)}  ${'level'.padEnd(6)}  ${'avail'.padStart(7)}  ${'p50 ms'.padStart(8)}  ${'p95 ms'.padStart(8)}  ${'errors'.padStart(7)} ${'(from)'.padEnd(8)}  ${'up/down'.padStart(7)}  restarts`;
  const lines = [`fleet over the last ${windowLabel}: ${v.rows.length} hub${v.rows.length === 1 ? '' : 's'}`, header];
  for (const r of v.rows) {
    const c = fleetCells(r);
    lines.push(`  ${clean(c.hub, HUB_WIDTH).padEnd(w)}  ${c.level.padEnd(6)}  ${c.availability.padStart(7)}  ${c.p50.padStart(8)}  ${c.p95.padStart(8)}  ${c.errors.padStart(7)} ${`(${c.errorSource})`.padEnd(8)}  ${c.servers.padStart(7)}  ${c.restarts}`);
  }
  lines.push(`outliers: ${outlierSummary(v)}`);
  for (const f of v.findings) lines.push(`  ${clean(f.hub, HUB_WIDTH)}  ${clean(f.subject ?? '', 60)}: ${clean(f.message)}`);
  for (const line of notComparedLines(v.notCompared, minHubs)) lines.push(`not compared: ${line}`);
  return `${lines.join('\n')}\n`;
}
