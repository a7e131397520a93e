/**
 * The remediation job (built only when `remediation.enabled`): every second it asks the pure decision
 * (evaluate/remediation.ts) what to do from the firing alerts, the silences and maintenance windows, the
 * hubs' last polls and its history of attempts, then does it (remediate.ts) without blocking the next pass
 * — or, in a dry run, only records it. Every attempt, dry-run decision and give-up is a `remediation` event;
 * the outcome of the last action on a target in trouble fires `remediation.action` and a give-up
 * `remediation.gave_up`, through the alert pipeline like any alert. Its history is read back from the
 * store at start (a restart, a reload), so the limits hold across them.
 */
import type http from 'node:http';
import type { MonitorConfig } from '../../config/defaults.js';
import type { RuleResult } from '../../alerts/lifecycle.js';
import { compileWindows, inMaintenance, silencedBy } from '../../alerts/mute.js';
import { remediationScope } from '../../alerts/results.js';
import { decideRemediation, describeTarget, giveUpSummary, type FiringAlert, type PlannedAction, type RemediationAlert } from '../../evaluate/remediation.js';
import type { Clock } from '../../model/clock.js';
import type { NewEvent } from '../../model/events.js';
import { targetKey, type RemediationAction, type RemediationAttempt } from '../../model/remediation.js';
import { oneLine } from '../../notify/truncate.js';
import type { AlertRow, SilenceRow } from '../../store/alert-store.js';
import type { Store } from '../../store/store.js';
import type { EvaluationScope } from '../../alerts/lifecycle.js';
import type { Logger } from '../collector.js';
import { auditEvent, healServer, restartHub, runCommand, wouldDo, type Outcome } from '../remediate.js';
import { everyPeriod, type Job } from './job.js';

const EVERY_MS = 1_000;
const HOUR_MS = 3_600_000;
/** How far back the history is read at start: a give-up holds while its alert fires, up to a day. */
const SEED_MS = 24 * HOUR_MS;

/** What the job does to a target; the daemon's are remediate.ts's, a test's its own. */
export interface RemediationEffects {
  healServer(hub: string, server: string, signal: AbortSignal): Promise<Outcome>;
  restartHub(hub: string, env: Record<string, string>, signal: AbortSignal): Promise<Outcome>;
  onRegression(hub: string, env: Record<string, string>, signal: AbortSignal): Promise<Outcome>;
}

export interface RemediationJobDeps {
  cfg: MonitorConfig;
  clock: Clock;
  log: Logger;
  /** The store, for the history at start and the silences (the CLI writes them there). */
  store: Pick<Store, 'queryEvents'>;
  silences: () => SilenceRow[];
  openAlerts: () => AlertRow[];
  observe: (results: RuleResult[], scope: EvaluationScope) => void;
  /** The watched hubs and whether their last poll answered. */
  hubs: () => { url: string; lastPollOk?: boolean }[];
  record: (events: NewEvent[]) => void;
  agent?: http.Agent;
  effects?: RemediationEffects;
}

export function defaultEffects(cfg: MonitorConfig, clock: Clock, agent?: http.Agent): RemediationEffects {
  const r = cfg.remediation;
  return {
    healServer: (hub, server, signal) => healServer(hub, server, { timeoutMs: r.heal_servers.timeout, clock, agent, signal }),
    restartHub: (hub, env, signal) => restartHub(hub, { command: r.restart_hub.command, env, timeoutMs: r.restart_hub.timeout, verifyMs: r.restart_hub.verify_timeout, clock, agent, signal }),
    onRegression: (_hub, env, signal) => runCommand({ command: r.on_regression.command, env, timeoutMs: r.on_regression.timeout, clock, signal }),
  };
}

const firingAlert = (a: AlertRow): FiringAlert => ({
  rule: a.rule, hub: a.hub, labels: a.labels, value: a.value, fingerprint: a.fingerprint,
  firedAt: a.firedAt ?? a.activeSince ?? a.updatedAt, lastActiveAt: a.lastActiveAt, summary: a.summary,
});

/** The history as stored: one `remediation` event per attempt, dry-run decision or give-up. */
function storedHistory(store: RemediationJobDeps['store'], now: number): RemediationAttempt[] {
  return store.queryEvents({ type: 'remediation', from: now - SEED_MS, to: now + 1, limit: 10_000 }).flatMap((e): RemediationAttempt[] => {
    if (e.type !== 'remediation') return [];
    const d = e.data;
    const action = d.action as RemediationAction;
    const result = d.result as RemediationAttempt['result'];
    return [{
      action, hub: e.hub, ...(e.server !== null ? { server: e.server } : {}), at: e.t - (d.durationMs ?? 0), endedAt: e.t,
      incident: d.incident ?? null, dryRun: d.dryRun, result, summary: attemptSummary(action, e.hub, e.server ?? undefined, result, d.detail ?? ''),
    }];
  });
}

function attemptSummary(action: RemediationAction, hub: string, server: string | undefined, result: string, detail: string): string {
  // A give-up's detail is its whole summary (giveUpSummary).
  if (result === 'gave_up' && detail) return detail;
  return `${describeTarget(action, hub, server)}: ${result}${detail ? `: ${detail}` : ''}`;
}

function toRuleResult(a: RemediationAlert): RuleResult {
  return {
    rule: a.rule, labels: { hub: a.hub, ...(a.server !== undefined ? { server: a.server } : {}), action: a.action },
    status: a.rule === 'remediation.gave_up' ? 'critical' : 'warning', summary: a.summary, immediate: true,
  };
}

export function remediationJob(d: RemediationJobDeps): Job {
  const { cfg, clock, log } = d;
  const r = cfg.remediation;
  const effects = d.effects ?? defaultEffects(cfg, clock, d.agent);
  const windows = compileWindows(cfg.alerting.maintenance);
  let history: RemediationAttempt[] = [];
  try {
    history = storedHistory(d.store, clock.now());
  } catch (err) {
    log.warn({ err: String(err) }, 'remediation: cannot read its history from the store; its limits start afresh');
  }
  let silences: SilenceRow[] = [];
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  const held = new Map<string, string>();

  const mutedBy = (labels: Record<string, string>): string | undefined => {
    const s = silencedBy(labels, silences, clock.now());
    if (s) return `silence #${s.id}`;
    const w = inMaintenance(labels, windows, clock.now());
    return w ? `maintenance window ${w.cron}${w.comment ? ` (${w.comment})` : ''}` : undefined;
  };

  function start(p: PlannedAction): void {
    const now = clock.now();
    const rec: RemediationAttempt = { action: p.action, hub: p.hub, ...(p.server !== undefined ? { server: p.server } : {}), at: now, endedAt: null, incident: p.incident, dryRun: p.dryRun, result: 'running', summary: '' };
    history.push(rec);
    const audit = { action: p.action, hub: p.hub, ...(p.server !== undefined ? { server: p.server } : {}), why: p.trigger.summary, who: `rule ${p.trigger.rule}`, rule: p.trigger.rule, incident: p.incident, dryRun: p.dryRun };
    if (p.dryRun) {
      const command = p.action === 'restart_hub' ? r.restart_hub.command : p.action === 'on_regression' ? r.on_regression.command : undefined;
      Object.assign(rec, { endedAt: now, result: 'dry_run', summary: attemptSummary(p.action, p.hub, p.server, 'dry_run', wouldDo(p.action, command)) });
      d.record([auditEvent({ ...audit, result: 'dry_run', t: now, detail: wouldDo(p.action, command) })]);
      log.info({ action: p.action, hub: p.hub, server: p.server, why: p.trigger.rule }, `remediation (dry run): ${rec.summary}`);
      return;
    }
    log.warn({ action: p.action, hub: p.hub, server: p.server, why: p.trigger.rule }, `remediation: ${describeTarget(p.action, p.hub, p.server)} (${p.trigger.rule})`);
    const env = { MHM_HUB: oneLine(p.hub), MHM_ACTION: p.action, MHM_RULE: p.trigger.rule, MHM_REASON: oneLine(p.trigger.summary).slice(0, 1024) };
    const effect = p.action === 'heal_server' ? effects.healServer(p.hub, p.server!, abort.signal)
      : p.action === 'restart_hub' ? effects.restartHub(p.hub, env, abort.signal) : effects.onRegression(p.hub, env, abort.signal);
    const done = effect
      .catch((err: unknown): Outcome => ({ result: 'failed', detail: `internal error: ${String(err)}`, durationMs: 0 }))
      .then((o) => {
        const t = clock.now();
        Object.assign(rec, { endedAt: t, result: o.result, summary: attemptSummary(p.action, p.hub, p.server, o.result, o.detail) });
        d.record([auditEvent({ ...audit, result: o.result, t, detail: o.detail, durationMs: o.durationMs })]);
        (o.result === 'failed' ? log.error : log.info).call(log, { action: p.action, hub: p.hub, server: p.server, result: o.result }, `remediation: ${rec.summary}`);
      })
      .finally(() => running.delete(done));
    running.add(done);
  }

  function pass(): void {
    const now = clock.now();
    try {
      silences = d.silences();
    } catch (err) {
      log.warn({ err: String(err) }, 'remediation: cannot read the silences; using the last ones read');
    }
    const hubs = d.hubs();
    const plan = decideRemediation({
      firing: d.openAlerts().filter((a) => a.state === 'firing').map(firingAlert),
      history, hubsUnreachable: new Set(hubs.filter((h) => h.lastPollOk === false).map((h) => h.url)),
      mutedBy, cfg: r, now,
    });
    for (const p of plan.run) start(p);
    for (const g of plan.giveUps) {
      const summary = giveUpSummary(g);
      history.push({ action: g.action, hub: g.hub, ...(g.server !== undefined ? { server: g.server } : {}), at: now, endedAt: now, incident: null, dryRun: g.dryRun, result: 'gave_up', summary });
      d.record([auditEvent({ action: g.action, hub: g.hub, ...(g.server !== undefined ? { server: g.server } : {}), why: g.trigger.summary, who: `rule ${g.trigger.rule}`, rule: g.trigger.rule, dryRun: g.dryRun, result: 'gave_up', t: now, detail: summary })]);
      log.error({ action: g.action, hub: g.hub, server: g.server, attempts: g.attempts }, `remediation${g.dryRun ? ' (dry run)' : ''}: ${summary}`);
    }
    // Why a target waits, logged when it changes (a silence, the hub down, the cool-down…).
    const nowHeld = new Map(plan.held.map((h) => [h.key, h.reason.replace(/ until .*/, '')]));
    for (const [key, reason] of nowHeld) {
      if (held.get(key) === reason) continue;
      const h = plan.held.find((x) => x.key === key)!;
      log.info({ action: h.action, hub: h.hub, server: h.server }, `remediation: ${describeTarget(h.action, h.hub, h.server)} waits: ${h.reason}`);
    }
    held.clear();
    for (const [k, v] of nowHeld) held.set(k, v);
    for (const hub of new Set([...hubs.map((h) => h.url), ...plan.alerts.map((a) => a.hub)])) {
      d.observe(plan.alerts.filter((a) => a.hub === hub).map(toRuleResult), remediationScope(hub));
    }
    // Attempts older than the hour (and the cool-downs) are no longer needed, except each target's last give-up.
    const keep = Math.max(HOUR_MS, r.heal_servers.cooldown, r.restart_hub.cooldown, r.on_regression.cooldown);
    const lastGiveUp = new Map(history.filter((a) => a.result === 'gave_up').map((a) => [targetKey(a.action, a.hub, a.server), a]));
    history = history.filter((a) => a.endedAt === null || now - a.at < keep || lastGiveUp.get(targetKey(a.action, a.hub, a.server)) === a);
  }

  const job = everyPeriod(EVERY_MS, clock, pass);
  return {
    start: () => job.start(),
    async stop() {
      await job.stop();
      abort.abort();
      await Promise.all([...running]);
    },
  };
}
