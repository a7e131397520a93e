/**
 * The dedup stage as a case table, like Alertmanager's TestDedupStageNeedsUpdate: for what a receiver was
 * last told and what fires now, does it get a notification now? Each row's name says the answer.
 */
import { describe, expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import type { AlertRow, Intent } from '../store/alert-store.js';
import { alertRow, HUB, OTHER_HUB, resolvedAt, T0 } from '../../test/support/alert-rows.js';
import { groupKeyOf, planNotifications, receiversFor, type PlannedNotification } from './dispatch.js';

const defaults = defaultConfig().alerting;
// The timers under test, read once from the defaults (5 s, 5 min, 4 h).
const GROUP_WAIT = defaults.group_wait;
const GROUP_INTERVAL = defaults.group_interval;
const REPEAT = defaults.repeat_interval;

function alertingConfig(receivers: string[] = ['team']): MonitorConfig['alerting'] {
  const cfg = defaultConfig().alerting;
  cfg.receivers = Object.fromEntries(receivers.map((n) => [n, { type: 'recording' }]));
  return cfg;
}

const keyOf = (a: AlertRow, receiver = 'team') => `${groupKeyOf(a, defaults.group_by)}\0${receiver}`;

/** The intent a receiver holds after being told `firing` at `at`. */
function intent(firing: readonly AlertRow[], at: number): Intent {
  return { firing: firing.map((a) => a.fingerprint), resolved: [], createdAt: at, severities: Object.fromEntries(firing.map((a) => [a.fingerprint, a.severity])) };
}

/** "firing:a,b resolved:c" (server, else rule) for one planned notification. */
const says = (p: PlannedNotification) => `firing:${p.firing.map((a) => a.labels.server ?? a.rule).join(',')} resolved:${p.resolved.map((a) => a.labels.server ?? a.rule).join(',')}`;

const warn = (server: string) => alertRow('server.status', { server, severity: 'warning' });
const crit = (server: string) => alertRow('server.status', { server, severity: 'critical' });
const acked = (a: AlertRow): AlertRow => ({ ...a, ackedAt: T0 + 1, ackedBy: 'alice' });
const HUB_DOWN = alertRow('hub.reachable', { severity: 'critical' });
const HUB_STATE = alertRow('hub.state', { severity: 'warning' });
const HEALED = alertRow('remediation.action', { severity: 'warning' });

interface Case {
  name: string;
  /** What the receiver was last told, at T0; absent = a new group. */
  told?: AlertRow[];
  /** For a new group: when it was first seen (ms after T0); absent = it is seen now for the first time. */
  firstSeen?: number;
  /** Firing alerts now, and alerts resolved since they were told. */
  now: AlertRow[];
  /** Muted now (silence, maintenance, inhibition), by server. */
  muted?: string[];
  /** ms after T0. */
  at: number;
  /** The notification due now, as `says` writes it; undefined = none. */
  notify: string | undefined;
}

const cases: Case[] = [
  // group_wait: a new group waits for company.
  { name: 'a new group seen for the first time waits (group_wait starts now)', now: [warn('a')], at: 0, notify: undefined },
  { name: 'a new group 1 ms before group_wait has passed waits', now: [warn('a')], firstSeen: 0, at: GROUP_WAIT - 1, notify: undefined },
  { name: 'a new group goes out once group_wait has passed, with the company it found', now: [warn('a'), warn('b')], firstSeen: 0, at: GROUP_WAIT, notify: 'firing:a,b resolved:' },
  { name: 'a new group whose alert resolved within group_wait sends nothing', now: [resolvedAt(warn('a'), T0 + 1)], firstSeen: 0, at: GROUP_WAIT, notify: undefined },
  { name: 'a new critical group also waits group_wait (no intent yet: nothing to compare with)', now: [crit('a')], firstSeen: 0, at: GROUP_WAIT - 1, notify: undefined },

  // group_interval: a changed group waits since its last notification, unless the change is news.
  { name: 'a same-severity addition 1 ms before group_interval waits', told: [warn('a')], now: [warn('a'), warn('b')], at: GROUP_INTERVAL - 1, notify: undefined },
  { name: 'a same-severity addition goes out at group_interval', told: [warn('a')], now: [warn('a'), warn('b')], at: GROUP_INTERVAL, notify: 'firing:a,b resolved:' },
  { name: 'a lower-severity addition waits for group_interval', told: [crit('a')], now: [crit('a'), warn('b')], at: 1, notify: undefined },
  { name: 'a critical addition to a critical group waits for group_interval', told: [crit('a')], now: [crit('a'), crit('b')], at: 1, notify: undefined },
  { name: 'a more severe addition goes out now', told: [warn('a')], now: [warn('a'), crit('b')], at: 1, notify: 'firing:a,b resolved:' },
  { name: 'a hub-level alert firing in a told group goes out now', told: [crit('a')], now: [crit('a'), HUB_DOWN], at: 1, notify: 'firing:a,hub.reachable resolved:' },
  { name: 'a hub-level warning firing below a told critical goes out now', told: [crit('a')], now: [crit('a'), HUB_STATE], at: 1, notify: 'firing:a,hub.state resolved:' },
  { name: 'what remediation did, firing in a group told a critical, goes out now', told: [crit('a')], now: [crit('a'), HEALED], at: 1, notify: 'firing:a,remediation.action resolved:' },
  { name: 'what remediation did, firing as the group\'s alert resolved, goes out now with the resolve', told: [crit('a')], now: [resolvedAt(crit('a'), T0 + 1), HEALED], at: 1, notify: 'firing:remediation.action resolved:a' },
  { name: 'a hub-level alert resolving while server alerts fire goes out now', told: [crit('a'), HUB_DOWN], now: [crit('a'), resolvedAt(HUB_DOWN, T0 + 1)], at: 1, notify: 'firing:a resolved:hub.reachable' },
  { name: 'severity raised on a told alert goes out now', told: [warn('a')], now: [crit('a')], at: 1, notify: 'firing:a resolved:' },
  { name: 'severity raised to the top the group was told already waits for group_interval', told: [crit('a'), warn('b')], now: [crit('a'), crit('b')], at: 1, notify: undefined },
  { name: 'severity lowered on a told alert waits for group_interval', told: [crit('a')], now: [warn('a')], at: GROUP_INTERVAL - 1, notify: undefined },
  { name: 'severity lowered on a told alert goes out at group_interval', told: [crit('a')], now: [warn('a')], at: GROUP_INTERVAL, notify: 'firing:a resolved:' },

  // Resolves.
  { name: 'an alert resolved while others fire waits for group_interval', told: [crit('a'), crit('b')], now: [crit('a'), resolvedAt(crit('b'), T0 + 1)], at: GROUP_INTERVAL - 1, notify: undefined },
  { name: 'an alert resolved while others fire goes out at group_interval', told: [crit('a'), crit('b')], now: [crit('a'), resolvedAt(crit('b'), T0 + 1)], at: GROUP_INTERVAL, notify: 'firing:a resolved:b' },
  { name: 'the last critical resolving while a told warning fires goes out now', told: [crit('a'), warn('b')], now: [resolvedAt(crit('a'), T0 + 1), warn('b')], at: 1, notify: 'firing:b resolved:a' },
  { name: 'the last critical resolving while a warning added since fires goes out now, with it', told: [crit('a'), crit('b')], now: [resolvedAt(crit('a'), T0 + 1), resolvedAt(crit('b'), T0 + 1), warn('c')], at: 1, notify: 'firing:c resolved:a,b' },
  { name: 'the last critical resolving while another told critical is lowered to a warning waits for group_interval (the same fault goes on)', told: [crit('a'), crit('b')], now: [resolvedAt(crit('a'), T0 + 1), warn('b')], at: GROUP_INTERVAL - 1, notify: undefined },
  { name: 'a warning resolving while another warning fires waits for group_interval', told: [warn('a'), warn('b')], now: [resolvedAt(warn('a'), T0 + 1), warn('b')], at: GROUP_INTERVAL - 1, notify: undefined },
  { name: 'a warning resolving below a firing critical waits for group_interval', told: [crit('a'), warn('b')], now: [crit('a'), resolvedAt(warn('b'), T0 + 1)], at: GROUP_INTERVAL - 1, notify: undefined },
  { name: 'the all-clear (the last firing alert resolved) goes out now', told: [warn('a')], now: [resolvedAt(warn('a'), T0 + 1)], at: 1, notify: 'firing: resolved:a' },
  { name: 'the all-clear of several alerts goes out now, naming each', told: [warn('a'), crit('b')], now: [resolvedAt(warn('a'), T0 + 1), resolvedAt(crit('b'), T0 + 1)], at: 1, notify: 'firing: resolved:a,b' },

  // repeat_interval.
  { name: 'an unchanged group before repeat_interval sends nothing', told: [crit('a')], now: [crit('a')], at: REPEAT - 1, notify: undefined },
  { name: 'an unchanged, unacked group is repeated at repeat_interval', told: [crit('a')], now: [crit('a')], at: REPEAT, notify: 'firing:a resolved:' },
  { name: 'an acked group is never repeated', told: [crit('a')], now: [acked(crit('a'))], at: 10 * REPEAT, notify: undefined },
  { name: 'a group with one unacked alert left is repeated at repeat_interval', told: [crit('a'), crit('b')], now: [acked(crit('a')), crit('b')], at: REPEAT, notify: 'firing:a,b resolved:' },

  // Muted alerts (silence, maintenance, inhibition) start nothing; once told, they stay told.
  { name: 'a muted alert does not start a group', now: [crit('a')], muted: ['a'], firstSeen: 0, at: GROUP_WAIT, notify: undefined },
  { name: 'a muted critical addition to a warning group sends nothing', told: [warn('a')], now: [warn('a'), crit('b')], muted: ['b'], at: GROUP_INTERVAL, notify: undefined },
  { name: 'an alert muted after it was told is not resolved: the next change still lists it firing', told: [crit('a'), crit('b')], now: [crit('a'), resolvedAt(crit('b'), T0 + 1)], muted: ['a'], at: GROUP_INTERVAL, notify: 'firing:a resolved:b' },
];

describe('notify now? (group_wait, group_interval, news, resolve, repeat_interval, muting)', () => {
  test.each(cases)('$name', (c) => {
    const cfg = alertingConfig();
    const key = keyOf(c.now[0] ?? c.told![0]!);
    const intents = new Map(c.told ? [[key, intent(c.told, T0)]] : []);
    const firstSeen = new Map(c.firstSeen === undefined ? [] : [[key, T0 + c.firstSeen]]);
    const muted = new Set(c.muted ?? []);
    const plans = planNotifications({
      alerts: c.now, mutedBy: (a) => (muted.has(a.labels.server ?? '') ? 'silenced by #1' : undefined),
      intents, firstSeen, cfg, now: T0 + c.at,
    });
    expect(plans.map(says)).toEqual(c.notify === undefined ? [] : [c.notify]);
  });

  test('a new group remembers when it was first seen, and forgets it once it was notified', () => {
    const cfg = alertingConfig();
    const firstSeen = new Map<string, number>();
    const plan = (at: number) => planNotifications({ alerts: [warn('a')], mutedBy: () => undefined, intents: new Map(), firstSeen, cfg, now: T0 + at });
    expect(plan(0)).toEqual([]);
    expect(plan(GROUP_WAIT - 1)).toEqual([]);
    expect([...firstSeen.values()]).toEqual([T0]);
    expect(plan(GROUP_WAIT)).toHaveLength(1);
    expect(firstSeen.size).toBe(0);
  });

  test('alerts of two hubs are two groups, each notified on its own', () => {
    const cfg = alertingConfig();
    const other = alertRow('server.status', { hub: OTHER_HUB, server: 'a' });
    const plans = planNotifications({
      alerts: [crit('a'), other], mutedBy: () => undefined, intents: new Map([[keyOf(crit('a')), intent([crit('a')], T0)]]),
      firstSeen: new Map([[keyOf(other), T0]]), cfg, now: T0 + GROUP_WAIT,
    });
    expect(plans.map((p) => p.groupKey)).toEqual([`{hub=${JSON.stringify(OTHER_HUB)}}`]);
    expect(plans[0]!.firing[0]!.hub).toBe(OTHER_HUB);
  });
});

describe('routes and escalation steps by time', () => {
  const ESCALATE_AFTER = 15 * 60_000;
  const routed = (): MonitorConfig['alerting'] => {
    const cfg = alertingConfig(['team', 'oncall', 'chat']);
    cfg.routes = {
      critical: [{ after: 0, receivers: ['team'], unacked_only: false }, { after: ESCALATE_AFTER, receivers: ['oncall'], unacked_only: true }],
      warning: [{ after: 0, receivers: ['chat'], unacked_only: false }],
      info: [],
    };
    return cfg;
  };
  const unrouted = () => alertingConfig(['team', 'oncall', 'chat']);
  const info = alertRow('server.status', { server: 'a', severity: 'info' });

  test.each([
    { name: 'without routes, a critical alert goes to every receiver', cfg: unrouted, alert: crit('a'), at: 0, to: ['team', 'oncall', 'chat'] },
    { name: 'without routes, a warning goes to every receiver', cfg: unrouted, alert: warn('a'), at: 0, to: ['team', 'oncall', 'chat'] },
    { name: 'without routes, info is logged only', cfg: unrouted, alert: info, at: 0, to: [] },
    { name: 'a critical alert that just fired goes to the first step only', cfg: routed, alert: crit('a'), at: 0, to: ['team'] },
    { name: 'a critical alert 1 ms before the escalation step still goes to the first step only', cfg: routed, alert: crit('a'), at: ESCALATE_AFTER - 1, to: ['team'] },
    { name: 'an unacked critical alert escalates once the step is due', cfg: routed, alert: crit('a'), at: ESCALATE_AFTER, to: ['team', 'oncall'] },
    { name: 'an acked critical alert does not escalate to an unacked-only step', cfg: routed, alert: acked(crit('a')), at: ESCALATE_AFTER, to: ['team'] },
    { name: 'a warning follows its own route', cfg: routed, alert: warn('a'), at: ESCALATE_AFTER, to: ['chat'] },
    { name: 'a severity routed to no step is logged only', cfg: routed, alert: info, at: ESCALATE_AFTER, to: [] },
    {
      name: 'a broken receiver is told about by the others, never by itself', cfg: unrouted, at: 0, to: ['oncall', 'chat'],
      alert: { ...alertRow('notifier.broken', { hub: '', severity: 'warning' }), labels: { hub: '', receiver: 'team', rule: 'notifier.broken' } },
    },
  ])('$name', ({ cfg, alert, at, to }) => {
    expect(receiversFor(alert, cfg(), T0 + at)).toEqual(to);
  });

  test('an escalation step that comes due opens a new group for its receiver, sent after group_wait', () => {
    const cfg = routed();
    const a = crit('a');
    const intents = new Map([[keyOf(a, 'team'), intent([a], T0)]]);
    const firstSeen = new Map<string, number>();
    const plan = (at: number) => planNotifications({ alerts: [a], mutedBy: () => undefined, intents, firstSeen, cfg, now: T0 + at }).map((p) => p.receiver);
    expect(plan(ESCALATE_AFTER - 1)).toEqual([]);
    expect(plan(ESCALATE_AFTER)).toEqual([]); // oncall's group is new: group_wait starts
    expect(plan(ESCALATE_AFTER + GROUP_WAIT)).toEqual(['oncall']);
  });

  test('the group key follows group_by, in config order', () => {
    expect(groupKeyOf(crit('a'), ['hub'])).toBe(`{hub=${JSON.stringify(HUB)}}`);
    expect(groupKeyOf(crit('a'), ['server', 'severity'])).toBe('{server="a",severity="critical"}');
  });
});
