/**
 * `status --fleet` as text: a row per hub (level, availability, health latency p50/p95, error ratio and
 * where it comes from, servers up/down, restarts) and the hubs that stand out. Hub and server names are
 * hostile: every one goes through sanitizeTerminal.
 */
import type { FleetVerdict } from '../evaluate/fleet.js';
import { sanitizeTerminal as clean } from './sanitize.js';

const pct = (v: number | undefined, digits = 1) => (v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`);
const ms = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));

const HUB_WIDTH = 60;

export function renderFleetText(v: FleetVerdict, windowLabel: string): string {
  if (v.rows.length === 0) return `fleet: no hub recorded in the last ${windowLabel} (is the daemon running? mcp-hub-monitor status)\n`;
  const w = Math.max(3, ...v.rows.map((r) => clean(r.hub, HUB_WIDTH).length));
  const header = `  ${'hub'.padEnd(w)}  ${'level'.padEnd(6)}  ${'avail'.padStart(7)}  ${'p50 ms'.padStart(8)}  ${'p95 ms'.padStart(8)}  ${'errors'.padStart(7)} ${'(from)'.padEnd(8)}  ${'up/down'.padStart(7)}  restarts`;
  const lines = [`fleet over the last ${windowLabel}: ${v.rows.length} hub${v.rows.length === 1 ? '' : 's'}`, header];
  for (const r of v.rows) {
    lines.push(`  ${clean(r.hub, HUB_WIDTH).padEnd(w)}  ${r.level.padEnd(6)}  ${pct(r.availability, 2).padStart(7)}  ${ms(r.latency?.p50).padStart(8)}  ${ms(r.latency?.p95).padStart(8)}  ${pct(r.errorRatio).padStart(7)} ${`(${r.errorSource ?? '—'})`.padEnd(8)}  ${`${r.serversUp}/${r.serversDown}`.padStart(7)}  ${r.restarts}`);
  }
  if (v.notJudged !== undefined) lines.push(`outliers: not judged (${v.notJudged})`);
  else if (v.findings.length === 0) lines.push('outliers: none');
  else {
    lines.push('outliers (fleet.outlier):');
    for (const f of v.findings) lines.push(`  ${clean(f.hub, HUB_WIDTH)}  ${clean(f.subject ?? '', 60)}: ${clean(f.message)}`);
  }
  return `${lines.join('\n')}\n`;
}
