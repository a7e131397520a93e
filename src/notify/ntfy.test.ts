import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alert, batch, firingBatch, hostileBatch, resolvedBatch, stormBatch } from '../../test/support/alert-batches.js';
import { startReceiver, type Receiver } from '../../test/support/receiver.js';
import { NTFY_MESSAGE_BYTES, NTFY_TAGS_BYTES, NTFY_TITLE_BYTES, createNtfyNotifier, ntfyPriority, ntfySchema, renderNtfy } from './ntfy.js';
import { byteLength } from './truncate.js';
import type { NotifierLogger } from './types.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };

describe('renderNtfy', () => {
  test('one firing critical alert: priority 5, emoji tag, click to the full text', () => {
    expect(renderNtfy(firingBatch(), { topic: 'mhm-alerts' })).toEqual({
      topic: 'mhm-alerts',
      title: '[FIRING:1] server crashy is down',
      message: '[CRITICAL] server crashy is down\nThe hub reports crashy as disconnected.',
      priority: 5,
      tags: ['rotating_light', 'critical', 'ServerDown'],
      click: 'http://127.0.0.1:9090/alerts',
    });
  });

  test.each([
    ['critical', 5], ['warning', 4], ['info', 3],
  ] as const)('a firing %s batch has priority %i', (severity, priority) => {
    expect(ntfyPriority(batch([alert('a', { severity })]))).toBe(priority);
  });

  test('resolved: priority 3 and a check mark', () => {
    expect(renderNtfy(resolvedBatch(), { topic: 't' })).toMatchObject({ priority: 3, tags: ['white_check_mark', 'resolved', 'ServerDown'] });
  });

  test('a test batch is tagged test and titled [TEST]', () => {
    expect(renderNtfy({ ...firingBatch(), test: true }, { topic: 't' }))
      .toMatchObject({ title: '[TEST] [FIRING:1] server crashy is down', tags: ['rotating_light', 'critical', 'test', 'ServerDown'] });
  });

  test('hostile names: control characters removed (ntfy is plain text, no markdown)', () => {
    const body = renderNtfy(hostileBatch(), { topic: 't' });
    expect(body.title).toBe('[FIRING:1] server ]0;pwned<script>alert(1)</script> *bold* <!channel> is down');
    expect(JSON.stringify(body)).not.toMatch(/\\u001b|\\u0007/);
  });

  test('5,000 alerts and a 10 KB description: message ≤ 4 KB with "+N more", title and tags in their limits', () => {
    const body = renderNtfy(stormBatch(), { topic: 't' });
    expect(byteLength(body.message)).toBeLessThanOrEqual(NTFY_MESSAGE_BYTES);
    expect(body.message).toMatch(/\n\n\+\d+ more \(5000 firing, 0 resolved in all\)$/);
    expect(body.message.split('\n')[1]).toBe(`${'é'.repeat(298)}…`); // 600 bytes: 298 × 2 + 3
    expect(byteLength(body.title)).toBeLessThanOrEqual(NTFY_TITLE_BYTES);
  });

  test('a 10 KB summary is cut to 1 KB of title, by bytes', () => {
    const body = renderNtfy(batch([alert('x', { summary: '漢'.repeat(4000) })]), { topic: 't' });
    expect(byteLength(body.title)).toBeLessThanOrEqual(NTFY_TITLE_BYTES);
    expect(body.title.endsWith('漢…')).toBe(true);
  });

  test('tags stay within 512 bytes however many rules there are', () => {
    const alerts = Array.from({ length: 100 }, (_, i) => alert(`s${i}`, { rule: `Rule${i}-${'r'.repeat(40)}` }));
    const tags = renderNtfy(batch(alerts), { topic: 't' }).tags;
    expect(byteLength(tags.join(','))).toBeLessThanOrEqual(NTFY_TAGS_BYTES);
    expect(tags.slice(0, 2)).toEqual(['rotating_light', 'critical']);
  });
});

describe('ntfySchema', () => {
  test('defaults the server to https://ntfy.sh; token optional', () => {
    expect(ntfySchema.parse({ topic: 'mhm' })).toEqual({ url: 'https://ntfy.sh', topic: 'mhm' });
    expect(ntfySchema.safeParse({ topic: 'mhm', url: 'ftp://x' }).success).toBe(false);
  });
});

describe('sending', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  test('POSTs JSON to the base URL with the token as a Bearer header', async () => {
    const n = createNtfyNotifier('phone', { url: rx.url, topic: 'mhm-alerts', token: 'tk_abcdef' }, { log, timeoutMs: 5000 });
    expect(await n.send(firingBatch(), new AbortController().signal)).toEqual({ kind: 'sent', status: 200 });
    const req = rx.requests.at(-1);
    expect(req).toMatchObject({ method: 'POST', path: '/' });
    expect(req?.headers.authorization).toBe('Bearer tk_abcdef');
    expect(JSON.parse(req?.body ?? '')).toEqual(renderNtfy(firingBatch(), { topic: 'mhm-alerts' }));
  });

  test('without a token no Authorization header is sent', async () => {
    const n = createNtfyNotifier('phone', { url: rx.url, topic: 'mhm-alerts' }, { log, timeoutMs: 5000 });
    await n.send(firingBatch(), new AbortController().signal);
    expect(rx.requests.at(-1)?.headers).not.toHaveProperty('authorization');
  });
});
