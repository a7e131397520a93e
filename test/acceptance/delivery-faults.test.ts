/**
 * Delivery faults (docs/faults.md section C) with real channels and real receivers on loopback: the deliverer
 * drains the outbox while a receiver hangs, refuses, or cannot work on this machine.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Deliverer } from '../../src/alerts/deliver.js';
import { createNotifier, receiverSchema } from '../../src/notify/index.js';
import type { Notifier } from '../../src/notify/types.js';
import { AlertStore } from '../../src/store/alert-store.js';
import { firingBatch } from '../support/alert-batches.js';
import { refusedUrl, startReceiver, type Receiver } from '../support/receiver.js';
import { useTempStores } from '../support/temp-store.js';

const newStore = useTempStores('mhm-delivery-');
const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const log = { info() {}, warn() {}, error() {} };

async function receiver(reply?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(reply);
  cleanups.push(() => r.close());
  return r;
}

function notifier(name: string, raw: unknown, timeoutMs = 400): Notifier {
  return createNotifier(name, receiverSchema.parse(raw), { log, timeoutMs });
}

function setup(notifiers: Map<string, Notifier>) {
  const alerts = new AlertStore(newStore().db);
  const deliverer = new Deliverer({ store: alerts, notifiers, now: Date.now, random: () => 0, timeoutMs: 400, log });
  const enqueue = (receiverName: string) => alerts.enqueue({ groupKey: '{hub="h"}', receiver: receiverName, payload: JSON.stringify({ ...firingBatch(), receiver: receiverName }), firing: ['f1'], resolved: [], now: Date.now() });
  return { alerts, deliverer, enqueue };
}

describe('faults C', () => {
  test('C4/C11 a receiver that accepts and never answers: its attempt ends at the deadline and is retried; the good receiver is not delayed, and gets exactly one', async () => {
    const good = await receiver();
    const hung = await receiver({ kind: 'hang' });
    const { alerts, deliverer, enqueue } = setup(new Map([
      ['good', notifier('good', { type: 'webhook', url: `${good.url}/hook` })],
      ['hung', notifier('hung', { type: 'webhook', url: `${hung.url}/hook` })],
    ]));
    const g = enqueue('good');
    const h = enqueue('hung');
    const started = Date.now();
    deliverer.tick();
    await good.waitFor(1);
    expect(Date.now() - started).toBeLessThan(300); // not behind the hung one
    deliverer.tick(); // a second tick while the hung attempt is in flight starts nothing new for it
    await deliverer.idle();
    expect(hung.requests).toHaveLength(1);
    expect(alerts.outbox(g)).toMatchObject({ state: 'delivered' });
    expect(alerts.outbox(h)).toMatchObject({ state: 'pending', attempts: 1 });
    expect(alerts.outbox(h)!.lastError).toMatch(/timeout|no complete response/i);
    expect(alerts.outbox(h)!.nextAttemptAt).toBeGreaterThan(Date.now() - 1_000);
    expect(good.requests).toHaveLength(1);
  });

  test('C14 SMTP refused is retried like a webhook 5xx; desktop with no notify-send is skipped once, never retried', async () => {
    const refused = new URL(await refusedUrl());
    const oldPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    cleanups.push(() => { process.env.PATH = oldPath; });
    const { alerts, deliverer, enqueue } = setup(new Map([
      ['mail', notifier('mail', { type: 'email', host: '127.0.0.1', port: Number(refused.port), from: 'm@example.com', to: ['ops@example.com'] })],
      ['desk', notifier('desk', { type: 'desktop' })],
    ]));
    const m = enqueue('mail');
    const d = enqueue('desk');
    deliverer.tick();
    await deliverer.idle();
    expect(alerts.outbox(m)).toMatchObject({ state: 'pending', attempts: 1 });
    expect(alerts.outbox(d)).toMatchObject({ state: 'skipped' });
    deliverer.tick();
    await deliverer.idle();
    expect(alerts.outbox(d)).toMatchObject({ state: 'skipped', attempts: 1 }); // one look, no retry storm
  });

  test('C10 a receiver echoing its secret URL in a 500 body: the stored error has the status and no secret', async () => {
    const r = await receiver({ kind: 'echoUrl', status: 500 });
    const { alerts, deliverer, enqueue } = setup(new Map([['hook', notifier('hook', { type: 'webhook', url: `${r.url}/hooks/T0/B0/SECRET123abc` })]]));
    const id = enqueue('hook');
    deliverer.tick();
    await deliverer.idle();
    const row = alerts.outbox(id)!;
    expect(row).toMatchObject({ state: 'pending', lastStatus: 500 });
    expect(JSON.stringify(row)).not.toContain('SECRET123abc');
  });
});
