/**
 * Remediation against the real mcp-hub 4.2.1, the daemon as a real child process: a killed child is healed
 * (stop + start through the hub) and answers a probe again within 15 s of its alert; a child that dies again
 * at once is healed at most the limit, then `remediation.gave_up` fires; a dry run changes nothing but is
 * recorded; a hung (SIGSTOPped) child is healed; the hub's restart command runs once for a dead hub, not once
 * per server; and `heal <server>` does the same by hand.
 */
import { readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { probeServer } from '../../src/sources/server-probe.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedEvents, waitForEvent, waitForPolls, waitForStored, type StoredEvent } from '../support/daemon-process.js';
import { startReceiver } from '../support/receiver.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startHub(servers: Parameters<typeof launchHub>[0]['servers']): Promise<RunningHub> {
  const hub = await launchHub({ servers });
  cleanups.push(() => hub.stop());
  return hub;
}

/** The hub's child whose environment carries MHM_TAG=<tag>. */
function childPid(hub: RunningHub, tag: string): number | undefined {
  return hub.childPids().find((p) => { try { return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`MHM_TAG=${tag}`); } catch { return false; } });
}

/** A daemon (1 s polls) with this config (YAML lines) in its state dir. */
function daemonWith(hub: RunningHub, config: string[]): { state: string } {
  const state = stateDir();
  cleanups.push(() => rmSync(state, { recursive: true, force: true }));
  const file = join(state, 'config.yaml');
  writeFileSync(file, `${config.join('\n')}\n`);
  startDaemonProcess(hub, state, ['--config', file], cleanups);
  return { state };
}

interface Remediation { action: string; target: string; result: string; dryRun: boolean; who: string; why: string; rule?: string; detail?: string }
const remediations = (state: string): (StoredEvent & { d: Remediation })[] => storedEvents(state).filter((e) => e.type === 'remediation').map((e) => ({ ...e, d: JSON.parse(e.data!) as Remediation }));
const ruleOf = (e: StoredEvent) => (JSON.parse(e.data ?? '{}') as { rule?: string }).rule;

async function toolNames(hub: RunningHub, server: string): Promise<string[]> {
  const res = await fetch(`${hub.url}/api/servers`);
  const doc = await res.json() as { servers: { name: string; capabilities: { tools: { name: string }[] } }[] };
  return doc.servers.find((s) => s.name === server)!.capabilities.tools.map((t) => t.name).sort();
}

test('a killed child is healed by the daemon and answers a probe again within 15 s of its alert; the receivers are told what was done', async () => {
  const hub = await startHub({ everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }) });
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const { state } = daemonWith(hub, ['remediation:', '  enabled: true', 'alerting:', '  group_wait: 1s', '  receivers:', '    hook:', '      type: webhook', `      url: ${receiver.url}/hook`]);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'crashy');
  const old = childPid(hub, 'crashy')!;
  process.kill(old, 'SIGKILL');
  const fired = await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === 'crashy' && /^server\.(status|probe)$/.test(ruleOf(e) ?? ''));
  const healed = await waitForStored(() => remediations(state), (e) => e.server === 'crashy', 'remediation of crashy', 20_000);
  expect(healed.d).toMatchObject({ action: 'heal_server', target: 'crashy', result: 'healed', dryRun: false, who: expect.stringMatching(/^rule server\.(status|probe)$/) });
  expect(healed.d.detail).toMatch(/^stopped and started through the hub; the new child answers a probe in /);
  const probe = await probeServer(hub.url, 'crashy', { timeoutMs: 2_000 });
  expect(probe.outcome).toBe('alive');
  const answeredAt = Date.now();
  console.log(`killed child: alert → healed ${healed.t - fired.t} ms, alert → probe answered ${answeredAt - fired.t} ms`);
  expect(answeredAt - fired.t).toBeLessThanOrEqual(15_000);
  expect(childPid(hub, 'crashy')).not.toBe(old);
  // Its outcome went through the alert pipeline to the receiver: remediation.action, naming the server and what was done.
  await receiver.waitFor(1, 15_000);
  await waitForStored(() => receiver.requests.map((r) => r.body), (b) => b.includes('remediation.action'), 'the remediation.action notification', 15_000);
  const told = receiver.requests.map((r) => JSON.parse(r.body) as { alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] })
    .flatMap((b) => b.alerts).find((a) => a.labels.rule === 'remediation.action')!;
  expect(told.labels).toMatchObject({ server: 'crashy', action: 'heal_server' });
  expect(JSON.stringify(told.annotations)).toMatch(/healing server crashy: healed: stopped and started/);

  // The audit everywhere: status, history --events.
  const env = isolatedEnv();
  const status = await runCli(['status', '--state-dir', state], env);
  expect(status.stdout).toMatch(/remediation: enabled[^\n]*\n\s+\S+ heal_server crashy healed/);
  const history = await runCli(['history', '--state-dir', state, '--events', 'remediation'], env);
  expect(history.stdout).toMatch(/,remediation,crashy,.*""result"":""healed""/);
  // A report's period ends on a whole minute: one ending after now holds the heal.
  const summary = await runCli(['summary', '--state-dir', state, '--at', new Date(Date.now() + 120_000).toISOString()], env);
  expect(summary.stdout).toMatch(/### Remediation\n\n1 remediation event: 1 healed, 0 done, 0 failed, 0 gave up, 0 dry runs\.[\s\S]*\| heal\\_server \| crashy \| healed \| rule server\.(status|probe) \|/);
}, 90_000);

test('a child that dies again at once is healed at most the limit, then remediation.gave_up fires naming it, and nothing more is tried', async () => {
  const hub = await startHub({ everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy', MCP_TEST_CRASH_AFTER_MS: '1500' }) });
  const { state } = daemonWith(hub, ['remediation:', '  enabled: true', '  heal_servers: { max_per_hour: 2, cooldown: 1s }']);
  const gaveUp = await waitForStored(() => remediations(state), (e) => e.d.result === 'gave_up', 'the give-up', 60_000);
  expect(gaveUp.d).toMatchObject({ action: 'heal_server', target: 'crashy', dryRun: false });
  expect(gaveUp.d.detail).toMatch(/^healing server crashy: gave up after 2 attempts within an hour/);
  const page = await waitForEvent(state, (e) => e.type === 'alert_firing' && ruleOf(e) === 'remediation.gave_up');
  expect(page.server).toBe('crashy');
  expect(JSON.parse(page.data!)).toMatchObject({ severity: 'critical' });
  // It keeps dying; the daemon keeps looking (polls, probes) and tries nothing more.
  await waitForPolls(state, 8);
  // Each heal worked (healed), or its child died before the probe after it (failed): two attempts, then the give-up.
  expect(remediations(state).map((e) => e.d.result)).toEqual([expect.stringMatching(/^(healed|failed)$/), expect.stringMatching(/^(healed|failed)$/), 'gave_up']);
  expect(storedEvents(state).some((e) => e.type === 'alert_resolved' && ruleOf(e) === 'remediation.gave_up')).toBe(false);
  const status = await runCli(['status', '--state-dir', state], isolatedEnv());
  expect(status.stdout).toMatch(/gave up on: heal_server crashy/);
}, 120_000);

test('dry run: a hung child is recorded as what would be done, and nothing changes (hub pid, child pid, its tools)', async () => {
  const hub = await startHub({ everything: everythingServer(), frozen: testServer({ MHM_TAG: 'frozen' }) });
  const { state } = daemonWith(hub, ['remediation:', '  enabled: true', '  dry_run: true']);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'frozen');
  const pid = childPid(hub, 'frozen')!;
  const pidsBefore = hub.childPids().sort();
  const toolsBefore = await toolNames(hub, 'frozen');
  process.kill(pid, 'SIGSTOP');
  cleanups.push(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
  const decided = await waitForStored(() => remediations(state), (e) => e.server === 'frozen', 'the dry run\'s decision', 30_000);
  expect(decided.d).toMatchObject({ action: 'heal_server', result: 'dry_run', dryRun: true, rule: 'server.probe' });
  expect(decided.d.detail).toBe('dry run: would stop and start it through the hub, then probe it');
  await waitForPolls(state, 3);
  expect(hub.child.exitCode).toBeNull();
  expect(hub.childPids().sort()).toEqual(pidsBefore);
  expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]).toBe('T'); // still the stopped child
  expect(await toolNames(hub, 'frozen')).toEqual(toolsBefore);
  expect(remediations(state).every((e) => e.d.dryRun)).toBe(true);
}, 90_000);

test('a hung (SIGSTOPped) child is healed: a new child answers the probe', async () => {
  const hub = await startHub({ everything: everythingServer(), frozen: testServer({ MHM_TAG: 'frozen' }) });
  const { state } = daemonWith(hub, ['remediation:', '  enabled: true']);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'frozen');
  const pid = childPid(hub, 'frozen')!;
  process.kill(pid, 'SIGSTOP');
  cleanups.push(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
  const healed = await waitForStored(() => remediations(state), (e) => e.server === 'frozen', 'the heal', 40_000);
  expect(healed.d).toMatchObject({ result: 'healed', rule: 'server.probe' });
  expect((await probeServer(hub.url, 'frozen', { timeoutMs: 2_000 })).outcome).toBe('alive');
  expect(childPid(hub, 'frozen')).not.toBe(undefined);
  expect(hub.childPids()).toContain(pid); // the stopped process stays (mcp-hub's SIGTERM waits for a SIGCONT)
}, 90_000);

test('a dead hub: the restart command runs once, not once per server, and the restart is verified when the hub answers again', async () => {
  const servers = { everything: everythingServer(), a: testServer({ MHM_TAG: 'a' }), b: testServer({ MHM_TAG: 'b' }) };
  const hub = await startHub(servers);
  const lines = join(tempDir('mhm-restart-'), 'restarts.txt');
  const { state } = daemonWith(hub, [
    'remediation:', '  enabled: true',
    `  restart_hub: { command: 'echo "$MHM_ACTION $MHM_HUB" >> ${lines}', verify_timeout: 30s }`,
  ]);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'b');
  process.kill(hub.pid, 'SIGKILL');
  await hub.exited;
  await waitForStored(() => (existsSync(lines) ? [readFileSync(lines, 'utf8')] : []), (t) => t.length > 0, 'the restart command\'s line', 30_000);
  expect(readFileSync(lines, 'utf8')).toBe(`restart_hub ${hub.url}\n`);
  // The "restart": the same hub again on its port and HOME, as the user's command would.
  const again = await launchHub({ servers, port: hub.port, env: { HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME!, XDG_DATA_HOME: hub.env.XDG_DATA_HOME!, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME! } });
  cleanups.push(() => again.stop());
  const verified = await waitForStored(() => remediations(state), (e) => e.d.action === 'restart_hub', 'the restart\'s outcome', 40_000);
  expect(verified.d).toMatchObject({ target: hub.url, result: 'healed', rule: 'hub.reachable' });
  expect(verified.d.detail).toMatch(/^the command exited 0; the hub answers again after /);
  await waitForEvent(state, (e) => e.type === 'poll_recovered');
  await waitForPolls(state, 5, Date.now());
  expect(readFileSync(lines, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  expect(remediations(state).map((e) => e.d.action)).toEqual(['restart_hub']);
}, 120_000);

test('heal <server> by hand: heals a killed child (exit 0), records who; an unknown server lists the known ones (exit 3); a start that fails is exit 2; --dry-run changes nothing', async () => {
  const hub = await startHub({ everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }), broken: testServer({ MCP_TEST_FAIL_START: '1' }) });
  const state = stateDir();
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const old = childPid(hub, 'crashy')!;
  process.kill(old, 'SIGKILL');
  await waitUntil(async () => (await probeServer(hub.url, 'crashy', { timeoutMs: 1_000 })).outcome === 'dead', { what: 'the hub to find crashy dead' });

  const dry = await runCli(['heal', 'crashy', '--hub', hub.url, '--state-dir', state, '--dry-run'], env);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('crashy on http://127.0.0.1:');
  expect(dry.stdout).toContain(': nothing changed: dry run: would stop and start it through the hub, then probe it');
  expect((await probeServer(hub.url, 'crashy', { timeoutMs: 1_000 })).outcome).toBe('dead');

  const healed = await runCli(['heal', 'crashy', '--hub', hub.url, '--state-dir', state], env);
  expect(healed.stderr).toBe('');
  expect(healed.code).toBe(0);
  expect(healed.stdout).toMatch(/^crashy on http:\/\/127\.0\.0\.1:\d+: healed: stopped and started through the hub; the new child answers a probe in /);
  expect((await probeServer(hub.url, 'crashy', { timeoutMs: 2_000 })).outcome).toBe('alive');
  expect(childPid(hub, 'crashy')).not.toBe(old);

  const unknown = await runCli(['heal', 'nope', '--hub', hub.url, '--state-dir', state], env);
  expect(unknown.code).toBe(3);
  expect(unknown.stderr).toMatch(/heal: no server "nope" on http:\/\/127\.0\.0\.1:\d+\. Its servers: everything, crashy, broken/);

  const failed = await runCli(['heal', 'broken', '--hub', hub.url, '--state-dir', state, '--json'], env);
  expect(failed.code).toBe(2);
  expect(JSON.parse(failed.stdout)).toMatchObject({ server: 'broken', result: 'failed', detail: expect.stringMatching(/^stopped, then the start failed: HTTP 500/), recorded: true });

  const history = await runCli(['history', '--state-dir', state, '--events', 'remediation', '--format', 'json'], env);
  const rows = (JSON.parse(history.stdout) as { events: { server: string; data: Remediation }[] }).events;
  expect(rows.map((r) => [r.server, r.data.result, r.data.dryRun])).toEqual([['crashy', 'dry_run', true], ['crashy', 'healed', false], ['broken', 'failed', false]]);
  expect(rows.every((r) => /^heal command \(user .+\)$/.test(r.data.who) && r.data.why === 'asked by hand')).toBe(true);
}, 90_000);
