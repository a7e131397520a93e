/**
 * The terminal dashboard's tools panel, pure: from the daemon's last calls window (calls-window.json, its
 * tools panels from evaluate/tools-panel.ts), one hub's most failing and slowest tools as lines that fit
 * the width — or, loudly, that no tap is connected, that the one connected left, or that the daemon's
 * window is old. Strings come from the tap: neutralised here like every hub string.
 */
import { CALLS_WINDOW_STALE_MS } from '../../evaluate/calls.js';
import type { CallsWindowDoc, ToolRow } from '../../model/calls-window.js';
import { sanitizeTerminal } from '../sanitize.js';
import { humanDuration, type ToolLine, type ToolsView } from './model.js';

/** Rows per list on a terminal: the panel shares the screen with the servers. */
export const TERMINAL_TOOL_ROWS = 3;
const NOT_SEEN = 'no tap connected — calls are not seen';

const line = (t: ToolRow): ToolLine => ({
  name: sanitizeTerminal(`${t.server}/${t.tool}`, 80), calls: t.calls, success: `${t.successPercent}%`,
  p95: t.p95Ms === undefined ? '-' : `${t.p95Ms}ms`, topError: t.topError === undefined ? '' : sanitizeTerminal(t.topError, 40),
});

/** One hub's panel from the daemon's window document (undefined: no daemon here ever took a tap). */
export function toolsView(doc: CallsWindowDoc | undefined, hub: string, now: number): ToolsView {
  const none = (note: string): ToolsView => ({ seen: false, note, failing: [], slowest: [] });
  if (!doc) return none(NOT_SEEN);
  if (now - doc.at > CALLS_WINDOW_STALE_MS) return none(`${NOT_SEEN} (the daemon's calls window is ${humanDuration(now - doc.at)} old)`);
  if (doc.tap.problem !== undefined) return none(`${NOT_SEEN} (${sanitizeTerminal(doc.tap.problem, 120)})`);
  if (doc.tap.connected === 0) return none(`${NOT_SEEN}${doc.tap.everConnected ? ' (the tap left)' : ''}`);
  const p = doc.panels?.find((x) => x.hub === hub);
  const window = humanDuration(doc.windowMs);
  if (!p) return { seen: true, note: `tools: no calls to this hub in the last ${window}`, failing: [], slowest: [] };
  return {
    seen: true, note: `tools: ${p.calls} calls, ${p.errors} failed in the last ${window}`,
    failing: p.failing.slice(0, TERMINAL_TOOL_ROWS).map(line), slowest: p.slowest.slice(0, TERMINAL_TOOL_ROWS).map(line),
  };
}

const fit = (s: string, n: number): string => ([...s].length > n ? `${[...s].slice(0, Math.max(0, n - 1)).join('')}…` : s);

/**
 * A tool's line in `width` columns: name, calls, success, P95, then the top error in what is left
 * (`crashy/echo      20   10%    10ms 500`). Never wider than `width`.
 */
export function toolLineText(t: ToolLine, width: number): string {
  const fixed = 6 + 7 + 9; // calls, success, P95 with their spaces
  const nameWidth = Math.max(8, Math.min(40, width - fixed - 8));
  const text = `${fit(t.name, nameWidth).padEnd(nameWidth)}${String(t.calls).padStart(6)}${t.success.padStart(7)}${t.p95.padStart(9)}${t.topError ? ` ${t.topError}` : ''}`;
  return fit(text, width);
}
