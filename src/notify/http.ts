/**
 * POSTing JSON to a receiver through the project's one HTTP client (`httpGet`): a total deadline per
 * attempt, a cap on the answer, failures classified, never thrown. The client's failure message names the
 * URL (a secret for Slack and webhooks), so callers get only the result and build texts with `delivery.ts`.
 */
import { httpGet } from '../sources/http-get.js';
import type { Delivery, NotifierDeps } from './types.js';
import { deliveryFromHttp, type HttpResult } from './delivery.js';
import { redactSecrets, redactUrl } from './secret.js';

/** A receiver's answer is only read for an error snippet or a retry hint; anything bigger is cut off. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Options of one POST. */
export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /**
   * Sent as `Idempotency-Key` so a receiver can drop the duplicate of a timed-out attempt (faults C5): one
   * per notification, never per group, or a receiver honouring it drops the group's later news (F8).
   */
  idempotencyKey?: string;
}

/** POSTs `body` as JSON; resolves with the response or a classified failure, never rejects. */
export function postJson(url: string, body: unknown, opts: PostOptions): Promise<HttpResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...opts.headers };
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  return httpGet(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers,
    timeoutMs: opts.timeoutMs,
    maxBytes: MAX_RESPONSE_BYTES,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** What one channel's HTTP send needs besides the body. */
export interface SendJsonOptions {
  channel: string;
  receiver: string;
  deps: NotifierDeps;
  signal: AbortSignal;
  secrets: readonly string[];
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

/** POSTs one rendered body and maps the outcome by the shared table; logs a redacted warning when not sent. */
export async function sendJson(url: string, body: unknown, o: SendJsonOptions): Promise<Delivery> {
  let d: Delivery;
  try {
    const res = await postJson(url, body, {
      timeoutMs: o.deps.timeoutMs,
      signal: o.signal,
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
    });
    d = deliveryFromHttp(res, { url, secrets: o.secrets, timeoutMs: o.deps.timeoutMs });
  } catch (err) {
    // Not expected (the client never rejects), but send() must not reject either; the text is redacted.
    d = { kind: 'failed', error: `POST ${redactUrl(url)}: ${redactSecrets(String((err as Error)?.message ?? err), [url, ...o.secrets])}` };
  }
  logDelivery(o.deps, o.channel, o.receiver, d);
  return d;
}

/** Logs a delivery that did not go out, with fields; the error text is already redacted. */
export function logDelivery(deps: NotifierDeps, channel: string, receiver: string, d: Delivery): void {
  if (d.kind === 'sent') return;
  const fields = { channel, receiver, kind: d.kind, ...('status' in d && d.status !== undefined ? { status: d.status } : {}) };
  if (d.kind === 'skipped') deps.log.info({ ...fields, reason: d.reason }, 'notification skipped');
  else deps.log.warn({ ...fields, error: d.error }, d.kind === 'retry' ? 'notification not delivered, will retry' : 'notification failed');
}
