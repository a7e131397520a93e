/**
 * Generic webhook: Alertmanager's webhook JSON (version 4), so any receiver built for Alertmanager
 * (alertmanager-webhook-logger, n8n, a Matrix or Teams bridge) works unchanged. Strings are sent as the hub
 * wrote them (JSON escapes them); machines downstream get the full text, nothing is cut but the alert list.
 */
import { z } from 'zod';
import type { AlertBatch, AlertItem, Notifier, NotifierDeps } from './types.js';
import { secretUrl } from './secret.js';
import { sendJson } from './http.js';
import { isoTime } from './summary.js';

/** Config of a `webhook` receiver. */
export const webhookSchema = z.object({
  url: secretUrl().describe('Receiver URL (a secret: env:NAME or file:/path work); gets Alertmanager-compatible JSON'),
  max_alerts: z.number().int().min(0).default(0)
    .describe('Most alerts listed per message; 0 = all. The rest are counted in truncatedAlerts'),
}).strict();

/** A parsed `webhook` receiver config. */
export type WebhookConfig = z.output<typeof webhookSchema>;

/** One alert in Alertmanager's webhook format. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook body (`version: "4"`). */
export interface WebhookBody {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

function annotations(a: AlertItem): Record<string, string> {
  const out: Record<string, string> = { summary: a.summary };
  if (a.description !== undefined) out.description = a.description;
  if (a.value !== undefined) out.value = String(a.value);
  return out;
}

// The pairs every map shares with the same value, as Alertmanager computes commonLabels/commonAnnotations.
function common(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((m) => m[k] === v)) out[k] = v;
  return out;
}

/** The exact request body for a batch: Alertmanager webhook JSON, the alert list cut at `max_alerts`. */
export function renderWebhook(batch: AlertBatch, cfg: Pick<WebhookConfig, 'max_alerts'>): WebhookBody {
  const all = batch.alerts.map((a): WebhookAlert => ({
    status: a.status,
    labels: { alertname: a.rule, ...a.labels },
    annotations: annotations(a),
    startsAt: isoTime(a.startsAt),
    // Alertmanager's zero time while firing: receivers test for it.
    endsAt: a.status === 'resolved' ? isoTime(a.endsAt) : isoTime(undefined),
    generatorURL: batch.externalUrl ?? '',
    fingerprint: a.fingerprint,
  }));
  const kept = cfg.max_alerts > 0 ? all.slice(0, cfg.max_alerts) : all;
  return {
    receiver: batch.receiver,
    status: batch.status,
    alerts: kept,
    groupLabels: batch.groupLabels,
    // Over every alert, listed or not, as Alertmanager does before truncating.
    commonLabels: common(all.map((a) => a.labels)),
    commonAnnotations: common(all.map((a) => a.annotations)),
    externalURL: batch.externalUrl ?? '',
    version: '4',
    groupKey: batch.groupKey,
    truncatedAlerts: all.length - kept.length,
  };
}

/** A notifier POSTing Alertmanager webhook JSON to `url`, with the notification's `Idempotency-Key`. */
export function createWebhookNotifier(name: string, cfg: WebhookConfig, deps: NotifierDeps): Notifier {
  return {
    channel: 'webhook',
    name,
    send: (batch, signal) => sendJson(cfg.url, renderWebhook(batch, cfg), {
      channel: 'webhook', receiver: name, deps, signal, secrets: [cfg.url], idempotencyKey: batch.idempotencyKey,
    }),
  };
}
