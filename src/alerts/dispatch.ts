/**
 * Routing, grouping and the dedup stage, pure: which (group, receiver) gets a notification now, and with
 * what. Compared against the last intent handed to each receiver (persisted in the outbox, so a restart
 * re-notifies nothing, faults C8), with Alertmanager's timers: a new group waits `group_wait` for company,
 * a changed group waits `group_interval` since its last notification, an unchanged firing group is
 * repeated after `repeat_interval` (acked alerts are not repeated).
 *
 * Where we differ from Alertmanager, so that a page is never late: a change that is news goes out at once,
 * without waiting for `group_interval` — an alert (new, or raised in severity) more severe than anything
 * the receiver was last told about in that group, any firing or resolve of a hub-level alert (the hub
 * down, not a hub, stopped), and a remediation alert that starts firing (what the monitor did to a
 * target). Only additions of the same or lower severity, and other resolves, wait for `group_interval`.
 * The all-clear of a group also goes out at once: waiting to say "resolved" helps nobody. So does the
 * resolve of every alert the receiver was told about at the group's top severity, once nothing that severe
 * fires in it (the page is over even when a lesser warning, an SLO burn say, keeps the group open).
 */
import { createHash } from 'node:crypto';
import type { MonitorConfig } from '../config/defaults.js';
import type { AlertItem, AlertSeverity, QueuedBatch } from '../notify/types.js';
import type { AlertRow, Intent, OutboxRow } from '../store/alert-store.js';
import { HUB_RULES, REMEDIATION_RULES } from './results.js';

export interface PlannedNotification {
  groupKey: string;
  receiver: string;
  firing: AlertRow[];
  resolved: AlertRow[];
}

/** The labels that make a group, in config order. */
export function groupLabelsOf(a: AlertRow, groupBy: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of groupBy) out[k] = k === 'severity' ? a.severity : k === 'rule' ? a.rule : a.labels[k] ?? '';
  return out;
}

export function groupKeyOf(a: AlertRow, groupBy: readonly string[]): string {
  const g = groupLabelsOf(a, groupBy);
  return `{${Object.entries(g).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** The receivers an alert goes to now: its severity's escalation steps that are due. */
export function receiversFor(a: AlertRow, cfg: MonitorConfig['alerting'], now: number): string[] {
  const all = Object.keys(cfg.receivers);
  let names: string[];
  if (!cfg.routes) names = a.severity === 'info' ? [] : all;
  else {
    const steps = cfg.routes[a.severity as AlertSeverity] ?? [];
    const firedFor = now - (a.firedAt ?? now);
    names = [...new Set(steps.filter((s) => firedFor >= s.after && (!s.unacked_only || a.ackedAt === null)).flatMap((s) => s.receivers))];
  }
  // A broken receiver is told about by the others, never by itself.
  return a.rule === 'notifier.broken' ? names.filter((n) => n !== a.labels.receiver) : names;
}

export interface DispatchInput {
  /** Firing alerts, plus alerts resolved since they were last notified. */
  alerts: readonly AlertRow[];
  /** Why a firing alert may not start a notification (silence, maintenance, inhibition), or undefined. */
  mutedBy: (a: AlertRow) => string | undefined;
  intents: ReadonlyMap<string, Intent>;
  /** When each (group, receiver) first had a firing alert with no intent yet; updated in place. */
  firstSeen: Map<string, number>;
  cfg: MonitorConfig['alerting'];
  now: number;
}

/** The notifications due now, in a deterministic order. */
export function planNotifications(i: DispatchInput): PlannedNotification[] {
  const { cfg, now } = i;
  const byKey = new Map<string, { groupKey: string; receiver: string; firing: AlertRow[] }>();
  const byFingerprint = new Map(i.alerts.map((a) => [a.fingerprint, a]));
  for (const a of i.alerts) {
    if (a.state !== 'firing') continue;
    const groupKey = groupKeyOf(a, cfg.group_by);
    for (const receiver of receiversFor(a, cfg, now)) {
      const key = `${groupKey}\0${receiver}`;
      const told = i.intents.get(key)?.firing.includes(a.fingerprint) ?? false;
      if (!told && i.mutedBy(a)) continue;
      const e = byKey.get(key) ?? { groupKey, receiver, firing: [] };
      e.firing.push(a);
      byKey.set(key, e);
    }
  }
  // Groups a receiver was told about that have nothing firing for it any more.
  for (const [key, intent] of i.intents) {
    if (byKey.has(key) || intent.firing.length === 0) continue;
    const [groupKey, receiver] = key.split('\0') as [string, string];
    byKey.set(key, { groupKey, receiver, firing: [] });
  }

  const out: PlannedNotification[] = [];
  for (const [key, e] of [...byKey].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const last = i.intents.get(key);
    const firingNow = new Set(e.firing.map((a) => a.fingerprint));
    const resolved = (last?.firing ?? []).filter((fp) => !firingNow.has(fp)).map((fp) => byFingerprint.get(fp)).filter((a): a is AlertRow => a?.state === 'resolved');
    const vanished = (last?.firing ?? []).some((fp) => !firingNow.has(fp));
    if (!last || last.firing.length === 0) {
      if (e.firing.length === 0) continue;
      const first = i.firstSeen.get(key) ?? now;
      i.firstSeen.set(key, first);
      if (now - first < cfg.group_wait) continue;
    } else {
      const sinceLast = now - last.createdAt;
      const allClear = e.firing.length === 0 && vanished;
      const changed = vanished || e.firing.some((a) => last.severities[a.fingerprint] !== a.severity);
      const reminder = !changed && e.firing.some((a) => a.ackedAt === null) && sinceLast >= cfg.repeat_interval;
      const urgent = isNews(e.firing, last, byFingerprint);
      if (!allClear && !urgent && !(changed && sinceLast >= cfg.group_interval) && !reminder) continue;
    }
    i.firstSeen.delete(key);
    out.push({ groupKey: e.groupKey, receiver: e.receiver, firing: e.firing, resolved });
  }
  return out;
}

const RANK: Readonly<Record<string, number>> = { info: 0, warning: 1, critical: 2 };
const rank = (severity: string | undefined): number => (severity === undefined ? -1 : RANK[severity] ?? 1);

/**
 * Whether the group's change is news the receiver must get now rather than at the next `group_interval`:
 * an alert more severe than anything it was last told about in the group (a new alert, or one whose
 * severity rose), a hub-level alert that started firing or resolved, or the resolve of all the alerts it
 * was told about at its most severe level.
 */
export function isNews(firing: readonly AlertRow[], last: Intent, byFingerprint: ReadonlyMap<string, AlertRow>): boolean {
  const toldTop = Math.max(-1, ...last.firing.map((fp) => rank(last.severities[fp])));
  for (const a of firing) {
    const told = last.severities[a.fingerprint];
    if (told === a.severity) continue; // same alert, same severity: nothing new
    // What the monitor did to a target is told when it happens, not with the group's next notification.
    if (told === undefined && (HUB_RULES.has(a.rule) || REMEDIATION_RULES.has(a.rule))) return true;
    if (rank(a.severity) > toldTop) return true;
  }
  const firingNow = new Set(firing.map((a) => a.fingerprint));
  if (last.firing.some((fp) => !firingNow.has(fp) && HUB_RULES.has(byFingerprint.get(fp)?.rule ?? ''))) return true;
  const gone = last.firing.filter((fp) => !firingNow.has(fp) && byFingerprint.get(fp)?.state === 'resolved');
  // The page is over: every alert it was told about at its top severity resolved (not merely lowered, which
  // is still the same fault), and nothing as severe is left firing.
  const topNow = Math.max(-1, ...firing.map((a) => rank(a.severity)));
  const toldAtTop = last.firing.filter((fp) => rank(last.severities[fp]) === toldTop);
  return topNow < toldTop && toldAtTop.every((fp) => gone.includes(fp));
}

/** The batch a notifier renders: the group's current state for one receiver (the deliverer adds its key). */
export function toBatch(p: PlannedNotification, cfg: MonitorConfig['alerting']): QueuedBatch {
  const item = (a: AlertRow, status: AlertItem['status']): AlertItem => ({
    fingerprint: a.fingerprint, rule: a.rule, severity: a.severity as AlertSeverity, status,
    labels: { ...a.labels, severity: a.severity }, summary: a.summary,
    startsAt: a.firedAt ?? a.activeSince ?? a.updatedAt,
    ...(status === 'resolved' && a.resolvedAt !== null ? { endsAt: a.resolvedAt } : {}),
    ...(a.value !== null ? { value: a.value } : {}),
  });
  const first = p.firing[0] ?? p.resolved[0];
  return {
    receiver: p.receiver,
    groupKey: p.groupKey,
    groupLabels: first ? groupLabelsOf(first, cfg.group_by) : {},
    status: p.firing.length > 0 ? 'firing' : 'resolved',
    alerts: [...p.firing.map((a) => item(a, 'firing')), ...p.resolved.map((a) => item(a, 'resolved'))],
    dedupKey: createHash('sha256').update(p.groupKey).digest('hex').slice(0, 32),
    ...(cfg.external_url ? { externalUrl: cfg.external_url } : {}),
  };
}

/**
 * The Idempotency-Key of one outbox entry: its group, receiver, when it was queued and what it says, all
 * persisted with it, so every retry of the entry (after a crash too) sends the same key and every new
 * notification of the group (a change, a resolve, a reminder, the same state again later) a new one
 * (faults F8). Not the group's dedupKey: a receiver honouring that drops the group's every later message.
 */
export function notificationKey(row: Pick<OutboxRow, 'groupKey' | 'receiver' | 'createdAt' | 'firing' | 'resolved' | 'payload'>): string {
  const identity = JSON.stringify([row.groupKey, row.receiver, row.createdAt, row.firing, row.resolved, row.payload]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

