/**
 * The muting stages as case tables: silences, maintenance windows and inhibition. Each row's name says
 * whether the alert is muted.
 */
import { describe, expect, test } from 'vitest';
import type { MaintenanceWindow } from '../config/defaults.js';
import type { AlertRow, SilenceRow } from '../store/alert-store.js';
import { alertRow, HUB, OTHER_HUB, resolvedAt, T0 } from '../../test/support/alert-rows.js';
import { parseMatcher } from './matchers.js';
import { compileWindows, inhibitedBy, inMaintenance, silencedBy } from './mute.js';

const HOUR = 3_600_000;

describe('silences: matchers, start and end, expired', () => {
  const labels = { hub: HUB, rule: 'server.status', server: 'fs-main', severity: 'critical' };
  const silence = (matchers: string[], over: Partial<SilenceRow> = {}): SilenceRow => ({
    id: 7, matchers: matchers.map(parseMatcher), startsAt: T0, endsAt: T0 + HOUR, comment: 'deploy', createdBy: 'alice', createdAt: T0, expiredAt: null, ...over,
  });

  test.each([
    { name: 'an equality matcher on the server silences it', s: silence(['server=fs-main']), at: T0, muted: true },
    { name: 'every matcher must hold: another hub is not silenced', s: silence(['server=fs-main', `hub=${OTHER_HUB}`]), at: T0, muted: false },
    { name: 'a regex matcher is anchored: fs.* silences fs-main', s: silence(['server=~fs.*']), at: T0, muted: true },
    { name: 'a regex matcher is anchored: main does not silence fs-main', s: silence(['server=~main']), at: T0, muted: false },
    { name: 'a negative matcher excludes: server!=fs-main does not silence it', s: silence(['server!=fs-main']), at: T0, muted: false },
    { name: 'a negative regex silences what it does not match', s: silence(['rule!~hub\\..*']), at: T0, muted: true },
    { name: 'a matcher on an absent label compares with "": tool="" silences', s: silence(['server=fs-main', 'tool=""']), at: T0, muted: true },
    { name: 'a silence not started yet does not silence', s: silence(['server=fs-main']), at: T0 - 1, muted: false },
    { name: 'a silence silences from its start', s: silence(['server=fs-main']), at: T0, muted: true },
    { name: 'a silence silences until 1 ms before its end', s: silence(['server=fs-main']), at: T0 + HOUR - 1, muted: true },
    { name: 'a silence that has ended does not silence', s: silence(['server=fs-main']), at: T0 + HOUR, muted: false },
    { name: 'an expired silence (alerts unsilence) does not silence within its times', s: silence(['server=fs-main'], { expiredAt: T0 + 60_000 }), at: T0 + 120_000, muted: false },
  ])('$name', ({ s, at, muted }) => {
    expect(silencedBy(labels, [s], at)?.id).toBe(muted ? 7 : undefined);
  });

  test('the first silence that covers the labels is the one named', () => {
    const found = silencedBy(labels, [silence(['server=other'], { id: 1 }), silence(['server=fs-main'], { id: 2 }), silence(['hub=~.*'], { id: 3 })], T0);
    expect(found?.id).toBe(2);
  });
});

describe('maintenance windows: a cron start and a duration', () => {
  // Local time, as croner reads the pattern: 02:00 every day for an hour, for one server.
  const at = (h: number, m = 0, ms = 0) => new Date(2026, 10, 25, h, m, 0, ms).getTime();
  const nightly: MaintenanceWindow = { cron: '0 2 * * *', duration: HOUR, matchers: ['server=~fs.*'], comment: 'nightly backup' };
  const windows = compileWindows([nightly]);
  const fs = { hub: HUB, rule: 'server.status', server: 'fs-main' };

  test.each([
    { name: '1 ms before the start: not in maintenance', labels: fs, t: at(1, 59, 59_999), inside: false },
    { name: 'at the start: in maintenance', labels: fs, t: at(2), inside: true },
    { name: 'within the duration: in maintenance', labels: fs, t: at(2, 30), inside: true },
    { name: '1 ms before the end: in maintenance', labels: fs, t: at(2, 59, 59_999), inside: true },
    { name: 'at the end (start + duration): not in maintenance', labels: fs, t: at(3), inside: false },
    { name: 'the next day at the start: in maintenance again', labels: fs, t: at(2) + 24 * HOUR, inside: true },
    { name: 'a server the matchers do not cover: not in maintenance', labels: { ...fs, server: 'git' }, t: at(2, 30), inside: false },
  ])('$name', ({ labels, t, inside }) => {
    expect(inMaintenance(labels, windows, t)).toBe(inside ? nightly : undefined);
  });

  test('a window longer than its period covers every moment (a start is always within the duration)', () => {
    const always = compileWindows([{ cron: '*/5 * * * *', duration: 10 * 60_000, matchers: [], comment: '' }]);
    for (let m = 0; m < 60; m += 7) expect(inMaintenance(fs, always, at(11, m))).toBeDefined();
  });
});

describe('inhibition: a hub explains its servers, a server its own health explains the rest', () => {
  const HUB_DOWN = alertRow('hub.reachable', { severity: 'critical' });
  const HUB_STATE_WARN = alertRow('hub.state', { severity: 'warning' });
  const HUB_IDENTITY_CRIT = alertRow('hub.identity', { severity: 'critical' });
  const at = (s: number) => T0 + s * 1_000;
  const flapping = (server: string) => alertRow('server.flapping', { server, severity: 'warning' });
  const status = (server: string, firedAt = T0) => alertRow('server.status', { server, firedAt });
  const probe = (server: string, firedAt = T0) => alertRow('server.probe', { server, firedAt });
  const canary = (server: string, tool = 'echo') => alertRow('canary.call', { server, tool });
  const slo = alertRow('slo.burn_rate', { severity: 'warning' });

  interface Case { name: string; alert: AlertRow; firing: AlertRow[]; by: AlertRow | undefined }
  const cases: Case[] = [
    // Hub-level: a critical hub alert (or hub.reachable at any severity) mutes the hub's other alerts.
    { name: 'the hub down mutes a server alert of the same hub', alert: status('a'), firing: [HUB_DOWN, status('a')], by: HUB_DOWN },
    { name: 'the hub down mutes an SLO alert of the same hub', alert: slo, firing: [HUB_DOWN, slo], by: HUB_DOWN },
    { name: 'the hub down does not mute a server alert of another hub', alert: alertRow('server.status', { hub: OTHER_HUB, server: 'a' }), firing: [HUB_DOWN], by: undefined },
    { name: 'hub.reachable mutes even as a warning', alert: status('a'), firing: [alertRow('hub.reachable', { severity: 'warning' })], by: alertRow('hub.reachable', { severity: 'warning' }) },
    { name: 'another critical hub-level alert (hub.identity) mutes a server alert', alert: probe('a'), firing: [HUB_IDENTITY_CRIT], by: HUB_IDENTITY_CRIT },
    { name: 'a hub-level warning (hub.state) does not mute a server alert', alert: status('a'), firing: [HUB_STATE_WARN], by: undefined },
    { name: 'a resolved hub alert does not mute', alert: status('a'), firing: [resolvedAt(HUB_DOWN, at(1))], by: undefined },
    { name: 'a hub-level alert is never muted, not even by another one', alert: HUB_STATE_WARN, firing: [HUB_DOWN], by: undefined },
    { name: 'a meta rule (notifier.broken) is never muted', alert: alertRow('notifier.broken', { severity: 'warning' }), firing: [HUB_DOWN], by: undefined },
    { name: 'a meta rule (monitor.store) is never muted', alert: alertRow('monitor.store', { severity: 'critical' }), firing: [HUB_DOWN], by: undefined },

    // Per server: flapping > status > probe > canary.
    { name: 'flapping mutes the status alert of the same server', alert: status('a'), firing: [flapping('a')], by: flapping('a') },
    { name: 'flapping mutes the probe alert of the same server', alert: probe('a'), firing: [flapping('a')], by: flapping('a') },
    { name: 'flapping mutes the canary of the same server', alert: canary('a'), firing: [flapping('a')], by: flapping('a') },
    { name: 'flapping does not mute another server', alert: status('b'), firing: [flapping('a')], by: undefined },
    { name: 'status does not mute flapping', alert: flapping('a'), firing: [status('a')], by: undefined },
    { name: 'status mutes the canary of the same server', alert: canary('a'), firing: [status('a')], by: status('a') },
    { name: 'probe mutes the canary of the same server', alert: canary('a'), firing: [probe('a')], by: probe('a') },
    { name: 'a canary mutes nothing: not the status', alert: status('a'), firing: [canary('a')], by: undefined },
    { name: 'a canary mutes nothing: not another canary of the server', alert: canary('a', 'echo'), firing: [canary('a', 'add')], by: undefined },
    // Today no other rule carries a server label; one that did would be explained only by the server's health.
    { name: 'a canary mutes nothing: not a server alert of a rule outside the fault order', alert: alertRow('server.other', { server: 'a' }), firing: [canary('a')], by: undefined },
    { name: 'an alert does not mute itself', alert: status('a'), firing: [status('a')], by: undefined },
    // What remediation did to a server, and that it gave up, are news whatever the server's own alert says.
    { name: 'the server\'s status does not mute what remediation did to it', alert: alertRow('remediation.action', { server: 'a', severity: 'warning' }), firing: [status('a'), flapping('a')], by: undefined },
    { name: 'the server\'s probe does not mute remediation giving up on it', alert: alertRow('remediation.gave_up', { server: 'a' }), firing: [probe('a')], by: undefined },
    { name: 'the hub down still mutes a remediation alert of its server', alert: alertRow('remediation.gave_up', { server: 'a' }), firing: [HUB_DOWN], by: HUB_DOWN },

    // Status vs probe: two views of one child; whoever fired first carries the page.
    { name: 'status fired first: it mutes the later probe alert', alert: probe('a', at(10)), firing: [status('a', at(0))], by: status('a', at(0)) },
    { name: 'status fired first: the probe alert does not mute it', alert: status('a', at(0)), firing: [probe('a', at(10))], by: undefined },
    { name: 'probe fired first: it mutes the later status alert', alert: status('a', at(10)), firing: [probe('a', at(0))], by: probe('a', at(0)) },
    { name: 'probe fired first: the status alert does not mute it', alert: probe('a', at(0)), firing: [status('a', at(10))], by: undefined },
    { name: 'status and probe fired together: status carries the page, probe is muted', alert: probe('a', at(0)), firing: [status('a', at(0))], by: status('a', at(0)) },
    { name: 'status and probe fired together: status is not muted', alert: status('a', at(0)), firing: [probe('a', at(0))], by: undefined },
    { name: 'a probe alert of another server does not mute', alert: status('a', at(10)), firing: [probe('b', at(0))], by: undefined },
  ];

  test.each(cases)('$name', ({ alert, firing, by }) => {
    expect(inhibitedBy(alert, firing)?.fingerprint).toBe(by?.fingerprint);
  });
});
