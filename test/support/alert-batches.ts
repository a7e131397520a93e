/**
 * Alert batches for notifier tests: a plain one, a hostile one (terminal escapes, HTML, Slack mrkdwn and
 * mentions in the server name), a resolved one, and a storm (5,000 alerts, a 10 KB description).
 */
import type { AlertBatch, AlertItem, AlertSeverity } from '../../src/notify/types.js';

/** 2026-11-25T09:00:00.000Z. */
export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
/** The hub every batch is about. */
export const HUB = 'http://127.0.0.1:7000';
/** A server name with an OSC title escape, HTML, Slack bold and a Slack @channel. */
export const HOSTILE_NAME = '\x1b]0;pwned\x07<script>alert(1)</script> *bold* <!channel>';

/** One alert about `server`. */
export function alert(server: string, over: Partial<AlertItem> = {}): AlertItem {
  const severity: AlertSeverity = over.severity ?? 'critical';
  return {
    fingerprint: `fp-${server}`,
    rule: 'ServerDown',
    severity,
    status: 'firing',
    labels: { hub: HUB, rule: 'ServerDown', severity, server },
    summary: `server ${server} is down`,
    description: `The hub reports ${server} as disconnected.`,
    startsAt: T0,
    ...over,
  };
}

/** A batch of `alerts` for receiver `team`. */
export function batch(alerts: AlertItem[], over: Partial<AlertBatch> = {}): AlertBatch {
  return {
    receiver: 'team',
    groupKey: `{hub="${HUB}"}`,
    groupLabels: { hub: HUB },
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts,
    dedupKey: 'dk-0123456789abcdef',
    idempotencyKey: 'ik-fedcba9876543210',
    externalUrl: 'http://127.0.0.1:9090/alerts',
    ...over,
  };
}

/** One firing critical alert. */
export const firingBatch = (): AlertBatch => batch([alert('crashy')]);

/** The same alert, resolved 5 minutes later. */
export const resolvedBatch = (): AlertBatch =>
  batch([alert('crashy', { status: 'resolved', endsAt: T0 + 300_000 })]);

/** One alert whose server name and summary carry hostile text. */
export const hostileBatch = (): AlertBatch => batch([alert(HOSTILE_NAME)]);

/** 5,000 firing alerts, the first with a 10 KB description. */
export function stormBatch(): AlertBatch {
  const alerts = Array.from({ length: 5000 }, (_, i) => alert(`srv-${i}`, { severity: i % 2 ? 'warning' : 'critical' }));
  (alerts[0] as AlertItem).description = 'é'.repeat(5 * 1024) + 'x'.repeat(5 * 1024);
  return batch(alerts);
}
