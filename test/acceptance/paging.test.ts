/**
 * Paging an operator can trust, as timelines on a manual clock: news reaches the receiver at once even in a
 * group that was already notified (never after group_interval), one fault pages once (a server's status,
 * probe and canaries inhibit each other as one fault), and a flapping server is one alert naming it and
 * its count instead of one page per cycle.
 */
import { describe, expect, test } from 'vitest';
import { createHarness, notified, polls, type Harness } from '../support/alert-harness.js';
import { useTempStores } from '../support/temp-store.js';

const newStore = useTempStores('mhm-paging-');
const S = 1_000;
const M = 60 * S;

/** A failing look as the daemon makes it: the slot's poll, then its confirmations at +1.1 s and +2.2 s. */
async function confirmedPolls(h: Harness, servers: Record<string, 'ok' | 'warning' | 'critical'>, hubUp = true): Promise<void> {
  h.poll(servers, hubUp);
  await h.run(1_100);
  h.poll(servers, hubUp);
  await h.run(1_100);
  h.poll(servers, hubUp);
}

/** Runs second by second until the receiver has `n` notifications or `limitMs` passed; returns when it got the n-th. */
async function until(h: Harness, n: number, limitMs: number): Promise<number> {
  const team = h.receivers.get('team')!;
  for (let t = 0; t <= limitMs && team.got.length < n; t += S) await h.run(S);
  return team.got[n - 1]?.at ?? Infinity;
}

/** A hub whose server `broken` (a command that does not exist) has been notified as a warning. */
async function groupWithAWarning(h: Harness, healthy: string[]): Promise<void> {
  await polls(h, 30 * S, { broken: 'warning', ...Object.fromEntries(healthy.map((n) => [n, 'ok' as const])) });
  expect(notified(h.receivers.get('team')!)).toEqual(['server.status:broken:firing']);
}

describe('a new incident never waits for group_interval', () => {
  test('with a warning notified, the hub going down reaches the receiver within 10 s; its recovery as soon as it resolves', async () => {
    const h = createHarness(newStore());
    await groupWithAWarning(h, ['everything']);
    const killedAt = h.clock.now();
    await confirmedPolls(h, {}, false);
    const at = await until(h, 2, 10 * M);
    expect(at - killedAt).toBeLessThanOrEqual(10 * S);
    expect(notified(h.receivers.get('team')!)[1]).toBe('server.status:broken:firing hub.reachable::firing');

    await polls(h, 30 * S, {}, false);
    await polls(h, 3 * M, { broken: 'warning', everything: 'ok' }); // back; keep_firing_for holds it 2 min
    const resolved = h.alerts.recentResolved(0).find((a) => a.rule === 'hub.reachable')!;
    const team = h.receivers.get('team')!;
    expect(notified(team)).toEqual(['server.status:broken:firing', 'server.status:broken:firing hub.reachable::firing', 'server.status:broken:firing hub.reachable::resolved']);
    expect(team.got[2]!.at - resolved.resolvedAt!).toBeLessThanOrEqual(S);
  });

  test('with a warning notified, a child\'s critical goes out within 10 s; a second critical (not more severe) waits for group_interval', async () => {
    const h = createHarness(newStore());
    await groupWithAWarning(h, ['a', 'b']);
    const killedAt = h.clock.now();
    await confirmedPolls(h, { broken: 'warning', a: 'critical', b: 'ok' });
    const at = await until(h, 2, 10 * M);
    expect(at - killedAt).toBeLessThanOrEqual(10 * S);
    expect(notified(h.receivers.get('team')!)[1]).toBe('server.status:broken:firing server.status:a:firing');

    await confirmedPolls(h, { broken: 'warning', a: 'critical', b: 'critical' });
    const third = await until(h, 3, 10 * M);
    expect(third - at).toBeGreaterThanOrEqual(h.cfg.alerting.group_interval - S); // counted from the enqueue, just before delivery
    expect(third - at).toBeLessThanOrEqual(h.cfg.alerting.group_interval + 2 * S);
  });

  test('with a warning notified, a hung child found by its probe is sent within 10 s, and its recovery is sent too', async () => {
    const h = createHarness(newStore());
    await groupWithAWarning(h, ['frozen']);
    const stoppedAt = h.clock.now();
    h.probe({ frozen: 'critical' });
    const at = await until(h, 2, 10 * M);
    expect(at - stoppedAt).toBeLessThanOrEqual(10 * S);
    h.probe({ frozen: 'ok' });
    await h.run(5 * S);
    h.probe({ frozen: 'ok' });
    const resolvedAt = await until(h, 3, 10 * M);
    expect(resolvedAt - at).toBeLessThanOrEqual(h.cfg.alerting.group_interval + 2 * S);
    expect(notified(h.receivers.get('team')!)).toEqual([
      'server.status:broken:firing',
      'server.status:broken:firing server.probe:frozen:firing',
      'server.status:broken:firing server.probe:frozen:resolved',
    ]);
  });

  test('a warning that turns critical (same alert, higher severity) is news: sent at once', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { a: 'warning' });
    const at = h.clock.now();
    await confirmedPolls(h, { a: 'critical' });
    expect(await until(h, 2, 10 * M) - at).toBeLessThanOrEqual(10 * S);
    expect(h.receivers.get('team')!.got[1]!.batch.alerts.map((a) => a.severity)).toEqual(['critical']);
  });

  test('the decision survives a daemon restart: after it, a warning in the group still does not delay a critical', async () => {
    const h = createHarness(newStore());
    await groupWithAWarning(h, ['a']);
    h.restart(); // the severities told are read back from the outbox
    const at = h.clock.now();
    await confirmedPolls(h, { broken: 'warning', a: 'critical' });
    expect(await until(h, 2, 10 * M) - at).toBeLessThanOrEqual(10 * S);
  });
});

describe('one fault, one page', () => {
  test('a dead server whose probe fails 40 s later pages once, and its recovery is one resolved', async () => {
    const h = createHarness(newStore());
    await polls(h, 20 * S, { crashy: 'critical' });
    await polls(h, 40 * S, { crashy: 'critical' });
    h.probe({ crashy: 'critical' });
    await polls(h, 10 * M, { crashy: 'critical' });
    expect(h.alerts.openAlerts().map((a) => `${a.rule}:${a.state}`).sort()).toEqual(['server.probe:firing', 'server.status:firing']);
    h.probe({ crashy: 'ok' });
    await polls(h, 5 * S, { crashy: 'ok' });
    h.probe({ crashy: 'ok' });
    await polls(h, 20 * S, { crashy: 'ok' });
    expect(notified(h.receivers.get('team')!)).toEqual(['server.status:crashy:firing', 'server.status:crashy:resolved']);
  });

  test('a hung child found by its probe, then seen disconnected while the probe still fails, pages once', async () => {
    const h = createHarness(newStore());
    await polls(h, 10 * S, { frozen: 'ok' });
    h.probe({ frozen: 'critical' });
    await polls(h, 30 * S, { frozen: 'ok' }); // still "connected" with a moving uptime
    h.probe({ frozen: 'critical' });
    await polls(h, 10 * M, { frozen: 'warning' }); // then the hub says disconnected: the same fault
    expect(h.alerts.openAlerts().map((a) => `${a.rule}:${a.state}`).sort()).toEqual(['server.probe:firing', 'server.status:firing']);
    expect(notified(h.receivers.get('team')!)).toEqual(['server.probe:frozen:firing']);
  });

  test('a disconnected server\'s failing canary does not page', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { api: 'warning' });
    for (let i = 0; i < 3; i++) {
      h.probe({}, { 'api/echo': 'critical' });
      await polls(h, M, { api: 'warning' });
    }
    expect(h.alerts.openAlerts().map((a) => a.rule).sort()).toEqual(['canary.call', 'server.status']);
    expect(notified(h.receivers.get('team')!)).toEqual(['server.status:api:firing']);
  });
});

describe('flapping is one alert', () => {
  test('five stop/start cycles in two minutes: the first drop pages, then one server.flapping naming the server and count, then its resolve', async () => {
    const h = createHarness(newStore());
    await polls(h, 30 * S, { crashy: 'ok', other: 'ok' });
    for (let c = 0; c < 5; c++) {
      await polls(h, 15 * S, { crashy: 'warning', other: 'ok' });
      await polls(h, 10 * S, { crashy: 'ok', other: 'ok' });
    }
    const team = h.receivers.get('team')!;
    expect(notified(team)).toEqual(['server.status:crashy:firing', 'server.status:crashy:resolved', 'server.flapping:crashy:firing']);
    expect(team.got[2]!.batch.alerts[0]!.summary).toMatch(/^crashy: flapping: \d+ state changes \(up ↔ down\) in the last 10m/);
    // Each cycle is still recorded as an alert episode (history), only not paged.
    expect(h.alerts.recentResolved(0).filter((a) => a.rule === 'server.status')).toHaveLength(5);

    await polls(h, 11 * M, { crashy: 'ok', other: 'ok' }); // steady for the whole window
    expect(notified(team)).toEqual(['server.status:crashy:firing', 'server.status:crashy:resolved', 'server.flapping:crashy:firing', 'server.flapping:crashy:resolved']);
  });

  test('flapping thresholds come from config: alerting.flapping.changes 6 lets two cycles page as usual', async () => {
    const h = createHarness(newStore(), (c) => { c.alerting.flapping.changes = 6; });
    for (let c = 0; c < 2; c++) {
      await polls(h, 15 * S, { crashy: 'warning' });
      await polls(h, 15 * S, { crashy: 'ok' });
    }
    expect(notified(h.receivers.get('team')!)).toEqual(['server.status:crashy:firing', 'server.status:crashy:resolved', 'server.status:crashy:firing', 'server.status:crashy:resolved']);
  });
});
