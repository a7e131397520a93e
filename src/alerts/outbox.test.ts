/**
 * The pipeline and the deliverer on a store that refuses every write (`PRAGMA query_only` on its connection
 * makes each write fail with SQLITE_READONLY, deterministically, as a full disk fails with SQLITE_FULL):
 * alerts are decided and notified from memory, and stored once the store takes writes again, without a
 * second notification (issue I item 1, faults F1).
 */
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { ManualClock } from '../model/clock.js';
import { AlertStore } from '../store/alert-store.js';
import type { Store } from '../store/store.js';
import { directGate } from '../store/write-gate.js';
import { useTempStores } from '../../test/support/temp-store.js';
import { RecordingNotifier } from '../../test/support/alert-harness.js';
import { Deliverer } from './deliver.js';
import { Outbox } from './outbox.js';
import { AlertPipeline } from './pipeline.js';
import { pollScope, toRuleResults } from './results.js';

const HUB = 'http://127.0.0.1:7000';
const newStore = useTempStores('mhm-outbox-');
const log = { info() {}, warn() {} };

const refuseWrites = (s: Store) => s.db.pragma('query_only = ON');
const allowWrites = (s: Store) => s.db.pragma('query_only = OFF');

function setup(store: Store, outboxMax?: number) {
  const clock = new ManualClock();
  const cfg = defaultConfig();
  cfg.alerting.receivers = { team: { type: 'recording' } };
  const alerts = new AlertStore(store.db);
  const team = new RecordingNotifier('team', clock);
  const refused: string[] = [];
  const gate = directGate((err) => refused.push((err as { code: string }).code));
  const make = () => {
    const outbox = new Outbox(alerts, gate, outboxMax);
    let deliverer: Deliverer | undefined;
    const pipeline = new AlertPipeline({ store: alerts, cfg, now: () => clock.now(), log, outbox, gate, onEnqueued: () => deliverer?.wake() });
    deliverer = new Deliverer({ store: outbox, notifiers: new Map([['team', team]]), now: () => clock.now(), random: () => 0.5, timeoutMs: 10_000, log });
    return { outbox, pipeline, deliverer };
  };
  const h = {
    clock, alerts, team, refused, ...make(),
    poll(hubUp: boolean) {
      const findings = [{ id: 'hub.reachable', status: hubUp ? 'ok' as const : 'critical' as const, hub: HUB, message: hubUp ? 'answers' : 'connection refused' }];
      h.pipeline.observe(toRuleResults(findings), pollScope(HUB, hubUp));
    },
    async run(ms: number) {
      for (let t = 0; t < ms; t += 1_000) {
        await clock.advance(1_000);
        h.pipeline.dispatch();
        h.deliverer.tick();
        await h.deliverer.idle();
      }
    },
    restart() { Object.assign(h, make()); },
  };
  return h;
}

const rows = (s: Store, sql: string) => s.db.prepare(sql).all();

test('with every write refused, a hub going down fires and is notified from memory; once writes work it is stored whole and not notified again', async () => {
  const store = newStore();
  const h = setup(store);
  refuseWrites(store);
  for (let i = 0; i < 3; i++) h.poll(false);
  await h.run(6_000); // group_wait 5 s
  expect(h.team.summary()).toEqual(['firing firing:hub.reachable resolved:']);
  expect(h.refused.length).toBeGreaterThan(0);
  expect(h.refused.every((c) => c === 'SQLITE_READONLY')).toBe(true);
  expect(h.alerts.openAlerts()).toEqual([]); // nothing reached the store
  expect(h.pipeline.openAlerts().map((a) => [a.rule, a.state])).toEqual([['hub.reachable', 'firing']]);
  expect(h.outbox.memoryDepth()).toBe(1);

  allowWrites(store);
  expect(h.pipeline.persist() && h.outbox.persist()).toBe(true);
  expect(h.alerts.openAlerts().map((a) => [a.rule, a.state, a.id > 0])).toEqual([['hub.reachable', 'firing', true]]);
  expect(h.pipeline.openAlerts()[0]!.id).toBe(h.alerts.openAlerts()[0]!.id);
  expect(rows(store, 'SELECT state, attempts FROM outbox')).toEqual([{ state: 'delivered', attempts: 1 }]);
  expect(rows(store, 'SELECT status FROM notifications')).toEqual([{ status: 'firing' }]);
  expect(h.outbox.memoryDepth()).toBe(0);

  // A restart reads the stored alert and intent: the firing group is not notified twice.
  h.restart();
  for (let i = 0; i < 3; i++) h.poll(false);
  await h.run(60_000);
  expect(h.team.summary()).toHaveLength(1);
});

test('the resolve is decided and sent from memory too, and both episodes of an alert are stored in order', async () => {
  const store = newStore();
  const h = setup(store);
  refuseWrites(store);
  for (let i = 0; i < 3; i++) h.poll(false);
  await h.run(6_000);
  // hub.reachable keeps firing 2 min after the hub answers again (faults A13).
  for (let i = 0; i < 2; i++) h.poll(true);
  await h.run(121_000);
  h.poll(true);
  await h.run(2_000);
  expect(h.team.summary()).toEqual(['firing firing:hub.reachable resolved:', 'resolved firing: resolved:hub.reachable']);
  for (let i = 0; i < 3; i++) h.poll(false); // a second episode, still only in memory
  await h.run(6_000);
  expect(h.team.summary()).toHaveLength(3);

  allowWrites(store);
  expect(h.pipeline.persist() && h.outbox.persist()).toBe(true);
  expect(rows(store, 'SELECT rule, state FROM alerts ORDER BY id')).toEqual([{ rule: 'hub.reachable', state: 'resolved' }, { rule: 'hub.reachable', state: 'firing' }]);
  expect(rows(store, 'SELECT status FROM notifications ORDER BY id')).toEqual([{ status: 'firing' }, { status: 'resolved' }, { status: 'firing' }]);
});

test('an outcome the store refused is kept: a stored entry delivered while writes fail is not sent again, and its row is updated later', async () => {
  const store = newStore();
  const h = setup(store);
  let calls = 0;
  h.team.answer = () => { calls++; return { kind: 'retry', error: 'HTTP 503', status: 503 }; };
  for (let i = 0; i < 3; i++) h.poll(false);
  await h.run(6_000); // stored, tried and retried: pending
  const [before] = rows(store, 'SELECT state, attempts FROM outbox') as { state: string; attempts: number }[];
  expect(before).toEqual({ state: 'pending', attempts: calls });

  refuseWrites(store);
  const callsBefore = calls;
  await h.run(3_000); // a failed attempt whose retry time is kept in memory
  expect(calls).toBeGreaterThan(callsBefore);
  h.team.answer = () => { calls++; return { kind: 'sent', status: 200 }; };
  await h.run(30_000);
  expect(h.team.summary()).toEqual(['firing firing:hub.reachable resolved:']);
  const callsAtDelivery = calls;
  expect(rows(store, 'SELECT state, attempts FROM outbox')).toEqual([before]); // the store has not been told yet

  allowWrites(store);
  expect(h.outbox.persist()).toBe(true);
  expect(rows(store, 'SELECT state, attempts FROM outbox')).toEqual([{ state: 'delivered', attempts: calls }]);
  expect(rows(store, 'SELECT count(*) AS n FROM notifications')).toEqual([{ n: 1 }]);
  await h.run(60_000);
  expect(h.team.summary()).toHaveLength(1);
  expect(calls).toBe(callsAtDelivery); // delivered once, never tried again
});

test('a notification queued once writes work again follows the ones memory still holds: the store keeps their order, and the newest is the intent', () => {
  const store = newStore();
  const h = setup(store);
  const at = h.clock.now();
  refuseWrites(store);
  const first = h.outbox.enqueue({ groupKey: '{hub="a"}', receiver: 'team', payload: '{"n":1}', firing: ['f1'], resolved: [], now: at });
  expect(first).toBeLessThan(0);
  allowWrites(store);
  const second = h.outbox.enqueue({ groupKey: '{hub="a"}', receiver: 'team', payload: '{"n":2}', firing: ['f1', 'f2'], resolved: [], now: at + 1_000 });
  expect(second).toBeGreaterThan(0);
  expect(rows(store, 'SELECT payload, state FROM outbox ORDER BY id')).toEqual([{ payload: '{"n":1}', state: 'superseded' }, { payload: '{"n":2}', state: 'pending' }]);
  expect(h.alerts.lastIntents().get('{hub="a"}\0team')?.firing).toEqual(['f1', 'f2']);
  expect(h.outbox.memoryDepth()).toBe(0);
});

test('memory is bounded: beyond it the oldest notifications are dropped and counted', () => {
  const store = newStore();
  const h = setup(store, 3);
  refuseWrites(store);
  for (let i = 0; i < 5; i++) h.outbox.enqueue({ groupKey: `{hub="${i}"}`, receiver: 'team', payload: '{}', firing: [`f${i}`], resolved: [], now: h.clock.now() });
  expect(h.outbox.memoryDepth()).toBe(3);
  expect(h.outbox.dropped).toBe(2);
  expect(h.outbox.due(h.clock.now()).map((r) => r.groupKey)).toEqual(['{hub="2"}', '{hub="3"}', '{hub="4"}']);
});
