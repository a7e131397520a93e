/**
 * Nagios/Icinga plugin output: one status line (`MCPHUB CRITICAL - …`), the other problems on following
 * lines, and perfdata after `|` (plugin guidelines: label=value[UOM];warn;crit;min;max).
 */
import type { CheckResult } from '../evaluate/check.js';
import { sanitizeTerminal } from './sanitize.js';

/** Perfdata labels may not contain `=` or `'`; quote them when they hold spaces. */
function label(text: string): string {
  const safe = text.replace(/['=|]/g, '_');
  return /\s/.test(safe) ? `'${safe}'` : safe;
}

/** Text that is safe inside plugin output: one line, no `|` (it starts perfdata). */
function text(s: string): string {
  return sanitizeTerminal(s, 300).replace(/\|/g, '/');
}

/** Renders the check result as Nagios plugin output. */
export function renderCheckNagios(result: CheckResult): string {
  const problems = result.checks.filter((c) => c.status === 'critical' || c.status === 'warning')
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'critical' ? -1 : 1));
  const describe = (c: (typeof problems)[number]) => `${c.subject ? `${c.subject}: ` : ''}${c.message}`;
  const summary = problems.length === 0
    ? `${result.hubs.length} hub(s) OK, ${result.hubs.reduce((n, h) => n + h.servers.up, 0)} server(s) up`
    : problems.slice(0, 3).map(describe).join('; ') + (problems.length > 3 ? `; +${problems.length - 3} more` : '');
  const perf: string[] = [];
  const many = result.hubs.length > 1;
  for (const h of result.hubs) {
    const p = many ? `${new URL(h.url).host}_` : '';
    const enabled = h.servers.total - h.servers.disabled;
    perf.push(`${label(`${p}hub_up`)}=${h.failure === null ? 1 : 0};;;0;1`);
    perf.push(`${label(`${p}servers_up`)}=${h.servers.up};;;0;${enabled}`);
    perf.push(`${label(`${p}servers_down`)}=${h.servers.down + h.servers.dead};;;0;${enabled}`);
    const latency = result.checks.find((c) => c.hub === h.url && c.id === 'hub.reachable' && c.status === 'ok');
    if (latency && typeof latency.value === 'number') perf.push(`${label(`${p}health_latency`)}=${latency.value}ms;;;0`);
    const mem = result.checks.find((c) => c.hub === h.url && c.id === 'hub.memory' && typeof c.value === 'number');
    if (mem) perf.push(`${label(`${p}rss`)}=${mem.value}MB;${mem.threshold ?? ''};;0`);
  }
  const lines = [`MCPHUB ${result.status.toUpperCase()} - ${text(summary)} | ${perf.join(' ')}`];
  for (const c of problems.slice(3)) lines.push(text(`${c.status.toUpperCase()}: ${describe(c)}`));
  return `${lines.join('\n')}\n`;
}
