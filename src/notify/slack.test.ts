import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alert, batch, firingBatch, hostileBatch, resolvedBatch, stormBatch } from '../../test/support/alert-batches.js';
import { startReceiver, type Receiver } from '../../test/support/receiver.js';
import { SLACK_TEXT_RUNES, SLACK_TITLE_RUNES, createSlackNotifier, escapeSlack, renderSlack, slackSchema } from './slack.js';
import { runeLength } from './truncate.js';
import type { NotifierLogger } from './types.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };

describe('renderSlack', () => {
  test('one firing alert: a danger attachment with title, link and the alert quoted', () => {
    expect(renderSlack(firingBatch(), { channel: '#ops' })).toEqual({
      channel: '#ops',
      attachments: [{
        color: 'danger',
        title: '[FIRING:1] server crashy is down',
        title_link: 'http://127.0.0.1:9090/alerts',
        text: '[CRITICAL] server crashy is down\n>The hub reports crashy as disconnected.',
        fallback: '[FIRING:1] server crashy is down',
        mrkdwn_in: ['text'],
      }],
    });
  });

  test('resolved is green; no channel key without a channel; no link without an external URL', () => {
    expect(renderSlack(resolvedBatch(), {})).toMatchObject({ attachments: [{ color: 'good', title: '[RESOLVED] server crashy is down' }] });
    const b = { ...firingBatch(), externalUrl: undefined };
    const body = renderSlack(b, {});
    expect(body).not.toHaveProperty('channel');
    expect(body.attachments[0]).not.toHaveProperty('title_link');
  });

  test('a group of several alerts is titled by its group labels and rules', () => {
    const body = renderSlack(batch([alert('a'), alert('b', { severity: 'warning', description: undefined })]), {});
    expect(body.attachments[0]).toMatchObject({
      title: '[FIRING:2] http://127.0.0.1:7000: ServerDown',
      text: '[CRITICAL] server a is down\n>The hub reports a as disconnected.\n[WARNING] server b is down',
    });
  });

  test('hostile names: & < > escaped (no @channel ping, no script), the terminal escape removed', () => {
    const a = renderSlack(hostileBatch(), {}).attachments[0];
    expect(a?.title).toBe('[FIRING:1] server ]0;pwned&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt; is down');
    expect(a?.text).toBe('[CRITICAL] server ]0;pwned&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt; is down\n'
      + '>The hub reports ]0;pwned&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt; as disconnected.');
    expect(JSON.stringify(a)).not.toMatch(/<!channel>|<script>|\\u001b|\\u0007/);
  });

  test('5,000 alerts: 20 listed, then "+4980 more", text within the limit; the 10 KB description cut by runes', () => {
    const a = renderSlack(stormBatch(), {}).attachments[0];
    expect(a?.title).toBe('[FIRING:5000] http://127.0.0.1:7000: ServerDown');
    expect(a?.text.split('\n').filter((l) => l.startsWith('[')).length).toBe(20);
    expect(a?.text.endsWith('\n+4980 more (5000 firing, 0 resolved in all)')).toBe(true);
    expect(runeLength(a?.text ?? '')).toBeLessThanOrEqual(SLACK_TEXT_RUNES);
    const firstDesc = a?.text.split('\n')[1] ?? '';
    expect(firstDesc).toBe(`>${'é'.repeat(299)}…`);
  });

  test('a huge summary is cut to 1024 runes in the title, never inside an escaped entity', () => {
    const body = renderSlack(batch([alert('x', { summary: '<'.repeat(5000) })]), {});
    const title = body.attachments[0]?.title ?? '';
    expect(runeLength(title)).toBeLessThanOrEqual(SLACK_TITLE_RUNES);
    expect(title).toMatch(/^\[FIRING:1\] (&lt;)+…$/);
  });

  test('long lines of many alerts fill the text budget, then "+N more"', () => {
    const alerts = Array.from({ length: 15 }, (_, i) => alert(`s${i}`, { summary: `${i} ${'w'.repeat(480)}`, description: 'd'.repeat(400) }));
    const text = renderSlack(batch(alerts), {}).attachments[0]?.text ?? '';
    expect(runeLength(text)).toBeLessThanOrEqual(SLACK_TEXT_RUNES);
    expect(text).toMatch(/\n\+\d+ more \(15 firing, 0 resolved in all\)$/);
  });

  test('escapeSlack escapes exactly & < >', () => {
    expect(escapeSlack('a & b < c > d "e" *f*')).toBe('a &amp; b &lt; c &gt; d "e" *f*');
  });
});

describe('slackSchema', () => {
  test('channel is optional; unknown keys are rejected', () => {
    expect(slackSchema.parse({ url: 'https://hooks.slack.com/services/T/B/X' })).toEqual({ url: 'https://hooks.slack.com/services/T/B/X' });
    expect(slackSchema.safeParse({ url: 'https://x', username: 'bot' }).success).toBe(false);
  });
});

describe('sending', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());

  test('POSTs the rendered body to the webhook URL', async () => {
    const n = createSlackNotifier('ops', { url: `${rx.url}/services/T0/B0/XYZ`, channel: '#ops' }, { log, timeoutMs: 5000 });
    expect(await n.send(firingBatch(), new AbortController().signal)).toEqual({ kind: 'sent', status: 200 });
    expect(rx.requests.at(-1)?.path).toBe('/services/T0/B0/XYZ');
    expect(JSON.parse(rx.requests.at(-1)?.body ?? '')).toEqual(renderSlack(firingBatch(), { channel: '#ops' }));
  });
});
