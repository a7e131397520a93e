/**
 * Alert timelines on a manual clock (Alertmanager-style acceptance tests): at t do X, expect exactly these
 * notifications per receiver, and fail on extras.
 */
import { describe, expect, test } from 'vitest';
import { parseMatcher } from '../../src/alerts/matchers.js';
import { createHarness, polls } from '../support/alert-harness.js';
import { useTempStores } from '../support/temp-store.js';

const newStore = useTempStores('mhm-alerts-');
const S = 1_000;
const M = 60 * S;
const H = 60 * M;

describe('lifecycle and thresholds', () => {
  test('3 failures to fire, group_wait, one notification; 2 passes to resolve, one resolved at once', async () => {
    const h = createHarness(newStore());
    await polls(h, 10 * S, { crashy: 'critical' }); // 2 failed polls: nothing yet
    expect(h.alerts.openAlerts().map((a) => a.state)).toEqual(['pending']);
    await polls(h, 5 * S, { crashy: 'critical' }); // 3rd: firing; group_wait 5 s
    expect(h.alerts.openAlerts().map((a) => a.state)).toEqual(['firing']);
    await polls(h, 30 * S, { crashy: 'critical' });
    const team = h.receivers.get('team')!;
    expect(team.summary()).toEqual(['firing firing:crashy resolved:']);
    expect(team.got[0]!.at - h.clock.now()).toBeGreaterThan(-40 * S);
    await polls(h, 5 * S, { crashy: 'ok' });
    expect(team.got).toHaveLength(1); // one pass is not enough
    await polls(h, 5 * S, { crashy: 'ok' });
    expect(team.summary()).toEqual(['firing firing:crashy resolved:', 'resolved firing: resolved:crashy']);
    await polls(h, 10 * M, { crashy: 'ok' });
    expect(team.got).toHaveLength(2);
  });

  test('A12 a server flapping on every poll for an hour: its per-cycle alerts never fire, one server.flapping alert is raised once', async () => {
    const h = createHarness(newStore());
    for (let i = 0; i < 720; i++) { // one hour of 5 s polls
      h.poll({ flappy: i % 2 ? 'ok' : 'critical' });
      await h.clock.advance(5 * S);
      h.pipeline.dispatch();
    }
    await h.run(S);
    const team = h.receivers.get('team')!;
    expect(team.got.map((g) => g.batch.alerts.map((a) => `${a.rule}:${a.status}`).join(' '))).toEqual(['server.flapping:firing']);
    expect(team.got[0]!.batch.alerts[0]!.summary).toMatch(/^flappy: flapping: \d+ state changes \(up ↔ down\) in the last 10m/);
    expect(h.alerts.recentResolved(0)).toEqual([]); // pending server.status episodes that never fired are not history
  });

  test('A13 a hub whose process restarts every 20 s for 5 min: one notification, one resolved after it is stable, never one per restart', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { a: 'ok' });
    const restarts = 15;
    for (let r = 0; r < restarts; r++) {
      // Down ~3 s: the slot's poll and the collector's confirmations at +1.1 s and +2.2 s all fail...
      h.poll({}, false);
      await h.run(1_100);
      h.poll({}, false);
      await h.run(1_100);
      h.poll({}, false);
      await h.run(2_800);
      // ...then it answers for the rest of the 20 s.
      await polls(h, 15 * S, { a: 'ok' });
    }
    const team = h.receivers.get('team')!;
    expect(team.summary()).toEqual(['firing firing:hub.reachable resolved:']); // held firing through the flapping
    await polls(h, 3 * M, { a: 'ok' });
    expect(team.got.map((g) => g.batch.status)).toEqual(['firing', 'resolved']);
    expect(h.alerts.openAlerts()).toEqual([]);
  });

  test('a single failed poll sends nothing', async () => {
    const h = createHarness(newStore());
    await polls(h, 5 * S, {}, false);
    await polls(h, 10 * M, {});
    expect(h.receivers.get('team')!.got).toEqual([]);
  });

  test('for: pending for 1 min before firing; keep_firing_for holds a firing alert after it clears', async () => {
    const h = createHarness(newStore(), (c) => { c.alerting.for = M; c.alerting.keep_firing_for = 2 * M; });
    await polls(h, 55 * S, { s: 'critical' });
    expect(h.alerts.openAlerts()[0]!.state).toBe('pending');
    await polls(h, 15 * S, { s: 'critical' });
    expect(h.alerts.openAlerts()[0]!.state).toBe('firing');
    await polls(h, 60 * S, { s: 'ok' });
    expect(h.alerts.openAlerts()[0]!.state).toBe('firing'); // within keep_firing_for
    await polls(h, 65 * S, { s: 'ok' });
    expect(h.alerts.openAlerts()).toEqual([]);
  });

  test('an absent metric (no_data) never fires, and a down hub holds its servers\' alerts rather than resolving them', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { a: 'critical' });
    expect(h.alerts.openAlerts().map((x) => [x.rule, x.state])).toEqual([['server.status', 'firing']]);
    await polls(h, 30 * S, {}, false); // hub unreachable: server unknown
    expect(h.alerts.openAlerts().find((x) => x.rule === 'server.status')?.state).toBe('firing');
  });
});

describe('grouping, inhibition, repeat', () => {
  test('20 servers down at once: one grouped notification listing all 20, then one resolved', async () => {
    const h = createHarness(newStore());
    const down = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`s${String(i).padStart(2, '0')}`, 'critical' as const]));
    await polls(h, 60 * S, down);
    const team = h.receivers.get('team')!;
    expect(team.got).toHaveLength(1);
    expect(team.got[0]!.batch.alerts).toHaveLength(20);
    await polls(h, 20 * S, Object.fromEntries(Object.keys(down).map((k) => [k, 'ok' as const])));
    expect(team.got.map((g) => g.batch.status)).toEqual(['firing', 'resolved']);
    expect(team.got[1]!.batch.alerts.filter((a) => a.status === 'resolved')).toHaveLength(20);
  });

  test('C7 hub down inhibits the server alerts it causes; the hub alert alone is notified', async () => {
    const h = createHarness(newStore());
    await polls(h, 10 * S, { a: 'critical', b: 'critical' }, true); // servers start failing (pending)
    await polls(h, 60 * S, {}, false); // then the hub goes away
    await polls(h, 10 * S, { a: 'critical', b: 'critical' }, true); // it answers again, servers still dead: they fire...
    const team = h.receivers.get('team')!;
    expect(team.got).toHaveLength(1);
    expect(team.got[0]!.batch.alerts.map((a) => a.rule)).toEqual(['hub.reachable']);
    // ...but the hub alert needs 2 passes to resolve; until then they stay inhibited, then both go out.
    await polls(h, 6 * M, { a: 'critical', b: 'critical' }, true);
    expect(team.got.map((g) => g.batch.alerts.map((a) => `${a.rule}:${a.status}`).join(' '))).toEqual([
      'hub.reachable:firing',
      'server.status:firing server.status:firing hub.reachable:resolved',
    ]);
  });

  test('repeat_interval reminds while firing; an acked alert is not repeated', async () => {
    const h = createHarness(newStore(), (c) => { c.alerting.repeat_interval = H; });
    await polls(h, 30 * S, { a: 'critical' });
    await polls(h, H + M, { a: 'critical' });
    const team = h.receivers.get('team')!;
    expect(team.got).toHaveLength(2);
    const [open] = h.alerts.openAlerts();
    h.alerts.ack(open!.id, 'me', 'on it', h.clock.now());
    await polls(h, 2 * H, { a: 'critical' });
    expect(team.got).toHaveLength(2);
  });
});

describe('silences, maintenance, escalation', () => {
  test('a silence matching the server mutes its notifications; another server still notifies', async () => {
    const h = createHarness(newStore());
    h.alerts.addSilence({ matchers: [parseMatcher('server=~"a.*"')], startsAt: h.clock.now(), endsAt: h.clock.now() + H, comment: 'deploy', createdBy: 'me', createdAt: h.clock.now() });
    await polls(h, 60 * S, { api: 'critical', db: 'critical' });
    expect(h.receivers.get('team')!.summary()).toEqual(['firing firing:db resolved:']);
  });

  test('a maintenance window (cron + duration) mutes matching alerts only while it lasts', async () => {
    const h = createHarness(newStore(), (c) => { c.alerting.maintenance = [{ cron: '0 0 * * *', duration: 30 * M, matchers: [], comment: 'nightly' }]; });
    // The clock starts at 2026-11-25T00:00:00Z: inside the window.
    await polls(h, 20 * M, { a: 'critical' });
    expect(h.receivers.get('team')!.got).toEqual([]);
    await polls(h, 11 * M, { a: 'critical' });
    expect(h.receivers.get('team')!.summary()).toEqual(['firing firing:a resolved:']);
  });

  test('escalation: warning to the team at once, to the pager after 4 h only while unacked', async () => {
    const h = createHarness(newStore(), (c) => {
      c.alerting.repeat_interval = 24 * H;
      c.alerting.routes = { critical: [], info: [], warning: [{ after: 0, receivers: ['team'], unacked_only: false }, { after: 4 * H, receivers: ['pager'], unacked_only: true }] };
    }, ['team', 'pager']);
    await polls(h, 30 * S, { a: 'warning' });
    expect(h.receivers.get('team')!.got).toHaveLength(1);
    await polls(h, 4 * H, { a: 'warning' });
    expect(h.receivers.get('pager')!.summary()).toEqual(['firing firing:a resolved:']);
    await polls(h, 20 * S, { a: 'ok' });
    expect(h.receivers.get('pager')!.got.map((g) => g.batch.status)).toEqual(['firing', 'resolved']);
    expect(h.receivers.get('team')!.got.map((g) => g.batch.status)).toEqual(['firing', 'resolved']);
  });

  test('escalation is skipped once acked', async () => {
    const h = createHarness(newStore(), (c) => {
      c.alerting.routes = { critical: [], info: [], warning: [{ after: 0, receivers: ['team'], unacked_only: false }, { after: H, receivers: ['pager'], unacked_only: true }] };
    }, ['team', 'pager']);
    await polls(h, 30 * S, { a: 'warning' });
    h.alerts.ack(h.alerts.openAlerts()[0]!.id, 'me', '', h.clock.now());
    await polls(h, 2 * H, { a: 'warning' });
    expect(h.receivers.get('pager')!.got).toEqual([]);
  });
});

describe('restarts and delivery', () => {
  test('C8 restarting the daemon 5 times within repeat_interval re-notifies nothing; the alert is still firing', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { a: 'critical' });
    for (let i = 0; i < 5; i++) {
      h.restart();
      await polls(h, 30 * S, { a: 'critical' });
      expect(h.alerts.openAlerts().map((x) => x.state)).toEqual(['firing']);
    }
    expect(h.receivers.get('team')!.got).toHaveLength(1);
  });

  test('C9 resolved while the daemon was down: one resolved notification within 2 polls of the start', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { a: 'critical' });
    await h.clock.advance(30 * M); // the daemon is down
    h.restart();
    await polls(h, 10 * S, { a: 'ok' });
    expect(h.receivers.get('team')!.summary()).toEqual(['firing firing:a resolved:', 'resolved firing: resolved:a']);
  });

  test('F8 a group that changes 45 times (the same states again and again): 45 notifications, 45 Idempotency-Keys; the dedup key, PagerDuty\'s incident, stays the group\'s', async () => {
    // Flapping detection off: it would fold the cycles into one alert, and the group would stop changing.
    const h = createHarness(newStore(), (c) => { c.alerting.group_interval = 10 * S; c.alerting.flapping.changes = 1_000; });
    const team = h.receivers.get('team')!;
    for (let cycle = 0; team.got.length < 45 && cycle < 100; cycle++) {
      await polls(h, 30 * S, { crashy: 'critical', steady: 'ok' });
      await polls(h, 30 * S, { crashy: 'ok', steady: 'ok' });
    }
    // The same two states again and again: a key of the content alone would repeat.
    expect(new Set(team.summary().slice(0, 45))).toEqual(new Set(['firing firing:crashy resolved:', 'resolved firing: resolved:crashy']));
    const batches = team.got.slice(0, 45).map((g) => g.batch);
    expect(new Set(batches.map((b) => b.idempotencyKey)).size).toBe(45);
    expect(new Set(batches.map((b) => b.dedupKey)).size).toBe(1);
  });

  test('F8 a notification retried across a restart keeps its Idempotency-Key (derived from the stored entry); the next notification gets a new one', async () => {
    const h = createHarness(newStore());
    const team = h.receivers.get('team')!;
    team.answer = () => ({ kind: 'retry', error: 'no complete response within 10s' });
    await polls(h, 30 * S, { a: 'critical' });
    expect(team.tried.length).toBeGreaterThanOrEqual(2);
    h.restart(); // a fresh pipeline and deliverer on the same store: nothing carried over in memory
    team.answer = () => ({ kind: 'sent', status: 200 });
    await polls(h, 10 * M, { a: 'critical' });
    expect(team.got).toHaveLength(1);
    expect(new Set(team.tried.map((b) => b.idempotencyKey))).toEqual(new Set([team.got[0]!.batch.idempotencyKey]));
    await polls(h, 30 * S, { a: 'ok' });
    expect(team.summary()).toEqual(['firing firing:a resolved:', 'resolved firing: resolved:a']);
    expect(team.got[1]!.batch.idempotencyKey).not.toBe(team.got[0]!.batch.idempotencyKey);
    expect(team.got[1]!.batch.dedupKey).toBe(team.got[0]!.batch.dedupKey);
  });

  test('C1 a receiver answering 500 is retried with backoff and gets the notification once it recovers', async () => {
    const h = createHarness(newStore());
    const team = h.receivers.get('team')!;
    let calls = 0;
    team.answer = () => (++calls <= 3 ? { kind: 'retry', error: 'HTTP 500', status: 500 } : { kind: 'sent', status: 200 });
    await polls(h, 2 * M, { a: 'critical' });
    expect(calls).toBe(4);
    expect(team.got).toHaveLength(1);
  });

  test('C6 receiver down while the group changes: on recovery it gets one message with the current state', async () => {
    const h = createHarness(newStore(), (c) => { c.alerting.group_interval = 10 * S; });
    const team = h.receivers.get('team')!;
    let down = true;
    team.answer = () => (down ? { kind: 'retry', error: 'refused' } : { kind: 'sent' });
    await polls(h, 30 * S, { a: 'critical', b: 'ok' });
    await polls(h, 30 * S, { a: 'critical', b: 'critical' });
    await polls(h, 30 * S, { a: 'ok', b: 'critical' });
    down = false;
    await polls(h, 6 * M, { a: 'ok', b: 'critical' });
    expect(team.summary()).toEqual(['firing firing:b resolved:a']);
  });

  test('C2 a 4xx fails permanently, not retried; notifier.broken goes to the other receiver', async () => {
    const h = createHarness(newStore(), () => {}, ['bad', 'good']);
    let badCalls = 0;
    h.receivers.get('bad')!.answer = () => { badCalls++; return { kind: 'failed', error: 'HTTP 404', status: 404 }; };
    await polls(h, 2 * M, { a: 'critical' });
    expect(badCalls).toBe(1);
    const good = h.receivers.get('good')!;
    expect(good.got.flatMap((g) => g.batch.alerts.map((a) => a.rule)).sort()).toEqual(['notifier.broken', 'server.status']);
  });

  test('C3 a receiver\'s rate limit holds: groups due together go out at least its interval apart', async () => {
    const h = createHarness(newStore(), (c) => { c.alerting.group_by = ['hub', 'server']; });
    const team = h.receivers.get('team')!;
    team.minIntervalMs = 3_000;
    await polls(h, M, { a: 'critical', b: 'critical', c: 'critical' });
    expect(team.got).toHaveLength(3);
    const at = team.got.map((g) => g.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(3_000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(3_000);
  });

  test('C3 429 with Retry-After waits the hinted delay', async () => {
    const h = createHarness(newStore());
    const team = h.receivers.get('team')!;
    const at: number[] = [];
    team.answer = () => { at.push(h.clock.now()); return at.length === 1 ? { kind: 'retry', error: 'HTTP 429', status: 429, retryAfterMs: 7_000 } : { kind: 'sent' }; };
    await polls(h, M, { a: 'critical' });
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(7_000);
    expect(at[1]! - at[0]!).toBeLessThanOrEqual(8_000);
  });
});
