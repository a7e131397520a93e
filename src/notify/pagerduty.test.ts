import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alert, batch, firingBatch, hostileBatch, resolvedBatch, stormBatch } from '../../test/support/alert-batches.js';
import { startReceiver, type Receiver } from '../../test/support/receiver.js';
import {
  PD_DEFAULT_URL, PD_EVENT_BYTES, PD_SUMMARY_RUNES, createPagerdutyNotifier, pagerdutySchema, renderPagerduty, type PagerdutyTrigger,
} from './pagerduty.js';
import { byteLength, runeLength } from './truncate.js';
import type { NotifierLogger } from './types.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };
const cfg = { routing_key: 'R0UTINGKEY0123456789' };

describe('renderPagerduty', () => {
  test('a firing batch is a trigger with the group dedup_key, details and a link', () => {
    expect(renderPagerduty(firingBatch(), cfg)).toEqual({
      routing_key: 'R0UTINGKEY0123456789',
      event_action: 'trigger',
      dedup_key: 'dk-0123456789abcdef',
      payload: {
        summary: '[FIRING:1] server crashy is down',
        source: 'http://127.0.0.1:7000',
        severity: 'critical',
        timestamp: '2026-11-25T09:00:00.000Z',
        custom_details: {
          firing: 1,
          resolved: 0,
          group: { hub: 'http://127.0.0.1:7000' },
          full_text: 'http://127.0.0.1:9090/alerts',
          alerts: [{
            rule: 'ServerDown', status: 'firing', severity: 'critical', summary: 'server crashy is down',
            description: 'The hub reports crashy as disconnected.',
            labels: { hub: 'http://127.0.0.1:7000', rule: 'ServerDown', severity: 'critical', server: 'crashy' },
            starts_at: '2026-11-25T09:00:00.000Z',
          }],
        },
      },
      client: 'mcp-hub-monitor',
      client_url: 'http://127.0.0.1:9090/alerts',
      links: [{ href: 'http://127.0.0.1:9090/alerts', text: 'Full text in mcp-hub-monitor' }],
    });
  });

  test('a resolved batch is a resolve with the same dedup_key', () => {
    expect(renderPagerduty(resolvedBatch(), cfg)).toEqual({
      routing_key: 'R0UTINGKEY0123456789', event_action: 'resolve', dedup_key: 'dk-0123456789abcdef',
    });
  });

  test('severity is the highest firing one; a resolved alert in a firing group does not count', () => {
    const b = batch([alert('a', { severity: 'warning' }), alert('b', { severity: 'critical', status: 'resolved', endsAt: 1 })]);
    expect((renderPagerduty(b, cfg) as PagerdutyTrigger).payload.severity).toBe('warning');
  });

  test('hostile text: the summary is one clean line', () => {
    const ev = renderPagerduty(hostileBatch(), cfg) as PagerdutyTrigger;
    expect(ev.payload.summary).toBe('[FIRING:1] server ]0;pwned<script>alert(1)</script> *bold* <!channel> is down');
  });

  test('a 10 KB summary is cut to 1024 runes', () => {
    const ev = renderPagerduty(batch([alert('x', { summary: '😀'.repeat(5000) })]), cfg) as PagerdutyTrigger;
    expect(runeLength(ev.payload.summary)).toBe(PD_SUMMARY_RUNES);
    expect(ev.payload.summary.endsWith('😀…')).toBe(true);
  });

  test('5,000 alerts: over 512 KB, so custom_details are dropped and the drop is said', () => {
    const ev = renderPagerduty(stormBatch(), cfg) as PagerdutyTrigger;
    expect(byteLength(JSON.stringify(ev))).toBeLessThan(PD_EVENT_BYTES);
    expect(ev.payload.summary).toBe('[FIRING:5000] http://127.0.0.1:7000: ServerDown (details dropped: over 512 KB)');
    expect(ev.payload.custom_details).toEqual({
      custom_details_dropped: true, firing: 5000, resolved: 0, group: { hub: 'http://127.0.0.1:7000' },
      full_text: 'http://127.0.0.1:9090/alerts',
    });
  });

  test('a batch just under 512 KB keeps its details', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => alert(`s${i}`, { description: 'x'.repeat(10 * 1024) }));
    const ev = renderPagerduty(batch(alerts), cfg) as PagerdutyTrigger;
    expect(ev.payload.custom_details).not.toHaveProperty('custom_details_dropped');
  });
});

describe('pagerdutySchema', () => {
  test('defaults the Events API v2 URL', () => {
    expect(pagerdutySchema.parse({ routing_key: 'abc123' })).toEqual({ routing_key: 'abc123', url: PD_DEFAULT_URL });
  });
});

describe('sending', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver({ kind: 'status', status: 202, body: '{"status":"success","dedup_key":"dk"}' });
  });
  afterAll(() => rx.close());

  test('trigger then resolve go out in order with one dedup_key; 202 is sent', async () => {
    const n = createPagerdutyNotifier('pd', { ...cfg, url: `${rx.url}/v2/enqueue` }, { log, timeoutMs: 5000 });
    expect(await n.send(firingBatch(), new AbortController().signal)).toEqual({ kind: 'sent', status: 202 });
    expect(await n.send(resolvedBatch(), new AbortController().signal)).toEqual({ kind: 'sent', status: 202 });
    const events = rx.requests.slice(-2).map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string });
    expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', 'dk-0123456789abcdef'], ['resolve', 'dk-0123456789abcdef']]);
    expect(rx.requests.at(-1)?.path).toBe('/v2/enqueue');
  });
});
