/**
 * The alert pipeline, in the order Alertmanager runs it, written once here:
 *   evaluate (lifecycle) → silence → maintenance → inhibit → route/escalate → group → dedup → outbox.
 * The stages are pure functions (lifecycle.ts, mute.ts, dispatch.ts); this class holds the open alerts
 * and last intents, persists every transition, and hands due notifications to the outbox. Delivery
 * (retry, backoff) is deliver.ts.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { NotifierLogger } from '../notify/types.js';
import type { AlertRow, AlertStore, Intent, SilenceRow } from '../store/alert-store.js';
import { planNotifications, toBatch } from './dispatch.js';
import { stepAlerts, ruleSettings, type EvaluationScope, type RuleResult, type Transition } from './lifecycle.js';
import { compileWindows, inMaintenance, inhibitedBy, silencedBy } from './mute.js';

/** The pipeline logs as the notifiers do (the daemon passes its pino logger to both). */
export type PipelineLogger = Pick<NotifierLogger, 'info' | 'warn'>;

export interface PipelineDeps {
  store: AlertStore;
  cfg: MonitorConfig;
  now: () => number;
  log: PipelineLogger;
  /** Called with each lifecycle transition (the daemon stores them as events). */
  onTransition?: (t: Transition) => void;
  /** Called after notifications were queued (wakes the deliverer). */
  onEnqueued?: () => void;
}

/** Resolved alerts stay eligible for a resolved notification this long. */
const RESOLVED_MEMORY_MS = 7 * 86_400_000;

export class AlertPipeline {
  private readonly open = new Map<string, AlertRow>();
  /** Resolved alerts a receiver may still need to hear about, by fingerprint. */
  private readonly resolved = new Map<string, AlertRow>();
  private intents: Map<string, Intent>;
  private readonly firstSeen = new Map<string, number>();
  private readonly windows;
  private silences: SilenceRow[] = [];

  constructor(private readonly deps: PipelineDeps) {
    for (const a of deps.store.openAlerts()) this.open.set(a.fingerprint, a);
    this.intents = deps.store.lastIntents();
    // Alerts resolved while their firing was notified, but whose resolution was not queued yet (faults C9).
    const told = new Set([...this.intents.values()].flatMap((i) => i.firing));
    for (const a of deps.store.recentResolved(deps.now() - RESOLVED_MEMORY_MS)) if (told.has(a.fingerprint)) this.resolved.set(a.fingerprint, a);
    this.windows = compileWindows(deps.cfg.alerting.maintenance);
  }

  /** Open alerts (pending and firing), oldest first. */
  openAlerts(): AlertRow[] {
    return [...this.open.values()];
  }

  /** Applies one evaluation; returns whether some rule is failing below its threshold (confirm soon). */
  observe(results: readonly RuleResult[], scope: EvaluationScope): { confirming: boolean } {
    const now = this.deps.now();
    const step = stepAlerts(this.open, results, scope, (rule) => ruleSettings(this.deps.cfg.alerting, rule), now);
    if (step.changed.length || step.dropped.length) {
      const { store } = this.deps;
      // One transaction: an evaluation is stored whole or not at all.
      store.transaction(() => {
        for (const a of step.dropped) if (a.id > 0) store.deleteAlert(a.id);
        for (const a of step.changed) a.id = store.saveAlert(a);
      });
      for (const a of step.dropped) this.open.delete(a.fingerprint);
      for (const a of step.changed) {
        if (a.state === 'resolved') {
          this.open.delete(a.fingerprint);
          this.resolved.set(a.fingerprint, a);
        } else this.open.set(a.fingerprint, a);
      }
    }
    for (const t of step.transitions) {
      if (t.to === 'firing' || t.to === 'resolved') this.deps.log.info({ alert: t.alert.rule, labels: t.alert.labels, severity: t.alert.severity, to: t.to }, `alert ${t.to}`);
      this.deps.onTransition?.(t);
    }
    if (step.transitions.length) this.dispatch();
    return { confirming: step.confirming };
  }

  /**
   * The daemon's time line followed a forward step of the wall clock by `ms`: the open alerts' `for` and
   * `keep_firing_for` timers and firing times, the group timers and the outbox move by as much, so every
   * duration counts monotonic time (faults F7). Memory first; the store after, in one transaction.
   */
  shiftTimes(ms: number): void {
    const later = (t: number | null) => (t === null ? null : t + ms);
    for (const a of this.open.values()) Object.assign(a, { activeSince: later(a.activeSince), firedAt: later(a.firedAt), lastActiveAt: later(a.lastActiveAt) });
    for (const i of this.intents.values()) i.createdAt += ms;
    for (const [key, t] of this.firstSeen) this.firstSeen.set(key, t + ms);
    const { store } = this.deps;
    store.transaction(() => {
      for (const a of this.open.values()) if (a.id > 0) store.saveAlert(a);
      store.shiftLiveTimes(ms);
    });
  }

  /** Why an alert may not start a notification now, if it may not. */
  private mutedBy(a: AlertRow, firing: AlertRow[], now: number): string | undefined {
    const s = silencedBy(a.labels, this.silences, now);
    if (s) return `silenced by #${s.id}`;
    const w = inMaintenance(a.labels, this.windows, now);
    if (w) return `maintenance ${w.cron}`;
    const i = inhibitedBy(a, firing);
    if (i) return `inhibited by ${i.rule}`;
    return undefined;
  }

  /** Runs silence → inhibit → route → group → dedup and queues what is due. Call on a timer too (group_wait). */
  dispatch(): number {
    const { store, cfg } = this.deps;
    const now = this.deps.now();
    // Idle (nothing firing, nothing left to tell anyone): no query at all. The daemon calls this every second.
    const firingAny = [...this.open.values()].some((a) => a.state === 'firing');
    if (!firingAny && this.resolved.size === 0 && ![...this.intents.values()].some((i) => i.firing.length > 0)) return 0;
    this.silences = store.activeSilences(now);
    for (const [id, ack] of store.acks()) {
      for (const a of this.open.values()) if (a.id === id) Object.assign(a, ack);
    }
    const firing = [...this.open.values()].filter((a) => a.state === 'firing');
    const plans = planNotifications({
      alerts: [...firing, ...this.resolved.values()],
      mutedBy: (a) => this.mutedBy(a, firing, now),
      intents: this.intents,
      firstSeen: this.firstSeen,
      cfg: cfg.alerting,
      now,
    });
    for (const p of plans) {
      const batch = toBatch(p, cfg.alerting);
      const firingIds = p.firing.map((a) => a.fingerprint);
      const resolvedIds = p.resolved.map((a) => a.fingerprint);
      store.enqueue({ groupKey: p.groupKey, receiver: p.receiver, payload: JSON.stringify(batch), firing: firingIds, resolved: resolvedIds, now });
      this.intents.set(`${p.groupKey}\0${p.receiver}`, { firing: firingIds, resolved: resolvedIds, createdAt: now, severities: Object.fromEntries(p.firing.map((a) => [a.fingerprint, a.severity])) });
    }
    this.forgetResolved(now);
    if (plans.length) this.deps.onEnqueued?.();
    return plans.length;
  }

  /** A resolved alert no receiver still lists as firing has been fully told. */
  private forgetResolved(now: number): void {
    const stillTold = new Set([...this.intents.values()].flatMap((i) => i.firing));
    for (const [fp, a] of this.resolved) {
      if (!stillTold.has(fp) || now - (a.resolvedAt ?? now) > RESOLVED_MEMORY_MS) this.resolved.delete(fp);
    }
  }
}
