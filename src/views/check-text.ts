/** The human view of `check`: a status line, then per hub a short table, worst first. */
import type { CheckResult, HubSummary } from '../evaluate/check.js';
import type { CheckStatus, Finding } from '../evaluate/types.js';
import { NOT_EXPOSED } from '../evaluate/llm.js';
import { CALLS_REASON } from '../evaluate/level.js';
import { sanitizeTerminal as clean } from './sanitize.js';

const LABEL: Record<CheckStatus, string> = { critical: 'CRITICAL', warning: 'WARNING', ok: 'OK', no_data: 'NO DATA' };
const COLOR: Record<string, string> = { critical: '31;1', warning: '33;1', ok: '32', no_data: '2', unknown: '35;1' };
const ORDER: Record<CheckStatus, number> = { critical: 0, warning: 1, ok: 2, no_data: 3 };
const LEVEL_COLOR: Record<string, string> = { green: '32', yellow: '33', orange: '38;5;208', red: '31;1' };

export interface TextOptions {
  color: boolean;
  /** Terminal width; lines are cut to fit (never wrapped into garbage). */
  width?: number;
  /** A word before the status line, e.g. "validate". */
  title?: string;
}

function paint(on: boolean, code: string | undefined, text: string): string {
  return on && code ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function hubLine(h: HubSummary): string {
  if (!h.reachable) return `${clean(h.url)}  unreachable (${h.failure})`;
  if (h.failure) return `${clean(h.url)}  answered, but failed (${h.failure})`;
  const s = h.servers;
  const parts = [`state ${clean(h.state ?? 'unknown', 40)}`];
  if (h.version) parts.push(`mcp-hub ${clean(h.version, 40)}`);
  if (h.pid) parts.push(`pid ${h.pid}`);
  const serverBits = [`${s.up}/${s.total - s.disabled} up`];
  if (s.dead) serverBits.push(`${s.dead} dead`);
  if (s.down) serverBits.push(`${s.down} down`);
  if (s.connecting) serverBits.push(`${s.connecting} connecting`);
  if (s.disabled) serverBits.push(`${s.disabled} disabled`);
  parts.push(`servers ${serverBits.join(', ')}`);
  return `${clean(h.url)}  ${parts.join('  ')}`;
}

/** Renders the check result for a terminal or a log file. */
export function renderCheckText(result: CheckResult, opts: TextOptions): string {
  // Cut to the terminal's width only on a terminal; a log file keeps every character.
  const width = opts.width === undefined ? Infinity : Math.max(40, opts.width);
  const fit = (line: string, w = width) => (line.length > w ? `${line.slice(0, w - 1)}…` : line);
  const lines: string[] = [];
  const head = `${opts.title ? `${opts.title}: ` : ''}${result.status.toUpperCase()}  level ${result.level}  ${result.hubs.length} hub${result.hubs.length === 1 ? '' : 's'}  ${result.timestamp}`;
  lines.push(paint(opts.color, COLOR[result.status], fit(head)));
  for (const hub of result.hubs) {
    lines.push('');
    // The level tag is kept whole; the hub line gives way so the pair still fits the width.
    const tag = `[${hub.level}]`;
    lines.push(`${fit(hubLine(hub), width - tag.length - 2)}  ${paint(opts.color, LEVEL_COLOR[hub.level], tag)}`);
    // With the tap's calls (check --expect-daemon) the level judged them too: say so, and what they were.
    if (hub.levelReason.startsWith(CALLS_REASON)) lines.push(fit(`  level ${hub.level}: ${clean(hub.levelReason)}`));
    const mine = result.checks.filter((c) => c.hub === hub.url);
    const notExposed = mine.filter((c) => c.status === 'no_data' && c.message === NOT_EXPOSED);
    const shown: Finding[] = mine.filter((c) => !notExposed.includes(c)).sort((a, b) => ORDER[a.status] - ORDER[b.status]);
    const idWidth = Math.max(19, ...shown.map((c) => c.id.length));
    const subjectWidth = Math.min(24, Math.max(7, ...shown.map((c) => clean(c.subject ?? '', 24).length)));
    for (const c of shown) {
      const label = LABEL[c.status].padEnd(8);
      const row = `  ${label}  ${c.id.padEnd(idWidth)} ${clean(c.subject ?? '', 24).padEnd(subjectWidth)}  ${clean(c.message)}`;
      const cut = fit(row);
      lines.push(opts.color ? cut.replace(label, paint(true, COLOR[c.status], label)) : cut);
    }
    if (notExposed.length) {
      const names = notExposed.map((c) => c.id.replace(/^llm\./, '')).join(', ');
      lines.push(fit(`  ${'NO DATA'.padEnd(8)}  ${'llm.*'.padEnd(idWidth)} ${''.padEnd(subjectWidth)}  ${NOT_EXPOSED}: ${names}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
