/** The operator's alerting commands through the built CLI: alerts, ack, silence add|list|expire, notify test. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { AlertStore } from '../../src/store/alert-store.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { startReceiver } from '../support/receiver.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const state = () => tempDir('mhm-alert-cli-');

test('alerts lists what fires (exit 2 for a critical), ack marks it, and a wrong id is a usage error', async () => {
  const dir = state();
  expect((await runCli(['alerts', '--state-dir', dir])).stdout).toMatch(/no alerts/);
  const store = Store.open({ stateDir: dir, quickCheck: false });
  const alerts = new AlertStore(store.db);
  const now = Date.now();
  const id = alerts.saveAlert({
    id: 0, fingerprint: 'f1', rule: 'server.status', hub: 'http://127.0.0.1:7000', labels: { hub: 'http://127.0.0.1:7000', server: '\x1b]0;pwned\x07crashy', rule: 'server.status' },
    severity: 'critical', state: 'firing', failStreak: 3, okStreak: 0, activeSince: now - 60_000, firedAt: now - 50_000, lastActiveAt: now, resolvedAt: null,
    summary: '\x1b]0;pwned\x07crashy: dead', value: 'dead', ackedAt: null, ackedBy: null, ackComment: null, updatedAt: now,
  });
  store.close();

  const listed = await runCli(['alerts', '--state-dir', dir]);
  expect(listed.code).toBe(2);
  expect(listed.stdout).toMatch(new RegExp(`#${id}\\s+CRITICAL\\s+server\\.status`));
  expect(listed.stdout).not.toContain('\x1b');

  const ack = await runCli(['ack', String(id), '--comment', 'on it', '--state-dir', dir]);
  expect(ack.code).toBe(0);
  const json = JSON.parse((await runCli(['alerts', '--json', '--state-dir', dir])).stdout) as { open: { ackComment: string; ackedBy: string }[] };
  expect(json.open[0]).toMatchObject({ ackComment: 'on it' });

  const wrong = await runCli(['ack', '999', '--state-dir', dir]);
  expect(wrong.code).toBe(3);
  expect(wrong.stderr).toMatch(/no open alert #999/);
});

test('alerts --all: a resolved alert shows the text it fired with, not the passing text its row was left with', async () => {
  const dir = state();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = Store.open({ stateDir: dir, quickCheck: false });
  const hub = 'http://127.0.0.1:7000';
  const now = Date.now();
  new AlertStore(store.db).saveAlert({
    id: 0, fingerprint: 'fp-crashy', rule: 'server.status', hub, labels: { hub, server: 'crashy', rule: 'server.status' },
    severity: 'critical', state: 'resolved', failStreak: 0, okStreak: 2, activeSince: now - 60_000, firedAt: now - 50_000, lastActiveAt: now - 20_000, resolvedAt: now - 10_000,
    summary: 'crashy: connected, up 6s', value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: now - 10_000,
  });
  store.insertEvents([{ hub, t: now - 50_000 + 2, type: 'alert_firing', server: 'crashy', data: { fingerprint: 'fp-crashy', rule: 'server.status', severity: 'critical', summary: 'crashy: dead: the hub says connected, but uptime stayed 0' } }]);
  store.close();
  const out = (await runCli(['alerts', '--all', '--state-dir', dir])).stdout;
  expect(out).toMatch(/resolved in the last 24 h:\n#1\s+CRITICAL\s+server\.status\s+http:\/\/127\.0\.0\.1:7000\s+crashy: dead: the hub says connected, but uptime stayed 0\s+\(resolved /);
  const json = JSON.parse((await runCli(['alerts', '--all', '--json', '--state-dir', dir])).stdout) as { resolved: { summary: string; firedSummary: string }[] };
  expect(json.resolved).toMatchObject([{ summary: 'crashy: connected, up 6s', firedSummary: 'crashy: dead: the hub says connected, but uptime stayed 0' }]);
});

test('silence add, list and expire; a bad matcher names the problem', async () => {
  const dir = state();
  const bad = await runCli(['silence', 'add', 'server=~(', '--state-dir', dir]);
  expect(bad.code).toBe(3);
  expect(bad.stderr).toMatch(/not a regular expression/);
  const add = await runCli(['silence', 'add', 'server=crashy', 'hub!=http://x', '--duration', '30m', '--comment', 'redeploy', '--state-dir', dir]);
  expect(add.code).toBe(0);
  expect(add.stdout).toMatch(/^silence #1: server="crashy" hub!="http:\/\/x" until /);
  expect((await runCli(['silence', 'list', '--state-dir', dir])).stdout).toMatch(/#1\s+server="crashy" hub!="http:\/\/x"\s+until .* redeploy/);
  expect((await runCli(['silence', 'expire', '1', '--state-dir', dir])).code).toBe(0);
  expect((await runCli(['silence', 'list', '--state-dir', dir])).stdout).toMatch(/no active silences/);
  expect((await runCli(['silence', 'expire', '1', '--state-dir', dir])).code).toBe(3);
});

test('notify test sends one test message through the named receiver and reports failures; unknown receivers are usage errors', async () => {
  const ok = await startReceiver();
  const broken = await startReceiver({ kind: 'status', status: 500, body: 'down' });
  cleanups.push(() => ok.close(), () => broken.close());
  const dir = state();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `alerting:\n  receivers:\n    good: { type: webhook, url: "${ok.url}/hook" }\n    bad: { type: webhook, url: "${broken.url}/hook" }\n`);
  const sent = await runCli(['notify', 'test', 'good', '--config', config]);
  expect(sent).toMatchObject({ code: 0 });
  expect(sent.stdout).toMatch(/sent to good \(webhook\)/);
  expect(ok.requests).toHaveLength(1);
  expect(JSON.parse(ok.requests[0]!.body)).toMatchObject({ status: 'firing', receiver: 'good' });
  const failed = await runCli(['notify', 'test', 'bad', '--config', config]);
  expect(failed.code).toBe(2);
  expect(failed.stdout).toMatch(/failed \(temporary\): .*HTTP 500/);
  const unknown = await runCli(['notify', 'test', 'nope', '--config', config]);
  expect(unknown.code).toBe(3);
  expect(unknown.stderr).toMatch(/no receiver named "nope".*have: good, bad/);
});

test('config errors in receivers and routes name the key and the file', async () => {
  const dir = state();
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'alerting:\n  receivers:\n    team: { type: slack }\n');
  const r1 = await runCli(['notify', 'test', 'team', '--config', config]);
  expect(r1.code).toBe(3);
  expect(r1.stderr).toContain(`${config}: alerting.receivers.team.url`);
  writeFileSync(config, 'alerting:\n  receivers:\n    team: { type: webhook, url: "http://127.0.0.1:9/x" }\n  routes:\n    critical: [{ receivers: [pager] }]\n');
  const r3 = await runCli(['notify', 'test', 'team', '--config', config]);
  expect(r3.code).toBe(3);
  expect(r3.stderr).toMatch(/alerting\.routes\.critical\.0\.receivers\.0: no receiver named "pager"/);
});

test('alerts says which firing alert did not page because another alert of the same fault did', async () => {
  const dir = state();
  const store = Store.open({ stateDir: dir, quickCheck: false });
  const alerts = new AlertStore(store.db);
  const now = Date.now();
  const hub = 'http://127.0.0.1:7000';
  const row = (fingerprint: string, rule: string, firedAt: number) => ({
    id: 0, fingerprint, rule, hub, labels: { hub, server: 'crashy', rule }, severity: 'critical', state: 'firing' as const, failStreak: 3, okStreak: 0,
    activeSince: firedAt, firedAt, lastActiveAt: now, resolvedAt: null, summary: `crashy: ${rule}`, value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: now,
  });
  const dead = alerts.saveAlert(row('f1', 'server.status', now - 60_000));
  const probe = alerts.saveAlert(row('f2', 'server.probe', now - 20_000));
  store.close();
  const listed = await runCli(['alerts', '--state-dir', dir]);
  expect(listed.stdout.split('\n').find((l) => l.startsWith(`#${probe} `))).toMatch(new RegExp(`\\[no page of its own: explained by #${dead} server\\.status\\]$`));
  expect(listed.stdout.split('\n').find((l) => l.startsWith(`#${dead} `))).not.toMatch(/no page/);
  const json = JSON.parse((await runCli(['alerts', '--json', '--state-dir', dir])).stdout) as { open: { id: number; inhibitedBy: number | null }[] };
  expect(json.open.map((a) => [a.id, a.inhibitedBy])).toEqual([[dead, null], [probe, dead]]);
});
