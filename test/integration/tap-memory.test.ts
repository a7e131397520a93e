/**
 * The tap's memory under load: V8's young generation stays within 2 MB semi-spaces instead of growing to
 * 2 × 16 MB, which was most of the tap's RSS; NODE_OPTIONS=--max-semi-space-size still sets its size. Seen from inside the real tap process by a preloaded probe (test/support/heap-probe.cjs).
 */
import http from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv } from '../support/cli.js';
import { FakeTapDaemon, startTap } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PROBE = fileURLToPath(new URL('../support/heap-probe.cjs', import.meta.url));
const MB = 1 << 20;

/** `n` REST echo calls through `base`, `inFlight` at a time; resolves when all were answered 200. */
async function load(base: string, n: number, inFlight: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const body = JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text: 'x'.repeat(200) } });
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < n) {
      const status = await new Promise<number>((resolve, reject) => {
        http.request(`${base}/api/servers/tools`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume().on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject).end(body);
      });
      expect(status).toBe(200);
    }
  }));
  agent.destroy();
}

test('under load the tap\'s young generation stays within 2 × 2 MB; NODE_OPTIONS=--max-semi-space-size lets it grow', async () => {
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  const dir = tempDir('mhm-tap-mem-');
  const newSpace: Record<string, () => number> = {};
  for (const [name, nodeOptions] of [['default', ''], ['told', '--max-semi-space-size=8']] as const) {
    const state = join(dir, name);
    mkdirSync(state);
    const daemon = new FakeTapDaemon(state);
    const probe = join(dir, `${name}.new-space`);
    const tap = await startTap(hub.url, state, [], isolatedEnv({ NODE_OPTIONS: `--require ${PROBE} ${nodeOptions}`, MHM_HEAP_PROBE: probe }));
    cleanups.push(() => tap.stop());
    await daemon.listen();
    cleanups.push(() => daemon.close());
    await load(tap.url, 2_000, 32);
    newSpace[name] = () => Number(readFileSync(probe, 'utf8'));
  }
  expect(newSpace.default!() / MB).toBeLessThanOrEqual(4);
  expect(newSpace.told!() / MB).toBeGreaterThan(4);
}, 120_000);
