/**
 * Alert rows as the lifecycle makes them, for the pure stage tables (dispatch, mute): one call per alert,
 * naming only what the case is about.
 */
import { fingerprint } from '../../src/alerts/lifecycle.js';
import type { AlertRow } from '../../src/store/alert-store.js';

export const HUB = 'http://127.0.0.1:7000';
export const OTHER_HUB = 'http://127.0.0.1:7001';
/** 2026-11-25T09:00:00.000Z. */
export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

export interface AlertRowSpec {
  hub?: string;
  server?: string;
  tool?: string;
  severity?: 'critical' | 'warning' | 'info';
  state?: AlertRow['state'];
  firedAt?: number;
  resolvedAt?: number;
  ackedAt?: number;
}

/** An alert of `rule` (firing at T0, critical, about HUB unless the spec says otherwise). */
export function alertRow(rule: string, spec: AlertRowSpec = {}): AlertRow {
  const labels: Record<string, string> = { hub: spec.hub ?? HUB };
  if (spec.server !== undefined) labels.server = spec.server;
  if (spec.tool !== undefined) labels.tool = spec.tool;
  const state = spec.state ?? 'firing';
  const firedAt = state === 'pending' ? null : spec.firedAt ?? T0;
  return {
    id: 0, fingerprint: fingerprint(rule, labels), rule, hub: labels.hub!, labels: { ...labels, rule },
    severity: spec.severity ?? 'critical', state, failStreak: 0, okStreak: 0,
    activeSince: firedAt, firedAt, lastActiveAt: firedAt,
    resolvedAt: state === 'resolved' ? spec.resolvedAt ?? T0 : null,
    summary: `${rule} ${spec.server ?? ''}`.trim(), value: null,
    ackedAt: spec.ackedAt ?? null, ackedBy: spec.ackedAt === undefined ? null : 'alice', ackComment: null, updatedAt: T0,
  };
}

/** The same alert, resolved at `at`. */
export const resolvedAt = (a: AlertRow, at: number): AlertRow => ({ ...a, state: 'resolved', resolvedAt: at });
