/**
 * The tap under load in front of the real mcp-hub 4.2.1: a thousand MCP sessions at once, and a hub killed
 * and started again on its port while calls are in flight. The tap never crashes, every client gets its own
 * answers, and every call makes exactly one record of how it ended.
 */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { freePort, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import type { CallRecord } from '../../src/model/calls.js';
import { openLegacySession, type LegacySession } from '../support/legacy-session.js';
import { FakeTapDaemon, startTap, type TapChild } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tapFor(hub: string): Promise<{ tap: TapChild; daemon: FakeTapDaemon }> {
  const state = tempDir('mhm-tap-');
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  const dir = tempDir('mhm-tap-cfg-');
  writeFileSync(join(dir, 'config.yaml'), 'tap:\n  buffer: 100000\n');
  const tap = await startTap(hub, state, ['--config', join(dir, 'config.yaml')]);
  cleanups.push(() => tap.stop());
  return { tap, daemon };
}

const textOf = (answer: Record<string, unknown>): unknown => (answer.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;

test('1,000 concurrent MCP sessions through the tap: each gets its own answer, the tap stays up, and each session has exactly its own records', async () => {
  const SESSIONS = 1_000;
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  const { tap, daemon } = await tapFor(hub.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  cleanups.push(() => agent.destroy());
  const started = performance.now();
  const open = await Promise.all(Array.from({ length: SESSIONS }, async (_, k) => {
    const s = await openLegacySession(tap.url, `client-${k}`, agent);
    cleanups.push(() => s.close());
    return s;
  }));
  // All 1,000 open at once, then all calling at once.
  const sessions = await Promise.all(open.map(async (s, k) => ({ s, k, answer: await s.call('tools/call', { name: 'tester__echo', arguments: { text: `session ${k}: ${s.sessionId}` } }) })));
  const seconds = (performance.now() - started) / 1000;
  for (const { s, k, answer } of sessions) expect(textOf(answer)).toBe(`session ${k}: ${s.sessionId}`);
  expect(sessions.flatMap(({ s }) => s.strays)).toEqual([]);
  expect(new Set(sessions.map(({ s }) => s.sessionId)).size).toBe(SESSIONS);

  await waitUntil(() => daemon.calls.length >= 2 * SESSIONS, { what: `${2 * SESSIONS} records`, timeoutMs: 20_000, describe: () => daemon.calls.length });
  const bySession = new Map<string | null, CallRecord[]>();
  for (const c of daemon.calls) bySession.set(c.session, [...(bySession.get(c.session) ?? []), c]);
  for (const { s, k } of sessions) {
    const mine = bySession.get(s.sessionId) ?? [];
    expect(mine.map((c) => [c.method, c.tool, c.client, c.outcome, c.transport])).toEqual([
      ['initialize', null, `client-${k}`, 'ok', 'sse'],
      ['tools/call', 'echo', `client-${k}`, 'ok', 'sse'],
    ]);
  }
  expect(daemon.calls).toHaveLength(2 * SESSIONS);
  expect(tap.child.exitCode).toBeNull();
  expect(daemon.bad).toEqual([]);
  // On this 2-core machine, shared: about 7 s through the tap (4 s straight to the hub).
  expect(seconds).toBeLessThan(45);
}, 90_000);

/** One REST call of `tool` on `server` and how the client saw it end. */
interface RestResult { text: string; startedAfterRestart: boolean; status: number; body: string; error?: string }
function restCall(base: string, agent: http.Agent, server: string, tool: string, text: string, afterRestart: boolean): Promise<RestResult> {
  return new Promise((resolve) => {
    const r: RestResult = { text, startedAfterRestart: afterRestart, status: 0, body: '' };
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      r.status = res.statusCode ?? 0;
      res.setEncoding('utf8').on('data', (d: string) => { r.body += d; });
      res.on('end', () => resolve(r));
      res.on('error', (e) => resolve({ ...r, error: e.message }));
    });
    req.on('error', (e) => resolve({ ...r, error: e.message }));
    req.end(JSON.stringify({ server_name: server, tool, arguments: { text } }));
  });
}

/** The record a REST call should have made, from what its client saw. */
function expectedOutcome(r: RestResult): string {
  if (r.error !== undefined) return 'transport_error';
  if (r.status === 502 && r.body.startsWith('mcp-hub-monitor tap: ')) return 'transport_error';
  return r.status === 200 ? 'ok' : `jsonrpc_error ${r.status}`;
}

test('a hub killed and started again on its port under load: the tap stays up, calls in flight and during the outage end as transport_error (clients get 502), calls after it succeed, nothing is mixed up', async () => {
  const port = await freePort();
  const servers = { tester: testServer(), hanger: testServer() };
  let hub: RunningHub = await launchHub({ servers, port });
  cleanups.push(() => hub.stop());
  const { tap, daemon } = await tapFor(hub.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  cleanups.push(() => agent.destroy());

  // Load: 8 REST callers and 8 MCP sessions calling echo in a loop, each call with a text of its own.
  const rest: RestResult[] = [];
  let restarted = false;
  let stop = false;
  let seq = 0;
  const restLoops = Array.from({ length: 8 }, async () => {
    while (!stop) rest.push(await restCall(tap.url, agent, 'tester', 'echo', `rest-${seq++}`, restarted));
  });
  const mcpResults: { text: string; got: unknown; error?: string }[] = [];
  const sessions: LegacySession[] = [];
  const mcpLoop = async (k: number) => {
    const s = await openLegacySession(tap.url, `loader-${k}`, agent);
    sessions.push(s);
    cleanups.push(() => s.close());
    for (let n = 0; !stop; n++) {
      const text = `${s.sessionId}-${n}`;
      try {
        mcpResults.push({ text, got: textOf(await s.call('tools/call', { name: 'tester__echo', arguments: { text } })) });
      } catch (e) {
        mcpResults.push({ text, got: undefined, error: (e as Error).message });
        return;
      }
    }
  };
  const firstLoops = Array.from({ length: 8 }, (_, k) => mcpLoop(k));
  // And a call of each kind that is certainly in flight when the hub dies: `hang` never answers.
  const hangSession = await openLegacySession(tap.url, 'hanging', agent);
  cleanups.push(() => hangSession.close());
  const mcpHang = hangSession.call('tools/call', { name: 'hanger__hang', arguments: {} }).then(() => 'answered', (e: Error) => e.message);
  const restHang = restCall(tap.url, agent, 'hanger', 'hang', 'hang', false);
  await waitUntil(() => rest.length >= 200 && mcpResults.length >= 200, { what: 'load through the tap before the kill', describe: () => [rest.length, mcpResults.length] });

  process.kill(-hub.pid, 'SIGKILL'); // the hub and its servers, at once
  await hub.exited;
  expect(await mcpHang).toMatch(/stream/);
  const hungRest = await restHang;
  expect([hungRest.status, hungRest.body]).toEqual([502, expect.stringMatching(/^mcp-hub-monitor tap: the hub at http:\/\/127\.0\.0\.1:\d+ failed: ECONNRESET/)]);
  // During the outage: a 502 saying the hub refused, as nginx would answer for a hub that is down.
  const refused = await restCall(tap.url, agent, 'tester', 'echo', 'outage', false);
  expect([refused.status, refused.body]).toEqual([502, `mcp-hub-monitor tap: the hub at ${hub.url} refused the connection\n`]);
  await waitUntil(() => rest.filter((r) => r.status === 502).length >= 20, { what: 'the load to meet the outage' });

  await hub.stop(); // its temp dir goes; the port is free
  hub = await launchHub({ servers, port });
  restarted = true;
  const afterSessions = await Promise.all(Array.from({ length: 8 }, async (_, k) => openLegacySession(tap.url, `after-${k}`, agent)));
  for (const s of afterSessions) cleanups.push(() => s.close());
  const afterAnswers = await Promise.all(afterSessions.map((s) => s.call('tools/call', { name: 'tester__echo', arguments: { text: `after ${s.sessionId}` } })));
  await waitUntil(() => rest.filter((r) => r.startedAfterRestart).length >= 200, { what: 'load through the tap after the restart' });
  stop = true;
  await Promise.all([...restLoops, ...firstLoops]);

  expect(tap.child.exitCode).toBeNull();
  // Every answer a client got is its own.
  afterAnswers.forEach((a, k) => expect(textOf(a)).toBe(`after ${afterSessions[k]!.sessionId}`));
  for (const r of rest.filter((x) => x.status === 200)) expect(JSON.parse(r.body)).toMatchObject({ result: { content: [{ text: r.text }] } });
  for (const m of mcpResults.filter((x) => x.error === undefined)) expect(m.got).toBe(m.text);
  expect([...sessions, ...afterSessions].flatMap((s) => s.strays)).toEqual([]);
  // Calls that started once the new hub was ready all succeeded.
  expect(rest.filter((r) => r.startedAfterRestart && r.status !== 200)).toEqual([]);
  // Each session of the dead hub lost the one call it had in flight: its post refused by the tap (502), or its stream gone.
  const lost = mcpResults.filter((m) => m.error !== undefined).map((m) => m.error);
  expect(lost).toHaveLength(8);
  for (const why of lost) expect(why).toMatch(/^(the stream (ended|failed)|POST answered 502: mcp-hub-monitor tap: the hub at .* (failed: ECONNRESET|refused the connection))/);

  // One REST record per REST call, each with the outcome its client saw.
  const restRecords = () => daemon.calls.filter((c) => c.transport === 'rest');
  const all = [...rest, hungRest, refused];
  await waitUntil(() => restRecords().length >= all.length, { what: `${all.length} REST records`, describe: () => restRecords().length });
  const seen = (c: CallRecord) => (c.outcome === 'jsonrpc_error' ? `jsonrpc_error ${c.errorCode}` : c.outcome);
  expect(restRecords().map(seen).sort()).toEqual(all.map(expectedOutcome).sort());
  // One MCP record per echo call: its own session, its outcome as the client saw it.
  const echoRecords = () => daemon.calls.filter((c) => c.transport === 'sse' && c.tool === 'echo');
  const mcpCalls = mcpResults.length + afterSessions.length;
  await waitUntil(() => echoRecords().length >= mcpCalls, { what: `${mcpCalls} MCP echo records`, describe: () => echoRecords().length });
  expect(echoRecords()).toHaveLength(mcpCalls);
  expect(echoRecords().filter((c) => c.outcome === 'transport_error')).toHaveLength(8);
  expect(await waitUntil(() => daemon.calls.find((c) => c.tool === 'hang' && c.transport === 'sse'), { what: 'the MCP hang record' })).toMatchObject({ outcome: 'transport_error', client: 'hanging' });
  expect(daemon.bad).toEqual([]);
}, 120_000);
