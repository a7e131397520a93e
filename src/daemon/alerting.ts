/**
 * Wires the alert pipeline into the daemon: every poll and probe round is evaluated (check's own
 * evaluators, so the daemon alerts on exactly what `check` reports), transitions are stored as events,
 * a 1 s tick runs the group timers and the deliverer, and a heartbeat URL is pinged while collecting.
 */
import type http from 'node:http';
import type { MonitorConfig } from '../config/defaults.js';
import { AlertPipeline, type PipelineMemory } from '../alerts/pipeline.js';
import { Deliverer } from '../alerts/deliver.js';
import { Outbox } from '../alerts/outbox.js';
import { metaScope, META_HUB, pollScope, probeScope, regressionScope, sloScope, toRuleResults } from '../alerts/results.js';
import { evaluateSlo, sloInputs } from '../evaluate/slo.js';
import { evaluateRegression } from '../evaluate/regression.js';
import { formatDuration } from '../config/duration.js';
import { PinnedBaselineCache } from './pinned-baseline.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/files.js';
import { NOTIFIER_HEALTH_FILE } from '../evaluate/daemon-liveness.js';
import { evaluateHub } from '../evaluate/check.js';
import { evaluateCanaries, evaluateProbes } from '../evaluate/probes.js';
import { restartedServers } from '../evaluate/flapping.js';
import { FlapTracker } from './flap-tracker.js';
import type { Notifier } from '../notify/types.js';
import { httpGet } from '../sources/http-get.js';
import type { HubSnapshot } from '../model/hub.js';
import type { CanaryResult, ProbeResult } from '../model/probe.js';
import { AlertStore } from '../store/alert-store.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from './collector.js';
import { schedulePeriodic, type Periodic } from '../model/schedule.js';
import type { WriteBuffer } from './write-buffer.js';
import type { StoreHealth } from './store-health.js';

export interface AlertingDeps {
  cfg: MonitorConfig;
  store: Store;
  clock: Clock;
  log: Logger;
  buffer: WriteBuffer;
  agent: http.Agent;
  notifiers: ReadonlyMap<string, Notifier>;
  random?: () => number;
  /** The hubs being watched. */
  hubs: () => string[];
  /** Where baselines/pinned.json lives. */
  stateDir: string;
  /** This daemon's run: it covers up to now in the SLO window's observed time, whatever its last beat. */
  runId?: number;
  /** Whether the daemon is collecting (some hub polled recently): gates the heartbeat. */
  collecting: () => boolean;
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

export interface RunningAlerting {
  pipeline: AlertPipeline;
  deliverer: Deliverer;
  alertStore: AlertStore;
  outbox: Outbox;
  /** Stores what memory holds (after the store refused it); returns whether everything is stored. */
  persist(): boolean;
  /** Everything held in memory, for the alerting that replaces this one. */
  memory(): AlertingMemory;
  onSnapshot(snapshot: HubSnapshot, previous: HubSnapshot | undefined): boolean;
  /** `complete`: a full round (every connected server); a partial one resolves nothing it did not probe. */
  onProbeRound(hub: string, probes: ProbeResult[], canaries: CanaryResult[], answered: boolean, complete: boolean): void;
  /** Delivery outcomes since start: receiver → outcome → count. */
  notificationCounts(): Record<string, Record<string, number>>;
  /** The time line followed a forward step of the wall clock by `ms`: every live timer moves by as much. */
  shiftTimes(ms: number): void;
  stop(): Promise<void>;
}

const NOTIFY_TIMEOUT_MS = 10_000;

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
  const counts: Record<string, Record<string, number>> = {};
  deliverer = new Deliverer({
    store: outbox, notifiers: d.notifiers, now: () => clock.now(), random: d.random, timeoutMs: NOTIFY_TIMEOUT_MS, log,
    onOutcome: (receiver, outcome) => {
      const r = (counts[receiver] ??= {});
      r[outcome] = (r[outcome] ?? 0) + 1;
    },
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

  const timers: Periodic[] = [schedulePeriodic({
    periodMs: 1_000, clock, immediate: false,
    run: async () => {
      observeStore();
      guard(() => pipeline.dispatch());
      deliverer!.tick();
      if (pipeline.hasUnsaved() || outbox.memoryDepth() > 0) persist();
    },
  })];
  // SLOs: every minute, per hub, the ratios the burn-rate windows need, from raw samples up to 6 h and
  // from the 1-minute rollups beyond.
  timers.push(schedulePeriodic({
    periodMs: 60_000, clock, immediate: false,
    run: async () => {
      const now = clock.now();
      for (const hub of d.hubs()) {
        const run = d.runId === undefined ? {} : { currentRunId: d.runId };
        const inputs = sloInputs((name, from, to) => d.store.ratioOver(hub, name, from, to), (name, from, to) => d.store.observedMs(hub, name, from, to, run), cfg.slo, now);
        guard(() => pipeline.observe(toRuleResults(evaluateSlo(hub, inputs, cfg.slo)), sloScope(hub)));
      }
    },
  }));
  // Regression detection: every interval, the last window's latencies against the pinned baseline.
  const pinned = new PinnedBaselineCache(d.stateDir, (message) => log.warn({ message }, 'pinned baseline unreadable; no regression detection until it is fixed'));
  timers.push(schedulePeriodic({
    periodMs: cfg.regression.intervalMs, clock, immediate: false,
    run: async () => {
      const base = pinned.get();
      if (!base) return;
      const now = clock.now();
      const from = now - cfg.regression.windowMs;
      for (const hub of d.hubs()) {
        const ref = base.byHub.get(hub) ?? base.only;
        const values = (rows: { v: number | null }[]) => rows.flatMap((r) => (r.v === null ? [] : [r.v]));
        const probes = new Map<string, number[]>();
        for (const r of d.store.samplesOfName(hub, 'server.probe_latency_ms', from, now + 1)) {
          const server = r.labels.server;
          if (server !== undefined && r.v !== null) probes.set(server, [...(probes.get(server) ?? []), r.v]);
        }
        const live = { health: values(d.store.samplesOfName(hub, 'hub.health_latency_ms', from, now + 1)), probes };
        const findings = evaluateRegression(hub, base.name, ref, live, { tolerance: cfg.regression.tolerance, windowLabel: formatDuration(cfg.regression.windowMs) });
        guard(() => pipeline.observe(toRuleResults(findings), regressionScope(hub)));
      }
    },
  }));
  const hb = cfg.alerting.heartbeat;
  if (hb.url) {
    timers.push(schedulePeriodic({
      periodMs: hb.intervalMs, clock,
      run: async () => {
        if (!d.collecting()) return; // silence is the signal: the receiving side alerts on a missed ping
        const res = await httpGet(hb.url, { timeoutMs: NOTIFY_TIMEOUT_MS, maxBytes: 64 * 1024, agent: hb.url.startsWith('http:') ? d.agent : undefined });
        if (!res.ok || res.status >= 400) log.warn({ failure: res.ok ? `HTTP ${res.status}` : res.failure }, 'heartbeat ping failed');
      },
    }));
  }

  const flaps = new FlapTracker(() => cfg.alerting.flapping);
  return {
    pipeline,
    deliverer,
    alertStore,
    outbox,
    persist,
    memory: () => ({ pipeline: pipeline.memory(), outbox }),
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
    notificationCounts: () => counts,
    shiftTimes(ms) {
      guard(() => pipeline.shiftTimes(ms));
      deliverer!.shiftTimes(ms);
      flaps.shift(ms);
    },
    async stop() {
      await Promise.all(timers.map((t) => t.stop()));
      await deliverer!.stop(500);
    },
  };
}
