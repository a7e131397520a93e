import { dirname } from 'node:path';
import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { readHistoryFacts } from './history-facts.js';

const stores = useTempStores('mhm-history-facts-');
const HUB = 'http://127.0.0.1:7000';

test('failed polls are the hub.up rows with an error class (stored as 0), not every 0', async () => {
  const store = stores();
  const now = Date.parse('2026-11-25T12:00:00Z');
  store.insertSamples([
    { hub: HUB, name: 'hub.up', t: now - 20_000, v: 1 },
    { hub: HUB, name: 'hub.up', t: now - 15_000, v: 0 }, // answered, hub not ready: down, but the poll worked
    { hub: HUB, name: 'hub.up', t: now - 10_000, v: 0, err: 'refused' },
    { hub: HUB, name: 'hub.up', t: now - 5_000, v: 0, err: 'timeout' },
  ]);
  const facts = await readHistoryFacts(dirname(store.path), HUB, now);
  expect(facts).toMatchObject({ polls: 4, failedPolls: 2 });
});
