/**
 * The traffic tap in `status`: from the daemon's last calls window (calls-window.json), whether a tap is
 * connected, the calls and failures of the window, the worst tools, each tap's OpenTelemetry export — and,
 * loudly, a tap that connected and is gone, taps that drop records, an export that fails, or a daemon that
 * cannot take taps. Strings come from the tap: every
 * one goes through the terminal sanitizer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, formatElapsed } from '../config/duration.js';
import { CALLS_WINDOW_FILE, parseCallsWindow, type CallsWindowDoc } from '../model/calls-window.js';
import { MAX_ARGUMENTS_BYTES } from '../model/calls.js';
import { CALLS_WINDOW_STALE_MS } from '../evaluate/calls.js';
import { otelExportProblems, tapExportSources } from '../evaluate/otel-export.js';
import { sanitizeTerminal as clean } from '../views/sanitize.js';

export interface TapStatusReport {
  /** The window as the daemon wrote it; null when no tap ever connected to a daemon here. */
  window: CallsWindowDoc | null;
  /** What is wrong, loudly (empty when all is well). */
  problems: string[];
  lines: string[];
}

export function readCallsWindow(stateDir: string): CallsWindowDoc | undefined {
  try {
    return parseCallsWindow(readFileSync(join(stateDir, CALLS_WINDOW_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The last failing calls, newest first, with their arguments when the tap recorded them. */
function recentFailureLines(doc: CallsWindowDoc, now: number): string[] {
  const failures = [...(doc.recentFailures ?? [])].reverse();
  if (failures.length === 0) return [];
  return ['  recent failures:', ...failures.flatMap((f) => [
    `    ${formatElapsed(Math.max(0, now - f.at), { ago: true })}  ${clean(f.server ?? '-')}/${clean(f.tool ?? f.method)}${f.client !== null ? ` (client ${clean(f.client)})` : ''}: ${clean(f.errorType ?? f.outcome)}${f.errorMessage !== undefined ? ` ${clean(JSON.stringify(f.errorMessage))}` : ''}`,
    ...(f.arguments !== undefined ? [`      arguments: ${clean(f.arguments, MAX_ARGUMENTS_BYTES + 10)}`] : []),
  ])];
}

export function tapStatus(doc: CallsWindowDoc | undefined, running: boolean, now: number): TapStatusReport {
  if (!doc) return { window: null, problems: [], lines: ['tap: none has connected (calls through the hub are not seen; see `mcp-hub-monitor tap`)'] };
  const problems: string[] = [];
  const t = doc.tap;
  const stale = now - doc.at > CALLS_WINDOW_STALE_MS;
  if (t.problem !== undefined) problems.push(`CANNOT TAKE TAPS: ${t.problem}`);
  if (running && stale) problems.push(`the daemon's calls window is ${formatElapsed(now - doc.at, { ago: true })}: calls are not being judged`);
  if (t.everConnected && t.connected === 0) problems.push(`TAP GONE: a tap was connected${t.lastGoneAt !== undefined ? ` and left ${formatElapsed(now - t.lastGoneAt, { ago: true })}` : ''}; calls through the hub are not seen`);
  if (t.dropped > 0) problems.push(`TAP DROPPING: the taps dropped ${t.dropped} call records (their buffer filled while the daemon was away)`);
  for (const p of tapExportSources(t.otel).flatMap((src) => otelExportProblems(src, now))) problems.push(`OTEL EXPORT FAILING: ${p}`);
  if (t.unwatched !== undefined && t.unwatched.hubs.length > 0) {
    const hubs = t.unwatched.hubs.map((h) => `${h.hub} (${h.calls} call${h.calls === 1 ? '' : 's'} since the daemon started)`).join(', ');
    problems.push(`UNWATCHED HUB: taps send calls for hubs this daemon does not watch, not judged: ${hubs}; give the tap --hub as the daemon names the hub (hubs: above)`);
  }
  const window = formatDuration(doc.windowMs);
  const from = running && !stale ? '' : ` (the daemon's last window, ${formatElapsed(now - doc.at, { ago: true })})`;
  const lines = [
    `tap: ${t.connected > 0 ? `connected (${t.connected})` : 'not connected'}, ${doc.calls} calls in the last ${window}, ${doc.errors} failed, ${t.dropped} records dropped by the taps, ${t.badLines} unreadable lines${from}`,
    ...(t.otel ?? []).map((o) => `tap: OpenTelemetry export of ${clean(o.listen)}: traces to ${clean(o.traces.url)} ${o.traces.exported} spans sent, ${o.traces.failed} lost; metrics to ${clean(o.metrics.url)} ${o.metrics.exported} sent, ${o.metrics.failed} lost`),
    ...problems.map((p) => `tap: ${clean(p)}`),
    ...(doc.worst.length > 0 ? ['  worst tools:'] : []),
    ...doc.worst.map((w) => `    ${clean(w.server)}/${clean(w.tool)}  ${w.calls} calls, ${w.successPercent}% ok${w.p95Ms !== undefined ? `, P95 ${w.p95Ms} ms` : ''}${w.topError !== undefined ? `, ${clean(w.topError)}` : ''}`),
    ...recentFailureLines(doc, now),
  ];
  return { window: doc, problems, lines };
}
