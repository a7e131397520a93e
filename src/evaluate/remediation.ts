/**
 * What remediation does now, pure: from the firing alerts, the history of attempts, what it gave up on, the
 * config and now → the actions to run (or record, in a dry run), the targets to give up on, the remediation
 * alerts, and why each other target is held. The daemon's remediation job executes the result.
 *
 * A target is an action on a hub or on one of its servers: heal_server for a server whose child is dead or
 * hung (server.status dead, server.probe dead or hung), restart_hub for a hub that is down (hub.reachable),
 * on_regression for a hub whose latency regressed (baseline.regression). Its rules, in order: never while a
 * silence or maintenance window covers one of its alerts; a server never while its hub is down (the hub
 * first); a hub-wide command once per incident; a server not again until its alert is seen failing after
 * the last heal ended (a healed server's alert takes a few polls to resolve); at least `cooldown` between two
 * attempts; and at most `max_per_hour` in any hour — the next one gives up instead: nothing more is tried on
 * that target until its alerts have all resolved, and `remediation.gave_up` pages meanwhile.
 */
import type { RemediationConfig } from '../config/defaults.js';
import { targetKey, type RemediationAction, type RemediationAttempt } from '../model/remediation.js';

const HOUR_MS = 3_600_000;

/** A firing alert, as the decision reads it. */
export interface FiringAlert {
  rule: string;
  hub: string;
  /** Its labels (hub, server, rule, …): what silences and maintenance windows match. */
  labels: Record<string, string>;
  /** The finding's value: server.status `dead`, server.probe `dead` or `hung`. */
  value: string | null;
  fingerprint: string;
  firedAt: number;
  /** The last evaluation that found it failing. */
  lastActiveAt: number | null;
  summary: string;
}

/** A target remediation gives up on now. */
export interface GiveUp {
  key: string;
  action: RemediationAction;
  hub: string;
  server?: string;
  /** Attempts in the last hour. */
  attempts: number;
  dryRun: boolean;
  /** The alert it answered. */
  trigger: FiringAlert;
}

export interface RemediationInput {
  /** Firing alerts (any rule; those that call for no action are ignored). */
  firing: readonly FiringAlert[];
  /**
   * Attempts of the last hour at least (those still running too, endedAt null), and each target's last
   * give-up however old: a give-up holds while an alert that fired before it still fires.
   */
  history: readonly RemediationAttempt[];
  /** Hubs whose last poll did not answer (besides those whose hub.reachable fires). */
  hubsUnreachable: ReadonlySet<string>;
  /** Why an alert's labels are muted now (a silence, a maintenance window), or undefined. */
  mutedBy: (labels: Record<string, string>) => string | undefined;
  cfg: RemediationConfig;
  now: number;
}

/** An action to run now (or, in a dry run, to record as what would be done). */
export interface PlannedAction {
  key: string;
  action: RemediationAction;
  hub: string;
  server?: string;
  /** The alert that calls for it (the oldest firing one of the target). */
  trigger: FiringAlert;
  incident: string;
  dryRun: boolean;
}

/** A target that calls for an action that is not taken now, and why. */
export interface Held {
  key: string;
  action: RemediationAction;
  hub: string;
  server?: string;
  reason: string;
}

/** An alert of the remediation's own rules, as the job observes it. */
export interface RemediationAlert {
  rule: 'remediation.action' | 'remediation.gave_up';
  hub: string;
  server?: string;
  action: RemediationAction;
  summary: string;
}

export interface RemediationPlan {
  run: PlannedAction[];
  /** Targets given up on just now (each is recorded once: a recorded give-up holds). */
  giveUps: GiveUp[];
  held: Held[];
  /** What fires now: the outcome of each target's last action (outcomeAlerts), and every give-up (not in a dry run). */
  alerts: RemediationAlert[];
}

interface Target {
  key: string;
  action: RemediationAction;
  hub: string;
  server?: string;
  triggers: FiringAlert[];
}

/** The action an alert calls for, if any. */
export function actionFor(a: FiringAlert): { action: RemediationAction; server?: string } | undefined {
  const server = a.labels.server;
  if (a.rule === 'server.status' && a.value === 'dead' && server !== undefined) return { action: 'heal_server', server };
  if (a.rule === 'server.probe' && (a.value === 'dead' || a.value === 'hung') && server !== undefined) return { action: 'heal_server', server };
  if (a.rule === 'hub.reachable') return { action: 'restart_hub' };
  if (a.rule === 'baseline.regression') return { action: 'on_regression' };
  return undefined;
}

/** Whether the config turns this action on (remediation.enabled is the caller's). */
function actionEnabled(action: RemediationAction, cfg: RemediationConfig): boolean {
  if (action === 'heal_server') return cfg.heal_servers.enabled;
  const command = action === 'restart_hub' ? cfg.restart_hub.command : cfg.on_regression.command;
  return Array.isArray(command) ? command.length > 0 : command.trim() !== '';
}

function limitsOf(action: RemediationAction, cfg: RemediationConfig): { max: number; cooldown: number } {
  const c = action === 'heal_server' ? cfg.heal_servers : action === 'restart_hub' ? cfg.restart_hub : cfg.on_regression;
  return { max: c.max_per_hour, cooldown: c.cooldown };
}

/** The targets the firing alerts call for, their alerts oldest first. */
function targetsOf(firing: readonly FiringAlert[]): Map<string, Target> {
  const out = new Map<string, Target>();
  for (const a of [...firing].sort((x, y) => x.firedAt - y.firedAt || (x.fingerprint < y.fingerprint ? -1 : 1))) {
    const want = actionFor(a);
    if (!want) continue;
    const key = targetKey(want.action, a.hub, want.server);
    const t = out.get(key) ?? { key, action: want.action, hub: a.hub, ...(want.server !== undefined ? { server: want.server } : {}), triggers: [] };
    t.triggers.push(a);
    out.set(key, t);
  }
  return out;
}

const incidentOf = (a: FiringAlert) => `${a.fingerprint}@${a.firedAt}`;

/** Why the target is not acted on now, or undefined to act (or give up). */
function holdReason(t: Target, own: readonly RemediationAttempt[], input: RemediationInput, hubsDown: ReadonlySet<string>): string | undefined {
  const { cfg, now } = input;
  if (own.some((r) => r.endedAt === null)) return 'an attempt is running';
  if (t.action !== 'restart_hub' && hubsDown.has(t.hub)) return 'its hub is down (the hub comes first)';
  for (const a of t.triggers) {
    const muted = input.mutedBy(a.labels);
    if (muted !== undefined) return `${a.rule} is muted: ${muted}`;
  }
  const last = own.at(-1);
  if (t.action !== 'heal_server') {
    const incident = incidentOf(t.triggers[0]!);
    if (own.some((r) => r.incident === incident)) return 'already acted on this incident';
  } else if (last?.endedAt != null && t.triggers.every((a) => (a.lastActiveAt ?? a.firedAt) <= last.endedAt!)) {
    return 'not seen failing since the last attempt ended';
  }
  const { cooldown } = limitsOf(t.action, cfg);
  if (last && now - last.at < cooldown) return `cooling down until ${new Date(last.at + cooldown).toISOString()}`;
  return undefined;
}

/** What remediation does now. Pure: the same input gives the same plan. */
export function decideRemediation(input: RemediationInput): RemediationPlan {
  const { cfg, now } = input;
  const hubsDown = new Set([...input.hubsUnreachable, ...input.firing.filter((a) => a.rule === 'hub.reachable').map((a) => a.hub)]);
  const plan: RemediationPlan = { run: [], giveUps: [], held: [], alerts: [] };
  const targets = targetsOf(input.firing);
  for (const t of targets.values()) {
    if (!actionEnabled(t.action, cfg)) continue;
    const who = { action: t.action, hub: t.hub, ...(t.server !== undefined ? { server: t.server } : {}) };
    const own = input.history.filter((r) => targetKey(r.action, r.hub, r.server) === t.key && r.dryRun === cfg.dry_run).sort((a, b) => a.at - b.at);
    const trigger = t.triggers[0]!;
    const gaveUp = own.filter((r) => r.result === 'gave_up').at(-1);
    if (gaveUp && trigger.firedAt <= gaveUp.at) {
      if (!cfg.dry_run) plan.alerts.push({ rule: 'remediation.gave_up', ...who, summary: gaveUp.summary });
      plan.held.push({ key: t.key, ...who, reason: `gave up at ${new Date(gaveUp.at).toISOString()}: waiting for a person (or for its alerts to resolve)` });
      continue;
    }
    const reason = holdReason(t, own, input, hubsDown);
    if (reason !== undefined) {
      plan.held.push({ key: t.key, ...who, reason });
      continue;
    }
    const { max } = limitsOf(t.action, cfg);
    const lastHour = own.filter((r) => now - r.at < HOUR_MS && r.result !== 'gave_up').length;
    if (lastHour >= max) {
      const g: GiveUp = { key: t.key, ...who, attempts: lastHour, dryRun: cfg.dry_run, trigger };
      plan.giveUps.push(g);
      if (!cfg.dry_run) plan.alerts.push({ rule: 'remediation.gave_up', ...who, summary: giveUpSummary(g) });
      continue;
    }
    plan.run.push({ key: t.key, ...who, trigger, incident: incidentOf(trigger), dryRun: cfg.dry_run });
  }
  plan.alerts.unshift(...outcomeAlerts(input, targets));
  return plan;
}

/** How long the outcome of an action fires at least: long enough to be told, whatever group_wait. */
export const OUTCOME_ALERT_MS = 60_000;

/**
 * `remediation.action` per target: the outcome of its last action fires for OUTCOME_ALERT_MS after it
 * ended, and for as long as the trouble it answered lasts (not in a dry run: nothing was done).
 */
function outcomeAlerts(input: RemediationInput, targets: ReadonlyMap<string, Target>): RemediationAlert[] {
  const last = new Map<string, RemediationAttempt>();
  for (const r of [...input.history].sort((a, b) => a.at - b.at)) {
    if (r.dryRun || r.endedAt === null || (r.result !== 'healed' && r.result !== 'done' && r.result !== 'failed')) continue;
    last.set(targetKey(r.action, r.hub, r.server), r);
  }
  const out: RemediationAlert[] = [];
  for (const [key, r] of last) {
    if (input.cfg.dry_run || !actionEnabled(r.action, input.cfg)) continue;
    const trigger = targets.get(key)?.triggers[0];
    if (input.now - r.endedAt! < OUTCOME_ALERT_MS || (trigger && r.at >= trigger.firedAt)) {
      out.push({ rule: 'remediation.action', action: r.action, hub: r.hub, ...(r.server !== undefined ? { server: r.server } : {}), summary: r.summary });
    }
  }
  return out;
}

/** What a give-up says (its event's summary and its alert). */
export function giveUpSummary(g: GiveUp): string {
  return `${describeTarget(g.action, g.hub, g.server)}: gave up after ${g.attempts} attempts within an hour (${g.trigger.rule}: ${g.trigger.summary}); a person must look`;
}

/** A target as a person reads it: `heal crashy`, `restart the hub`, `the regression command`. */
export function describeTarget(action: RemediationAction, hub: string, server?: string): string {
  if (action === 'heal_server') return `healing server ${server ?? '?'}`;
  if (action === 'restart_hub') return `restarting hub ${hub}`;
  return `the regression command of hub ${hub}`;
}
