/**
 * An alert pipeline on a real (temp) store, a manual clock and recording receivers: timelines say "at t do
 * X" and assert exactly which notifications each receiver got (extras fail the test).
 */
import { AlertPipeline } from '../../src/alerts/pipeline.js';
import { Deliverer } from '../../src/alerts/deliver.js';
import { pollScope, probeScope, toRuleResults } from '../../src/alerts/results.js';
import type { RuleResult } from '../../src/alerts/lifecycle.js';
import { defaultConfig, type MonitorConfig } from '../../src/config/defaults.js';
import { ManualClock } from '../../src/model/clock.js';
import type { Finding } from '../../src/evaluate/types.js';
import { FlapTracker } from '../../src/daemon/flap-tracker.js';
import type { AlertBatch, Delivery, Notifier } from '../../src/notify/types.js';
import { AlertStore } from '../../src/store/alert-store.js';
import type { Store } from '../../src/store/store.js';

export const HUB = 'http://127.0.0.1:7000';

/** A receiver that records every batch it is sent and answers what `answer` says. */
export class RecordingNotifier implements Notifier {
  readonly channel = 'recording';
  minIntervalMs = 0;
  readonly got: { at: number; batch: AlertBatch }[] = [];
  /** Every attempt, delivered or not. */
  readonly tried: AlertBatch[] = [];
  answer: (batch: AlertBatch) => Delivery = () => ({ kind: 'sent', status: 200 });
  constructor(readonly name: string, private readonly clock: ManualClock) {}
  async send(batch: AlertBatch): Promise<Delivery> {
    this.tried.push(batch);
    const d = this.answer(batch);
    if (d.kind === 'sent') this.got.push({ at: this.clock.now(), batch });
    return d;
  }
  /** "firing:a,b resolved:c" per notification, for exact comparisons. */
  summary(): string[] {
    return this.got.map(({ batch }) => `${batch.status} firing:${batch.alerts.filter((a) => a.status === 'firing').map((a) => a.labels.server ?? a.rule).join(',')} resolved:${batch.alerts.filter((a) => a.status === 'resolved').map((a) => a.labels.server ?? a.rule).join(',')}`);
  }
}

export interface Harness {
  clock: ManualClock;
  cfg: MonitorConfig;
  pipeline: AlertPipeline;
  deliverer: Deliverer;
  alerts: AlertStore;
  receivers: Map<string, RecordingNotifier>;
  /** One poll's worth of findings for HUB (servers: name → status). */
  poll(servers: Record<string, 'ok' | 'warning' | 'critical'>, hubUp?: boolean): void;
  /** One probe round's findings for HUB: server.probe per server, canary.call per `server/tool`. */
  probe(servers: Record<string, 'ok' | 'critical'>, canaries?: Record<string, 'ok' | 'critical'>): void;
  /** Advances the clock second by second, running the dispatcher and deliverer each second. */
  run(ms: number): Promise<void>;
  /** A fresh pipeline on the same store (a daemon restart). */
  restart(): void;
}

export function serverFindings(servers: Record<string, 'ok' | 'warning' | 'critical'>, hubUp = true): Finding[] {
  if (!hubUp) return [{ id: 'hub.reachable', status: 'critical', hub: HUB, message: 'connection refused' }];
  return [
    { id: 'hub.reachable', status: 'ok', hub: HUB, message: 'answers' },
    ...Object.entries(servers).map(([name, status]): Finding => ({ id: 'server.status', status, hub: HUB, subject: name, message: status === 'ok' ? 'connected' : 'dead' })),
  ];
}

export function createHarness(store: Store, configure: (cfg: MonitorConfig) => void = () => {}, receiverNames = ['team']): Harness {
  const clock = new ManualClock();
  const cfg = defaultConfig();
  cfg.alerting.receivers = Object.fromEntries(receiverNames.map((n) => [n, { type: 'recording' }]));
  configure(cfg);
  const alerts = new AlertStore(store.db);
  const receivers = new Map(receiverNames.map((n) => [n, new RecordingNotifier(n, clock)]));
  const log = { info() {}, warn() {} };
  const make = () => {
    let wake = () => {};
    const pipeline = new AlertPipeline({ store: alerts, cfg, now: () => clock.now(), log, onEnqueued: () => wake() });
    const deliverer = new Deliverer({ store: alerts, notifiers: receivers, now: () => clock.now(), random: () => 0.5, timeoutMs: 10_000, log,
      onReceiverHealth: (receiver, broken) => pipeline.observe([{ rule: 'notifier.broken', labels: { hub: '', receiver }, status: broken ? 'warning' : 'ok', summary: broken?.error ?? 'ok' } as RuleResult],
        { hub: '', rules: (r) => r === 'notifier.broken', absentMeansOk: false }) });
    wake = () => deliverer.wake();
    return { pipeline, deliverer };
  };
  const flaps = new FlapTracker(() => cfg.alerting.flapping);
  const h: Harness = {
    clock, cfg, alerts, receivers, ...make(),
    poll(servers, hubUp = true) {
      // As the daemon's alerting does with each poll: check's findings plus the flapping count.
      const findings = serverFindings(servers, hubUp);
      findings.push(...flaps.observe(HUB, findings, [], clock.now()));
      h.pipeline.observe(toRuleResults(findings), pollScope(HUB, hubUp));
    },
    probe(servers, canaries = {}) {
      const findings: Finding[] = [
        ...Object.entries(servers).map(([name, status]): Finding => ({ id: 'server.probe', status, hub: HUB, subject: name, message: status === 'ok' ? 'answers' : 'no answer within 5000 ms (hung)' })),
        ...Object.entries(canaries).map(([subject, status]): Finding => ({ id: 'canary.call', status, hub: HUB, subject, message: status === 'ok' ? 'ok' : 'Not connected' })),
      ];
      h.pipeline.observe(toRuleResults(findings), probeScope(HUB, true));
    },
    async run(ms) {
      for (let t = 0; t < ms; t += 1_000) {
        await clock.advance(Math.min(1_000, ms - t));
        h.pipeline.dispatch();
        h.deliverer.tick();
        await h.deliverer.idle();
      }
    },
    restart() {
      Object.assign(h, make());
    },
  };
  return h;
}

/** Polls every 5 s for `ms`, each poll with the given servers (the daemon's default interval). */
export async function polls(h: Harness, ms: number, servers: Record<string, 'ok' | 'warning' | 'critical'>, hubUp = true): Promise<void> {
  for (let t = 0; t < ms; t += 5_000) {
    h.poll(servers, hubUp);
    await h.run(5_000);
  }
}

/** Each notification a receiver got as `rule:server:status` items, for exact comparisons. */
export function notified(r: RecordingNotifier): string[] {
  return r.got.map(({ batch }) => batch.alerts.map((a) => `${a.rule}:${a.labels.server ?? ''}:${a.status}`).join(' '));
}
