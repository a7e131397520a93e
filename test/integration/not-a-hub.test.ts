/**
 * An HTTP server that is not a hub (another service took the port) answering 200 `{}` everywhere: every
 * evaluating command says hub.identity CRITICAL and judges nothing else of it as a hub's (faults D16).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';

let hub: FakeHub;
const home = mkdtempSync(join(tmpdir(), 'mhm-not-a-hub-'));
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state') };

beforeAll(async () => {
  hub = await startFakeHub();
  for (const path of ['/api/health', '/api/servers', '/api/filtering/stats', '/api/metrics/custom', '/api/metrics/prometheus', '/api/servers/resources']) {
    hub.route(path, { kind: 'ok', body: {} });
  }
});
afterAll(async () => {
  await hub.close();
  rmSync(home, { recursive: true, force: true });
});

type Report = { status: string; checks: { id: string; status: string; message: string }[] };

test.for([
  ['check', []],
  ['validate', []],
  ['anomalies', ['--window', '2s']],
] as const)('%s: 200 {} is hub.identity CRITICAL (exit 2), nothing judged as a hub', async ([command, extra]) => {
  const run = await runCli([command, '--hub', hub.url, '--json', ...extra], ENV);
  const r = JSON.parse(run.stdout) as Report;
  expect(r.checks.find((c) => c.id === 'hub.identity')).toMatchObject({ status: 'critical', message: `not an MCP hub at ${hub.url} (server_id null)` });
  expect(r.status).toBe('critical');
  expect(run.code).toBe(2);
  // Its process, port, log and servers are not a hub's: no verdict about them, good or bad.
  const hubOnly = /^(hub\.(process|port|exposure|memory|state)|server\.|servers\.|config\.|fork\.|anomaly\.(cpu|memory|log_|error_spike|outlier|flapping|disconnections))/;
  expect(r.checks.filter((c) => hubOnly.test(c.id)).map((c) => c.id)).toEqual([]);
});
