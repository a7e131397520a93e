import { afterEach, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertStore } from './alert-store.js';
import { Store } from './store.js';

const roots: string[] = [];
afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });
function open(): { store: Store; alerts: AlertStore } {
  const r = mkdtempSync(join(tmpdir(), 'alert-store-'));
  roots.push(r);
  const store = Store.open({ stateDir: join(r, 'state'), quickCheck: false });
  return { store, alerts: new AlertStore(store.db) };
}

describe('outbox', () => {
  test('a newer notification for the same group and receiver supersedes the pending one; others are untouched', () => {
    const { store, alerts } = open();
    const a = alerts.enqueue({ groupKey: 'g', receiver: 'r', payload: '{}', firing: ['x'], resolved: [], now: 1 });
    const other = alerts.enqueue({ groupKey: 'g', receiver: 'other', payload: '{}', firing: ['x'], resolved: [], now: 1 });
    // The receiver is told each firing alert's severity: the dedup stage compares against it after a restart.
    const batch = { alerts: [{ fingerprint: 'x', severity: 'warning', status: 'firing' }, { fingerprint: 'y', severity: 'critical', status: 'firing' }, { fingerprint: 'z', severity: 'critical', status: 'resolved' }] };
    const b = alerts.enqueue({ groupKey: 'g', receiver: 'r', payload: JSON.stringify(batch), firing: ['x', 'y'], resolved: ['z'], now: 2 });
    expect(alerts.outbox(a)!.state).toBe('superseded');
    expect(alerts.outbox(other)!.state).toBe('pending');
    expect(alerts.due(10).map((r) => r.id)).toEqual([other, b]);
    expect(alerts.lastIntents().get('g\0r')).toEqual({ firing: ['x', 'y'], resolved: ['z'], createdAt: 2, severities: { x: 'warning', y: 'critical' } });
    store.close();
  });

  test('delivered and logged in one transaction; delivering twice logs once', () => {
    const { store, alerts } = open();
    const id = alerts.enqueue({ groupKey: 'g', receiver: 'r', payload: '{}', firing: ['x'], resolved: [], now: 1 });
    const row = alerts.outbox(id)!;
    alerts.markDelivered(row, 5, 200);
    alerts.markDelivered(row, 6, 200);
    expect(alerts.outbox(id)).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, doneAt: 5 });
    expect(alerts.notificationsSince(0)).toEqual([{ receiver: 'r', groupKey: 'g', status: 'firing', firing: ['x'], resolved: [], sentAt: 5 }]);
    store.close();
  });
});

test('EXPLAIN QUERY PLAN of every alerting statement uses an index or key, never a full table scan', () => {
  const { store, alerts } = open();
  const bad: string[] = [];
  for (const [name, stmt] of Object.entries(alerts.statements)) {
    const text = stmt.source;
    const params = (text.match(/\?/g) ?? []).length;
    const named = [...new Set(text.match(/@[a-zA-Z]+/g) ?? [])];
    const args = named.length ? [Object.fromEntries(named.map((n) => [n.slice(1), null]))] : Array(params).fill(null);
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...args) as { detail: string }[]).map((r) => r.detail);
    for (const line of plan) {
      // A correlated subquery scans one (group, receiver)'s rows through the index; lastIntents is read once per start.
      if (/\bSCAN\b/.test(line) && !(name === 'lastIntents' && /SCAN o\b/.test(line))) bad.push(`${name}: ${line}`);
    }
  }
  expect(bad).toEqual([]);
  store.close();
});

describe('firedSummary', () => {
  test('a resolved alert\'s text is the one it fired with (its alert_firing event), not the passing text its row was left with', () => {
    const { store, alerts } = open();
    const hub = 'http://127.0.0.1:7000';
    const row = {
      id: 0, fingerprint: 'fp-crashy', rule: 'server.status', hub, labels: { hub, rule: 'server.status', server: 'crashy' }, severity: 'critical' as const,
      state: 'resolved' as const, failStreak: 0, okStreak: 2, activeSince: 1_000, firedAt: 10_000, lastActiveAt: 20_000, resolvedAt: 30_000,
      summary: 'crashy: connected, up 6s', value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: 30_000,
    };
    const saved = alerts.alert(alerts.saveAlert(row))!;
    expect(alerts.firedSummary(saved)).toBe('crashy: connected, up 6s'); // no event: the row's text is all there is
    store.insertEvents([
      { hub, t: 10_002, type: 'alert_firing', server: 'crashy', data: { fingerprint: 'fp-other', rule: 'server.status', severity: 'critical', summary: 'other: down' } },
      { hub, t: 10_003, type: 'alert_firing', server: 'crashy', data: { fingerprint: 'fp-crashy', rule: 'server.status', severity: 'critical', summary: 'crashy: dead: the hub says connected, but uptime stayed 0' } },
      { hub, t: 30_001, type: 'alert_resolved', server: 'crashy', data: { fingerprint: 'fp-crashy', rule: 'server.status', severity: 'critical', summary: 'crashy: connected, up 6s' } },
    ]);
    expect(alerts.firedSummary(saved)).toBe('crashy: dead: the hub says connected, but uptime stayed 0');
    store.close();
  });
});
