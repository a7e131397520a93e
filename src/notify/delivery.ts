/**
 * The one table mapping an HTTP outcome to a `Delivery` (docs/STYLE.md "A notifier", faults C1–C3): network
 * errors, timeouts, 408, 429 and 5xx are `retry`; every other non-2xx status is `failed` (1xx and 3xx too: we
 * never follow redirects); 2xx is `sent`. Error texts carry the status and a sanitised, redacted body snippet
 * of at most 256 bytes, never the request URL.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpFailure, HttpResponse } from '../sources/http-get.js';
import type { FailureClass } from '../model/hub.js';
import { formatDuration } from '../config/duration.js';
import type { Delivery } from './types.js';
import { redactSecrets, redactUrl } from './secret.js';
import { oneLine, truncateBytes } from './truncate.js';

/** Most bytes of a response body quoted in an error text. */
export const SNIPPET_BYTES = 256;

/** An HTTP client result; `headers` is read when the client provides it (for `Retry-After`). */
export type HttpResult = (HttpResponse & { headers?: IncomingHttpHeaders }) | HttpFailure;

/** How `deliveryFromHttp` names the request and what it redacts. */
export interface DeliveryOptions {
  /** The request URL: shown only as `scheme://host/<redacted>`, and redacted wherever else it appears. */
  url?: string;
  /** Every secret of the receiver (its URL, token, password…), redacted from error texts. */
  secrets?: readonly string[];
  /** The attempt's deadline, to name it in a timeout error. */
  timeoutMs?: number;
  /** Clock for an HTTP-date `Retry-After`; default `Date.now`. */
  now?: () => number;
}

/** True for the statuses that retrying can help: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Parses a `Retry-After` value (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date measured against `now`
 * (a date in the past means "now", 0). Returns milliseconds, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only an actual HTTP-date: Date.parse would also read "5" or "soon-ish 2024" as some date.
  if (!/^[A-Za-z]{3,9},? .*\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Reads Discord's JSON body `{"retry_after": n}`. The documented unit is seconds (with a fraction), but
 * Discord has sent milliseconds (discord-api-docs#4722); a value over 1000 is read as milliseconds, since a
 * rate-limit hint above 16 minutes in seconds is implausible. Returns milliseconds, or undefined.
 */
export function parseBodyRetryAfter(body: Buffer | string, contentType = 'application/json'): number | undefined {
  if (!/json/i.test(contentType)) return undefined;
  const text = typeof body === 'string' ? body : body.subarray(0, 64 * 1024).toString('utf8');
  if (!text.includes('retry_after')) return undefined;
  try {
    const v = (JSON.parse(text) as { retry_after?: unknown }).retry_after;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
    return Math.round(v > 1000 ? v : v * 1000);
  } catch {
    return undefined;
  }
}

/**
 * A response body as it may appear in an error: redacted (secrets and the path of any URL), control
 * characters removed, whitespace folded, cut to 256 bytes. Redaction runs before the cut, so a cut can never
 * leave the start of a secret behind.
 */
export function sanitiseSnippet(body: Buffer | string, secrets: readonly string[] = []): string {
  const text = typeof body === 'string' ? body.slice(0, 16 * 1024) : body.subarray(0, 16 * 1024).toString('utf8');
  const redacted = redactSecrets(text, secrets).replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (u) => redactUrl(u));
  return truncateBytes(oneLine(redacted).replace(/ {2,}/g, ' ').trim(), SNIPPET_BYTES);
}

// What each network failure class says; the client's own message names the URL, so it is never passed on.
const FAILURE_TEXT: Record<FailureClass, string> = {
  refused: 'connection refused',
  timeout: 'no complete response',
  network: 'network error (connection reset, closed or DNS failure)',
  malformed: 'malformed HTTP response',
  too_large: 'response body over the size cap',
  bad_url: 'not an http(s) URL',
};

/** The request named in an error text: `POST https://host/<redacted>`. */
function where(opts: DeliveryOptions): string {
  return opts.url === undefined ? 'POST' : `POST ${redactUrl(opts.url)}`;
}

/** Maps a status, body and headers to a `Delivery` by the shared table. */
export function deliveryFromStatus(
  status: number, body: Buffer | string, contentType: string, headers: IncomingHttpHeaders | undefined, opts: DeliveryOptions = {},
): Delivery {
  if (status >= 200 && status <= 299) return { kind: 'sent', status };
  const snippet = sanitiseSnippet(body, [...(opts.secrets ?? []), ...(opts.url ? [opts.url] : [])]);
  const error = `${where(opts)}: HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (!isRetryableStatus(status)) {
    const why = status < 200 ? ' (informational status)' : status < 400 ? ' (redirects are not followed)' : '';
    return { kind: 'failed', error: error + why, status };
  }
  const retryAfterMs = parseRetryAfter(headers?.['retry-after'], (opts.now ?? Date.now)())
    ?? parseBodyRetryAfter(body, contentType);
  return retryAfterMs === undefined ? { kind: 'retry', error, status } : { kind: 'retry', error, status, retryAfterMs };
}

/** Maps the result of our HTTP client (`httpGet`/`postJson`) to a `Delivery`, by the shared table. */
export function deliveryFromHttp(res: HttpResult, opts: DeliveryOptions = {}): Delivery {
  if (res.ok) return deliveryFromStatus(res.status, res.body, res.contentType, res.headers, opts);
  let text = FAILURE_TEXT[res.failure];
  // The client's message is only inspected, never quoted: an abort, and the system error code, are kept.
  if (res.failure === 'timeout' && /: aborted$/.test(res.message)) text = 'aborted';
  else if (res.failure === 'timeout' && opts.timeoutMs !== undefined) text += ` within ${formatDuration(opts.timeoutMs)}`;
  const code = /: (E[A-Z]{2,}|ERR_[A-Z_]+|HPE_[A-Z_]+)\b/.exec(res.message)?.[1];
  if (code && res.failure !== 'refused') text += ` [${code}]`;
  const error = `${where(opts)}: ${text}`;
  // A bad URL is a config error: no retry can fix it.
  if (res.failure === 'bad_url') return { kind: 'failed', error };
  return { kind: 'retry', error };
}

/** A `Delivery` whose texts went through `redactSecrets` (or the given redactor): its error, or a skip's reason. */
export function redactDelivery(d: Delivery, secrets: readonly string[] | ((text: string) => string)): Delivery {
  const redact = typeof secrets === 'function' ? secrets : (t: string) => redactSecrets(t, secrets);
  if (d.kind === 'retry' || d.kind === 'failed') return { ...d, error: redact(d.error) };
  if (d.kind === 'skipped') return { ...d, reason: redact(d.reason) };
  return d;
}
