/**
 * `status` on a young history (the daemon installed ten minutes ago, one 15 s outage): the SLO lines say
 * how much of the 30-day window has data and count the budget used against the whole window's allowance
 * (43m12s at 99.9 %), not "exhausted". The SLO on real calls: no data without a tap, and with the tap's
 * stored calls the same budget over its calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { Store, type SampleInput } from '../../src/store/store.js';
import { CallsLedger } from '../../src/daemon/calls-ledger.js';
import { isolatedEnv, runCli } from '../support/cli.js';

const roots: string[] = [];
afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });

const hub = 'http://127.0.0.1:7000';

/** A state dir whose history holds the ten minutes `write` stores (a daemon run from then until now). */
function tenMinutesOfHistory(write: (store: Store, start: number, now: number) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'mhm-status-slo-'));
  roots.push(root);
  const stateDir = join(root, 'state');
  const now = Date.now();
  const start = now - 10 * 60_000;
  const store = Store.open({ stateDir, quickCheck: false });
  const run = store.startRun({ pid: 2 ** 22 + 1, t: start, cleanStart: true });
  write(store, start, now);
  store.beat(run, now);
  store.close();
  return stateDir;
}

test('ten minutes after install with a 15 s outage: 0.6 % of the error budget used, over the 10 minutes observed', async () => {
  const stateDir = tenMinutesOfHistory((store, start, now) => {
    const rows: SampleInput[] = [];
    for (let t = start; t < now; t += 5_000) {
      const down = t >= start + 300_000 && t < start + 315_000; // three failed polls
      rows.push(down ? { hub, name: 'hub.up', t, v: 0, err: 'refused' } : { hub, name: 'hub.up', t, v: 1 }, ...(down ? [] : [{ hub, name: 'hub.health_fast', t, v: 1 }]));
    }
    store.insertSamples(rows);
  });

  const env = isolatedEnv();
  roots.push(env.HOME!);
  const out = await runCli(['status', '--state-dir', stateDir], env);
  expect(out.stdout).toMatch(/SLO availability: 97\.500% of 120 polls over the (9m5\ds|10m|10m\ds) observed of 30d \(objective 99\.9%\): 0\.6% of the error budget used \(15s down of 43m12s allowed in 30d\)\n/);
  expect(out.stdout).not.toMatch(/exhausted/);
  // No tap sent calls: the SLO on real calls says so, rather than 100 %.
  expect(out.stdout).toContain('    SLO calls: no calls seen through a tap in the last 30d: no tap in front of this hub (see `mcp-hub-monitor tap`), or no traffic\n');
}, 30_000);

test('the SLO on real calls: ten minutes of calls through the tap, 3 % failing, some slow; the budget against the whole window', async () => {
  const stateDir = tenMinutesOfHistory((store, start, now) => {
    const polls: SampleInput[] = [];
    for (let t = start; t < now; t += 5_000) polls.push({ hub, name: 'hub.up', t, v: 1 }, { hub, name: 'hub.health_fast', t, v: 1 });
    store.insertSamples(polls);
    // What the daemon's calls job stores: every 5 s the interval's calls (10 a second, every 33rd failing, every 20th taking 3 s).
    const ledger = new CallsLedger();
    let n = 0;
    for (let t = start; t < now; t += 5_000) {
      for (let i = 0; i < 50; i++, n++) {
        ledger.note({
          hub, server: 'files', tool: 'read', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: t, durationMs: n % 20 === 0 ? 3_000 : 40,
          ...(n % 33 === 0 ? { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'boom' } : { outcome: 'ok' }), requestBytes: 1, responseBytes: 1,
        }, t);
      }
      store.insertSamples(ledger.closeInterval(t + 5_000, 300_000));
    }
  });

  const env = isolatedEnv();
  roots.push(env.HOME!);
  const out = await runCli(['status', '--state-dir', stateDir], env);
  // 6000 calls, 182 failed (3.0 %) against the 1 % allowed; 300 slower than 2 s (5 %) against the 5 % allowed: over the ~10 minutes observed of 30 days.
  expect(out.stdout).toMatch(/^ {4}SLO call_success: 96\.967% of 6000 calls answered OK over the (9m\d+s|10m) observed of 30d \(objective 99%\): 0\.\d% of the error budget used \(182 failed; the objective allows 1% of the calls\)$/m);
  expect(out.stdout).toMatch(/^ {4}SLO call_latency: 95\.000% of 6000 calls answered within 2000 ms over the (9m\d+s|10m) observed of 30d \(objective 95%\): 0\.\d% of the error budget used \(300 slower; the objective allows 5% of the calls\)$/m);
  const json = JSON.parse((await runCli(['status', '--state-dir', stateDir, '--json'], env)).stdout) as { hubs: { slo: { objective: string; status: string }[] }[] };
  expect(json.hubs[0]!.slo.map((o) => [o.objective, o.status])).toEqual([['availability', 'ok'], ['latency', 'ok'], ['call_success', 'ok'], ['call_latency', 'ok']]);
}, 30_000);
