/**
 * `status` on a young history (the daemon installed ten minutes ago, one 15 s outage): the SLO lines say
 * how much of the 30-day window has data and count the budget used against the whole window's allowance
 * (43m12s at 99.9 %), not "exhausted".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { Store, type SampleInput } from '../../src/store/store.js';
import { isolatedEnv, runCli } from '../support/cli.js';

const roots: string[] = [];
afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });

test('ten minutes after install with a 15 s outage: 0.6 % of the error budget used, over the 10 minutes observed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mhm-status-slo-'));
  roots.push(root);
  const stateDir = join(root, 'state');
  const hub = 'http://127.0.0.1:7000';
  const now = Date.now();
  const start = now - 10 * 60_000;
  const store = Store.open({ stateDir, quickCheck: false });
  const run = store.startRun({ pid: 2 ** 22 + 1, t: start, cleanStart: true });
  const rows: SampleInput[] = [];
  for (let t = start; t < now; t += 5_000) {
    const down = t >= start + 300_000 && t < start + 315_000; // three failed polls
    rows.push(down ? { hub, name: 'hub.up', t, v: 0, err: 'refused' } : { hub, name: 'hub.up', t, v: 1 }, ...(down ? [] : [{ hub, name: 'hub.health_fast', t, v: 1 }]));
  }
  store.insertSamples(rows);
  store.beat(run, now);
  store.close();

  const env = isolatedEnv();
  roots.push(env.HOME!);
  const out = await runCli(['status', '--state-dir', stateDir], env);
  expect(out.stdout).toMatch(/SLO availability: 97\.500% of 120 polls over the (9m5\ds|10m|10m\ds) observed of 30d \(objective 99\.9%\): 0\.6% of the error budget used \(15s down of 43m12s allowed in 30d\)\n/);
  expect(out.stdout).not.toMatch(/exhausted/);
}, 30_000);
