/**
 * While the store refuses writes the latest polls are only in the write buffer: the live reader shows them
 * (issue I item 1: /metrics kept serving `mcp_hub_up 1` from the last poll stored before the disk filled).
 */
import { expect, test } from 'vitest';
import { useFakeDaemonViews } from '../../../test/support/fake-daemon-view.js';
import type { SampleRow } from '../../daemon/observations.js';
import { createMetrics } from '../metrics.js';
import { withPendingSamples } from './live-store.js';
import { readHub } from './snapshot.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const views = useFakeDaemonViews('mhm-live-');

test('a failed poll still in the write buffer is the hub\'s latest state: down, unreachable, in /metrics too', async () => {
  const v = views(NOW);
  v.watch(HUB);
  v.poll(HUB, NOW - 30_000, { servers: [{ name: 'everything', up: true, uptimeS: 60, tools: 11 }] });
  const pending: SampleRow[] = [
    { hub: HUB, name: 'hub.up', t: NOW - 2_000, v: 0, err: 'refused' },
    { hub: 'http://127.0.0.1:7001', name: 'hub.up', t: NOW - 1_000, v: 1 },
  ];
  const stored = v.db;
  expect(readHub(v, v.hubs()[0]!, []).up).toBe(true); // the store alone: the last stored poll

  const live = withPendingSamples(stored, () => pending);
  v.store = () => live as never;
  const hub = readHub(v, v.hubs()[0]!, []);
  expect(hub).toMatchObject({ up: false, pollError: 'refused', state: 'unreachable' });
  expect(live.lastSampleTime(HUB)).toBe(NOW - 2_000);
  expect(live.querySamples({ hub: HUB, name: 'hub.up', labels: {}, from: 0, to: NOW, resolution: 'raw' }).map((r) => [r.t, r.v])).toEqual([[NOW - 30_000, 1], [NOW - 2_000, 0]]);
  const text = await createMetrics(v, { processMetrics: false }).render();
  expect(text).toContain(`mcp_hub_up{hub="${HUB}"} 0`);

  pending.length = 0; // flushed: the store answers alone again
  expect(live.querySamples({ hub: HUB, name: 'hub.up', from: 0, to: NOW, resolution: 'raw' })).toHaveLength(1);
});
