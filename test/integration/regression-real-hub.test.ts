/**
 * Automated regression detection in the daemon, against the real hub: with a pinned baseline whose health
 * latency is 20× lower than the hub's, two comparison windows in a row raise a `baseline.regression`
 * alert; with a baseline like the live hub's, nothing fires.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub } from '../../src/demo/hub-launcher.js';
import { FAST_BASELINE, pinBaseline as pin } from '../support/pinned-baseline.js';
import { startDaemonProcess, stateDir, storedEvents, storedSamples, waitForEvent, waitForPolls } from '../support/daemon-process.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

test('a sustained slowdown against the pinned baseline fires baseline.regression; a matching baseline does not', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const config = (state: string) => {
    const file = join(state, 'config.yaml');
    writeFileSync(file, 'regression:\n  window: 1m\n  interval: 2s\nprobes:\n  enabled: false\n');
    return file;
  };
  const slow = stateDir();
  await pin(slow, hub.url, FAST_BASELINE);
  startDaemonProcess(hub, slow, ['--config', config(slow), '--no-sse'], cleanups);
  const firing = await waitForEvent(slow, (e) => e.type === 'alert_firing' && (JSON.parse(e.data!) as { rule: string }).rule === 'baseline.regression', 30_000);
  expect(JSON.parse(firing.data!)).toMatchObject({ severity: 'warning', summary: expect.stringMatching(/^health: health latency slower than the pinned baseline/) });

  // A baseline as wide as anything the hub will do: never a regression.
  const same = stateDir();
  await pin(same, hub.url, Array.from({ length: 60 }, (_, i) => 1 + i * 10));
  startDaemonProcess(hub, same, ['--config', config(same), '--no-sse'], cleanups);
  // As many polls as the slow daemon needed to fire, and two more: the same evaluations ran, none fired.
  const pollsToFire = storedSamples(slow, 'hub.up').filter((r) => r.t <= firing.t).length;
  await waitForPolls(same, pollsToFire + 2, 0, 30_000);
  expect(storedEvents(same).filter((e) => e.type === 'alert_firing')).toEqual([]);
}, 60_000);
