/**
 * A baseline as Markdown, for people and for review diffs. It shows the summaries and findings of the JSON
 * document written beside it, number for number (both print the values rounded once in evaluate/baseline.ts);
 * the raw samples stay in the JSON. Every hub string is escaped (escapeMarkdown).
 */
import { formatDuration } from '../config/duration.js';
import type { BaselineDoc, BaselineHub } from '../evaluate/baseline.js';
import type { Summary } from '../evaluate/stats.js';
import type { CheckStatus } from '../evaluate/types.js';
import { escapeMarkdown as esc, markdownCode, markdownTable } from './markdown.js';

const LABEL: Record<CheckStatus, string> = { critical: 'CRITICAL', warning: 'WARNING', ok: 'OK', no_data: 'NO DATA' };
const n = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : String(x));
const stats = (s: Summary | null): string[] => (s ? [s.p50, s.p95, s.p99, s.max].map(n) : ['—', '—', '—', '—']);

function healthSection(h: BaselineHub): string {
  const x = h.health;
  return [
    '### Health round trip (client side, `GET /api/health`)',
    '',
    markdownTable(
      ['scheduled', 'answered', 'failed', 'missed', 'failed %', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'max schedule error ms'],
      [[n(x.scheduled), n(x.answered), n(x.failed), n(x.missed), n(x.failedPercent), ...stats(x.latencyMs), n(x.scheduleErrorMs?.max)]],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ].join('\n');
}

function probeSection(h: BaselineHub, everyMs: number): string {
  const title = `### MCP round trip to each server through the hub (every ${formatDuration(everyMs)})`;
  if (h.probes.length === 0) return `${title}\n\nNo connected server to probe.`;
  const rows = h.probes.map((p) => [esc(p.server, 80), n(p.samples.length), n(p.alive), n(p.failed), ...stats(p.latencyMs)]);
  return `${title}\n\n${markdownTable(['server', 'probes', 'answered', 'failed', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'])}`;
}

function processSection(h: BaselineHub): string {
  const p = h.process;
  if (p.unavailable) return `### Processes\n\nNot measured: ${esc(p.unavailable)}.`;
  const row = (what: string, cpu: Summary | null, rss: Summary | null) => [what, n(cpu?.mean), n(cpu?.max), n(rss?.mean), n(rss?.max)];
  const kids = p.windows[p.windows.length - 1]?.children ?? 0;
  return [
    `### Processes (${p.windows.length} sampling window${p.windows.length === 1 ? '' : 's'})`,
    '',
    markdownTable(['process', 'CPU % mean', 'CPU % max', 'RSS MB mean', 'RSS MB max'], [
      row('hub', p.hubCpuPercent, p.hubRssMb),
      row(`children (${kids})`, p.childrenCpuPercent, p.childrenRssMb),
    ], ['l', 'r', 'r', 'r', 'r']),
  ].join('\n');
}

function llmSection(h: BaselineHub): string {
  const rows = h.findings.filter((f) => f.id.startsWith('llm.')).map((f) => [markdownCode(f.id), LABEL[f.status], esc(f.message)]);
  const note = h.llm.note ? `\n\n${esc(h.llm.note)}.` : '';
  const sources = h.llm.sources.length ? ` (from ${h.llm.sources.map(markdownCode).join(', ')})` : '';
  return `### LLM${sources}\n\n${markdownTable(['metric', 'status', 'value'], rows)}${note}`;
}

function findingsSection(h: BaselineHub): string {
  const rows = h.findings.filter((f) => !f.id.startsWith('llm.'))
    .map((f) => [LABEL[f.status], markdownCode(f.id), f.subject === undefined ? '' : esc(f.subject, 80), esc(f.message)]);
  return `### Findings\n\n${markdownTable(['status', 'check', 'subject', 'message'], rows)}`;
}

function hubSection(h: BaselineHub, doc: BaselineDoc): string {
  const facts = [h.version ? `mcp-hub ${esc(h.version, 40)}` : '', h.state ? `state ${esc(h.state, 40)}` : '', h.pid ? `pid ${h.pid}` : ''].filter(Boolean);
  return [
    `## Hub ${esc(h.url, 200)}${facts.length ? ` (${facts.join(', ')})` : ''}`,
    healthSection(h),
    probeSection(h, doc.settings.probeEveryMs),
    processSection(h),
    llmSection(h),
    findingsSection(h),
  ].join('\n\n');
}

/** The whole baseline as a Markdown document. */
export function renderBaselineMarkdown(doc: BaselineDoc): string {
  const s = doc.settings;
  const head = [
    `# Baseline ${markdownCode(doc.name)}`,
    '',
    `- status: **${doc.status.toUpperCase()}** (exit ${doc.exitCode})`,
    `- started: ${doc.startedAt}`,
    `- duration: ${formatDuration(s.durationMs)}, one health request every ${formatDuration(s.intervalMs)}, MCP round trips every ${formatDuration(s.probeEveryMs)}, request timeout ${formatDuration(s.timeoutMs)}`,
    `- targets: health p95 ≤ ${doc.targets.healthP95Ms} ms; failed health requests ≤ ${doc.targets.failedPercentMax}%; LLM thresholds from the config's ${markdownCode('check')} section`,
    `- measured by: ${esc(doc.tool.name)} ${esc(doc.tool.version)}, Node ${esc(doc.tool.node)} on ${esc(doc.tool.platform)}`,
    '- raw samples: in the JSON file of the same name',
  ].join('\n');
  return `${[head, ...doc.hubs.map((h) => hubSection(h, doc))].join('\n\n')}\n`;
}
