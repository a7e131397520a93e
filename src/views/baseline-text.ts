/**
 * Terminal views of `measure` and `baseline`: the live progress (a bar on a terminal, plain lines
 * otherwise), the summary of a measurement, the list of baselines and the comparison table. Hub strings
 * go through sanitizeTerminal.
 */
import { formatDuration } from '../config/duration.js';
import type { BaselineComparison } from '../evaluate/baseline-compare.js';
import type { BaselineDoc } from '../evaluate/baseline.js';
import type { CheckStatus } from '../evaluate/types.js';
import type { MeasureProgress } from '../model/measure.js';
import { sanitizeTerminal as clean } from './sanitize.js';

const LABEL: Record<CheckStatus, string> = { critical: 'CRITICAL', warning: 'WARNING', ok: 'OK', no_data: 'NO DATA' };
const COLOR: Record<string, string> = { critical: '31;1', warning: '33;1', ok: '32', no_data: '2', unknown: '35;1', regression: '31;1', slower: '33', faster: '32' };
const paint = (on: boolean, code: string | undefined, text: string) => (on && code ? `\x1b[${code}m${text}\x1b[0m` : text);

function progressFacts(p: MeasureProgress): string {
  const last = p.lastLatencyMs === undefined ? '' : `, last ${p.lastLatencyMs.toFixed(1)} ms`;
  return `${formatDuration(p.elapsedMs)}/${formatDuration(p.durationMs)}  ${p.answered} ok, ${p.failed} failed${last}`;
}

/** One redrawable progress-bar line (no newline), at most `width` characters. */
export function renderProgressBar(p: MeasureProgress, width = 80): string {
  const cells = 20;
  const done = Math.min(cells, Math.round((p.elapsedMs / Math.max(1, p.durationMs)) * cells));
  const line = `measure [${'#'.repeat(done)}${'.'.repeat(cells - done)}] ${progressFacts(p)}`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** One plain progress line for a log or a pipe. */
export function renderProgressLine(p: MeasureProgress): string {
  return `measure: ${progressFacts(p)}\n`;
}

/** The summary of a finished measurement, with where its files are. */
export function renderMeasureText(doc: BaselineDoc, files: { json: string; markdown: string }, color: boolean): string {
  const lines = [paint(color, COLOR[doc.status], `measure: ${doc.status.toUpperCase()}  baseline ${clean(doc.name)}  ${doc.hubs.length} hub${doc.hubs.length === 1 ? '' : 's'}  ${doc.startedAt}`)];
  for (const h of doc.hubs) {
    const l = h.health.latencyMs;
    lines.push('', `${clean(h.url)}  ${h.version ? `mcp-hub ${clean(h.version, 40)}  ` : ''}${h.pid ? `pid ${h.pid}  ` : ''}${h.health.answered}/${h.health.scheduled} answered`);
    lines.push(`  health round trip ms   p50 ${l?.p50 ?? '—'}  p95 ${l?.p95 ?? '—'}  p99 ${l?.p99 ?? '—'}  max ${l?.max ?? '—'}  (max schedule error ${h.health.scheduleErrorMs?.max ?? '—'} ms)`);
    for (const p of h.probes) {
      lines.push(`  MCP round trip ms      ${clean(p.server, 24).padEnd(24)} p50 ${p.latencyMs?.p50 ?? '—'}  p95 ${p.latencyMs?.p95 ?? '—'}  (${p.alive}/${p.samples.length} answered)`);
    }
    const ids = Math.max(22, ...h.findings.map((f) => f.id.length));
    for (const f of h.findings) {
      const label = LABEL[f.status].padEnd(8);
      lines.push(`  ${paint(color, COLOR[f.status], label)}  ${f.id.padEnd(ids)} ${clean(f.subject ?? '', 24).padEnd(f.subject ? 12 : 0)}${f.subject ? '  ' : ''}${clean(f.message)}`);
    }
  }
  lines.push('', `saved ${clean(files.markdown)}`, `      ${clean(files.json)}`);
  return `${lines.join('\n')}\n`;
}

/** One row of `baseline list`. */
export interface BaselineListEntry {
  name: string;
  startedAt: string;
  durationMs?: number;
  hubs: number;
  status: string;
  healthP95Ms?: number;
  problem?: string;
  /** The baseline the daemon and the reports compare against. */
  pinned?: boolean;
}

/** The `baseline list` table, oldest first, the pinned one marked `*`; `pin` is the line saying which is pinned. */
export function renderBaselineList(dir: string, entries: readonly BaselineListEntry[], pin: string): string {
  if (entries.length === 0) return `no baselines in ${clean(dir)} yet (make one with: mcp-hub-monitor measure)\n${clean(pin)}\n`;
  const w = Math.max(4, ...entries.map((e) => clean(e.name, 60).length));
  const lines = [`  ${'name'.padEnd(w)}  ${'started'.padEnd(24)}  ${'duration'.padEnd(8)}  hubs  status    health p95 ms`];
  for (const e of entries) {
    const name = `${e.pinned ? '*' : ' '} ${clean(e.name, 60).padEnd(w)}`;
    if (e.problem) lines.push(`${name}  unreadable: ${clean(e.problem)}`);
    else lines.push(`${name}  ${clean(e.startedAt, 24).padEnd(24)}  ${(e.durationMs === undefined ? '?' : formatDuration(e.durationMs)).padEnd(8)}  ${String(e.hubs).padStart(4)}  ${e.status.padEnd(8)}  ${e.healthP95Ms ?? '—'}`);
  }
  lines.push('', clean(pin));
  return `${lines.join('\n')}\n`;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toFixed(3))) : '—');

/** The `baseline compare` table: one line per metric, the verdict in words with its effect size. */
export function renderCompareText(c: BaselineComparison, color: boolean): string {
  const verdict = c.regressions > 0 ? `REGRESSION (${c.regressions} metric${c.regressions === 1 ? '' : 's'})` : 'no regression';
  const lines = [
    paint(color, c.regressions > 0 ? COLOR.regression : COLOR.ok, `baseline compare: ${verdict}`),
    `A ${clean(c.a.name)} (${clean(c.a.startedAt)})  →  B ${clean(c.b.name)} (${clean(c.b.startedAt)})`,
    `tolerance ${Number((c.tolerance * 100).toFixed(2))}%, alpha ${c.alpha}, ${c.resamples} bootstrap resamples; a regression is significantly slower with the CI's lower end beyond the tolerance`,
  ];
  let hub = '';
  const w = Math.max(20, ...c.rows.map((r) => clean(r.label, 40).length + r.unit.length + 3));
  for (const r of c.rows) {
    const hubs = r.hubA === r.hubB ? clean(r.hubA) : `${clean(r.hubA)} → ${clean(r.hubB)}`;
    if (hubs !== hub) lines.push('', hubs, `  ${'metric'.padEnd(w)}  ${'n A/B'.padEnd(9)}  ${'median A'.padStart(9)}  ${'median B'.padStart(9)}  verdict`);
    hub = hubs;
    const name = `${clean(r.label, 40)} (${r.unit})`.padEnd(w);
    const cmp = r.comparison;
    const colorKey = r.regression ? 'regression' : r.gate && r.verdict !== 'no_change' ? r.verdict : undefined;
    lines.push(`  ${name}  ${`${cmp.nA}/${cmp.nB}`.padEnd(9)}  ${fmt(cmp.medianA).padStart(9)}  ${fmt(cmp.medianB).padStart(9)}  ${paint(color, colorKey ? COLOR[colorKey] : undefined, clean(r.summary))}`);
  }
  for (const u of c.unmatched) lines.push(`  not compared: ${clean(u)}`);
  return `${lines.join('\n')}\n`;
}
