/**
 * PagerDuty Events API v2 (faults C13): `trigger` while the group fires, `resolve` once it is resolved, both
 * with `dedup_key` = the batch's dedupKey (a hash of the group key, stable across restarts), so PagerDuty
 * keeps one incident per group. Summary ≤ 1024 runes; an event must stay under 512 KB, so an oversized
 * `custom_details` is dropped and the drop is said in the summary and the details.
 */
import { z } from 'zod';
import type { AlertBatch, AlertItem, Notifier, NotifierDeps } from './types.js';
import { secret } from './secret.js';
import { sendJson } from './http.js';
import { batchTitle, countAlerts, isoTime, topSeverity } from './summary.js';
import { byteLength, oneLine, truncateRunes } from './truncate.js';

/** PagerDuty's summary limit in runes. */
export const PD_SUMMARY_RUNES = 1024;
/** PagerDuty rejects events of 512 KB or more. */
export const PD_EVENT_BYTES = 512 * 1024;
/** The Events API v2 endpoint. */
export const PD_DEFAULT_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Config of a `pagerduty` receiver. */
export const pagerdutySchema = z.object({
  routing_key: secret().describe('Integration (routing) key of an Events API v2 integration (a secret)'),
  url: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).default(PD_DEFAULT_URL)
    .describe('Events API endpoint; change only for a proxy or a test receiver'),
}).strict();

/** A parsed `pagerduty` receiver config. */
export type PagerdutyConfig = z.output<typeof pagerdutySchema>;

/** A trigger event as we send it. */
export interface PagerdutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'warning' | 'info';
    timestamp: string;
    custom_details: Record<string, unknown>;
  };
  client: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

/** A resolve event: PagerDuty needs only the key and the action. */
export interface PagerdutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

function details(a: AlertItem): Record<string, unknown> {
  return {
    rule: a.rule,
    status: a.status,
    severity: a.severity,
    summary: a.summary,
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.value !== undefined ? { value: a.value } : {}),
    labels: a.labels,
    starts_at: isoTime(a.startsAt),
    ...(a.endsAt !== undefined ? { ends_at: isoTime(a.endsAt) } : {}),
  };
}

/** The exact request body for a batch: a trigger while firing, a resolve once resolved. */
export function renderPagerduty(batch: AlertBatch, cfg: Pick<PagerdutyConfig, 'routing_key'>): PagerdutyTrigger | PagerdutyResolve {
  if (batch.status === 'resolved') {
    return { routing_key: cfg.routing_key, event_action: 'resolve', dedup_key: batch.dedupKey };
  }
  const { firing, resolved } = countAlerts(batch);
  const firstStart = batch.alerts.reduce((m, a) => (a.status === 'firing' ? Math.min(m, a.startsAt) : m), Infinity);
  const event: PagerdutyTrigger = {
    routing_key: cfg.routing_key,
    event_action: 'trigger',
    dedup_key: batch.dedupKey,
    payload: {
      summary: truncateRunes(batchTitle(batch), PD_SUMMARY_RUNES),
      source: truncateRunes(oneLine(batch.groupLabels.hub ?? batch.groupKey), 255),
      severity: topSeverity(batch),
      timestamp: isoTime(Number.isFinite(firstStart) ? firstStart : undefined),
      custom_details: {
        firing, resolved,
        group: batch.groupLabels,
        ...(batch.externalUrl ? { full_text: batch.externalUrl } : {}),
        alerts: batch.alerts.map(details),
      },
    },
    client: 'mcp-hub-monitor',
  };
  if (batch.externalUrl) {
    event.client_url = batch.externalUrl;
    event.links = [{ href: batch.externalUrl, text: 'Full text in mcp-hub-monitor' }];
  }
  if (byteLength(JSON.stringify(event)) < PD_EVENT_BYTES) return event;
  // Too big for PagerDuty: keep the incident, say where the rest is (the alert keeps the full text).
  const note = ' (details dropped: over 512 KB)';
  event.payload.summary = truncateRunes(batchTitle(batch), PD_SUMMARY_RUNES - note.length) + note;
  event.payload.custom_details = {
    custom_details_dropped: true, firing, resolved, group: batch.groupLabels,
    ...(batch.externalUrl ? { full_text: batch.externalUrl } : {}),
  };
  return event;
}

/** A notifier sending Events API v2 events. */
export function createPagerdutyNotifier(name: string, cfg: PagerdutyConfig, deps: NotifierDeps): Notifier {
  return {
    channel: 'pagerduty',
    minIntervalMs: 500, // PagerDuty takes about 120 events a minute per integration key
    name,
    send: (batch, signal) => sendJson(cfg.url, renderPagerduty(batch, cfg), {
      channel: 'pagerduty', receiver: name, deps, signal, secrets: [cfg.routing_key], idempotencyKey: batch.idempotencyKey,
    }),
  };
}
