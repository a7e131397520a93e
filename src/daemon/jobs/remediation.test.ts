/**
 * The remediation job on a manual clock, with effects a test controls: it acts on a firing alert once a
 * second without waiting for the action, never starts a second one on the same target meanwhile, records
 * every outcome, raises its alerts, reads its history (a give-up) back from the store at start, records a
 * dry run without acting, and aborts what runs when it stops.
 */
import { expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import type { NewEvent, StoredEvent } from '../../model/events.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import type { AlertRow, SilenceRow } from '../../store/alert-store.js';
import { alertRow } from '../../../test/support/alert-rows.js';
import type { Outcome } from '../remediate.js';
import { remediationJob, type RemediationEffects } from './remediation.js';

const HUB = 'http://127.0.0.1:7000';
const quiet = { info() {}, warn() {}, error() {} };

function cfgWith(over: Partial<MonitorConfig['remediation']> = {}): MonitorConfig {
  const cfg = defaultConfig();
  return { ...cfg, remediation: { ...cfg.remediation, enabled: true, ...over } };
}

/** A dead server's firing status alert, its value as the evaluator gives it. */
function dead(server: string, firedAt: number): AlertRow {
  return { ...alertRow('server.status', { server, firedAt }), value: 'dead', summary: `${server}: dead while the hub says connected` };
}

function harness(o: { cfg?: MonitorConfig; stored?: StoredEvent[]; silences?: SilenceRow[] } = {}) {
  const clock = new ManualClock();
  const open: AlertRow[] = [];
  const recorded: NewEvent[] = [];
  const observed: { results: RuleResult[]; scope: EvaluationScope }[] = [];
  const calls: { server: string; signal: AbortSignal; finish: (o: Outcome) => void }[] = [];
  const effects: RemediationEffects = {
    healServer: (_hub, server, signal) => new Promise((resolve) => { calls.push({ server, signal, finish: resolve }); }),
    restartHub: () => Promise.resolve({ result: 'done', detail: 'the command exited 0', durationMs: 1 }),
    onRegression: () => Promise.resolve({ result: 'done', detail: 'the command exited 0', durationMs: 1 }),
  };
  const job = remediationJob({
    cfg: o.cfg ?? cfgWith(), clock, log: quiet, effects,
    store: { queryEvents: () => o.stored ?? [] },
    silences: () => o.silences ?? [], openAlerts: () => open,
    observe: (results, scope) => observed.push({ results, scope }),
    hubs: () => [{ url: HUB, lastPollOk: true }], record: (events) => recorded.push(...events),
  });
  /** What the last pass said about the remediation alerts of the hub. */
  const alerts = () => observed.filter((x) => x.scope.hub === HUB).at(-1)?.results.map((r) => [r.rule, r.labels.server, r.status, r.summary]);
  return { clock, open, recorded, observed, calls, job, alerts };
}

test('heals a dead server once a second pass sees it, not twice while the heal runs; records the outcome and fires remediation.action', async () => {
  const h = harness();
  h.job.start();
  h.open.push(dead('crashy', h.clock.now()));
  await h.clock.advance(1_000);
  expect(h.calls.map((c) => c.server)).toEqual(['crashy']);
  await h.clock.advance(5_000); // the heal is still running: nothing new starts, nothing is recorded yet
  expect(h.calls).toHaveLength(1);
  expect(h.recorded).toEqual([]);
  h.calls[0]!.finish({ result: 'healed', detail: 'stopped and started through the hub; the new child answers a probe in 4ms', durationMs: 5_400 });
  await h.clock.advance(0);
  expect(h.recorded).toEqual([{
    hub: HUB, t: h.clock.now(), type: 'remediation', server: 'crashy',
    data: {
      action: 'heal_server', target: 'crashy', why: 'crashy: dead while the hub says connected', who: 'rule server.status', dryRun: false, result: 'healed',
      rule: 'server.status', incident: expect.stringMatching(/@/), detail: 'stopped and started through the hub; the new child answers a probe in 4ms', durationMs: 5_400,
    },
  }]);
  await h.clock.advance(1_000);
  expect(h.alerts()).toEqual([['remediation.action', 'crashy', 'warning', 'healing server crashy: healed: stopped and started through the hub; the new child answers a probe in 4ms']]);
  // The server is fine again: the outcome still fires for a minute after it ended (told whatever group_wait), then not.
  h.open.length = 0;
  await h.clock.advance(58_000);
  expect(h.alerts()).toHaveLength(1);
  await h.clock.advance(1_000);
  expect(h.alerts()).toEqual([]);
  expect(h.calls).toHaveLength(1);
  await h.job.stop();
});

test('a give-up read back from the store holds after a restart: no heal, remediation.gave_up fires at once', async () => {
  const clock = new ManualClock();
  const gaveUpAt = clock.now() - 10 * 60_000;
  const stored: StoredEvent[] = [{
    id: 1, hub: HUB, t: gaveUpAt, type: 'remediation', server: 'crashy',
    data: { action: 'heal_server', target: 'crashy', why: 'crashy: dead', who: 'rule server.status', dryRun: false, result: 'gave_up', detail: 'healing server crashy: gave up after 3 attempts within an hour' },
  }];
  const h = harness({ stored });
  h.open.push(dead('crashy', gaveUpAt - 60_000));
  h.job.start();
  await h.clock.advance(1_000);
  expect(h.calls).toEqual([]);
  expect(h.alerts()).toEqual([['remediation.gave_up', 'crashy', 'critical', 'healing server crashy: gave up after 3 attempts within an hour']]);
  await h.job.stop();
});

test('a silence over the alert holds it; a dry run records what it would do and does nothing', async () => {
  const silenced = harness({ silences: [{ id: 3, matchers: [{ name: 'server', value: 'crashy', regex: false, negative: false }], startsAt: 0, endsAt: Number.MAX_SAFE_INTEGER, comment: '', createdBy: 'me', createdAt: 0, expiredAt: null }] });
  silenced.open.push(dead('crashy', silenced.clock.now()));
  silenced.job.start();
  await silenced.clock.advance(3_000);
  expect(silenced.calls).toEqual([]);
  expect(silenced.recorded).toEqual([]);
  await silenced.job.stop();

  const dry = harness({ cfg: cfgWith({ dry_run: true }) });
  dry.open.push(dead('crashy', dry.clock.now()));
  dry.job.start();
  await dry.clock.advance(3_000);
  expect(dry.calls).toEqual([]);
  expect(dry.recorded.map((e) => e.type === 'remediation' && [e.data.result, e.data.dryRun, e.data.detail])).toEqual([['dry_run', true, 'dry run: would stop and start it through the hub, then probe it']]);
  expect(dry.alerts()).toEqual([]);
  await dry.job.stop();
});

test('stop aborts a heal in progress and waits for its record', async () => {
  const h = harness();
  h.open.push(dead('crashy', h.clock.now()));
  h.job.start();
  await h.clock.advance(1_000);
  const call = h.calls[0]!;
  call.signal.addEventListener('abort', () => call.finish({ result: 'failed', detail: 'stop failed: aborted', durationMs: 10 }));
  await h.job.stop();
  expect(call.signal.aborted).toBe(true);
  expect(h.recorded.map((e) => e.type === 'remediation' && e.data.result)).toEqual(['failed']);
});
