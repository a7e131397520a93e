/**
 * /metrics against the real Prometheus tools (faults D5): `promtool check metrics` on the exposition of a
 * hub with hostile server names and more servers than the cap, then a real `prometheus` (Debian's binary)
 * scraping our server every second with the bearer token, until its target is up and `mcp_hub_up` is
 * queryable. Skipped, saying why, only when the binaries are not installed.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, expect, test } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../src/views/http/server.js';
import { httpRequest, useFakeDaemonViews, type FakeDaemonView } from '../support/fake-daemon-view.js';
import { startPrometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';
import { skipUnless, tool } from '../support/requires.js';
import { CallsLedger } from '../../src/daemon/calls-ledger.js';
import { newTapSocketStats } from '../../src/daemon/jobs/tap-socket.js';

const PROMTOOL = tool('promtool', 'prometheus');
const PROMETHEUS = tool('prometheus', 'prometheus');

const HUB = 'http://127.0.0.1:7000';
const TOKEN = 'scrape-token-5b0e7f3c1a9d8e24';
const HOSTILE = ['\x1b]0;pwned\x07', 'quote"name', 'new\nline', 'back\\slash', '} 1\nfake_metric 1', '__proto__', 'x'.repeat(10_240)];
const views = useFakeDaemonViews('mhm-prom-');
const cleanups: (() => Promise<void> | void)[] = [];
const log = { info: () => {}, warn: () => {} };

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A hub with hostile names, 250 servers (capped at 200), a dead one, probes, an alert and an SLO history. */
function seeded(): FakeDaemonView {
  const now = Date.now();
  const v = views(now).watch(HUB, { sseConnected: true });
  v.health = { ...v.health, notifications: { team: { sent: 3, retry: 1 }, 'pag"er\n': { failed: 1 } }, outboxDepth: 1 };
  const servers = [
    ...HOSTILE.map((name) => ({ name, up: true, uptimeS: 30 })),
    ...Array.from({ length: 250 }, (_, i) => ({ name: `srv-${String(i).padStart(3, '0')}`, up: i !== 7, verdict: i === 7 ? 'dead' : undefined })),
  ];
  for (let i = 0; i < 30; i++) v.poll(HUB, now - 150_000 + i * 5_000, { latencyMs: 3, rssBytes: 70_000_000, servers: i === 29 ? servers : servers.slice(0, 3) });
  v.probe(HUB, now - 20_000, 'srv-000', true, 12).probe(HUB, now - 20_000, HOSTILE[0]!, true, 340);
  // Tap calls: hostile server, tool, method and error names, and more servers than the cap.
  const ledger = new CallsLedger();
  const call = (server: string, tool: string, method: string, errorType?: string) => ledger.note({
    hub: HUB, server, tool, method, transport: 'rest', client: null, session: null, requestId: null, start: now, durationMs: 1_500, requestBytes: 1, responseBytes: 1,
    ...(errorType === undefined ? { outcome: 'ok' } : { outcome: 'jsonrpc_error', errorType }),
  }, now);
  for (const name of HOSTILE) call(name, name, 'tools/call', name);
  for (let i = 0; i < 250; i++) call(`srv-${String(i).padStart(3, '0')}`, 'echo', 'tools/call');
  call('srv-000', 'echo', 'tools/call\n} 1', '500');
  v.liveState.tap = { ledger, socket: { ...newTapSocketStats('/nonexistent'), listening: true, connections: 1, accepted: 1 } };
  v.db.rollup(now);
  v.alert({ rule: 'server.status', hub: HUB, severity: 'critical' });
  return v;
}

async function serve(v: FakeDaemonView, token?: string): Promise<RunningHttpServer> {
  const s = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: v, log, token });
  cleanups.push(() => s.close());
  return s;
}

test('promtool check metrics finds no problem in /metrics, hostile names and the cap included', skipUnless(PROMTOOL), async () => {
  const s = await serve(seeded());
  const r = await httpRequest(s.url, '/metrics');
  expect(r.status).toBe(200);
  expect(r.body).toContain('server="__other__"');
  expect(r.body).toMatch(/^mcp_server_operation_duration_seconds_bucket\{hub="http:\/\/127\.0\.0\.1:7000",server="__other__",mcp_method_name="tools\/call",gen_ai_tool_name="echo",error_type="",le="2"\} \d+$/m);
  expect(r.body).toMatch(/^process_open_fds \d+/m);
  const check = spawnSync(PROMTOOL.path!, ['check', 'metrics'], { input: r.body, encoding: 'utf8', timeout: 20_000 });
  // No lint exceptions: prom-client's three gauge-typed `_total` metrics are removed in metrics.ts.
  expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
});

test('a real Prometheus scrapes /metrics with the bearer token: target up, mcp_hub_up queryable', { ...skipUnless(PROMETHEUS), timeout: 60_000 }, async () => {
  const s = await serve(seeded(), TOKEN);
  const prom = await startPrometheus(PROMETHEUS.path!, { targets: [new URL(s.url).host], token: TOKEN });
  cleanups.push(() => prom.stop());
  const get = prom.get;
  let lastTargets = '';
  const health = await waitUntil(async () => {
    const t = await get('/api/v1/targets');
    lastTargets = JSON.stringify(t?.data?.activeTargets ?? null).slice(0, 1_000);
    const ours = t?.data?.activeTargets?.find((x: { scrapeUrl: string }) => x.scrapeUrl === `${s.url}/metrics`);
    return ours?.health === 'up' && ours;
  }, { what: 'our target up in /api/v1/targets', timeoutMs: 30_000, everyMs: 250, describe: () => `targets: ${lastTargets}; prometheus stderr: ${prom.stderr()}` });
  expect(health).toMatchObject({ health: 'up', lastError: '' });
  const up = await waitUntil(async () => {
    const q = await get(`/api/v1/query?query=${encodeURIComponent('mcp_hub_up')}`);
    return q?.data?.result?.length ? q.data.result : undefined;
  }, { what: 'mcp_hub_up in a query', timeoutMs: 15_000, everyMs: 250, describe: () => `prometheus stderr: ${prom.stderr()}` });
  expect(up).toEqual([expect.objectContaining({ metric: expect.objectContaining({ __name__: 'mcp_hub_up', hub: HUB, job: 'mcp-hub-monitor' }), value: [expect.any(Number), '1'] })]);
  // The cap held through ingestion: 200 servers + __other__, the hostile names among them as plain labels.
  const servers = await get(`/api/v1/query?query=${encodeURIComponent('count(mcp_hub_server_up)')}`);
  expect(servers.data.result[0].value[1]).toBe('201');
  const pwned = await get(`/api/v1/query?query=${encodeURIComponent('mcp_hub_server_up{server="]0;pwned"}')}`);
  expect(pwned.data.result).toHaveLength(1);
  const fake = await get(`/api/v1/query?query=${encodeURIComponent('fake_metric')}`);
  expect(fake.data.result).toEqual([]);
});
