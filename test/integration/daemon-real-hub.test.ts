/**
 * The daemon as a real child process against the real mcp-hub 4.2.1: it records what happens to the hub
 * as events and samples, and behaves as a service (lock, clean stop, gaps after a kill).
 */
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedEvents, storedSamples, waitForEvent, waitForPolls, waitForStored, type StoredEvent } from '../support/daemon-process.js';
import { waitUntil } from '../support/wait.js';
import { historyDbPath } from '../../src/config/paths.js';

type EventRow = StoredEvent;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startHub(servers: Parameters<typeof launchHub>[0]['servers'], hubArgs: string[] = []): Promise<RunningHub> {
  const hub = await launchHub({ servers, hubArgs });
  cleanups.push(() => hub.stop());
  return hub;
}

const startDaemon = (hub: RunningHub, state: string, extra: string[] = []) => startDaemonProcess(hub, state, extra, cleanups);
const events = storedEvents;

function post(hub: RunningHub, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${hub.url}${path}`, { method: 'POST' }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end();
  });
}

const testServerPid = (hub: RunningHub) => hub.childPids().find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('test-server.js'))!;

test('A11 records a killed stdio child as dead within a poll, a tool-list change with its exact diff, and refuses a second daemon', async () => {
  const hub = await startHub({ everything: everythingServer(), crashy: testServer() });
  const state = stateDir();
  const daemon = startDaemon(hub, state);
  await waitForEvent(state, (e) => e.type === 'sse_open');
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'crashy');

  const second = await runCli(['daemon', '--state-dir', state, '--hub', hub.url], isolatedEnv());
  expect(second.code).toBe(3);
  expect(second.stderr).toMatch(new RegExp(`held by pid ${daemon.pid}`));

  process.kill(testServerPid(hub), 'SIGUSR2'); // our server adds a tool and notifies list_changed
  const changed = await waitForEvent(state, (e) => e.type === 'tool_list_changed' && e.server === 'crashy');
  expect(JSON.parse(changed.data!)).toMatchObject({ added: ['signal_tool_1'], removed: [], changed: [] });

  const killedAt = Date.now();
  process.kill(testServerPid(hub), 'SIGKILL');
  const dead = await waitForEvent(state, (e) => e.type === 'server_dead' && e.server === 'crashy');
  expect(dead.t - killedAt).toBeLessThan(2_500); // within one 1 s poll (plus the probe the log triggers)

  const t0 = Date.now();
  daemon.kill('SIGTERM');
  const code = await new Promise((r) => daemon.once('exit', r));
  expect(code).toBe(0);
  expect(Date.now() - t0).toBeLessThan(2_000);
  const status = await runCli(['status', '--state-dir', state, '--json'], isolatedEnv());
  const doc = JSON.parse(status.stdout) as { daemon: { running: boolean; run: { clean_stop: number } }; hubs: { hub: string }[] };
  expect(doc.daemon).toMatchObject({ running: false, run: { clean_stop: 1 } });
  expect(doc.hubs.map((h) => h.hub)).toEqual([hub.url]);
}, 60_000);

test('A3 restart, A4 hard restart and A2 the hub coming back: hub_state events, the stream reconnects and resyncs', async () => {
  const hub = await startHub({ everything: everythingServer() });
  const state = stateDir();
  startDaemon(hub, state);
  await waitForEvent(state, (e) => e.type === 'sse_open');
  expect(await post(hub, '/api/restart')).toBe(200);
  await waitForEvent(state, (e) => e.type === 'hub_state' && /"state":"restarting"/.test(e.data ?? ''));
  await waitForEvent(state, (e) => e.type === 'hub_state' && /"state":"restarted"/.test(e.data ?? ''));

  expect(await post(hub, '/api/hard-restart')).toBe(200);
  await hub.exited;
  await waitForEvent(state, (e) => e.type === 'sse_close');
  await waitForEvent(state, (e) => e.type === 'poll_failed');
  // Nothing respawns it (exit 0 is not success: docs/hub-api.md §1); we do, on the same port and HOME.
  const again = await launchHub({ servers: { everything: everythingServer() }, port: hub.port, env: { HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME!, XDG_DATA_HOME: hub.env.XDG_DATA_HOME!, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME! } });
  cleanups.push(() => again.stop());
  await waitForEvent(state, (e) => e.type === 'poll_recovered', 20_000);
  const opens = () => events(state).filter((e) => e.type === 'sse_open').length;
  // The reconnect backoff is capped at 30 s with full jitter.
  await waitUntil(() => opens() >= 2, { what: 'a second sse_open after the hub came back', timeoutMs: 40_000, everyMs: 200, describe: opens });
}, 90_000);

test('a config edit under --watch is stored as config_changed with server names only: no env value anywhere', async () => {
  const hub = await startHub({ everything: everythingServer() }, ['--watch']);
  const state = stateDir();
  startDaemon(hub, state);
  await waitForEvent(state, (e) => e.type === 'sse_open');
  const cfg = JSON.parse(readFileSync(hub.configPath, 'utf8')) as { mcpServers: Record<string, { env?: Record<string, string> }> };
  cfg.mcpServers.everything!.env = { OPENAI_API_KEY: 'sk-canary-SECRET123' };
  writeFileSync(hub.configPath, JSON.stringify(cfg));
  const changed = await waitForEvent(state, (e) => e.type === 'config_changed');
  expect(JSON.parse(changed.data!)).toMatchObject({ servers: ['everything'] });
  await waitForEvent(state, (e) => e.type === 'servers_updated');
  const db = readFileSync(historyDbPath(state));
  expect(db.includes('SECRET123')).toBe(false);
  expect(JSON.stringify(events(state))).not.toContain('SECRET123');
}, 60_000);

test('poll-only mode holds no SSE connection; a SIGKILLed daemon leaves a gap and the next start is unclean', async () => {
  const hub = await startHub({ everything: everythingServer() });
  const state = stateDir();
  const first = startDaemon(hub, state, ['--no-sse']);
  await waitForEvent(state, (e) => e.type === 'hub_state');
  expect(events(state).some((e) => e.type === 'sse_open')).toBe(false);
  const health = await new Promise<{ activeClients: number }>((resolve, reject) => {
    http.get(`${hub.url}/api/health`, (res) => { let b = ''; res.on('data', (d) => { b += d; }).on('end', () => resolve(JSON.parse(b))); }).on('error', reject);
  });
  expect(health.activeClients).toBe(0);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const second = startDaemon(hub, state, ['--no-sse']);
  const status = async () => JSON.parse((await runCli(['status', '--state-dir', state, '--json'], isolatedEnv())).stdout) as { daemon: { running: boolean; run: { clean_start: number } | null }; gaps: unknown[] };
  let doc = await status();
  await waitUntil(async () => { doc = await status(); return doc.daemon.running && doc.daemon.run !== null; }, { what: 'status to show the second run', everyMs: 100, describe: () => doc.daemon });
  expect(doc.daemon.run!.clean_start).toBe(0);
  expect(doc.gaps.length).toBeGreaterThanOrEqual(1);
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));
}, 60_000);

test('history exports what the daemon stored: series list, raw samples and events, as CSV and JSON', async () => {
  const hub = await startHub({ everything: everythingServer() });
  const state = stateDir();
  const daemon = startDaemon(hub, state);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'everything');
  // The event may come from the SSE stream before any poll stored the server's sample: wait for that too.
  await waitForStored(() => storedSamples(state, 'server.up'), (s) => s.labels.includes('everything'), 'a server.up sample of everything');
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  const env = isolatedEnv();
  const list = await runCli(['history', '--state-dir', state], env);
  expect(list.code).toBe(0);
  expect(list.stdout).toContain(`${hub.url},server.up,server=everything`);
  const up = await runCli(['history', '--state-dir', state, '--series', 'hub.up', '--json'], env);
  const doc = JSON.parse(up.stdout) as { resolution: string; rows: { hub: string; v: number | null }[] };
  expect(doc.resolution).toBe('raw');
  expect(doc.rows.length).toBeGreaterThan(0);
  expect(doc.rows.every((r) => r.hub === hub.url && r.v === 1)).toBe(true);
  const ev = await runCli(['history', '--state-dir', state, '--events', 'server_status'], env);
  expect(ev.stdout.split('\r\n')[0]).toBe('time,hub,type,server,data');
  expect(ev.stdout).toContain(',server_status,everything,');
  const bad = await runCli(['history', '--state-dir', state, '--since', 'yesterday-ish'], env);
  expect(bad.code).toBe(3);
  expect(bad.stderr).toMatch(/--since: not a time \(got "yesterday-ish"\)/);
}, 60_000);

test('anomalies reads the daemon history: the hour\'s polls and reconnects recorded while it ran', async () => {
  const hub = await startHub({ everything: everythingServer(), flappy: testServer() });
  const state = stateDir();
  const daemon = startDaemon(hub, state, ['--no-sse']);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'flappy' && /"to":"up"/.test(e.data ?? ''));
  const postJson = (path: string) => new Promise<number>((resolve, reject) => {
    const req = http.request(`${hub.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(JSON.stringify({ server_name: 'flappy' }));
  });
  // Five stop/start cycles, each held long enough for a 1 s poll to see it down and then up again.
  for (let i = 0; i < 5; i++) {
    const downs = events(state).filter((e) => e.server === 'flappy' && /"to":"down"/.test(e.data ?? '')).length;
    expect(await postJson('/api/servers/stop')).toBe(200);
    await waitForEvent(state, () => events(state).filter((e) => e.server === 'flappy' && /"to":"down"/.test(e.data ?? '')).length > downs);
    const ups = events(state).filter((e) => e.server === 'flappy' && /"to":"up"/.test(e.data ?? '')).length;
    expect(await postJson('/api/servers/start')).toBe(200);
    await waitForEvent(state, () => events(state).filter((e) => e.server === 'flappy' && /"to":"up"/.test(e.data ?? '')).length > ups);
  }
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const run = await runCli(['anomalies', '--json', '--window', '1s', '--state-dir', state, '--hub', hub.url], env);
  const doc = JSON.parse(run.stdout) as { checks: { id: string; status: string; message: string }[] };
  const history = doc.checks.find((c) => c.id === 'anomaly.history')!;
  expect(history.status).toBe('ok');
  expect(history.message).toMatch(/history of the last 60 min: (\d+) of \1 polls answered/);
  expect(doc.checks.find((c) => c.id === 'anomaly.flapping')!.message).toContain('flappy (5 reconnects)');
}, 90_000);

test('A20 --auto-shutdown hub: poll-only never changes its life; an SSE daemon keeps it alive and its stop shuts it down', async () => {
  const hub = await startHub({ everything: everythingServer() }, ['--auto-shutdown']);
  // Poll-only: the hub never counts us as a client, so stopping us changes nothing.
  const pollOnlyState = stateDir();
  const pollOnly = startDaemon(hub, pollOnlyState, ['--no-sse']);
  await waitForPolls(pollOnlyState, 2, 0);
  pollOnly.kill('SIGTERM');
  await new Promise((r) => pollOnly.once('exit', r));
  await new Promise((r) => setTimeout(r, 1_000)); // absence: a hub that counted us would exit within this second
  expect(hub.child.exitCode).toBeNull();
  expect(await post(hub, '/api/restart')).toBe(200); // still serving

  // With SSE we are a client: the README and the start-up log say so; when we leave, the hub shuts down.
  const state = stateDir();
  const withSse = startDaemon(hub, state);
  await waitForEvent(state, (e) => e.type === 'sse_open');
  expect(withSse.stderrText()).toContain('an --auto-shutdown hub stays alive while it runs');
  withSse.kill('SIGTERM');
  await new Promise((r) => withSse.once('exit', r));
  const code = await Promise.race([hub.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
  expect(code).toBe(0); // the hub exits 0 after its last SSE client left (docs/hub-api.md §3)
}, 60_000);
