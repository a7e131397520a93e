/**
 * The remediation section of `status`: whether it is on (and a dry run), its last actions from the stored
 * `remediation` events, and the targets it gave up on (its firing `remediation.gave_up` alerts).
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { AlertRow } from '../store/alert-store.js';
import type { Store } from '../store/store.js';
import { sanitizeTerminal as clean } from '../views/sanitize.js';

const LAST_ACTIONS = 5;
const DAY_MS = 86_400_000;

export interface RemediationStatus {
  enabled: boolean;
  dryRun: boolean;
  last: { t: number; hub: string; action: string; target: string; result: string; dryRun: boolean; who: string; detail: string | null }[];
  gaveUp: { hub: string; action: string; target: string; since: number | null; summary: string }[];
}

export function remediationStatus(cfg: MonitorConfig, store: Pick<Store, 'queryEvents'>, open: readonly AlertRow[], now: number): RemediationStatus {
  const last = store.queryEvents({ type: 'remediation', from: now - DAY_MS, to: now + 1, limit: LAST_ACTIONS, order: 'desc' }).flatMap((e) => (e.type === 'remediation'
    ? [{ t: e.t, hub: e.hub, action: e.data.action, target: e.data.target, result: e.data.result, dryRun: e.data.dryRun, who: e.data.who, detail: e.data.detail ?? null }]
    : []));
  const gaveUp = open.filter((a) => a.rule === 'remediation.gave_up' && a.state === 'firing')
    .map((a) => ({ hub: a.hub, action: a.labels.action ?? '?', target: a.labels.server ?? a.hub, since: a.firedAt, summary: a.summary }));
  return { enabled: cfg.remediation.enabled, dryRun: cfg.remediation.dry_run, last, gaveUp };
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function remediationLines(r: RemediationStatus): string[] {
  const head = `remediation: ${r.enabled ? `enabled${r.dryRun ? ' (dry run: records, changes nothing)' : ''}` : 'off'}${r.last.length ? `, last ${r.last.length === 1 ? 'action' : `${r.last.length} actions`} in 24 h:` : ', no action in 24 h'}`;
  return [
    head,
    ...r.last.map((a) => `  ${iso(a.t)} ${a.action} ${clean(a.target, 120)} ${a.result}${a.dryRun ? ' (dry run)' : ''}${a.detail ? `: ${clean(a.detail, 200)}` : ''}  [${clean(a.who, 60)}]`),
    ...(r.gaveUp.length ? [`  gave up on: ${r.gaveUp.map((g) => `${g.action} ${clean(g.target, 120)}${g.since !== null ? ` (since ${iso(g.since)})` : ''}`).join(', ')}: a person must look`] : []),
  ];
}
