/**
 * The traffic tap in `status`: from the daemon's last calls window (calls-window.json), whether a tap is
 * connected, the calls and failures of the window, the worst tools — and, loudly, a tap that connected
 * and is gone, taps that drop records, or a daemon that cannot take taps. Strings come from the tap: every
 * one goes through the terminal sanitizer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, formatElapsed } from '../config/duration.js';
import { CALLS_WINDOW_FILE, parseCallsWindow, type CallsWindowDoc } from '../model/calls-window.js';
import { CALLS_WINDOW_STALE_MS } from '../evaluate/calls.js';
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

export function tapStatus(doc: CallsWindowDoc | undefined, running: boolean, now: number): TapStatusReport {
  if (!doc) return { window: null, problems: [], lines: ['tap: none has connected (calls through the hub are not seen; see `mcp-hub-monitor tap`)'] };
  const problems: string[] = [];
  const t = doc.tap;
  const stale = now - doc.at > CALLS_WINDOW_STALE_MS;
  if (t.problem !== undefined) problems.push(`CANNOT TAKE TAPS: ${t.problem}`);
  if (running && stale) problems.push(`the daemon's calls window is ${formatElapsed(now - doc.at, { ago: true })}: calls are not being judged`);
  if (t.everConnected && t.connected === 0) problems.push(`TAP GONE: a tap was connected${t.lastGoneAt !== undefined ? ` and left ${formatElapsed(now - t.lastGoneAt, { ago: true })}` : ''}; calls through the hub are not seen`);
  if (t.dropped > 0) problems.push(`TAP DROPPING: the taps dropped ${t.dropped} call records (their buffer filled while the daemon was away)`);
  if (t.unwatched !== undefined && t.unwatched.hubs.length > 0) {
    const hubs = t.unwatched.hubs.map((h) => `${h.hub} (${h.calls} call${h.calls === 1 ? '' : 's'} since the daemon started)`).join(', ');
    problems.push(`UNWATCHED HUB: taps send calls for hubs this daemon does not watch, not judged: ${hubs}; give the tap --hub as the daemon names the hub (hubs: above)`);
  }
  const window = formatDuration(doc.windowMs);
  const from = running && !stale ? '' : ` (the daemon's last window, ${formatElapsed(now - doc.at, { ago: true })})`;
  const lines = [
    `tap: ${t.connected > 0 ? `connected (${t.connected})` : 'not connected'}, ${doc.calls} calls in the last ${window}, ${doc.errors} failed, ${t.dropped} records dropped by the taps, ${t.badLines} unreadable lines${from}`,
    ...problems.map((p) => `tap: ${clean(p)}`),
    ...(doc.worst.length > 0 ? ['  worst tools:'] : []),
    ...doc.worst.map((w) => `    ${clean(w.server)}/${clean(w.tool)}  ${w.calls} calls, ${w.successPercent}% ok${w.p95Ms !== undefined ? `, P95 ${w.p95Ms} ms` : ''}${w.topError !== undefined ? `, ${clean(w.topError)}` : ''}`),
  ];
  return { window: doc, problems, lines };
}
