import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { callCanary, classifyCanaryResponse, classifyProbeResponse, probeServer, PROBE_URI } from './server-probe.js';

/** Real mcp-hub 4.2.1 answers, captured with everything, our test server, a SIGKILLed and a SIGSTOPped child. */
const CAPTURED = JSON.parse(readFileSync(new URL('../../test/fixtures/hub/probe-responses.json', import.meta.url), 'utf8')) as Record<string, { status: number; body: unknown }>;
const answer = (name: string) => {
  const c = CAPTURED[name]!;
  return { status: c.status, body: Buffer.from(JSON.stringify(c.body)) };
};

describe('liveness probe classification on captured hub answers', () => {
  test.each([
    ['alive-resources', 'alive'], // -32602 "Resource … not found" from server-everything
    ['alive-no-resources', 'alive'], // -32601 "Method not found": the child answered
    ['dead', 'dead'], // SIGKILLed child the hub still calls connected: "Not connected"
    ['hung', 'hung'], // SIGSTOPped child: -32001 after request_options.timeout
    ['disabled', 'not_connected'],
    ['unknown-server', 'not_connected'],
  ])('%s → %s', (name, outcome) => {
    expect(classifyProbeResponse(answer(name)).outcome).toBe(outcome);
  });

  test('an HTML 404 (a hub without the route) is unsupported; junk is a hub error, never alive', () => {
    expect(classifyProbeResponse({ status: 404, body: Buffer.from('<!DOCTYPE html><pre>Cannot POST</pre>') }).outcome).toBe('unsupported');
    expect(classifyProbeResponse({ status: 500, body: Buffer.from('not json') }).outcome).toBe('hub_error');
    expect(classifyProbeResponse({ status: 500, body: Buffer.from('{"error":"Something else","code":"WEIRD"}') }).outcome).toBe('hub_error');
    // The code may arrive as a numeric string.
    expect(classifyProbeResponse({ status: 500, body: Buffer.from('{"error":"x","code":"-32001"}') }).outcome).toBe('hung');
  });
});

describe('canary classification on captured hub answers', () => {
  test.each([
    ['canary-ok', 'ok'],
    ['canary-tool-error', 'tool_error'], // HTTP 200 with result.isError
    ['canary-dead', 'dead'],
    ['canary-hung', 'hung'],
    ['canary-unknown-tool', 'hub_error'], // a misconfigured canary is not the server's fault
  ])('%s → %s', (name, outcome) => {
    expect(classifyCanaryResponse(answer(name)).outcome).toBe(outcome);
  });

  test('the tool error text is kept, short, as the detail', () => {
    expect(classifyCanaryResponse(answer('canary-tool-error')).detail).toMatch(/Invalid arguments for tool echo/);
  });
});

describe('requests', () => {
  let server: http.Server | undefined;
  afterEach(async () => { await new Promise((r) => server ? server.close(r) : r(undefined)); server = undefined; });

  async function serve(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test('the probe POSTs JSON to /api/servers/resources with the server, our URI and the timeout for the child', async () => {
    let seen: { method?: string; url?: string; type?: string; body?: unknown } = {};
    const base = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        seen = { method: req.method, url: req.url, type: req.headers['content-type'], body: JSON.parse(body) };
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(CAPTURED['alive-no-resources']!.body));
      });
    });
    const r = await probeServer(base, 'fs "x"', { timeoutMs: 1234 });
    expect(seen).toEqual({ method: 'POST', url: '/api/servers/resources', type: 'application/json', body: { server_name: 'fs "x"', uri: PROBE_URI, request_options: { timeout: 1234 } } });
    expect(r).toMatchObject({ server: 'fs "x"', outcome: 'alive' });
    expect(r.latencyMs).toBeGreaterThan(0);
  });

  test('a hub that never answers is cut at the child timeout plus a margin, as unreachable', async () => {
    const base = await serve(() => { /* never answers */ });
    const started = Date.now();
    const r = await callCanary(base, { server: 's', tool: 't', arguments: {} }, { timeoutMs: 100 });
    expect(r.outcome).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test('a refused connection is unreachable, not a verdict on the server', async () => {
    const base = await serve(() => {});
    await new Promise((r) => server!.close(r));
    server = undefined;
    expect((await probeServer(base, 's', { timeoutMs: 100 })).outcome).toBe('unreachable');
  });
});
