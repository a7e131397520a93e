import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alert, batch, firingBatch, HOSTILE_NAME, resolvedBatch, stormBatch, T0 } from '../../test/support/alert-batches.js';
import { startReceiver, type Receiver } from '../../test/support/receiver.js';
import { createWebhookNotifier, renderWebhook, webhookSchema } from './webhook.js';
import type { NotifierLogger } from './types.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };

describe('renderWebhook', () => {
  test('a firing batch is Alertmanager webhook JSON v4, endsAt the zero time', () => {
    expect(renderWebhook(firingBatch(), { max_alerts: 0 })).toEqual({
      receiver: 'team',
      status: 'firing',
      alerts: [{
        status: 'firing',
        labels: { alertname: 'ServerDown', hub: 'http://127.0.0.1:7000', rule: 'ServerDown', severity: 'critical', server: 'crashy' },
        annotations: { summary: 'server crashy is down', description: 'The hub reports crashy as disconnected.' },
        startsAt: '2026-11-25T09:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/alerts',
        fingerprint: 'fp-crashy',
      }],
      groupLabels: { hub: 'http://127.0.0.1:7000' },
      commonLabels: { alertname: 'ServerDown', hub: 'http://127.0.0.1:7000', rule: 'ServerDown', severity: 'critical', server: 'crashy' },
      commonAnnotations: { summary: 'server crashy is down', description: 'The hub reports crashy as disconnected.' },
      externalURL: 'http://127.0.0.1:9090/alerts',
      version: '4',
      groupKey: '{hub="http://127.0.0.1:7000"}',
      truncatedAlerts: 0,
    });
  });

  test('a resolved alert carries its endsAt', () => {
    const body = renderWebhook(resolvedBatch(), { max_alerts: 0 });
    expect(body.status).toBe('resolved');
    expect(body.alerts[0]).toMatchObject({ status: 'resolved', endsAt: '2026-11-25T09:05:00.000Z' });
  });

  test('commonLabels keep only pairs shared by every alert; value becomes an annotation', () => {
    const body = renderWebhook(batch([alert('a', { value: 0 }), alert('b', { severity: 'warning', description: undefined })]), { max_alerts: 0 });
    expect(body.commonLabels).toEqual({ alertname: 'ServerDown', hub: 'http://127.0.0.1:7000', rule: 'ServerDown' });
    expect(body.commonAnnotations).toEqual({});
    expect(body.alerts.map((a) => a.annotations)).toEqual([
      { summary: 'server a is down', description: 'The hub reports a as disconnected.', value: '0' },
      { summary: 'server b is down' },
    ]);
  });

  test('max_alerts lists that many and counts the rest in truncatedAlerts', () => {
    const body = renderWebhook(stormBatch(), { max_alerts: 100 });
    expect(body.alerts).toHaveLength(100);
    expect(body.truncatedAlerts).toBe(4900);
  });

  test('max_alerts 0 lists all 5,000, the 10 KB description untouched (machines get the full text)', () => {
    const storm = stormBatch();
    const body = renderWebhook(storm, { max_alerts: 0 });
    expect(body.alerts).toHaveLength(5000);
    expect(body.alerts[0]?.annotations.description).toBe(storm.alerts[0]?.description);
  });

  test('hostile text is passed as data: JSON escapes the control characters', () => {
    const json = JSON.stringify(renderWebhook(batch([alert(HOSTILE_NAME)]), { max_alerts: 0 }));
    expect(json).toContain('"server":"\\u001b]0;pwned\\u0007<script>alert(1)</script> *bold* <!channel>"');
    expect(json).not.toMatch(/[\x00-\x1f]/);
  });
});

describe('webhookSchema', () => {
  test('defaults max_alerts to 0 and rejects unknown keys', () => {
    expect(webhookSchema.parse({ url: 'http://x/y' })).toEqual({ url: 'http://x/y', max_alerts: 0 });
    expect(webhookSchema.safeParse({ url: 'http://x/y', maxAlerts: 3 }).success).toBe(false);
  });
});

describe('sending', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  test('POSTs the rendered JSON with its content type and the notification\'s Idempotency-Key (not the group\'s dedup key)', async () => {
    const n = createWebhookNotifier('team', { url: `${rx.url}/hook/abc`, max_alerts: 0 }, { log, timeoutMs: 5000 });
    const d = await n.send(firingBatch(), new AbortController().signal);
    expect(d).toEqual({ kind: 'sent', status: 200 });
    const req = rx.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: '/hook/abc' });
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req?.headers['idempotency-key']).toBe('ik-fedcba9876543210');
    expect(JSON.parse(req?.body ?? '')).toEqual(renderWebhook(firingBatch(), { max_alerts: 0 }));
    expect(n).toMatchObject({ channel: 'webhook', name: 'team' });
  });

  test('an aborted signal ends the attempt as a retry', async () => {
    rx.reply({ kind: 'hang' });
    const ac = new AbortController();
    const n = createWebhookNotifier('team', { url: `${rx.url}/hook`, max_alerts: 0 }, { log, timeoutMs: 5000 });
    const pending = n.send(firingBatch(), ac.signal);
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    expect(await pending).toMatchObject({ kind: 'retry', error: expect.stringContaining('aborted') });
    expect(Date.now() - started).toBeLessThan(2000);
    rx.reply({ kind: 'status', status: 200 });
  });

  test('T0 is the firing time in the rendered alert', () => {
    expect(Date.parse(renderWebhook(firingBatch(), { max_alerts: 0 }).alerts[0]?.startsAt ?? '')).toBe(T0);
  });
});
