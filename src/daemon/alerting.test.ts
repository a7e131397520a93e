import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { ProbeResult } from '../sources/server-probe.js';
import { useTempStores } from '../../test/support/temp-store.js';
import { startAlerting } from './alerting.js';
import { ManualClock } from './clock.js';
import { WriteBuffer } from './write-buffer.js';

const HUB = 'http://127.0.0.1:7000';
const newStore = useTempStores('mhm-alerting-');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

test('an idle probe round (some servers only) neither resolves nor touches the alert of a server it did not probe; a full round does', async () => {
  const store = newStore();
  const stateDir = mkdtempSync(join(tmpdir(), 'mhm-alerting-state-'));
  dirs.push(stateDir);
  const clock = new ManualClock();
  const alerting = startAlerting({
    cfg: defaultConfig(), store, clock, log: { info() {}, warn() {}, error() {} }, agent: undefined as never,
    buffer: new WriteBuffer(store, { maxRows: 1_000 }), notifiers: new Map(), hubs: () => [HUB],
    stateDir, collecting: () => true,
  });
  const hung: ProbeResult = { server: 'frozen', outcome: 'hung', latencyMs: 5_000 };
  const alive = (server: string): ProbeResult => ({ server, outcome: 'alive', latencyMs: 3 });
  const frozen = () => alerting.alertStore.openAlerts().filter((a) => a.labels.server === 'frozen').map((a) => [a.state, a.okStreak]);

  alerting.onProbeRound(HUB, [alive('quiet'), hung], [], true, false);
  expect(frozen()).toEqual([['firing', 0]]); // server.probe fires on the first failure
  for (let i = 0; i < 3; i++) alerting.onProbeRound(HUB, [alive('quiet')], [], true, false);
  expect(frozen()).toEqual([['firing', 0]]);
  // A full round that no longer lists it: gone, which counts as passing (two passes resolve).
  alerting.onProbeRound(HUB, [alive('quiet')], [], true, true);
  alerting.onProbeRound(HUB, [alive('quiet')], [], true, true);
  expect(frozen()).toEqual([]);
  const stopping = alerting.stop();
  await clock.advance(1_000);
  await stopping;
});
