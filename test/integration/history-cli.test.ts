/**
 * `history` through the built CLI on seeded stores: the resolution it reads is the one it says, and a
 * series, server, hub or event type the store does not know is exit 3 naming the known ones (hostile names
 * made visible), while a known event type that did not happen is an empty table, exit 0.
 */
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { HOSTILE, seedRecentStore, seedStore, README_HUB } from '../support/seeded-store.js';

const recent = seedRecentStore(Date.now());
const known = seedStore();
afterAll(() => { recent.cleanup(); known.cleanup(); });

const history = (stateDir: string, ...args: string[]) => runCli(['history', ...args, '--state-dir', stateDir]);

test('--since 6h reads raw samples, as auto promises; 7h reads 1-minute rollups and its header says so', async () => {
  const six = JSON.parse((await history(recent.stateDir, '--series', 'hub.up', '--since', '6h', '--json')).stdout) as { resolution: string; rows: unknown[] };
  expect(six.resolution).toBe('raw');
  expect(six.rows.length).toBeGreaterThanOrEqual(359);
  const seven = await history(recent.stateDir, '--series', 'hub.up', '--since', '7h');
  expect(seven.stdout.split('\r\n')[0]).toBe('bucket_1m,hub,series,labels,count,failed,avg,min,max');
  const week = await history(recent.stateDir, '--series', 'hub.up', '--since', '30d');
  expect(week.stdout.split('\r\n')[0]).toMatch(/^bucket_1h,/);
});

test.each([
  [['--series', 'server.upp'], /^mcp-hub-monitor: --series: no series "server\.upp" in the store \(known series: hub\.health_latency_ms, hub\.rss_bytes, hub\.up, server\.up\)/],
  [['--series', 'server.up', '--server', 'nosuch'], /--server: no server "nosuch" in series server\.up \(known servers: everything\)/],
  [['--series', 'hub.up', '--server', 'everything'], /--server: no server "everything" in series hub\.up \(this series has no server label\)/],
  [['--events', 'server_ded'], /--events: no event type "server_ded" \(known types: .*\bserver_dead\b/],
  [['--hub', 'http://127.0.0.1:7001'], new RegExp(`--hub: the store has nothing of http://127\\.0\\.0\\.1:7001 \\(known hubs: ${README_HUB.replace(/\./g, '\\.')}\\)`)],
])('unknown names are exit 3 with the known ones: %j', async (args, message) => {
  const run = await history(recent.stateDir, ...args);
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(message);
});

test('a known event type that did not happen is an empty table, exit 0', async () => {
  const run = await history(recent.stateDir, '--events', 'probe_disagreement', '--since', '30d');
  expect(run).toMatchObject({ code: 0, stdout: 'time,hub,type,server,data\r\n' });
});

test('the known servers listed are hub strings: made visible, never printed raw', async () => {
  const run = await history(known.stateDir, '--series', 'server.up', '--server', 'nosuch');
  expect(run.code).toBe(3);
  expect(run.stderr).toContain('evil|name\\x0a`x` <script>');
  expect(run.stderr).not.toContain(HOSTILE);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
});
