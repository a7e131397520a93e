/**
 * While the store refuses writes the latest polls exist only in memory: the read model has them (the write
 * buffer shows it every row before the store), so /metrics and the API show them (issue I item 1:
 * /metrics kept serving `mcp_hub_up 1` from the last poll stored before the disk filled), and the charts'
 * raw samples overlay the buffer's pending rows on the store (withPendingSamples).
 */
import { expect, test } from 'vitest';
import { useFakeDaemonViews } from '../../../test/support/fake-daemon-view.js';
import type { EventRow, SampleRow } from '../../daemon/observations.js';
import { WriteBuffer } from '../../daemon/write-buffer.js';
import { createMetrics } from '../metrics.js';
import { withPendingSamples } from './live-store.js';
import { readHub } from './snapshot.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const views = useFakeDaemonViews('mhm-live-');

/** A store that refuses every write as a full disk does. */
const fullDisk = {
  insertSamples(): never { throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }); },
  insertEvents(): never { throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }); },
};

test('a failed poll the store refused is the hub\'s latest state: down, unreachable, in /metrics too; charts overlay it', async () => {
  const v = views(NOW);
  v.watch(HUB);
  v.poll(HUB, NOW - 30_000, { servers: [{ name: 'everything', up: true, uptimeS: 60, tools: 11 }] });
  const buffer = new WriteBuffer(fullDisk, { tap: (s, e) => v.liveState.observe(s, e) });
  const refused: SampleRow[] = [
    { hub: HUB, name: 'hub.up', t: NOW - 2_000, v: 0, err: 'refused' },
    { hub: 'http://127.0.0.1:7001', name: 'hub.up', t: NOW - 1_000, v: 1 },
  ];
  expect(buffer.write(refused, [])).toBe(false);
  expect(v.db.querySamples({ hub: HUB, name: 'hub.up', from: 0, to: NOW, resolution: 'raw' })).toHaveLength(1); // the store has the old poll only
  expect(readHub(v, v.hubs()[0]!, [])).toMatchObject({ up: false, pollError: 'refused', state: 'unreachable' });
  const text = await createMetrics(v, { processMetrics: false }).render();
  expect(text).toContain(`mcp_hub_up{hub="${HUB}"} 0`);

  const live = withPendingSamples(v.db, () => buffer.pendingSamples());
  expect(live.lastSampleTime(HUB)).toBe(NOW - 2_000);
  expect(live.querySamples({ hub: HUB, name: 'hub.up', labels: {}, from: 0, to: NOW, resolution: 'raw' }).map((r) => [r.t, r.v])).toEqual([[NOW - 30_000, 1], [NOW - 2_000, 0]]);
});

test('a server that dies while the store refuses writes is dead on /metrics: its verdict event is in memory, not only its samples', async () => {
  const v = views(NOW);
  v.watch(HUB);
  v.poll(HUB, NOW - 30_000, { servers: [{ name: 'crashy', up: true, uptimeS: 60, tools: 2 }] });
  const buffer = new WriteBuffer(fullDisk, { tap: (s, e) => v.liveState.observe(s, e) });
  const t = NOW - 2_000;
  const samples: SampleRow[] = [{ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.health_latency_ms', t, v: 3 }, { hub: HUB, name: 'server.up', labels: { server: 'crashy' }, t, v: 0 }, { hub: HUB, name: 'server.tools', labels: { server: 'crashy' }, t, v: 2 }];
  const events: EventRow[] = [{ hub: HUB, t, type: 'server_dead', server: 'crashy', data: { from: 'up', to: 'dead', message: 'dead: the hub says connected' } }];
  expect(buffer.write(samples, events)).toBe(false);
  const text = await createMetrics(v, { processMetrics: false }).render();
  expect(text).toContain(`mcp_hub_server_dead{hub="${HUB}",server="crashy"} 1`);
  expect(text).toContain(`mcp_hub_servers{hub="${HUB}",status="dead"} 1`);
});
