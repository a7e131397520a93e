/**
 * Faults F8 with a real crash: the daemon (a real child process, watching the real mcp-hub 4.2.1 with a dead
 * server) sends its page to a receiver that holds the request; it is killed with SIGKILL while the receiver
 * has it, and restarted. The retried request carries the same Idempotency-Key (derived from the stored
 * outbox entry), so a receiver honouring it shows the page once; the key is not the group's dedup key.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { startDaemonProcess, stateDir } from '../support/daemon-process.js';
import { startReceiver } from '../support/receiver.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('F8 killed (-9) mid-send and restarted: the page is sent again with the same Idempotency-Key', async () => {
  const receiver = await startReceiver({ kind: 'hang' });
  cleanups.push(() => receiver.close());
  const dir = tempDir('mhm-idem-');
  const hub = await launchHub({ servers: { ok: testServer(), dead: { command: join(dir, 'no-such-server') } } });
  cleanups.push(() => hub.stop());
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: '${receiver.url}/hook' }\n`);
  const state = stateDir();

  const first = startDaemonProcess(hub, state, ['--config', config], cleanups);
  await receiver.waitFor(1, 30_000);
  first.kill('SIGKILL'); // the receiver has the request; the daemon never hears back
  await new Promise((r) => first.once('close', r));
  receiver.reply({ kind: 'status', status: 200 });
  const second = startDaemonProcess(hub, state, ['--config', config], cleanups);
  await receiver.waitFor(2, 30_000);
  second.kill('SIGTERM');

  const [a, b] = receiver.requests as [typeof receiver.requests[0], typeof receiver.requests[0]];
  expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
  expect(a.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
  expect(b.headers['idempotency-key']).toBe(a.headers['idempotency-key']);
  // Not the group's dedup key (PagerDuty's incident): the group's next notification must not look like a duplicate.
  const groupDedupKey = createHash('sha256').update((JSON.parse(a.body) as { groupKey: string }).groupKey).digest('hex').slice(0, 32);
  expect(a.headers['idempotency-key']).not.toBe(groupDedupKey);
}, 90_000);
