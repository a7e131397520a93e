/**
 * The daemon's alerting: every poll and probe round is evaluated (check's own evaluators, so the daemon
 * alerts on exactly what `check` reports) into the alert pipeline, transitions are stored as events, and the
 * deliverer sends what the outbox holds. Its timers are jobs of their own (jobs/dispatch.ts,
 * jobs/alert-evaluation.ts, jobs/heartbeat.ts), built by the composition root over this public interface.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { AlertPipeline, type PipelineMemory } from '../alerts/pipeline.js';
import { Deliverer } from '../alerts/deliver.js';
import { Outbox } from '../alerts/outbox.js';
import { deadEvidenceScope, metaScope, META_HUB, pollScope, probeScope, toRuleResults } from '../alerts/results.js';
import type { EvaluationScope, RuleResult } from '../alerts/lifecycle.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/files.js';
import { NOTIFIER_HEALTH_FILE } from '../evaluate/daemon-liveness.js';
import { evaluateHub } from '../evaluate/check.js';
import { evaluateCanaries, evaluateProbes } from '../evaluate/probes.js';
import { restartedServers } from '../evaluate/flapping.js';
import { FlapTracker } from './flap-tracker.js';
import { DeliveryCounts } from './delivery-counts.js';
import type { Notifier } from '../notify/types.js';
import { httpGet } from '../sources/http-get.js';
import type { HubSnapshot } from '../model/hub.js';
import type { CanaryResult, ProbeResult } from '../model/probe.js';
import { AlertStore, type AlertRow } from '../store/alert-store.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from './collector.js';
import { schedulePeriodic, type Periodic } from '../model/schedule.js';
import type { WriteBuffer } from './write-buffer.js';
import type { StoreHealth } from './store-health.js';
import type { DispatchTarget } from './jobs/dispatch.js';

export interface AlertingDeps {
  cfg: MonitorConfig;
  store: Store;
  clock: Clock;
  log: Logger;
  buffer: WriteBuffer;
  notifiers: ReadonlyMap<string, Notifier>;
  random?: () => number;
  /** Where notifier-health.json is written. */
  stateDir: string;
  /** Whether the store takes writes; every alerting write goes through it. */
  health: StoreHealth;
  /** What the alerting this one replaces (a config reload) held in memory. */
  carry?: AlertingMemory;
}

/** Alert state and notifications that may exist only in memory (the store refused them), kept across a reload. */
export interface AlertingMemory {
  pipeline: PipelineMemory;
  outbox: Outbox;
}

export interface RunningAlerting extends DispatchTarget {
  pipeline: AlertPipeline;
  deliverer: Deliverer;
  alertStore: AlertStore;
  outbox: Outbox;
  /** Stores what memory holds (after the store refused it); returns whether everything is stored. */
  persist(): boolean;
  /** Everything held in memory, for the alerting that replaces this one. */
  memory(): AlertingMemory;
  /** Feeds results to the pipeline; a failure to store them is logged and the daemon goes on. */
  observe(results: readonly RuleResult[], scope: EvaluationScope): void;
  /** The config file loads (undefined) or not (its error): the config.reload meta-alert. */
  noteConfigLoad(error: string | undefined): void;
  /** Open alerts (pending and firing) as memory holds them. */
  openAlerts(): AlertRow[];
  /** Open alerts for a reader that shows acknowledgements (another process writes them to the store), and the history. */
  reader(): Pick<AlertStore, 'openAlerts' | 'recentResolved' | 'firedSummary'>;
  onSnapshot(snapshot: HubSnapshot, previous: HubSnapshot | undefined): boolean;
  /** `complete`: a full round (every connected server); a partial one resolves nothing it did not probe. */
  onProbeRound(hub: string, probes: ProbeResult[], canaries: CanaryResult[], answered: boolean, complete: boolean): void;
  /**
   * A call through the tap failed with "Not connected": the server's child is dead, whatever the hub's
   * list says. Its `server.status` fires at once (the next polls judge it as usual).
   */
  onDeadEvidence(hub: string, server: string, summary: string): void;
  /** Delivery outcomes since start: receiver → outcome → count. */
  notificationCounts(): Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The time line followed a forward step of the wall clock by `ms`: every live timer moves by as much. */
  shiftTimes(ms: number): void;
  /** Stops the deliverer (its jobs are stopped first, by whoever started them). */
  stop(): Promise<void>;
}

const NOTIFY_TIMEOUT_MS = 10_000;
/** How long a stop waits for deliveries in flight. */
const STOP_DELIVERIES_MS = 500;

export function startAlerting(d: AlertingDeps): RunningAlerting {
  const { cfg, clock, log, buffer, health } = d;
  const alertStore = new AlertStore(d.store.db);
  const outbox = d.carry?.outbox ?? new Outbox(alertStore, health);
  let deliverer: Deliverer | undefined;
  const pipeline = new AlertPipeline({
    store: alertStore, cfg, now: () => clock.now(), log, outbox, gate: health, ...(d.carry ? { carry: d.carry.pipeline } : {}),
    onTransition: (t) => {
      if (t.to !== 'firing' && t.to !== 'resolved') return;
      const a = t.alert;
      buffer.write([], [{ hub: a.hub, t: clock.now(), type: `alert_${t.to}`, server: a.labels.server, data: { rule: a.rule, severity: a.severity, fingerprint: a.fingerprint, summary: a.summary } }]);
    },
    onEnqueued: () => { deliverer?.wake(); deliverer?.tick(); },
  });
  const counts = new DeliveryCounts();
  deliverer = new Deliverer({
    store: outbox, notifiers: d.notifiers, now: () => clock.now(), random: d.random, timeoutMs: NOTIFY_TIMEOUT_MS, log,
    onOutcome: (receiver, outcome) => counts.note(receiver, outcome),
    onReceiverHealth: (receiver, broken) => {
      guard(() => pipeline.observe([{
        rule: 'notifier.broken', labels: { hub: META_HUB, receiver }, status: broken ? 'warning' : 'ok',
        summary: broken ? `receiver ${receiver} rejects notifications: ${broken.error}` : `receiver ${receiver} delivers again`,
      }], metaScope('notifier.broken')));
      noteReceiverHealth(receiver, broken?.error);
    },
  });

  // Broken receivers, also in a small JSON file beside the store, so `check --expect-daemon` can say so
  // without opening SQLite (faults C2: "check shows it").
  const brokenReceivers = new Map<string, string>();
  function noteReceiverHealth(receiver: string, error: string | undefined): void {
    const had = brokenReceivers.get(receiver);
    if (error === undefined) brokenReceivers.delete(receiver);
    else brokenReceivers.set(receiver, error.slice(0, 300));
    if (had !== brokenReceivers.get(receiver)) writeReceiverHealth();
  }
  function writeReceiverHealth(): void {
    try {
      writeFileAtomic(join(d.stateDir, NOTIFIER_HEALTH_FILE), `${JSON.stringify({ at: clock.now(), broken: Object.fromEntries(brokenReceivers) })}\n`, { mode: 0o600 });
    } catch (err) {
      log.warn({ err: String(err) }, 'cannot write the notifier health file');
    }
  }

  // A new run starts with no receiver known broken: an old note would be stale.
  writeReceiverHealth();

  // A failure to persist an evaluation is logged and the daemon goes on (the next evaluation retries).
  function guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      log.warn({ err: String(err) }, 'alert evaluation could not be stored');
      return undefined;
    }
  }

  /** The monitor.store meta-alert: CRITICAL while the store refuses writes, resolved by the next write that succeeds. */
  function observeStore(): void {
    guard(() => pipeline.observe([{
      rule: 'monitor.store', labels: { hub: META_HUB }, status: health.failing ? 'critical' : 'ok', summary: health.describe(),
    }], metaScope('monitor.store')));
  }
  const persist = () => pipeline.persist() && outbox.persist();

  const flaps = new FlapTracker(() => cfg.alerting.flapping);
  return {
    pipeline,
    deliverer,
    alertStore,
    outbox,
    persist,
    memory: () => ({ pipeline: pipeline.memory(), outbox }),
    observe: (results, scope) => { guard(() => pipeline.observe(results, scope)); },
    noteConfigLoad(error) {
      guard(() => pipeline.observe([{
        rule: 'config.reload', labels: { hub: META_HUB }, status: error === undefined ? 'ok' : 'warning',
        summary: error === undefined ? 'the config file loads' : `config reload failed, the daemon runs its previous config: ${error}`,
      }], metaScope('config.reload')));
    },
    openAlerts: () => pipeline.openAlerts(),
    // Open alerts from memory while some change is only there (the store refused it).
    reader: () => ({
      openAlerts: () => (pipeline.hasUnsaved() ? pipeline.openAlerts() : alertStore.openAlerts()),
      recentResolved: (from, limit) => alertStore.recentResolved(from, limit),
      firedSummary: (a) => alertStore.firedSummary(a),
    }),
    observeStore,
    dispatch: () => { guard(() => pipeline.dispatch()); },
    deliver: () => deliverer!.tick(),
    persistIfUnsaved: () => { if (pipeline.hasUnsaved() || outbox.memoryDepth() > 0) persist(); },
    onSnapshot(snapshot, previous) {
      // "Connected, uptime 0" that one look cannot settle (just connected, or died young) is unknown to the
      // lifecycle: it neither confirms nor clears a death seen on the previous poll.
      const findings = evaluateHub(snapshot, previous, cfg).map((f) => (f.id === 'server.status' && f.value === 'unconfirmed' ? { ...f, status: 'no_data' as const } : f));
      const hub = snapshot.target.url;
      findings.push(...flaps.observe(hub, findings, restartedServers(previous, snapshot), clock.now()));
      const metricsAsked = Object.keys(snapshot.routes).length > 0;
      const r = guard(() => pipeline.observe(toRuleResults(findings), pollScope(hub, snapshot.health.ok, metricsAsked)));
      return r?.confirming ?? false;
    },
    onProbeRound(hub, probes, canaries, answered, complete) {
      const findings = [...evaluateProbes(hub, probes, cfg), ...evaluateCanaries(hub, canaries)];
      guard(() => pipeline.observe(toRuleResults(findings), probeScope(hub, answered && complete)));
    },
    onDeadEvidence(hub, server, summary) {
      guard(() => pipeline.observe([{
        rule: 'server.status', labels: { hub, server }, status: cfg.check.dead_server_severity, value: 'dead', summary, immediate: true,
      }], deadEvidenceScope(hub)));
    },
    notificationCounts: () => counts.all(),
    shiftTimes(ms) {
      guard(() => pipeline.shiftTimes(ms));
      deliverer!.shiftTimes(ms);
      flaps.shift(ms);
    },
    async stop() {
      await deliverer!.stop(STOP_DELIVERIES_MS);
    },
  };
}
