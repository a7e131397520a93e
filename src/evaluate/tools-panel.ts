/**
 * The dashboards' tools panel, pure: from the calls the tap saw over the judging window (per hub, server
 * and tool), each hub's slowest tools (by P95) and most failing ones (by failure ratio), with their calls,
 * success %, P95 and most frequent error type. Strings are the tap's, as they came: every view escapes them.
 */
import type { CallStats } from '../model/call-stats.js';
import type { ToolRow, ToolsPanel } from '../model/calls-window.js';
import { verdictOf } from './calls.js';

/** Rows per list: a panel, not a table of every tool. */
export const TOOLS_PANEL_ROWS = 5;

/** The error type most calls failed with (ties: the smaller name, so the answer is stable). */
export function topErrorType(s: CallStats): string | undefined {
  let best: [string, number] | undefined;
  for (const [type, n] of Object.entries(s.errorTypes)) if (!best || n > best[1] || (n === best[1] && type < best[0])) best = [type, n];
  return best?.[0];
}

export function toolRow(s: CallStats): ToolRow {
  const v = verdictOf(s);
  const top = topErrorType(s);
  return {
    server: s.server, tool: s.tool, calls: s.calls, errors: s.errors, successPercent: Math.round(v.successPercent * 10) / 10,
    ...(v.p95Ms !== undefined ? { p95Ms: Math.round(v.p95Ms) } : {}), ...(top !== undefined ? { topError: top } : {}),
  };
}

const byName = (a: ToolRow, b: ToolRow): number => (a.server < b.server ? -1 : a.server > b.server ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0);

/** One panel per hub in `hubs` (in that order), from the window's stats of every hub. */
export function toolsPanels(hubs: readonly string[], window: readonly CallStats[], rows = TOOLS_PANEL_ROWS): ToolsPanel[] {
  return hubs.map((hub) => {
    const mine = window.filter((s) => s.hub === hub);
    // A call naming no tool (initialize, tools/list) counts in the hub's totals, in no tool's row.
    const tools = mine.filter((s) => s.tool !== '' && s.calls > 0).map(toolRow);
    const slowest = tools.filter((t) => t.p95Ms !== undefined).sort((a, b) => b.p95Ms! - a.p95Ms! || b.calls - a.calls || byName(a, b)).slice(0, rows);
    const failing = tools.filter((t) => t.errors > 0).sort((a, b) => b.errors / b.calls - a.errors / a.calls || b.errors - a.errors || byName(a, b)).slice(0, rows);
    return { hub, calls: mine.reduce((n, s) => n + s.calls, 0), errors: mine.reduce((n, s) => n + s.errors, 0), slowest, failing };
  });
}
