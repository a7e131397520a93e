/**
 * `status` and `status --json` show the capacity outlook the daemon predicts: a hub whose RSS grows 40 MB a
 * day from 420 MB "reaches 500 MB in 2.0 days (between A and B)", with the warning the daemon raises.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Store, type SampleInput } from '../../src/store/store.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const hub = 'http://127.0.0.1:7000';
const D = 86_400_000;

test('a growing RSS: the capacity line in status, its numbers in --json', async () => {
  const stateDir = join(tempDir('mhm-status-capacity-'), 'state');
  const now = Date.now();
  const store = Store.open({ stateDir, quickCheck: false });
  const run = store.startRun({ pid: 2 ** 22 + 1, t: now - 3 * D, cleanStart: true });
  const rows: SampleInput[] = [];
  for (let t = now - 3 * D; t < now; t += 60_000) rows.push({ hub, name: 'hub.up', t, v: 1 }, { hub, name: 'hub.rss_bytes', t, v: Math.round(420e6 + (40e6 * (t - now)) / D) });
  store.insertSamples(rows);
  while (!store.rollup(now).done) { /* bounded per call */ }
  store.beat(run, now);
  store.close();

  const env = isolatedEnv();
  const out = await runCli(['status', '--state-dir', stateDir], env);
  expect(out.stdout).toContain('capacity (trend over 7 d of hourly points; warns when the earliest crossing is within 7 d):\n');
  expect(out.stdout).toMatch(/^ {2}http:\/\/127\.0\.0\.1:7000 {2}hub RSS: reaches 500 MB in 2\.\d days \(between 2\.\d and 2\.\d\); \+40 MB\/day {2}\[capacity\.rss warns\]$/m);
  const json = JSON.parse((await runCli(['status', '--state-dir', stateDir, '--json'], env)).stdout) as { capacity: { resources: { hub: string | null; resource: string; days: number | null; warn: boolean }[] } };
  const rss = json.capacity.resources.find((r) => r.resource === 'rss')!;
  expect(rss).toMatchObject({ hub, warn: true });
  expect(rss.days).toBeGreaterThan(1.9);
  expect(rss.days).toBeLessThan(2.1);
}, 30_000);
