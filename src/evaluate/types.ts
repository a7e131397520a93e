/** What evaluators produce: findings with a status; nothing here does I/O. */

export type CheckStatus = 'ok' | 'warning' | 'critical' | 'no_data';
export type OverallStatus = 'ok' | 'warning' | 'critical' | 'unknown';
export type Level = 'green' | 'yellow' | 'orange' | 'red';

export interface Finding {
  /** Stable check id, e.g. `hub.reachable`, `server.status`, `llm.success_rate`. */
  id: string;
  status: CheckStatus;
  /** The hub URL this finding is about. */
  hub: string;
  /** The server (or hub) the check is about, when narrower than the hub. */
  subject?: string;
  /** The tool of the subject server, when narrower still (per-tool call findings). */
  tool?: string;
  value?: number | string;
  threshold?: number | string;
  message: string;
}

/** Exit codes shared by every evaluating command (docs/DESIGN.md §4). */
export const EXIT_CODES: Record<OverallStatus, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

const RANK: Record<CheckStatus, number> = { no_data: 0, ok: 0, warning: 1, critical: 2 };

/** The worst status among findings; no_data never raises it. */
export function worstStatus(findings: readonly Finding[]): OverallStatus {
  let worst = 0;
  for (const f of findings) worst = Math.max(worst, RANK[f.status]);
  return worst === 2 ? 'critical' : worst === 1 ? 'warning' : 'ok';
}

/** Builds a finding; keeps call sites short. */
export function finding(hub: string, id: string, status: CheckStatus, message: string, extra: Partial<Finding> = {}): Finding {
  return { id, status, hub, message, ...extra };
}
