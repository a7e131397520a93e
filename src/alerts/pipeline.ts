/**
 * The alert pipeline, in the order Alertmanager runs it, written once here:
 *   evaluate (lifecycle) → silence → maintenance → inhibit → route/escalate → group → dedup → outbox.
 * The stages are pure functions (lifecycle.ts, mute.ts, dispatch.ts); this class holds the open alerts
 * and last intents, persists every transition, and hands due notifications to the outbox. Delivery
 * (retry, backoff) is deliver.ts.
 *
 * It decides from memory and persists when it can (issue I, faults F1): a transition is applied in memory
 * first and then stored; a row the store refused (disk full) stays in memory, is stored with the next
 * write that succeeds, and never holds up an alert or its notification.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { NotifierLogger } from '../notify/types.js';
import type { AlertRow, AlertStore, Intent, SilenceRow } from '../store/alert-store.js';
import { directGate, type WriteGate } from '../store/write-gate.js';
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
  /** Where notifications are queued (the daemon's Outbox, which keeps memory when the store refuses); default the store's table. */
  outbox?: { enqueue: AlertStore['enqueue'] };
  /** How writes reach the store (the daemon's StoreHealth); default: try each one, keep what is refused. */
  gate?: WriteGate;
  /** The memory of the pipeline this one replaces (a config reload): nothing kept only in memory is lost. */
  carry?: PipelineMemory;
}

/** What a pipeline holds, handed to its successor at a config reload. */
export interface PipelineMemory {
  open: Map<string, AlertRow>;
  resolved: Map<string, AlertRow>;
  intents: Map<string, Intent>;
  firstSeen: Map<string, number>;
  unsaved: Map<number, AlertRow>;
  undeleted: Set<number>;
  nextMemoryId: number;
}

/** Resolved alerts stay eligible for a resolved notification this long. */
const RESOLVED_MEMORY_MS = 7 * 86_400_000;

export class AlertPipeline {
  private readonly open: Map<string, AlertRow>;
  /** Resolved alerts a receiver may still need to hear about, by fingerprint. */
  private readonly resolved: Map<string, AlertRow>;
  private intents: Map<string, Intent>;
  private readonly firstSeen: Map<string, number>;
  /** Rows changed in memory and not stored yet, by id (negative: never stored). */
  private readonly unsaved: Map<number, AlertRow>;
  /** Stored pending alerts that cleared before firing: to delete from the store. */
  private readonly undeleted: Set<number>;
  private nextMemoryId: number;
  private readonly windows;
  private silences: SilenceRow[] = [];
  private readonly gate: WriteGate;

  constructor(private readonly deps: PipelineDeps) {
    this.gate = deps.gate ?? directGate((err) => deps.log.warn({ err: String(err) }, 'alert state could not be stored; kept in memory'));
    this.windows = compileWindows(deps.cfg.alerting.maintenance);
    if (deps.carry) {
      ({ open: this.open, resolved: this.resolved, intents: this.intents, firstSeen: this.firstSeen, unsaved: this.unsaved, undeleted: this.undeleted, nextMemoryId: this.nextMemoryId } = deps.carry);
      return;
    }
    this.open = new Map(deps.store.openAlerts().map((a) => [a.fingerprint, a]));
    this.intents = deps.store.lastIntents();
    // Alerts resolved while their firing was notified, but whose resolution was not queued yet (faults C9).
    const told = new Set([...this.intents.values()].flatMap((i) => i.firing));
    this.resolved = new Map(deps.store.recentResolved(deps.now() - RESOLVED_MEMORY_MS).filter((a) => told.has(a.fingerprint)).map((a) => [a.fingerprint, a]));
    this.firstSeen = new Map();
    this.unsaved = new Map();
    this.undeleted = new Set();
    this.nextMemoryId = -1;
  }

  /** Everything this pipeline holds, for the one that replaces it. */
  memory(): PipelineMemory {
    return { open: this.open, resolved: this.resolved, intents: this.intents, firstSeen: this.firstSeen, unsaved: this.unsaved, undeleted: this.undeleted, nextMemoryId: this.nextMemoryId };
  }

  /** Open alerts (pending and firing), oldest first: stored ones by id, then those only in memory. */
  openAlerts(): AlertRow[] {
    const order = (a: AlertRow) => (a.id > 0 ? a.id : Number.MAX_SAFE_INTEGER + a.id);
    return [...this.open.values()].sort((a, b) => order(a) - order(b));
  }

  /** Alert changes only in memory (the store refused them). */
  unsavedCount(): number {
    return this.unsaved.size + this.undeleted.size;
  }

  hasUnsaved(): boolean {
    return this.unsavedCount() > 0;
  }

  /** Stores what memory holds that the store does not; returns whether everything is stored now. */
  persist(): boolean {
    if (!this.hasUnsaved()) return true;
    const { store } = this.deps;
    const rows = [...this.unsaved.values()];
    const deletes = [...this.undeleted];
    // One transaction: an evaluation is stored whole or not at all.
    const r = this.gate.attempt(() => store.transaction(() => {
      for (const id of deletes) store.deleteAlert(id);
      return rows.map((a) => store.saveAlert(a));
    }));
    if (!r.ok) return false;
    rows.forEach((a, i) => {
      this.unsaved.delete(a.id);
      a.id = r.value[i]!; // the same object the maps hold: ids are set only once the transaction committed
    });
    for (const id of deletes) this.undeleted.delete(id);
    return true;
  }

  /** Applies one evaluation; returns whether some rule is failing below its threshold (confirm soon). */
  observe(results: readonly RuleResult[], scope: EvaluationScope): { confirming: boolean } {
    const now = this.deps.now();
    const step = stepAlerts(this.open, results, scope, (rule) => ruleSettings(this.deps.cfg.alerting, rule), now);
    if (step.changed.length || step.dropped.length) {
      // Memory first: the decision stands whether or not the store takes it now.
      for (const a of step.dropped) {
        this.open.delete(a.fingerprint);
        if (a.id > 0) this.undeleted.add(a.id);
        this.unsaved.delete(a.id);
      }
      for (const a of step.changed) {
        if (a.id === 0) a.id = this.nextMemoryId--;
        this.unsaved.set(a.id, a);
        if (a.state === 'resolved') {
          this.open.delete(a.fingerprint);
          this.resolved.set(a.fingerprint, a);
        } else this.open.set(a.fingerprint, a);
      }
      this.persist();
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
    // Silences and acks come from the CLI through the store; a store that cannot be read keeps the last ones.
    try {
      this.silences = store.activeSilences(now);
      for (const [id, ack] of store.acks()) {
        for (const a of this.open.values()) if (a.id === id) Object.assign(a, ack);
      }
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'cannot read silences and acks; using the last ones read');
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
      (this.deps.outbox ?? store).enqueue({ groupKey: p.groupKey, receiver: p.receiver, payload: JSON.stringify(batch), firing: firingIds, resolved: resolvedIds, now });
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
